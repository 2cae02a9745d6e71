"""The layer registry rendered as JSON for the web map (``/maps/config.json``).

Everything the browser needs to style, label, filter and explain features comes from
here, so the web map and the printed maps draw from the same declarations.
"""

from __future__ import annotations

from dataclasses import asdict

from psycopg import AsyncConnection, sql

from gis.settings import map_settings
from layers import METRICS, registry
from layers.base import Choice, Field, Layer
from layers.common import GEOM_QUALITY
from layers.figures import QUALIFIERS
from layers.report_fields import DECISION_KINDS

API_ITEM_URL = "/collections/{layer}/items/{id}"
API_TILE_URL = "/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}"


def _choice(c: Choice) -> dict:
    return {"value": c.value, "label_vi": c.label_vi, "label_en": c.label_en, "color": c.color,
            "sign": getattr(c, "sign", None)}  # a qualifier's sign (layers.figures)


def _field(f: Field) -> dict:
    return {"name": f.name, "type": f.type, "label_vi": f.label_vi, "label_en": f.label_en,
            "unit": f.unit, "choices": [_choice(c) for c in f.choices]}


async def feature_counts(conn: AsyncConnection, layers: list[Layer]) -> dict[str, int]:
    """Features per layer, to choose GeoJSON or vector tiles.

    The planner's row estimate is used where it is far above the threshold (a big table
    is not counted on every page load); otherwise the rows are counted."""
    threshold = map_settings().tile_threshold
    cur = await conn.execute(
        "SELECT c.relname, c.reltuples::bigint FROM pg_class c"
        " WHERE c.relname = ANY(%s) AND c.relkind IN ('r', 'p')",
        ([layer.table for layer in layers],))
    estimates = dict(await cur.fetchall())
    exact = [layer for layer in layers if estimates.get(layer.table, -1) < 10 * threshold]
    counts = {layer.id: int(estimates[layer.table]) for layer in layers if layer not in exact}
    if exact:
        cur = await conn.execute(sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {}, count(*) FROM {}").format(sql.Literal(layer.id),
                                                        sql.Identifier(layer.table))
            for layer in exact))
        counts.update({k: int(v) for k, v in await cur.fetchall()})
    return counts


def layer_config(layer: Layer, feature_count: int | None = None) -> dict:
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
        "tile_url": API_TILE_URL.replace("{layer}", layer.id),
        "feature_count": feature_count,
        # over the threshold: drawn from vector tiles (map.js), else fetched as GeoJSON
        "tiled": feature_count is not None and feature_count > map_settings().tile_threshold,
    }


def map_config(districts: list[dict] | None = None,
               counts: dict[str, int] | None = None) -> dict:
    counts = counts or {}
    return {
        "layers": [layer_config(layer, counts.get(layer.id)) for layer in registry.layers()],
        "tile_threshold": map_settings().tile_threshold,
        "metrics": {name: asdict(m) for name, m in METRICS.items()},
        "geom_quality": [_choice(c) for c in GEOM_QUALITY],
        "qualifiers": [_choice(c) for c in QUALIFIERS],
        "decision_kinds": [_choice(c) for c in DECISION_KINDS],
        "districts": districts or [],
        "exports": {"pdf": "/exports/map.pdf", "png": "/exports/map.png",
                    "atlas": "/exports/atlas.pdf"},
    }
