"""Core of the Cần Thơ planning GIS: settings, database, CRS, admin units, import/export."""

__all__ = ["read_layer", "write_layer"]


def __getattr__(name: str):
    """``gis.read_layer`` / ``gis.write_layer`` (:mod:`gis.frames`), loaded when first used."""
    if name in __all__:
        from gis import frames

        return getattr(frames, name)
    raise AttributeError(name)
