"""The layer registry rendered as JSON for the web map (``/maps/config.json``).

Everything the browser needs to style, label, filter and explain features comes from
here, so the web map and the printed maps draw from the same declarations.
"""

from __future__ import annotations

from dataclasses import asdict

from layers import METRICS, registry
from layers.base import Choice, Field, Layer
from layers.common import GEOM_QUALITY

API_ITEM_URL = "/collections/{layer}/items/{id}"


def _choice(c: Choice) -> dict:
    return {"value": c.value, "label_vi": c.label_vi, "label_en": c.label_en, "color": c.color}


def _field(f: Field) -> dict:
    return {"name": f.name, "type": f.type, "label_vi": f.label_vi, "label_en": f.label_en,
            "unit": f.unit, "choices": [_choice(c) for c in f.choices]}


def layer_config(layer: Layer) -> dict:
    fields = [f for f in layer.all_fields if f.queryable or f.name in ("status_text", "name_en")]
    return {
        "id": layer.id,
        "title_vi": layer.title_vi,
        "title_en": layer.title_en,
        "description_vi": layer.description_vi,
        "description_en": layer.description_en,
        "geometry_type": layer.geometry_type,
        "order": layer.order,
        "feature_fields": layer.feature_fields,
        "fields": [_field(f) for f in fields],
        "metrics": list(layer.metrics),
        "style": asdict(layer.style),
        "data_url": f"/maps/data/{layer.id}.geojson",
        "item_url": API_ITEM_URL.replace("{layer}", layer.id),
    }


def map_config(districts: list[dict] | None = None) -> dict:
    return {
        "layers": [layer_config(layer) for layer in registry.layers()],
        "metrics": {name: asdict(m) for name, m in METRICS.items()},
        "geom_quality": [_choice(c) for c in GEOM_QUALITY],
        "districts": districts or [],
        "export_url": "/exports/map.pdf",
    }
