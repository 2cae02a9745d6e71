"""SQL for reading a registry layer: properties, current progress, filters, order.

Shared by the API, exports and printed maps, so that all of them show the same
values. Queries are composed with :mod:`psycopg.sql` (identifiers quoted, values as
parameters), never by pasting user input into SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from psycopg import sql

from layers import METRICS
from layers.base import METRIC_PARTS, Layer, metric_column
from layers.figures import PERIOD_KINDS


def progress_columns(layer: Layer) -> list[str]:
    """Flat property names of the current progress: ``m``, ``m_date``, ``m_unit``,
    ``m_source``, ``m_period``, ``m_qualifier``."""
    cols = []
    for m in layer.metrics:
        cols += [m, *(metric_column(m, part) for part in METRIC_PARTS)]
    return cols


def property_names(layer: Layer) -> list[str]:
    return [f.name for f in layer.all_fields] + progress_columns(layer)


def _current_progress(layer: Layer) -> sql.Composable:
    """Progress "now": the row's ``progress_current`` (kept by triggers), its values and
    dates through the plain columns generated from it (gis.schema)."""
    cols = []
    for m in layer.metrics:
        cols += [
            sql.SQL("f.{c} AS {c}").format(c=sql.Identifier(m)),
            sql.SQL("f.{c} AS {c}").format(c=sql.Identifier(f"{m}_date")),
            sql.SQL("f.progress_current->>{k} AS {c}").format(
                k=sql.Literal(f"{m}_unit"), c=sql.Identifier(f"{m}_unit")),
            *(sql.SQL("f.progress_current->>{k} AS {c}").format(
                k=sql.Literal(metric_column(m, part)), c=sql.Identifier(metric_column(m, part)))
              for part in ("source", "period", "qualifier")),
        ]
    cols.append(sql.SQL("f.progress_current->'progress_conflicts' AS progress_conflicts"))
    return sql.SQL(" CROSS JOIN LATERAL (SELECT {}) p").format(sql.SQL(", ").join(cols))


def _progress_lateral(layer: Layer, historical: bool = True) -> sql.Composable:
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
                m=lit, c=sql.Identifier(f"{m}_date")),
            sql.SQL("max(unit) FILTER (WHERE metric = {m}) AS {c}").format(
                m=lit, c=sql.Identifier(f"{m}_unit")),
            sql.SQL("max(src) FILTER (WHERE metric = {m}) AS {c}").format(
                m=lit, c=sql.Identifier(f"{m}_source")),
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
        exprs.append(("progress_conflicts", sql.SQL("p.progress_conflicts")))
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


@dataclass
class FeatureQuery:
    """What to read from a layer: filter, order, page and the date progress is shown for."""

    layer: Layer
    where: list[sql.Composable] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    order_by: list[sql.Composable] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    as_of: date | None = None
    properties: list[str] | None = None  # None: all
    historical: bool | None = None  # progress as of a date; default: when as_of is set

    @property
    def is_historical(self) -> bool:
        return self.as_of is not None if self.historical is None else self.historical

    def add_where(self, clause: sql.Composable, **params) -> None:
        self.where.append(clause)
        self.params.update(params)

    def selected(self) -> list[tuple[str, sql.Composable]]:
        exprs = property_exprs(self.layer)
        if self.properties is None:
            return exprs
        return [(n, e) for n, e in exprs if n in self.properties]

    def _lateral(self) -> sql.Composable:
        return _progress_lateral(self.layer, self.is_historical)

    def _where(self) -> sql.Composable:
        return sql.SQL(" AND ").join(self.where) if self.where else sql.SQL("TRUE")

    def from_clause(self, join: sql.Composable | None = None) -> sql.Composable:
        """FROM and WHERE over all matching features (for counts and tiles), with ``join``
        added to the FROM list."""
        return sql.SQL("FROM {t} f{lateral}{join} WHERE {where}").format(
            t=sql.Identifier(self.layer.table), lateral=self._lateral(), join=join or sql.SQL(""),
            where=self._where())

    def _uses_progress(self, clauses: list[sql.Composable]) -> bool:
        return 'p."' in sql.Composed(clauses).as_string(None)

    def count_from_clause(self) -> sql.Composable:
        """Like :meth:`from_clause`, joining progress only when the filter needs it."""
        lateral = self._lateral() if self._uses_progress(self.where) else sql.SQL("")
        return sql.SQL("FROM {t} f{lateral} WHERE {where}").format(
            t=sql.Identifier(self.layer.table), lateral=lateral, where=self._where())

    def _order(self) -> sql.Composable:
        order = list(self.order_by)
        if not any(o.as_string(None) == 'f."id"' for o in order):
            order.append(sql.SQL("f.{}").format(sql.Identifier("id")))  # a stable order
        return sql.SQL(" ORDER BY {}").format(sql.SQL(", ").join(order))

    def _limits(self) -> sql.Composable:
        parts = []
        if self.limit is not None:
            parts.append(sql.SQL(" LIMIT {}").format(sql.Literal(self.limit)))
        if self.offset:
            parts.append(sql.SQL(" OFFSET {}").format(sql.Literal(self.offset)))
        return sql.Composed(parts)

    def _page_from(self) -> sql.Composable:
        """FROM … WHERE … ORDER … LIMIT, with the page chosen before properties are built.

        Rows skipped by OFFSET then cost an index step (ids only), not a progress
        look-up and a GeoJSON encoding each.
        """
        if self.limit is None and not self.offset:
            return sql.Composed([self.from_clause(), self._order()])
        needs = self._uses_progress([*self.where, *self.order_by])
        inner_lateral = self._lateral() if needs else sql.SQL("")
        page = sql.SQL("SELECT f.id AS page_id FROM {t} f{lat} WHERE {where}{order}{limits}"
                       ).format(
            t=sql.Identifier(self.layer.table), lat=inner_lateral, where=self._where(),
            order=self._order(), limits=self._limits())
        return sql.SQL("FROM ({page}) page JOIN {t} f ON f.id = page.page_id{lateral}{order}"
                       ).format(page=page, t=sql.Identifier(self.layer.table),
                                lateral=self._lateral(), order=self._order())

    def bind(self) -> dict:
        return {"as_of": self.as_of, **self.params}

    def rows_sql(self, geom: sql.Composable | None = None) -> sql.Composable:
        """A plain SELECT: ``id``, the properties and ``geom`` (as ``geom``)."""
        cols = [sql.SQL("f.id AS id")]
        cols += [sql.SQL("{} AS {}").format(e, sql.Identifier(n)) for n, e in self.selected()]
        cols.append(sql.SQL("{} AS geom").format(geom or sql.SQL("f.geom")))
        return sql.SQL("SELECT {cols} {frm}").format(
            cols=sql.SQL(", ").join(cols), frm=self._page_from())

    def geojson_sql(self, geom: sql.Composable | None = None,
                    maxdecimaldigits: int = 7) -> sql.Composable:
        """One GeoJSON Feature (text) per row, built by PostGIS."""
        props = build_object(self.selected())
        return sql.SQL(
            "SELECT json_build_object('type', 'Feature', 'id', f.id,"
            " 'geometry', ST_AsGeoJSON({g}, {d})::json,"
            " 'properties', {props})::text {frm}"
        ).format(g=geom or sql.SQL("f.geom"), d=sql.Literal(maxdecimaldigits), props=props,
                 frm=self._page_from())
