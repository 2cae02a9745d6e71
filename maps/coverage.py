"""Counters of the district and city dashboards, in SQL over the registry's declarations.

For every layer with a ``DistrictSummary``: features by ``group_by`` (status), the sum of
``total`` (investment) and the mean of the first shading metric (occupancy, construction)
with how many features have it, per district and for the city. A feature spanning several
districts counts in each of them, but once in the city's totals (the city's row is its own
query over the layer, not the sum of the districts'). For the layer with a ``BestRecord``
(New Rural): units of the declared types with a record / all of them. For layers declaring
``DistrictSummary.overdue``: features under way past their planned end year, with no new
figure for ``GIS_DASHBOARD_STALE_MONTHS``, or unchanged between their last two figures.
"""

from __future__ import annotations

from datetime import date

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from gis.layer_views import best_record_order, rank_sql
from gis.settings import dashboard_settings
from layers import METRICS, registry
from layers.base import Layer
from maps.investment import period_totals

CITY = "city"  # the key of the whole city's row
STALLED_SHOWN = 200  # stalled features listed per layer (all of them are counted)


def _district_join(per_district: bool, only: str | None) -> sql.Composable:
    """Each feature once per district it names (unnest: one hash join, not a scan of the
    districts per feature); ``only``: that district's features alone."""
    if not per_district:
        return sql.SQL("")
    if only:
        return sql.SQL(" JOIN admin_district d ON d.code = {c} WHERE {c} = ANY(f.districts)"
                       ).format(c=sql.Literal(only))
    return sql.SQL(" CROSS JOIN LATERAL unnest(f.districts) u(code)"
                   " JOIN admin_district d ON d.code = u.code")


async def layer_counts(conn: AsyncConnection, layer: Layer,
                       only: str | None = None) -> dict[str, dict]:
    """District code (and ``CITY``) -> {n, groups: {value: n}, total, n_total, metric...};
    ``only``: that district and the city."""
    s = layer.summary
    metric = layer.shading_metrics[0] if layer.shading_metrics else None
    total = (sql.SQL("sum(f.{c})::float, count(f.{c})").format(c=sql.Identifier(s.total))
             if s.total else sql.SQL("NULL::float, 0"))
    avg = (sql.SQL("avg(f.{m})::float, count(f.{m}), max(f.{d})").format(
        m=sql.Identifier(metric), d=sql.Identifier(f"{metric}_date")) if metric
        else sql.SQL("NULL::float, 0, NULL::date"))
    g = sql.SQL("f.{}").format(sql.Identifier(s.group_by)) if s.group_by else None
    out: dict[str, dict] = {}
    cur = conn.cursor()
    for per_district in (True, False):
        key = sql.SQL("d.code") if per_district else sql.Literal(CITY)
        own = sql.SQL("(d.code)") if per_district else sql.SQL("()")
        if g is None:  # no groups: only the district's (city's) own row
            group_cols, sets = sql.SQL("NULL, 1"), own
        else:
            group_cols = sql.SQL("{g}, grouping({g})").format(g=g)
            sets = sql.SQL("({k}{g}), {own}").format(
                k=sql.SQL("d.code, ") if per_district else sql.SQL(""), g=g, own=own)
        await cur.execute(sql.SQL(
            "SELECT {key}, {group_cols}, count(*), {total}, {avg}"
            " FROM {table} f{join} GROUP BY GROUPING SETS ({sets})").format(
                key=key, group_cols=group_cols, total=total, avg=avg, sets=sets,
                table=sql.Identifier(layer.table), join=_district_join(per_district, only)))
        for code, value, own_row, n, tot, n_tot, mean, n_mean, latest in await cur.fetchall():
            row = out.setdefault(code, {"groups": {}, "metric": metric, "periods": {}})
            if own_row:  # the district's (or city's) own row
                row.update(n=n, total=tot, n_total=n_tot, mean=mean, n_mean=n_mean,
                           latest=latest)
            else:
                row["groups"][value] = n
        for code, periods in (await period_totals(
                conn, layer, _district_join(per_district, only), key)).items():
            out.setdefault(code, {"groups": {}, "metric": metric, "n": 0})["periods"] = periods
    return out


async def unit_counts(conn: AsyncConnection, src: Layer) -> dict[str, dict]:
    """District code (and ``CITY``) -> {met, total}: units of ``best_record.unit_types``
    that have a record of ``src`` (New Rural communes recognised) and all of them."""
    best = src.best_record
    query = sql.SQL(
        "SELECT c.district_code, count(*) AS total, count(n.id) AS met FROM admin_commune c"
        " LEFT JOIN LATERAL (SELECT s.id FROM {table} s WHERE s.{key} = c.code"
        " AND {rank} IS NOT NULL ORDER BY {order} LIMIT 1) n ON true"
        " WHERE c.unit_type = ANY(%(types)s) AND c.in_2024_09"
        " GROUP BY ROLLUP (c.district_code)").format(
            table=sql.Identifier(src.table), key=sql.Identifier(best.key), rank=rank_sql(src),
            order=best_record_order(src))
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(query, {"types": list(best.unit_types)})
    return {(r["district_code"] or CITY): {"met": r["met"], "total": r["total"]}
            for r in await cur.fetchall()}


async def latest_figure(conn: AsyncConnection, district: str | None = None) -> date | None:
    """The date of the newest progress figure (of the district's features)."""
    parts = [sql.SQL("SELECT max(p.valid_on) FROM progress_snapshot p JOIN {t} f"
                     " ON f.id = p.feature_id AND p.layer_id = {l}{w}").format(
        t=sql.Identifier(layer.table), l=sql.Literal(layer.id),
        w=sql.SQL(" WHERE %(d)s = ANY(f.districts)") if district else sql.SQL(""))
        for layer in registry.layers() if layer.metrics and layer.feature_fields]
    if not parts:
        return None
    cur = await conn.execute(sql.SQL("SELECT max(m) FROM ({}) x(m)").format(
        sql.SQL(" UNION ALL ").join(parts)), {"d": district})
    return (await cur.fetchone())[0]


def _end_year(layer: Layer) -> sql.Composable:
    o = layer.summary.overdue
    if not o.end_from:
        return sql.SQL("NULL::int")
    return sql.SQL("(regexp_match(f.{}, '.*((?:19|20)[0-9]{{2}})'))[1]::int").format(
        sql.Identifier(o.end_from))


async def stalled(conn: AsyncConnection, district: str | None, as_of: date | None,
                  limit: int | None = None) -> dict:
    """Features under way that are overdue or stalled, each with its reasons: ``items``
    (the first ``limit`` of each layer, by name) and ``total`` (all of them, counted in
    SQL). Stale: no figure, or the latest is more than the setting's months before the
    date (``as_of`` or today)."""
    months = dashboard_settings().stale_months
    on = as_of or date.today()
    out: dict = {"items": [], "total": 0}
    for layer in registry.summary_layers():
        o = layer.summary.overdue
        if not o or not layer.metrics:
            continue
        # one pass over the figures of the features under way (no sub-query per feature)
        query = sql.SQL(
            "WITH f AS (SELECT * FROM {table} f WHERE f.{status} = ANY(%(active)s)"
            "  AND (%(district)s::text IS NULL OR %(district)s = ANY(f.districts))),"
            " s AS (SELECT p.feature_id, p.metric, p.value, p.valid_on,"
            "  p.source_doc || coalesce(':' || p.source_line, '') AS source,"
            "  row_number() OVER (PARTITION BY p.feature_id, p.metric ORDER BY p.valid_on DESC)"
            "  AS rn FROM progress_snapshot p JOIN f ON f.id = p.feature_id"
            "  WHERE p.layer_id = %(layer)s AND p.valid_on <= %(on)s),"
            " last AS (SELECT feature_id, max(valid_on) AS latest FROM s GROUP BY feature_id),"
            " two AS (SELECT DISTINCT ON (feature_id) feature_id, metric,"
            "  array_agg(value ORDER BY valid_on DESC) AS values,"
            "  array_agg(valid_on ORDER BY valid_on DESC) AS dates,"
            "  array_agg(source ORDER BY valid_on DESC) AS sources FROM s WHERE rn <= 2"
            "  GROUP BY feature_id, metric HAVING count(*) = 2 AND min(value) = max(value)"
            "  ORDER BY feature_id, metric),"
            " r AS (SELECT f.id, f.name, f.{status} AS status, {end_year} AS end_year,"
            "  last.latest, two.metric, two.values, two.dates, two.sources,"
            "  coalesce(last.latest + make_interval(months => %(months)s) < %(on)s, true)"
            "  AS stale FROM f LEFT JOIN last ON last.feature_id = f.id"
            "  LEFT JOIN two ON two.feature_id = f.id)"
            " SELECT *, count(*) OVER () AS total FROM r"
            " WHERE r.end_year < %(year)s OR r.stale OR r.metric IS NOT NULL"
            " ORDER BY r.name, r.id LIMIT %(limit)s").format(
                status=sql.Identifier(o.status), end_year=_end_year(layer),
                table=sql.Identifier(layer.table))
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(query, {"layer": layer.id, "on": on, "active": list(o.active),
                                  "district": district, "months": months, "year": on.year,
                                  "limit": limit})
        rows = await cur.fetchall()
        out["total"] += rows[0]["total"] if rows else 0
        for r in rows:
            reasons = []
            if r["end_year"] is not None and r["end_year"] < on.year:
                reasons.append({"kind": "overdue", "end_year": r["end_year"],
                                "field": layer.field(o.end_from)})
            if r["stale"]:
                reasons.append({"kind": "stale", "latest": r["latest"], "months": months})
            if r["metric"]:
                reasons.append({"kind": "unchanged", "metric": METRICS[r["metric"]],
                                "value": r["values"][0], "dates": r["dates"],
                                "sources": r["sources"]})
            out["items"].append({"layer": layer, "id": r["id"], "name": r["name"],
                                 "status": layer.field(o.status).choice(r["status"]),
                                 "latest": r["latest"], "reasons": reasons})
    return out


async def coverage(conn: AsyncConnection, only: str | None = None) -> dict:
    """Everything the city dashboard compares (per district and city; ``only``: that
    district and the city)."""
    return {"layers": [(layer, await layer_counts(conn, layer, only))
                       for layer in registry.summary_layers()],
            "units": [(layer, await unit_counts(conn, layer)) for layer in registry.layers()
                      if layer.best_record]}


async def district_dashboard(conn: AsyncConnection, code: str, as_of: date | None) -> dict:
    """The district view's counters, stalled list and the date of its latest figure."""
    return {"coverage": await coverage(conn, code),
            "stalled": await stalled(conn, code, as_of, STALLED_SHOWN),
            "latest": await latest_figure(conn, code), "today": as_of or date.today()}
