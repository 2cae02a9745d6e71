"""The district view's summary, built in SQL over the same queries as the maps.

One table per layer that declares a ``DistrictSummary`` (its features grouped by the
declared field, with counts, the declared total and each feature's latest progress),
then, for each layer with a ``BestRecord`` (New Rural), the level of the district and of
each of its units (communes); a unit without a record has the field's ``missing`` value
and the district layer's overrides apply (urban districts: not applicable).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from gis.expr import SortKey
from gis.figures import period_label
from gis.layer_views import best_record_order, override_sql, rank_sql
from gis.queries import progress_columns
from gis.totals import counted
from layers import METRICS, registry
from layers.base import Field, Layer, metric_column
from layers.figures import qualifier
from maps.counters_as_of import record_counts_by
from maps.filters import MapFilter

PAGE = 50  # features listed per group of a section; the rest one link away (never cut silently)


@dataclass(frozen=True)
class ListPage:
    """Which rows of one group the page lists: ``?show=LAYER&group=VALUE&offset=N``
    (``limit=all``: every row of that group); other groups list their first ``PAGE``."""

    layer: str | None = None
    group: str | None = None  # "" is the group of features without a value
    offset: int = 0
    limit: int | None = PAGE  # None: all

    def bounds(self, layer: str, group: str | None) -> tuple[int, int | None]:
        if self.layer == layer and (self.group or None) == group:
            return self.offset, self.limit
        return 0, PAGE


@dataclass
class Section:
    layer: Layer
    rows: list[dict] = field(default_factory=list)
    # by summary.group_by: value, n (all of them, counted in SQL), total, n_total, and the
    # rows listed: offset, shown
    groups: list[dict] = field(default_factory=list)
    n: int = 0  # features of the layer in the district (all of them)


@dataclass
class UnitSection:
    """The best record of ``layer`` for the district and each of its units."""

    layer: Layer
    level: Field  # the field whose choices the level is shown with (overrides included)
    rows: list[dict] = field(default_factory=list)


def latest_progress(layer: Layer, row: dict) -> dict | None:
    """The first of the layer's shading metrics (then any metric) the feature has."""
    names = list(layer.style.progress_metrics) + [m for m in layer.metrics
                                                  if m not in layer.style.progress_metrics]
    for m in names:
        if row.get(m) is not None:
            return {"metric": m, "value": row[m], "date": row.get(metric_column(m, "date")),
                    "source": row.get(metric_column(m, "source")), "unit": METRICS[m].unit,
                    "label_vi": METRICS[m].label_vi, "label_en": METRICS[m].label_en,
                    "sign": qualifier(row.get(metric_column(m, "qualifier"))).sign,
                    "period": period_label(row.get(metric_column(m, "period")))}
    return None


async def district_row(conn: AsyncConnection, code: str) -> dict | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT code, name, full_name, unit_type, unit_type_en, area_km2::float AS area_km2,"
        " ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax"
        " FROM (SELECT *, ST_Envelope(geom) AS e FROM admin_district WHERE code = %s) d",
        (code,))
    return await cur.fetchone()


async def district_list(conn: AsyncConnection) -> list[dict]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT code, name, full_name, unit_type FROM admin_district ORDER BY code")
    return await cur.fetchall()


async def _groups(cur, layer: Layer, flt: MapFilter) -> list[dict]:
    """Count and total per ``group_by`` value (or one group of all), in SQL."""
    by, total = layer.summary.group_by, layer.summary.total
    q = flt.query(layer, properties=["name"])
    # each work counted once: parts of a counted parent, same_as records (gis.totals)
    tot = (sql.SQL("sum(f.{c}) FILTER (WHERE {once})::float AS total,"
                   " count(f.{c}) FILTER (WHERE {once}) AS n_total").format(
        c=sql.Identifier(total), once=counted(layer, total)) if total
        else sql.SQL("NULL::float AS total, 0 AS n_total"))
    value = sql.SQL("f.{}").format(sql.Identifier(by)) if by else sql.SQL("NULL::text")
    await cur.execute(sql.SQL(
        "SELECT {value} AS value, count(*) AS n, {tot} {frm}"
        " GROUP BY 1 ORDER BY count(*) DESC, 1").format(
            value=value, tot=tot, frm=q.from_clause()), q.bind())
    return [g for g in await cur.fetchall() if g["n"]]


async def _section(conn: AsyncConnection, layer: Layer, flt: MapFilter,
                   page: ListPage) -> Section:
    """The layer's features in the district, by group: every group counted, the first
    ``PAGE`` of each listed by name (``page`` chooses another slice of one group)."""
    by = layer.summary.group_by
    cur = conn.cursor(row_factory=dict_row)
    groups = await _groups(cur, layer, flt)
    # the ids of the rows listed, numbered within their group, then those rows only
    value = sql.SQL("f.{}").format(sql.Identifier(by)) if by else sql.SQL("NULL::text")
    ranked = flt.query(layer, properties=["name"])
    cond, params = [], {}
    for i, g in enumerate(groups):
        off, lim = page.bounds(layer.id, g["value"])
        g.update(offset=off, limit=lim)
        params.update({f"g{i}": g["value"], f"o{i}": off, f"l{i}": lim})
        cond.append(sql.SQL(
            "(grp IS NOT DISTINCT FROM {g} AND rn > {o} AND ({l}::int IS NULL"
            " OR rn <= {o} + {l}))").format(g=sql.Placeholder(f"g{i}"),
                                             o=sql.Placeholder(f"o{i}"),
                                             l=sql.Placeholder(f"l{i}")))
    ids: list[str] = []
    if groups:
        await cur.execute(sql.SQL(
            "SELECT id FROM (SELECT f.id, {value}::text AS grp, row_number() OVER"
            " (PARTITION BY {value} ORDER BY f.name NULLS LAST, f.id) AS rn {frm}) x"
            " WHERE {cond}").format(value=value, frm=ranked.from_clause(),
                                    cond=sql.SQL(" OR ").join(cond)),
            {**ranked.bind(), **params})
        ids = [r["id"] for r in await cur.fetchall()]
    rows: list[dict] = []
    if ids:
        base = [f.name for f in layer.all_fields if f.type != "json"]
        q = flt.query(layer, properties=base + progress_columns(layer))
        q.ids = tuple(ids)
        q.sortby = [SortKey("name")]
        await cur.execute(q.rows_sql(sql.SQL("NULL")), q.bind())
        rows = await cur.fetchall()
    for r in rows:
        r["latest"] = latest_progress(layer, r)
    for g in groups:
        g["shown"] = sum(1 for r in rows if (r.get(by) if by else None) == g["value"])
    return Section(layer, rows, groups, sum(g["n"] for g in groups))


async def _units(conn: AsyncConnection, code: str, flt: MapFilter, src: Layer) -> UnitSection:
    best = src.best_record
    shown = sql.SQL("").join(sql.SQL(", n.{}").format(sql.Identifier(c)) for c in best.shown)
    best_sql = sql.SQL(
        " LEFT JOIN LATERAL (SELECT s.* FROM {table} s WHERE s.{key} = {{unit}}"
        " AND {rank} IS NOT NULL AND {counts}"
        " ORDER BY {order} LIMIT 1) n ON true").format(
            table=sql.Identifier(src.table), key=sql.Identifier(best.key), rank=rank_sql(src),
            counts=record_counts_by(src), order=best_record_order(src)).as_string(conn)
    level = sql.SQL("coalesce(n.{}, {})").format(sql.Identifier(best.rank),
                                                 sql.Literal(src.field(best.rank).missing))
    level_field, district_level = src.field(best.rank), level
    for view in registry.layers():  # the districts' overview: its overrides and choices
        mine = next((m for m, theirs in (view.from_best.fields if view.from_best
                                         and view.from_best.layer == src.id else ())
                     if theirs == best.rank), None)
        if mine:
            level_field, district_level = view.field(mine), override_sql(view, mine, level)
    cur = conn.cursor(row_factory=dict_row)
    params = {"code": code, "as_of": flt.as_of, "types": list(best.unit_types)}
    await cur.execute(sql.SQL(
        "SELECT d.code, d.full_name AS name, n.id, {level} AS level{shown}"
        " FROM admin_district d {best} WHERE d.code = %(code)s").format(
            level=district_level, shown=shown, best=sql.SQL(best_sql.format(unit="d.code"))),
        params)
    rows = [await cur.fetchone()]
    await cur.execute(sql.SQL(
        "SELECT c.code, c.full_name AS name, n.id, {level} AS level{shown},"
        " ST_AsGeoJSON(c.geom, 5)::json AS geometry FROM admin_commune c {best}"
        " WHERE c.district_code = %(code)s"
        " AND c.unit_type = ANY(%(types)s) AND c.in_2024_09 ORDER BY c.name").format(
            level=level, shown=shown, best=sql.SQL(best_sql.format(unit="c.code"))), params)
    return UnitSection(src, level_field, rows + await cur.fetchall())


async def district_summary(conn: AsyncConnection, code: str, flt: MapFilter,
                           page: ListPage | None = None) -> dict:
    page = page or ListPage()
    return {
        "sections": [await _section(conn, layer, flt, page)
                     for layer in registry.summary_layers()],
        "units": [await _units(conn, code, flt, layer) for layer in registry.layers()
                  if layer.best_record],
    }
