"""What a client may name in a layer: queryables, sortables and selectable properties.

Derived from the layer registry (fields and tracked progress metrics) and the SQL
expressions of :mod:`gis.queries`, so that filters see the same values as the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from psycopg import sql

from gis.queries import progress_columns, property_exprs
from layers import METRICS
from layers.base import Layer

GEOMETRY = "geometry"


@dataclass(frozen=True)
class Queryable:
    name: str
    type: str  # text, integer, number, date, text[], geometry
    expr: sql.Composable
    title_vi: str
    title_en: str
    unit: str | None = None
    enum: tuple[str, ...] = ()


@lru_cache
def queryables(layer: Layer) -> dict[str, Queryable]:
    exprs = dict(property_exprs(layer))
    out = {"id": Queryable("id", "text", sql.SQL("f.id"), "Mã", "Identifier")}
    for f in layer.queryables:
        if f.type == "json":
            continue
        out[f.name] = Queryable(f.name, f.type, exprs[f.name], f.label_vi, f.label_en, f.unit,
                                tuple(c.value for c in f.choices))
    for m_name in layer.metrics:
        m = METRICS[m_name]
        out[m_name] = Queryable(m_name, "integer" if m.integer else "number", exprs[m_name],
                                f"{m.label_vi} (tiến độ hiện tại)", f"{m.label_en} (current)",
                                m.unit)
        out[f"{m_name}_date"] = Queryable(f"{m_name}_date", "date", exprs[f"{m_name}_date"],
                                          f"{m.label_vi}: ngày số liệu",
                                          f"{m.label_en}: date of the figure")
    out[GEOMETRY] = Queryable(GEOMETRY, "geometry", sql.SQL("f.geom"), "Hình học", "Geometry")
    return out


@lru_cache
def sortables(layer: Layer) -> dict[str, Queryable]:
    return {n: q for n, q in queryables(layer).items() if q.type not in ("geometry", "text[]")}


@lru_cache
def selectable(layer: Layer) -> tuple[str, ...]:
    names = [n for n, _ in property_exprs(layer)]
    assert set(progress_columns(layer)) <= set(names)
    return tuple(names)


def json_schema_type(q: Queryable) -> dict:
    if q.type == "geometry":
        return {"format": "geometry-any", "$ref": "https://geojson.org/schema/Geometry.json"}
    if q.type == "text[]":
        return {"type": "array", "items": {"type": "string"}}
    if q.type == "date":
        return {"type": "string", "format": "date"}
    return {"type": {"text": "string", "integer": "integer", "number": "number"}[q.type]}
