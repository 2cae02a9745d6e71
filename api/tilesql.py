"""The SQL of a layer's vector tile: ``ST_AsMVT`` over ``ST_AsMVTGeom``, built in PostGIS.

Rendered once per layer (a plain string with ``%(z)s``, ``%(x)s``, ``%(y)s`` and
``%(as_of)s`` placeholders), so that a tile request costs one execute; psycopg then
prepares the statement on each connection after a few uses.
"""

from __future__ import annotations

from functools import lru_cache

from psycopg import sql

from gis.queries import FeatureQuery
from gis.settings import api_settings
from layers import registry
from layers.base import Layer

ENVELOPE = sql.SQL("ST_TileEnvelope(%(z)s, %(x)s, %(y)s)")


def _mvt_value(name: str, expr: sql.Composable, layer: Layer) -> sql.Composable:
    """MVT holds scalars only: lists are joined, JSON and dates become text."""
    t = next((f.type for f in layer.all_fields if f.name == name), None)
    if t == "text[]":
        return sql.SQL("array_to_string({}, ',')").format(expr)
    if t in ("json", "date") or name.endswith("_date") or name == "progress_conflicts":
        return sql.SQL("({})::text").format(expr)
    return expr


def progress_expr(layer: Layer) -> sql.Composable | None:
    """``_progress``: the first of the style's progress metrics the feature has (0-100)."""
    metrics = [m for m in layer.style.progress_metrics if m in layer.metrics]
    if not metrics:
        return None
    return sql.SQL("coalesce({})").format(
        sql.SQL(", ").join(sql.SQL("p.{}").format(sql.Identifier(m)) for m in metrics))


def tile_properties(layer: Layer) -> set[str]:
    """What a tile carries: fields marked ``in_tiles`` and each metric's value and date.
    Long texts, sources and conflicts are left to the API (the popup fetches them)."""
    names = {f.name for f in layer.all_fields if f.in_tiles}
    for m in layer.metrics:
        names |= {m, f"{m}_date"}
    return names


def layer_subquery(layer: Layer, historical: bool = False) -> sql.Composable:
    s = api_settings()
    q = FeatureQuery(layer, historical=historical)
    margin = sql.Literal(s.tile_buffer / s.tile_extent)
    q.add_where(sql.SQL("f.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, "
                        "margin => {})").format(margin))
    cols = [sql.SQL("f.id AS id")]
    cols += [sql.SQL("{} AS {}").format(_mvt_value(n, e, layer), sql.Identifier(n))
             for n, e in q.selected() if n in tile_properties(layer)]
    prog = progress_expr(layer)
    if prog is not None:
        cols.append(sql.SQL("{} AS _progress").format(prog))
    cols.append(sql.SQL("ST_AsMVTGeom(f.geom_3857, {env}, {ext}, {buf}, true) "
                        "AS geom").format(env=ENVELOPE, ext=sql.Literal(s.tile_extent),
                                          buf=sql.Literal(s.tile_buffer)))
    return sql.SQL("(SELECT coalesce(ST_AsMVT(t, {name}, {ext}, 'geom'), ''::bytea) FROM "
                   "(SELECT {cols} {frm}) t)").format(
        name=sql.Literal(layer.id), ext=sql.Literal(s.tile_extent),
        cols=sql.SQL(", ").join(cols), frm=q.from_clause())


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
    if progress_expr(layer) is not None:
        out["_progress"] = "Number"
    return out
