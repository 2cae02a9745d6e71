"""Totals that count each work once.

A figure field such as total investment is added up in summaries. Two records can
describe the same money:

- a part (``parent``) and its parent: the parent's own figure counts; a part's figure
  counts only where its parent has none (002 Phụ lục III row 19 prints no total, its
  sub-rows 19.1 and 19.2 do);
- the same work in two layers (``same_as: "<layer>/<id>"``, written on the secondary
  record): the record it points to counts; the secondary one only where the target has
  no figure of its own.

:func:`counted` is the SQL condition a summary filters its sum with.
"""

from __future__ import annotations

from psycopg import sql

from layers import registry
from layers.base import Layer
from layers.report_fields import PARENT, SAME_AS


def _has_figure(layer: Layer, total: str, fid: sql.Composable, historical: bool
                ) -> sql.Composable:
    """The feature ``fid`` of ``layer`` has a figure ``total``: now (its column), or with
    ``historical`` a progress snapshot of that metric on or before ``%(as_of)s``."""
    if historical and total in layer.metrics:
        return sql.SQL(
            "EXISTS (SELECT 1 FROM progress_snapshot s WHERE s.layer_id = {lid}"
            " AND s.feature_id = {fid} AND s.metric = {m} AND s.valid_on <= %(as_of)s)").format(
            lid=sql.Literal(layer.id), fid=fid, m=sql.Literal(total))
    return sql.SQL("EXISTS (SELECT 1 FROM {t} t WHERE t.id = {fid} AND t.{c} IS NOT NULL)"
                   ).format(t=sql.Identifier(layer.table), fid=fid, c=sql.Identifier(total))


def counted(layer: Layer, total: str, alias: str = "f", historical: bool = False
            ) -> sql.Composable:
    """True where the feature's figure ``total`` (a field name) belongs in a sum of it
    (see the module); ``historical``: the figures as of ``%(as_of)s`` decide."""
    f = sql.Identifier(alias)
    parts = []
    if layer.has_field(PARENT):
        parts.append(sql.SQL("NOT {}").format(_has_figure(
            layer, total, sql.SQL("{}.{}").format(f, sql.Identifier(PARENT)), historical)))
    if layer.has_field(SAME_AS):
        others = [o for o in registry.layers() if o.id != layer.id and o.managed_table
                  and o.has_field(total)]
        # the target's id read from the reference (not the reference built from each id):
        # the look-up is then one step in the target's primary key, not a scan of it
        exists = [sql.SQL("(starts_with({f}.{same}, {prefix}) AND {has})").format(
            f=f, same=sql.Identifier(SAME_AS), prefix=sql.Literal(f"{o.id}/"),
            has=_has_figure(o, total, sql.SQL("substr({}.{}, {})").format(
                f, sql.Identifier(SAME_AS), sql.Literal(len(o.id) + 2)), historical))
            for o in others]
        if exists:
            parts.append(sql.SQL("NOT ({})").format(sql.SQL(" OR ").join(exists)))
    return sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")
