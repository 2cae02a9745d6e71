"""Views of layers declared over an admin table (``Layer.view_of``), built from the
declarations: ``gis migrate`` (re)creates them after the layer tables.

The districts' overview takes its New Rural level from the ntm layer's best record
(``FromBest`` + ``BestRecord``) and sets it by the layer's ``Override`` rules (urban
districts are not applicable); nothing about them is written here.
"""

from __future__ import annotations

from psycopg import sql

from layers import registry
from layers.base import Layer


def rank_sql(src: Layer, alias: str = "s") -> sql.Composable:
    """The rank of a record of ``src`` (a layer with a best record) by its ordered field;
    NULL for the missing value: it never counts."""
    best = src.best_record
    return sql.SQL("array_position(ARRAY[{}]::text[], {}.{})").format(
        sql.SQL(", ").join(map(sql.Literal, src.field(best.rank).ranked)),
        sql.Identifier(alias), sql.Identifier(best.rank))


def best_record_order(src: Layer, alias: str = "s") -> sql.Composable:
    """ORDER BY of the record that counts: highest rank, then the latest year."""
    best = src.best_record
    order = [sql.SQL("{} DESC NULLS LAST").format(rank_sql(src, alias))]
    if best.year:
        order.append(sql.SQL("{}.{} DESC NULLS LAST").format(sql.Identifier(alias),
                                                             sql.Identifier(best.year)))
    return sql.SQL(", ").join(order)


def override_sql(layer: Layer, name: str, value: sql.Composable,
                 alias: str = "d") -> sql.Composable:
    """``value`` with the layer's overrides of field ``name`` applied (CASE WHEN ...)."""
    for o in layer.overrides:
        if o.field == name:
            value = sql.SQL("CASE WHEN {a}.{w} = {wv} THEN {v} ELSE {e} END").format(
                a=sql.Identifier(alias), w=sql.Identifier(o.when_field),
                wv=sql.Literal(o.when_value), v=sql.Literal(o.value), e=value)
    return value


def view_sql(layer: Layer) -> sql.Composable:
    fb = layer.from_best
    taken = dict(fb.fields) if fb else {}
    cols = [sql.SQL("d.code AS id")]
    for f in layer.all_fields:
        if f.name in taken:
            value = sql.SQL("n.{}").format(sql.Identifier(taken[f.name]))
        else:
            value = sql.SQL("d.{}").format(sql.Identifier(f.name))
        cols.append(sql.SQL("{} AS {}").format(override_sql(layer, f.name, value),
                                               sql.Identifier(f.name)))
    cols += [sql.SQL("d.geom"), sql.SQL("ST_Transform(d.geom, 3857) AS geom_3857")]
    join = sql.SQL("")
    if fb:
        src = registry.get(fb.layer)
        best = src.best_record
        where = [sql.SQL("s.{} = d.code").format(sql.Identifier(best.key)),
                 sql.SQL("{} IS NOT NULL").format(rank_sql(src))]
        where += [sql.SQL("s.{} = {}").format(sql.Identifier(k), sql.Literal(v))
                  for k, v in fb.where]
        join = sql.SQL(" LEFT JOIN LATERAL (SELECT {cols} FROM {table} s WHERE {where}"
                       " ORDER BY {order} LIMIT 1) n ON true").format(
            cols=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(theirs))
                                    for _, theirs in fb.fields),
            table=sql.Identifier(src.table), where=sql.SQL(" AND ").join(where),
            order=best_record_order(src))
    return sql.SQL("CREATE VIEW {view} AS SELECT {cols} FROM {base} d{join}").format(
        view=sql.Identifier(layer.table), cols=sql.SQL(", ").join(cols),
        base=sql.Identifier(layer.view_of), join=join)


def create_layer_views(conn) -> list[str]:
    """(Re)create every layer view from the registry (a SQLAlchemy connection); returns
    the views."""
    raw = conn.connection.dbapi_connection
    made = []
    for layer in registry.layers():
        if layer.view_of:
            conn.exec_driver_sql(sql.SQL("DROP VIEW IF EXISTS {}").format(
                sql.Identifier(layer.table)).as_string(raw))
            conn.exec_driver_sql(view_sql(layer).as_string(raw))
            made.append(layer.table)
    return made
