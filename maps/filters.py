"""Filters shared by the web map's data, the district view and printed maps.

They add WHERE clauses to a :class:`gis.queries.FeatureQuery`, so every output reads
the same rows with the same SQL. A filter on a field a layer does not have leaves that
layer alone (a status-class filter does not hide flood works).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from psycopg import sql

from gis.queries import FeatureQuery
from layers import registry
from layers.base import Layer


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


def kind_field(layer: Layer) -> str | None:
    """The field a "kind" filter applies to: the layer's colour field when it has choices."""
    name = layer.style.color_field
    if name and layer.has_field(name) and layer.field(name).choices:
        return name
    return None


@dataclass
class MapFilter:
    """as_of: progress as it stood that day; the rest restrict features (see module doc)."""

    as_of: date | None = None
    district: str | None = None
    status: str | None = None
    status_class: str | None = None
    kind: str | None = None

    def query(self, layer: Layer, properties: list[str] | None = None) -> FeatureQuery:
        q = FeatureQuery(layer, as_of=self.as_of, properties=properties)
        if self.district:
            if layer.feature_fields:
                q.add_where(sql.SQL("%(district)s = ANY(f.districts)"), district=self.district)
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
        return q


def applies(layer: Layer, name: str, value: str) -> bool:
    """A choice filter restricts the layers whose field offers that choice, no others."""
    return layer.has_field(name) and layer.field(name).choice(value) is not None
