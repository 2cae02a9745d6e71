"""Filters shared by the web map's data, the district view, printed maps and the CLI.

They are values given to a :class:`gis.query.FeatureQuery`, so every output reads the
same rows with the same SQL. The choice filters come from the registry: every field
marked ``filter`` is one, under its own name (``?status=completed``); a filter on a
field a layer does not have leaves that layer alone (a status-class filter does not
hide flood works). Bad input is a :class:`gis.errors.GISError` naming the parameter.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from gis.errors import bad_request
from gis.expr import ProgressRange
from gis.query import FeatureQuery
from layers import registry
from layers.base import Layer


def parse_layers(value: str | None) -> list[Layer]:
    """Comma-separated layer ids (empty: all layers), in drawing order."""
    if not value:
        return registry.layers()
    ids = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [i for i in ids if i not in registry]
    if unknown:
        known = ", ".join(layer.id for layer in registry.layers())
        raise bad_request(f"unknown layer(s) {', '.join(unknown)}; layers: {known}", "layers")
    return [layer for layer in registry.layers() if layer.id in ids]


def parse_percent(value: str | None, name: str, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        v = float(value)
    except ValueError:
        raise bad_request(f"{name}={value!r} is not a number (0 to 100)", name) from None
    if not 0 <= v <= 100:
        raise bad_request(f"{name}={value!r} is outside 0 to 100", name)
    return v


def parse_bool(value: str | None, name: str, default: bool = True) -> bool:
    if value in (None, ""):
        return default
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise bad_request(f"{name}={value!r}: use 1 or 0", name)


def parse_text(value: str | None, name: str, longest: int) -> str | None:
    """A line of text printed on the page (title, author, map number, agency): at most
    ``longest`` characters, no control characters; empty is None."""
    v = (value or "").strip()
    if not v:
        return None
    if len(v) > longest:
        raise bad_request(f"{name}: {len(v)} characters; at most {longest}", name)
    if any(unicodedata.category(ch) == "Cc" for ch in v):
        raise bad_request(f"{name}: no control characters (line breaks, tabs) allowed", name)
    return v


def normalise(text: str | None) -> str:
    """"Đường tỉnh 918" and "duong tinh 918" give the same text (as filters.js does)."""
    nfd = unicodedata.normalize("NFD", text or "")
    plain = "".join(c for c in nfd if not unicodedata.combining(c))
    return " ".join(plain.replace("đ", "d").replace("Đ", "D").lower().split())


@dataclass
class MapFilter:
    """as_of: progress as it stood that day; the rest restrict features (see module doc).

    ``choices``: the map filters (field name -> value, see
    :func:`gis.filters.parse_choices`); each
    restricts the layers whose field of that name offers the value. The progress range
    (0-100 %, with or without features of unknown progress) applies to layers shaded by
    progress; ``search`` (name, diacritics optional) to feature layers."""

    as_of: date | None = None
    district: str | None = None
    choices: dict[str, str] = field(default_factory=dict)
    progress_min: float = 0
    progress_max: float = 100
    include_unknown: bool = True
    search: str | None = None

    def __post_init__(self):
        if self.progress_min > self.progress_max:
            raise bad_request(f"progress range {self.progress_min:g}-{self.progress_max:g}: "
                              "the minimum is above the maximum", "pmin")

    def matches_search(self, layer: Layer, props: dict) -> bool:
        """The name search, applied to rows read (printed maps)."""
        if not self.search or not layer.feature_fields:
            return True
        hay = normalise(f"{props.get('name') or ''} {props.get('name_en') or ''}")
        return all(w in hay for w in normalise(self.search).split())

    def query(self, layer: Layer, properties: list[str] | None = None) -> FeatureQuery:
        """The feature query of ``layer`` under this filter (values, no SQL)."""
        return FeatureQuery(
            layer, as_of=self.as_of, properties=properties, district=self.district,
            equals=[(n, v) for n, v in self.choices.items() if applies(layer, n, v)],
            progress=ProgressRange(self.progress_min, self.progress_max, self.include_unknown))


def applies(layer: Layer, name: str, value: str) -> bool:
    """A choice filter restricts the layers whose field offers that choice, no others."""
    return layer.has_field(name) and layer.field(name).choice(value) is not None
