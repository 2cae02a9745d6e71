"""Per-collection paths in the OpenAPI document: ``/collections/{id}/items`` of every
layer, with the generic parameters and one ``name=value`` query parameter per queryable
(typed, choices as enums), so that clients and fuzzers (Schemathesis) see and try the
property filters each collection accepts."""

from __future__ import annotations

import copy

from gis.queries import GEOMETRY, queryables
from layers import registry

TEMPLATE = "/collections/{collectionId}/items"
_TYPES = {"text": {"type": "string"}, "text[]": {"type": "string"},
          "integer": {"type": "integer"}, "number": {"type": "number"},
          "date": {"type": "string", "format": "date"}}


# OGC API Features Part 1 (7.15.3): bbox as a form-style array of 4 or 6 numbers
BBOX = {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "description": "minx,miny,maxx,maxy (or 6 numbers with heights) in `bbox-crs` axis "
                       "order"}


def _param(q) -> dict:
    schema = dict(_TYPES[q.type])
    if q.enum:
        schema["enum"] = list(q.enum)
    what = "contains" if q.type == "text[]" else "equals"
    return {"name": q.name, "in": "query", "required": False, "style": "form",
            "explode": False, "schema": schema,
            "description": f"features whose {q.name} {what} this value "
                           f"({q.title_vi} / {q.title_en})"}


def add_collection_paths(doc: dict) -> None:
    generic = doc.get("paths", {}).get(TEMPLATE, {}).get("get")
    if generic is None:
        return
    for layer in registry.layers():
        op = copy.deepcopy(generic)
        op["operationId"] = f"{generic.get('operationId', 'items')}_{layer.id}"
        op["summary"] = f"{layer.title_en}: features"
        taken = {p["name"] for p in op.get("parameters", [])}
        op["parameters"] = [BBOX if p["name"] == "bbox" else p
                            for p in op.get("parameters", []) if p["name"] != "collectionId"]
        op["parameters"] += [_param(q) for name, q in queryables(layer).items()
                             if name != GEOMETRY and name not in taken]
        doc["paths"][f"/collections/{layer.id}/items"] = {"get": op}
