"""Which column of a file is which field of the layer: ``--map FIELD=COLUMN`` and
``--mapping mapping.yaml`` first, then what the file says (a shapefile's ``fields.csv``,
an XLSX "Cột" sheet), then the field's name, its shapefile short name or its Vietnamese
label (with or without its unit), case and spaces aside."""

from __future__ import annotations

from pathlib import Path

import yaml

from gis.errors import GISError
from gis.export_files import labels, short_name
from gis.export_xlsx import header
from gis.frames import column_types
from layers.base import Layer


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def parse_maps(items: tuple[str, ...], mapping_file: Path | None) -> dict[str, str]:
    """``{field: column}`` from ``--map`` options and a YAML mapping file."""
    out: dict[str, str] = {}
    if mapping_file:
        data = yaml.safe_load(Path(mapping_file).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise GISError(400, f"{mapping_file}: expected FIELD: COLUMN lines",
                           parameter="mapping")
        out.update({str(k): str(v) for k, v in data.items()})
    for item in items:
        name, sep, col = item.partition("=")
        if not sep or not name.strip() or not col.strip():
            raise GISError(400, f"--map {item!r}: expected FIELD=COLUMN", parameter="map")
        out[name.strip()] = col.strip()
    return out


def column_fields(layer: Layer, columns: list[str], given: dict[str, str],
                  from_file: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """``{column: field}`` for the columns that carry a field, and the columns left over."""
    known = {"id", *column_types(layer)}
    for fld in given:
        if fld not in known:
            raise GISError(400, f"--map {fld}=…: layer {layer.id} has no field {fld!r}",
                           parameter="map", field=fld)
    by_key: dict[str, str] = {}
    for name, label in labels(layer).items():
        if name not in known:
            continue
        # GDAL's own shapefile names are the first 10 characters
        for alias in (name, short_name(name), label[0], header(name, label), name[:10]):
            by_key.setdefault(_key(alias), name)
    out: dict[str, str] = {}
    wanted = {col: fld for fld, col in given.items()}
    for col in columns:
        fld = wanted.get(col) or from_file.get(col) or by_key.get(_key(col))
        if fld in known and fld not in out.values():
            out[col] = fld
    missing = [c for c in given.values() if c not in columns]
    if missing:
        raise GISError(400, f"--map names column(s) not in the file: {', '.join(missing)}; "
                       f"columns: {', '.join(map(str, columns))}", parameter="map")
    return out, [c for c in columns if c not in out]
