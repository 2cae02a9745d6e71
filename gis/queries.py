"""The SQL pieces of a registry layer: its properties, its progress (current or as of a
date) and its queryables. :class:`gis.query.FeatureQuery` puts them together for the
API, exports and maps, so that all of them show the same values. Queries are composed
with :mod:`psycopg.sql` (identifiers quoted, values as parameters), never by pasting
user input into SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from psycopg import sql

from layers import METRICS
from layers.base import METRIC_PARTS, Layer, metric_column
from layers.figures import PERIOD_KINDS


def progress_columns(layer: Layer) -> list[str]:
    """Flat property names of the current progress: ``m``, ``m_date``, ``m_unit``,
    ``m_source``, ``m_period``, ``m_qualifier``."""
    return [metric_column(m, part) for m in layer.metrics for part in (None, *METRIC_PARTS)]


def _current_progress(layer: Layer) -> sql.Composable:
    """Progress "now": the row's ``progress_current`` (kept by triggers), its values and
    dates through the plain columns generated from it (gis.schema)."""
    cols = []
    for m in layer.metrics:
        cols += [
            sql.SQL("f.{c} AS {c}").format(c=sql.Identifier(m)),
            sql.SQL("f.{c} AS {c}").format(c=sql.Identifier(metric_column(m, "date"))),
            *(sql.SQL("f.progress_current->>{k} AS {c}").format(
                k=sql.Literal(metric_column(m, part)), c=sql.Identifier(metric_column(m, part)))
              for part in ("unit", "source", "period", "qualifier")),
        ]
    cols.append(sql.SQL("f.progress_current->'progress_conflicts' AS progress_conflicts"))
    return sql.SQL(" CROSS JOIN LATERAL (SELECT {}) p").format(sql.SQL(", ").join(cols))


def progress_join(layer: Layer, historical: bool = True) -> sql.Composable:
    """One row per feature with the latest figure of each metric on or before ``as_of``.

    Where two sources give the same metric on the same date, the newer document wins
    for the flat value and ``progress_conflicts`` lists the other values. Without a
    date, the same values come from ``progress_current`` (migration 0003).
    """
    if not layer.metrics:
        return sql.SQL("")
    if not historical:
        return _current_progress(layer)
    parts = []
    for m in layer.metrics:
        lit = sql.Literal(m)
        cast = sql.SQL("::integer") if METRICS[m].integer else sql.SQL("::double precision")
        parts += [
            sql.SQL("max(value) FILTER (WHERE metric = {m}){cast} AS {c}").format(
                m=lit, cast=cast, c=sql.Identifier(m)),
            sql.SQL("max(valid_on) FILTER (WHERE metric = {m}) AS {c}").format(
                m=lit, c=sql.Identifier(metric_column(m, "date"))),
            sql.SQL("max(unit) FILTER (WHERE metric = {m}) AS {c}").format(
                m=lit, c=sql.Identifier(metric_column(m, "unit"))),
            sql.SQL("max(src) FILTER (WHERE metric = {m}) AS {c}").format(
                m=lit, c=sql.Identifier(metric_column(m, "source"))),
            sql.SQL("max(period) FILTER (WHERE metric = {m}) AS {c}").format(
                m=lit, c=sql.Identifier(metric_column(m, "period"))),
            sql.SQL("max(qualifier) FILTER (WHERE metric = {m}) AS {c}").format(
                m=lit, c=sql.Identifier(metric_column(m, "qualifier"))),
        ]
    return sql.SQL(
        " LEFT JOIN LATERAL (SELECT {parts}, "
        "  jsonb_agg(others) FILTER (WHERE others IS NOT NULL) AS progress_conflicts"
        " FROM (SELECT DISTINCT ON (ps.metric) ps.metric, ps.value, ps.valid_on, ps.unit,"
        "   ps.period, ps.qualifier,"
        "   concat_ws(' ', ps.source_doc || CASE WHEN ps.source_line IS NOT NULL"
        "     THEN ':' || ps.source_line ELSE '' END, ps.source_ref) AS src,"
        "   (SELECT jsonb_agg(jsonb_build_object('metric', o.metric, 'value', o.value,"
        "       'valid_on', o.valid_on, 'source_doc', o.source_doc, 'source_line', o.source_line))"
        "    FROM progress_snapshot o WHERE o.layer_id = ps.layer_id"
        "     AND o.feature_id = ps.feature_id AND o.metric = ps.metric"
        "     AND o.valid_on = ps.valid_on AND o.period = ps.period"
        "     AND o.value <> ps.value) AS others"
        "  FROM progress_snapshot ps"
        "  WHERE ps.layer_id = {lid} AND ps.feature_id = f.id"
        "   AND ps.valid_on <= coalesce({asof}::date, 'infinity'::date)"
        "  ORDER BY ps.metric, ps.valid_on DESC, ps.source_doc DESC NULLS LAST,"
        "   ps.source_line DESC NULLS LAST,"
        "   array_position({kinds}::text[], ps.period_kind)"
        "  ) cur) p ON true"
    ).format(parts=sql.SQL(", ").join(parts), lid=sql.Literal(layer.id),
             kinds=sql.Literal([k.value for k in PERIOD_KINDS]),
             asof=sql.Placeholder("as_of"))


def property_exprs(layer: Layer) -> list[tuple[str, sql.Composable]]:
    exprs: list[tuple[str, sql.Composable]] = []
    for f in layer.all_fields:
        col = sql.SQL("f.{}").format(sql.Identifier(f.name))
        if f.type == "number":
            col = sql.SQL("f.{}::double precision").format(sql.Identifier(f.name))
        exprs.append((f.name, col))
    for name in progress_columns(layer):
        exprs.append((name, sql.SQL("p.{}").format(sql.Identifier(name))))
    if layer.metrics:
        exprs.append((PROGRESS_CONFLICTS, sql.SQL("p.progress_conflicts")))
    return exprs


def build_object(pairs: list[tuple[str, sql.Composable]]) -> sql.Composable:
    """``json_build_object`` over many pairs (PostgreSQL allows 100 arguments a call)."""
    chunks = [pairs[i:i + 45] for i in range(0, len(pairs), 45)] or [[]]
    objs = [sql.SQL("{fn}({args})").format(
        fn=sql.SQL("json_build_object" if len(chunks) == 1 else "jsonb_build_object"),
        args=sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(n), e) for n, e in chunk))
        for chunk in chunks]
    if len(objs) == 1:
        return objs[0]
    return sql.SQL("({})::json").format(sql.SQL(" || ").join(objs))


PROGRESS_CONFLICTS = "progress_conflicts"


def progress_names(layer: Layer) -> frozenset[str]:
    """The properties read from the progress row ``p`` (the join a query may need)."""
    names = set(progress_columns(layer))
    return frozenset(names | {PROGRESS_CONFLICTS}) if layer.metrics else frozenset()


@dataclass(frozen=True)
class Queryable:
    name: str
    type: str  # text, integer, number, date, text[], geometry
    expr: sql.Composable
    title_vi: str
    title_en: str
    unit: str | None = None
    enum: tuple[str, ...] = ()


GEOMETRY = "geometry"


@lru_cache
def queryables(layer: Layer) -> dict[str, Queryable]:
    """What a filter, a sort key or a ``name=value`` parameter may name, with its SQL."""
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
        d = metric_column(m_name, "date")
        out[d] = Queryable(d, "date", exprs[d], f"{m.label_vi}: ngày số liệu",
                           f"{m.label_en}: date of the figure")
    out[GEOMETRY] = Queryable(GEOMETRY, "geometry", sql.SQL("f.geom"), "Hình học", "Geometry")
    return out


@lru_cache
def sortables(layer: Layer) -> dict[str, Queryable]:
    return {n: q for n, q in queryables(layer).items() if q.type not in ("geometry", "text[]")}


@lru_cache
def selectable(layer: Layer) -> tuple[str, ...]:
    """Every property a feature of the layer carries, in output order."""
    return tuple(n for n, _ in property_exprs(layer))
