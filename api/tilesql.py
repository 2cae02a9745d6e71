"""The SQL of a layer's vector tile: ``ST_AsMVT`` over ``ST_AsMVTGeom``, built in PostGIS.

Rendered once per layer (a plain string with ``%(z)s``, ``%(x)s``, ``%(y)s`` and
``%(as_of)s`` placeholders), so that a tile request costs one execute; psycopg then
prepares the statement on each connection after a few uses.
"""

from __future__ import annotations

from functools import lru_cache

from psycopg import sql

from gis.queries import PROGRESS_CONFLICTS
from gis.query import FeatureQuery
from gis.settings import api_settings
from layers import registry
from layers.base import Layer, metric_column

# The tile once per query (OFFSET 0 keeps the planner from copying it into every row, as
# it would in a prepared statement's generic plan): its envelope, the clip area (the
# envelope and the buffer), the size of one tile unit in metres and its top-left corner.
TILE = sql.SQL(
    "(SELECT env, ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {margin}) AS clip, "
    "(ST_XMax(env) - ST_XMin(env)) / {ext} AS unit, ST_XMin(env) AS x0, ST_YMax(env) AS y0 "
    "FROM (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env) e OFFSET 0) tile")


def _mvt_value(name: str, expr: sql.Composable, layer: Layer) -> sql.Composable:
    """MVT holds scalars only: lists are joined, JSON and dates become text."""
    t = next((f.type for f in layer.all_fields if f.name == name), None)
    if t == "text[]":
        return sql.SQL("array_to_string({}, ',')").format(expr)
    if t in ("json", "date") or name in _progress_texts(layer):
        return sql.SQL("({})::text").format(expr)
    return expr


def _progress_texts(layer: Layer) -> set[str]:
    return {metric_column(m, "date") for m in layer.metrics} | {PROGRESS_CONFLICTS}


def tile_properties(layer: Layer) -> set[str]:
    """What a tile carries: fields marked ``in_tiles`` and each metric's value and date.
    Long texts, sources and conflicts are left to the API (the popup fetches them)."""
    names = {f.name for f in layer.all_fields if f.in_tiles}
    for m in layer.metrics:
        names |= {m, metric_column(m, "date")}
    return names


def selection_margin(layer: Layer) -> float:
    """How far beyond the tile features are picked up, as a share of the tile's width.

    Points and lines take the whole clip buffer: a marker or a line's width drawn near
    the edge of the next tile reaches into this one. A polygon that does not reach the
    tile draws nothing in it (its fill lies inside it), so polygon layers take the
    features that touch the tile itself, which spares encoding a rim of features that
    would only be cut away again."""
    s = api_settings()
    if layer.geometry_type in ("Polygon", "MultiPolygon"):
        return 0.0
    return s.tile_buffer / s.tile_extent


def layer_subquery(layer: Layer, historical: bool = False) -> sql.Composable:
    s = api_settings()
    q = FeatureQuery(layer, historical=historical, tile_margin=selection_margin(layer))
    cols = [sql.SQL("f.id AS id")]
    cols += [sql.SQL("{} AS {}").format(_mvt_value(n, e, layer), sql.Identifier(n))
             for n, e in q.selected() if n in tile_properties(layer)]
    cols.append(sql.SQL("{} AS geom").format(tile_geometry(layer)))
    return sql.SQL("(SELECT coalesce(ST_AsMVT(t, {name}, {ext}, 'geom'), ''::bytea) FROM "
                   "(SELECT {cols} {frm}) t)").format(
        name=sql.Literal(layer.id), ext=sql.Literal(s.tile_extent),
        cols=sql.SQL(", ").join(cols),
        frm=q.from_clause(join=sql.SQL(" CROSS JOIN {}").format(
            TILE.format(ext=sql.Literal(float(s.tile_extent)),
                        margin=sql.Literal(s.tile_buffer / s.tile_extent)))))


def tile_geometry(layer: Layer) -> sql.Composable:
    """A feature's geometry in tile units: ``ST_AsMVTGeom`` (clip, snap to the grid, make
    valid), or its cheap steps alone where they are known to give the same result.

    That is where the feature lies inside the clip area (nothing to cut) and its minimum
    clearance (``geom_3857_clearance``, gis.schema) exceeds two tile units: snapping
    moves each vertex by at most 0.71 units, less than half the clearance, and a valid
    geometry moved by less than half its clearance stays valid and keeps its rings'
    turning (already as MVT wants them in ``geom_3857``). The affine transform is the one
    ``ST_AsMVTGeom`` applies; ``ST_Simplify(…, 0)`` drops the vertices that snapping put
    on a straight edge, as its validation does. tests/api/test_tile_geometry.py holds
    both paths to the same vertices. Views have no clearance column and always take
    ``ST_AsMVTGeom``."""
    s = api_settings()
    mvt = sql.SQL("ST_AsMVTGeom(f.geom_3857, tile.env, {ext}, {buf}, true)").format(
        ext=sql.Literal(s.tile_extent), buf=sql.Literal(s.tile_buffer))
    if not layer.managed_table:
        return mvt
    return sql.SQL(
        "CASE WHEN f.geom_3857 @ tile.clip AND f.geom_3857_clearance > 2 * tile.unit"
        " THEN ST_Simplify(ST_SnapToGrid(ST_Affine(f.geom_3857, 1 / tile.unit, 0, 0,"
        " -1 / tile.unit, -tile.x0 / tile.unit, tile.y0 / tile.unit), 1), 0)"
        " ELSE {mvt} END").format(mvt=mvt)


@lru_cache
def tile_sql(layer_id: str | None, historical: bool = False) -> str:
    """One layer's tile, or (``None``) all layers' tiles concatenated in drawing order.

    ``historical``: progress as of ``%(as_of)s`` instead of the current progress."""
    layers = registry.layers() if layer_id is None else [registry.get(layer_id)]
    expr = sql.SQL(" || ").join(layer_subquery(layer, historical) for layer in layers)
    return sql.SQL("SELECT {}").format(expr).as_string(None)


def mvt_fields(layer: Layer) -> dict[str, str]:
    """TileJSON ``vector_layers`` fields: name -> type."""
    out = {"id": "String"}
    types = {f.name: f.type for f in layer.all_fields}
    for name, _ in FeatureQuery(layer).selected():
        if name not in tile_properties(layer):
            continue
        t = types.get(name)
        out[name] = "Number" if t in ("number", "integer") or (
            t is None and name in layer.metrics) else "String"
    return out
