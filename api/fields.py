"""The JSON Schema of a layer's properties and queryables (collection documents, HTML).

Queryables (with their SQL) live in :mod:`gis.queries`, beside the properties they read;
this module adds their JSON Schema for the API documents.
"""

from __future__ import annotations

from functools import lru_cache

from gis.queries import Queryable, selectable
from layers import METRICS
from layers.base import Layer, metric_column
from layers.figures import QUALIFIERS


def json_schema_type(q: Queryable) -> dict:
    if q.type == "geometry":
        return {"format": "geometry-any", "$ref": "https://geojson.org/schema/Geometry.json"}
    if q.type == "text[]":
        return {"type": "array", "items": {"type": "string"}}
    if q.type == "date":
        return {"type": "string", "format": "date"}
    return {"type": {"text": "string", "integer": "integer", "number": "number"}[q.type]}


_FIELD_SCHEMA = {
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "text[]": {"type": "array", "items": {"type": "string"}},
}


@lru_cache
def property_schemas(layer: Layer) -> dict[str, dict]:
    """JSON Schema of every property a feature of the layer carries (in output order).

    Every property may be null (a figure not reported, a field left empty); the types
    are plain strings so that clients reading ``type`` alone (GDAL) type the fields.
    """
    out: dict[str, dict] = {}
    for f in layer.all_fields:
        s = dict(_FIELD_SCHEMA.get(f.type, {"type": "object"}))
        if f.type == "json":
            s = {"type": "array", "items": {"type": "object"}}
        s.update({"title": f.label_vi, "description": f.label_en})
        if f.unit:
            s["x-ogc-unit"] = f.unit
        if f.choices:
            s["enum"] = [c.value for c in f.choices]
        out[f.name] = s
    for m_name in layer.metrics:
        m = METRICS[m_name]
        out[m_name] = {"type": "integer" if m.integer else "number",
                       "title": f"{m.label_vi} (tiến độ hiện tại)",
                       "description": f"{m.label_en} (current progress)", "x-ogc-unit": m.unit}
        if m.percent:
            out[m_name].update(minimum=0, maximum=100)
        out[f"{m_name}_date"] = {"type": "string", "format": "date",
                                 "title": f"{m.label_vi}: ngày số liệu",
                                 "description": f"{m.label_en}: date of the figure"}
        out[f"{m_name}_unit"] = {"type": "string", "title": f"{m.label_vi}: đơn vị",
                                 "description": f"{m.label_en}: unit", "enum": [m.unit]}
        out[f"{m_name}_source"] = {"type": "string", "title": f"{m.label_vi}: nguồn",
                                   "description": f"{m.label_en}: source (document:line)"}
        out[metric_column(m_name, "period")] = {
            "type": "string", "title": f"{m.label_vi}: kỳ số liệu",
            "description": f"{m.label_en}: period covered (point, year:YYYY, "
                           "multi_year:YYYY-YYYY, cumulative[:YYYY-[YYYY]])"}
        out[metric_column(m_name, "qualifier")] = {
            "type": "string", "title": f"{m.label_vi}: mức độ",
            "enum": [q.value for q in QUALIFIERS],
            "description": f"{m.label_en}: qualifier as printed (exact, about, over, under)"}
    if layer.metrics:
        out["progress_conflicts"] = {
            "type": "array", "items": {"type": "object"},
            "title": "Số liệu mâu thuẫn", "description": "Other values reported for the same "
            "metric and date by another source"}
    assert list(out) == list(selectable(layer)), "schema and output disagree"
    for s in out.values():
        s["nullable"] = True
    return out
