"""Filters shared by the web map's data, the district view and printed maps.

They add WHERE clauses to a :class:`gis.queries.FeatureQuery`, so every output reads
the same rows with the same SQL. A filter on a field a layer does not have leaves that
layer alone (a status-class filter does not hide flood works).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from psycopg import sql

from gis.queries import FeatureQuery
from layers import METRICS, registry
from layers.base import Layer
from layers.report_fields import PLACE_FIELDS


class BadRequest(ValueError):
    """Bad input from a user: answered with ``status`` (400 or 404) and the message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status
        self.message = message


def parse_date(value: str | None, name: str = "as_of") -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name}={value!r} is not a date (YYYY-MM-DD)") from None


def parse_layers(value: str | None) -> list[Layer]:
    """Comma-separated layer ids (empty: all layers), in drawing order."""
    if not value:
        return registry.layers()
    ids = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [i for i in ids if i not in registry]
    if unknown:
        known = ", ".join(layer.id for layer in registry.layers())
        raise BadRequest(f"unknown layer(s) {', '.join(unknown)}; layers: {known}")
    return [layer for layer in registry.layers() if layer.id in ids]


def parse_percent(value: str | None, name: str, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        v = float(value)
    except ValueError:
        raise BadRequest(f"{name}={value!r} is not a number (0 to 100)") from None
    if not 0 <= v <= 100:
        raise BadRequest(f"{name}={value!r} is outside 0 to 100")
    return v


def parse_bool(value: str | None, name: str, default: bool = True) -> bool:
    if value in (None, ""):
        return default
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise BadRequest(f"{name}={value!r}: use 1 or 0")


def normalise(text: str | None) -> str:
    """"Đường tỉnh 918" and "duong tinh 918" give the same text (as filters.js does)."""
    nfd = unicodedata.normalize("NFD", text or "")
    plain = "".join(c for c in nfd if not unicodedata.combining(c))
    return " ".join(plain.replace("đ", "d").replace("Đ", "D").lower().split())


def progress_sql(layer: Layer) -> sql.Composable | None:
    """The value a feature is shaded by: its first percent shading metric (0-100)."""
    names = [m for m in layer.style.progress_metrics
             if m in layer.metrics and METRICS[m].percent]
    if not names:
        return None
    first = sql.SQL("coalesce({})").format(
        sql.SQL(", ").join(sql.SQL("p.{}").format(sql.Identifier(m)) for m in names))
    # clamped to 0-100 as the web map does; greatest/least alone would turn NULL into 0 or 100
    return sql.SQL("(CASE WHEN {v} IS NOT NULL THEN greatest(0, least(100, {v})) END)").format(
        v=first)


def kind_field(layer: Layer) -> str | None:
    """The field a "kind" filter applies to: the layer's colour field when it has choices."""
    name = layer.style.color_field
    if name and layer.has_field(name) and layer.field(name).choices:
        return name
    return None


@dataclass
class MapFilter:
    """as_of: progress as it stood that day; the rest restrict features (see module doc).

    The progress range (0-100 %, with or without features of unknown progress) applies to
    layers shaded by progress; ``search`` (name, diacritics optional) to feature layers."""

    as_of: date | None = None
    district: str | None = None
    status: str | None = None
    status_class: str | None = None
    kind: str | None = None
    progress_min: float = 0
    progress_max: float = 100
    include_unknown: bool = True
    search: str | None = None

    def __post_init__(self):
        if self.progress_min > self.progress_max:
            raise BadRequest(f"progress range {self.progress_min:g}-{self.progress_max:g}: "
                             "the minimum is above the maximum")

    def matches_search(self, layer: Layer, props: dict) -> bool:
        """The name search, applied to rows read (printed maps)."""
        if not self.search or not layer.feature_fields:
            return True
        hay = normalise(f"{props.get('name') or ''} {props.get('name_en') or ''}")
        return all(w in hay for w in normalise(self.search).split())

    def query(self, layer: Layer, properties: list[str] | None = None) -> FeatureQuery:
        q = FeatureQuery(layer, as_of=self.as_of, properties=properties)
        if self.district:
            if layer.feature_fields:
                # named in the text, or inferred (layers.report_fields.PLACE_FIELDS)
                q.add_where(sql.SQL("({})").format(sql.SQL(" OR ").join(
                    sql.SQL("%(district)s = ANY(f.{})").format(sql.Identifier(n))
                    for n in PLACE_FIELDS if layer.has_field(n))), district=self.district)
            elif layer.has_field("district"):  # a layer keeping one district code a feature
                q.add_where(sql.SQL("f.district = %(district)s"), district=self.district)
            else:
                q.add_where(sql.SQL("f.id = %(district)s"), district=self.district)
        kf = kind_field(layer) if layer.feature_fields else None
        for name, value in (("status", self.status), ("status_class", self.status_class),
                            (kf, self.kind)):
            if value and name and applies(layer, name, value):
                q.add_where(sql.SQL("f.{} = %({})s").format(sql.Identifier(name),
                                                            sql.SQL(f"v_{name}")),
                            **{f"v_{name}": value})
        prog = progress_sql(layer)
        ranged = self.progress_min > 0 or self.progress_max < 100
        if prog is not None and (ranged or not self.include_unknown):
            within = sql.SQL("{} BETWEEN %(p_min)s AND %(p_max)s").format(prog)
            clause = (sql.SQL("({} OR {} IS NULL)").format(within, prog)
                      if self.include_unknown else within)
            q.add_where(clause, p_min=self.progress_min, p_max=self.progress_max)
        return q


def applies(layer: Layer, name: str, value: str) -> bool:
    """A choice filter restricts the layers whose field offers that choice, no others."""
    return layer.has_field(name) and layer.field(name).choice(value) is not None
