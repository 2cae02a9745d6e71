"""The layer registry rendered as JSON for the web map (``/maps/config.json``).

Everything the browser needs to style, label, filter and explain features comes from
here, so the web map and the printed maps draw from the same declarations.
"""

from __future__ import annotations

from dataclasses import asdict

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from gis.extent import Extent
from gis.settings import map_settings
from layers import METRICS, registry
from layers.base import JSON_POPUPS, METRIC_PARTS, Choice, Field, Layer, metric_column
from layers.figures import QUALIFIERS
from layers.report_fields import DECISION_KINDS
from maps.context import CURRENT_WARDS

API_ITEM_URL = "/collections/{layer}/items/{id}"
API_TILE_URL = "/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}"


def _choice(c: Choice) -> dict:
    return {"value": c.value, "label_vi": c.label_vi, "label_en": c.label_en, "color": c.color,
            "dashed": c.dashed, "sign": getattr(c, "sign", None)}  # a qualifier's sign


def _field(f: Field) -> dict:
    return {"name": f.name, "type": f.type, "label_vi": f.label_vi, "label_en": f.label_en,
            "unit": f.unit, "unit_en": f.unit_en, "choices": [_choice(c) for c in f.choices],
            "filter": f.filter, "missing": f.missing, "ordered": f.ordered, "popup": f.popup,
            "qualifies": f.qualifies}


def totals(layer: Layer) -> dict[str, str]:
    """Each metric's total where the layer has it (a metric it tracks or one of its
    fields): the popup's bar shows done / total."""
    return {m: METRICS[m].total for m in layer.metrics
            if METRICS[m].total and (METRICS[m].total in layer.metrics
                                     or layer.has_field(METRICS[m].total))}


def filters() -> list[dict]:
    """The filter selects of the web map and the print dialog: one per filter field name,
    with the choices of every layer declaring it (first label wins)."""
    out = []
    for name, layers in registry.filter_fields():
        fields = [layer.field(name) for layer in layers]
        choices: dict[str, Choice] = {}
        for f in fields:
            for c in f.choices:
                choices.setdefault(c.value, c)
        out.append({"name": name, "label_vi": fields[0].label_vi,
                    "label_en": fields[0].label_en, "layers": [la.id for la in layers],
                    "choices": [_choice(c) for c in choices.values()]})
    labels = [f["label_vi"] for f in out]
    for f in out:  # two filters of one label: each says the layer it is about
        if len(f["layers"]) == 1 and labels.count(f["label_vi"]) > 1:
            layer = registry.get(f["layers"][0])
            f["label_vi"] += f" – {layer.title_vi}"
            f["label_en"] += f" – {layer.title_en}"
    return out


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


async def reference_lists(conn: AsyncConnection) -> dict:
    """What popups resolve codes with: wards (code -> name, district) and source
    documents (id -> title, number, date)."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT code, full_name, district_code FROM admin_commune WHERE "
                      + CURRENT_WARDS + " ORDER BY code")
    wards = await cur.fetchall()
    await cur.execute("SELECT id, title, title_en, report_no, issued_on::text AS issued_on"
                      " FROM source_document ORDER BY id")
    return {"wards": wards, "sources": {r.pop("id"): r for r in await cur.fetchall()}}


def print_config() -> dict:
    """What the print dialog offers beside the map's own choices: every declared layout
    (maps/layouts/), the resolutions, the default agency header and the logo's limits."""
    from maps.layouts import get_layout, layout_names
    from maps.logo import MAX_BYTES
    from maps.printing import AGENCY, DPIS

    layouts = [get_layout(n) for n in layout_names()]
    return {"layouts": [{"name": la.name, "label_vi": la.label_vi, "label_en": la.label_en,
                         "size": la.size, "orientation": la.orientation} for la in layouts],
            "default_layout": get_layout().name,  # the CLI's and the endpoints' default
            "dpis": list(DPIS), "agency": AGENCY, "logo_max_bytes": MAX_BYTES,
            "logo_types": ["image/png", "image/jpeg"]}  # the server checks the bytes


def layer_config(layer: Layer, feature_count: int | None = None) -> dict:
    from maps.classes import class_metrics  # maps.classes reads this module's totals()

    fields = [f for f in layer.all_fields if f.type != "json" or f.popup in JSON_POPUPS]
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
        # role -> field (layers.base.FIELD_ROLES): popups and tables find the feature's
        # name, districts, wards and source through these
        "roles": layer.roles,
        "metrics": list(layer.metrics),
        # what printed maps can class this layer's features by (the print dialog's metric)
        "class_metrics": class_metrics(layer),
        "totals": totals(layer),
        "style": asdict(layer.style),
        "data_url": f"/maps/data/{layer.id}.geojson",
        "item_url": API_ITEM_URL.replace("{layer}", layer.id),
        # every figure of a feature with its source (api/items.py)
        "history_url": API_ITEM_URL.replace("{layer}", layer.id) + "/progress",
        "tile_url": API_TILE_URL.replace("{layer}", layer.id),
        "feature_count": feature_count,
        # over the threshold: drawn from vector tiles (map.js), else fetched as GeoJSON
        "tiled": feature_count is not None and feature_count > map_settings().tile_threshold,
    }


def map_config(districts: list[dict] | None = None,
               counts: dict[str, int] | None = None, extent: Extent | None = None,
               references: dict | None = None) -> dict:
    counts = counts or {}
    references = references or {}
    return {
        "layers": [layer_config(layer, counts.get(layer.id)) for layer in registry.layers()],
        "tile_threshold": map_settings().tile_threshold,
        "metrics": {name: asdict(m) for name, m in METRICS.items()},
        # a metric's flat properties: "{metric}_date", ... (layers.base.metric_column)
        "metric_columns": {p: metric_column("{metric}", p) for p in METRIC_PARTS},
        "filters": filters(),
        # the layer whose features are the districts (its ids are district codes)
        "district_layer": getattr(registry.district_layer(), "id", None),
        "extent": extent.latlng_bounds if extent else None,
        "qualifiers": [_choice(c) for c in QUALIFIERS],
        "decision_kinds": [_choice(c) for c in DECISION_KINDS],
        "districts": districts or [],
        "wards": references.get("wards", []),
        "sources": references.get("sources", {}),
        "print": print_config(),
        "exports": {"pdf": "/exports/map.pdf", "png": "/exports/map.png",
                    "html": "/exports/map.html", "atlas": "/exports/atlas.pdf"},
    }
