"""Counters of the district and city dashboards, in SQL over the registry's declarations.

For every layer with a ``DistrictSummary``: features by ``group_by`` (status), the sum of
``total`` (investment) and the mean of the first shading metric (occupancy, construction)
with how many features have it, per district and for the city. A feature spanning several
districts counts in each of them, but once in the city's totals (the city's row is its own
query over the layer, not the sum of the districts'). For the layer with a ``BestRecord``
(New Rural): units of the declared types with a record / all of them. For layers declaring
``DistrictSummary.overdue``: features under way past their planned end year, with no new
figure for ``GIS_DASHBOARD_STALE_MONTHS``, unchanged between their last two figures, or
whose last two imported reports print the same status text (maps/status_history.py).
"""

from __future__ import annotations

from datetime import date

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from gis.errors import GISError
from gis.layer_views import best_record_order, rank_sql
from gis.settings import dashboard_settings
from layers import METRICS, registry
from layers.base import Layer
from layers.report_fields import PLACE_FIELDS
from maps.counters_as_of import NOT_KNOWN, layer_rows, record_counts_by
from maps.investment import period_totals, with_missing
from maps.status_history import unchanged_sql

CITY = "city"  # the key of the whole city's row
STALLED_SHOWN = 50  # stalled features listed per layer (all counted; the rest one link away)


# Each feature once per district it is in (named or inferred, PLACE_FIELDS: the same rule
# as the district view's lists, gis/query.py), flagged on its first one (or on its only
# row when it is in none): per-district sums take every row, the city's only flagged rows,
# so one scan gives both and a feature spanning districts counts once in the city's totals.
FIRST = sql.SQL("(u.ord IS NULL OR u.ord = 1)")


def _places(layer: Layer) -> list[sql.Composable]:
    return [sql.SQL("f.{}").format(sql.Identifier(n)) for n in PLACE_FIELDS
            if layer.has_field(n)]


def spread(layer: Layer) -> sql.Composable:
    places = _places(layer)
    if not places:
        return sql.SQL(" LEFT JOIN LATERAL (SELECT NULL::text, NULL::bigint) u(code, ord)"
                       " ON true")
    codes = places[0]
    if len(places) > 1:  # the union only where there is more than the first
        codes = sql.SQL("CASE WHEN {rest} THEN {first} ELSE ARRAY(SELECT DISTINCT x FROM"
                        " unnest({all}) x) END").format(
            rest=sql.SQL(" AND ").join(sql.SQL("cardinality({}) = 0").format(p)
                                       for p in places[1:]),
            first=places[0], all=sql.SQL(" || ").join(places))
    return sql.SQL(" LEFT JOIN LATERAL unnest({}) WITH ORDINALITY u(code, ord) ON true"
                   ).format(codes)


def in_district(layer: Layer, param: str = "district") -> sql.Composable:
    """The feature is in the district ``%(param)s`` (named or inferred)."""
    places = _places(layer)
    if not places:
        return sql.SQL("FALSE")
    return sql.SQL("({})").format(sql.SQL(" OR ").join(
        sql.SQL("{} = ANY({})").format(sql.Placeholder(param), p) for p in places))


def _both(agg: str, expr: sql.Composable) -> sql.Composable:
    """``agg(expr)`` over every row and over the city's (first) rows."""
    return sql.SQL("{a}({e}), {a}({e}) FILTER (WHERE {first})").format(
        a=sql.SQL(agg), e=expr, first=FIRST)


def _add(row: dict, n: int, total, n_total: int, msum, n_mean: int, latest) -> None:
    row["n"] += n
    row["n_total"] += n_total
    row["n_mean"] += n_mean
    if total is not None:
        row["total"] = (row["total"] or 0) + total
    if msum is not None:
        row["msum"] = (row["msum"] or 0) + msum
    if latest is not None and (row["latest"] is None or latest > row["latest"]):
        row["latest"] = latest


async def layer_counts(conn: AsyncConnection, layer: Layer, only: str | None = None,
                       as_of: date | None = None) -> dict[str, dict]:
    """District code (and ``CITY``) -> {n, groups: {value: n}, total, n_total, mean,
    n_mean, latest, metric, periods}; ``only``: that district and the city. One scan of
    the layer (and one for the money by period, maps/investment.py). ``as_of``: the
    features known by then with their progress then (maps/counters_as_of.py); the groups
    and the total, which have no history, are None (not known)."""
    s = layer.summary
    metric = layer.shading_metrics[0] if layer.shading_metrics else None

    def col(name: str | None, cast: str) -> sql.Composable:
        return (sql.SQL("f.{}::{}").format(sql.Identifier(name), sql.SQL(cast)) if name
                else sql.SQL("NULL::{}").format(sql.SQL(cast)))
    g = col(s.group_by, "text")
    tot, m, d = (col(s.total, "float"), col(metric, "float"),
                 col(f"{metric}_date" if metric else None, "date"))
    cur = conn.cursor()
    await cur.execute(sql.SQL(
        "SELECT u.code, {g}, count(*), count(*) FILTER (WHERE {first}), {tot_sum},"
        " {tot_n}, {m_sum}, {m_n}, {d_max} FROM {table} f{spread} GROUP BY 1, 2").format(
            g=g, first=FIRST, tot_sum=_both("sum", tot), tot_n=_both("count", tot),
            m_sum=_both("sum", m), m_n=_both("count", m), d_max=_both("max", d),
            table=layer_rows(layer, as_of), spread=spread(layer)), {"as_of": as_of})
    districts = {r[0] for r in await (await conn.execute(
        "SELECT code FROM admin_district")).fetchall()}
    out: dict[str, dict] = {}

    def row(code: str) -> dict:
        return out.setdefault(code, {"groups": {}, "metric": metric, "periods": {}, "n": 0,
                                     "total": None, "n_total": 0, "msum": None, "n_mean": 0,
                                     "latest": None})
    for (code, value, n, n_c, t, t_c, nt, nt_c, ms, ms_c, nm, nm_c, lt, lt_c
         ) in await cur.fetchall():
        if n_c:  # the city: each feature once
            city = row(CITY)
            city["groups"][value] = city["groups"].get(value, 0) + n_c
            _add(city, n_c, t_c, nt_c, ms_c, nm_c, lt_c)
        if code in districts and (only is None or code == only):
            mine = row(code)
            mine["groups"][value] = mine["groups"].get(value, 0) + n
            _add(mine, n, t, nt, ms, nm, lt)
    for r in out.values():
        r["mean"] = r.pop("msum") / r["n_mean"] if r["n_mean"] else None
        if not s.group_by:
            r["groups"] = {}
        if r["total"] is None:
            r["n_total"] = 0
        if as_of is not None:  # today's status and total only: not known for the date
            r["groups"], r["total"], r["n_total"] = None, None, 0
    periods = await period_totals(conn, layer, spread(layer), FIRST, CITY, as_of)
    for code, r in out.items():
        r["periods"] = with_missing(periods.get(code, []), r["n"], layer)
    return out


async def unit_counts(conn: AsyncConnection, src: Layer,
                      as_of: date | None = None) -> dict[str, dict]:
    """District code (and ``CITY``) -> {met, total}: units of ``best_record.unit_types``
    that have a record of ``src`` (New Rural communes recognised) and all of them;
    ``as_of``: the records that count by then (maps/counters_as_of.py)."""
    best = src.best_record
    query = sql.SQL(
        "SELECT c.district_code, count(*) AS total, count(n.id) AS met FROM admin_commune c"
        " LEFT JOIN LATERAL (SELECT s.id FROM {table} s WHERE s.{key} = c.code"
        " AND {rank} IS NOT NULL AND {by} ORDER BY {order} LIMIT 1) n ON true"
        " WHERE c.unit_type = ANY(%(types)s) AND c.in_2024_09"
        " GROUP BY ROLLUP (c.district_code)").format(
            table=sql.Identifier(src.table), key=sql.Identifier(best.key), rank=rank_sql(src),
            order=best_record_order(src), by=record_counts_by(src))
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(query, {"types": list(best.unit_types), "as_of": as_of})
    return {(r["district_code"] or CITY): {"met": r["met"], "total": r["total"]}
            for r in await cur.fetchall()}


async def latest_figure(conn: AsyncConnection, district: str | None = None,
                        as_of: date | None = None) -> date | None:
    """The date of the newest progress figure (of the district's features; on or before
    ``as_of``)."""
    parts = [sql.SQL("SELECT max(p.valid_on) FROM progress_snapshot p JOIN {t} f"
                     " ON f.id = p.feature_id AND p.layer_id = {l}"
                     " WHERE (%(as_of)s::date IS NULL OR p.valid_on <= %(as_of)s::date){w}"
                     ).format(
        t=sql.Identifier(layer.table), l=sql.Literal(layer.id),
        w=sql.SQL(" AND {}").format(in_district(layer, "d")) if district else sql.SQL(""))
        for layer in registry.layers() if layer.metrics and layer.feature_fields]
    if not parts:
        return None
    cur = await conn.execute(sql.SQL("SELECT max(m) FROM ({}) x(m)").format(
        sql.SQL(" UNION ALL ").join(parts)), {"d": district, "as_of": as_of})
    return (await cur.fetchone())[0]


def _end_year(layer: Layer) -> sql.Composable:
    o = layer.summary.overdue
    if not o.end_from:
        return sql.SQL("NULL::int")
    return sql.SQL("(regexp_match(f.{}, '.*((?:19|20)[0-9]{{2}})'))[1]::int").format(
        sql.Identifier(o.end_from))


async def stalled(conn: AsyncConnection, district: str | None, as_of: date | None,
                  limit: int | None = None, offset: int = 0) -> dict:
    """Features under way that are overdue or stalled, each with its reasons: ``items``
    (``limit`` of each layer from ``offset``, by name), ``total`` (all of them, counted
    in SQL) and ``layers`` (each layer's total and how many of it are listed). Stale: no
    figure, or the latest is more than the setting's months before the date (``as_of``
    or today)."""
    months = dashboard_settings().stale_months
    on = as_of or date.today()
    out: dict = {"items": [], "total": 0, "layers": [], "offset": offset, "limit": limit}
    for layer in registry.summary_layers():
        o = layer.summary.overdue
        if not o or not layer.metrics:
            continue
        # one pass over the figures of the features under way (no sub-query per feature),
        # carrying only the columns read (not the rows' geometry and JSON)
        query = sql.SQL(
            "WITH f AS (SELECT {cols} FROM {table} f WHERE f.{status} = ANY(%(active)s)"
            "  AND (%(district)s::text IS NULL OR {in_district})),"
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
            " rep AS ({reported}),"
            " r AS (SELECT f.id, f.name, f.{status} AS status, {end_year} AS end_year,"
            "  last.latest, two.metric, two.values, two.dates, two.sources,"
            "  rep.fid IS NOT NULL AS same_report, rep.texts AS r_texts, rep.dates AS r_dates,"
            "  rep.sources AS r_sources,"
            "  coalesce(last.latest + make_interval(months => %(months)s) < %(on)s, true)"
            "  AS stale FROM f LEFT JOIN last ON last.feature_id = f.id"
            "  LEFT JOIN two ON two.feature_id = f.id LEFT JOIN rep ON rep.fid = f.id)"
            ", hits AS (SELECT * FROM r WHERE r.end_year < %(year)s OR r.stale"
            "  OR r.metric IS NOT NULL OR r.same_report)"
            # the count even when the page is past the end (then one row without a feature)
            " SELECT p.*, t.total FROM (SELECT count(*) AS total FROM hits) t"
            " LEFT JOIN LATERAL (SELECT * FROM hits ORDER BY hits.name, hits.id"
            "  LIMIT %(limit)s OFFSET %(offset)s) p ON true").format(
                status=sql.Identifier(o.status), end_year=_end_year(layer),
                reported=unchanged_sql(layer), in_district=in_district(layer),
                table=sql.Identifier(layer.table), cols=sql.SQL(", ").join(
                    sql.SQL("f.{}").format(sql.Identifier(c))
                    for c in dict.fromkeys(("id", "name", o.status, o.end_from)) if c))
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(query, {"layer": layer.id, "on": on, "active": list(o.active),
                                  "district": district, "months": months, "year": on.year,
                                  "limit": limit, "offset": offset})
        found = await cur.fetchall()
        total = found[0]["total"] if found else 0
        rows = [r for r in found if r["id"] is not None]
        out["total"] += total
        if total:
            out["layers"].append({"layer": layer, "total": total, "shown": len(rows)})
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
            if r["same_report"]:  # the status text of the last two reports (report_row)
                reasons.append({"kind": "same_report", "text": r["r_texts"][0],
                                "dates": r["r_dates"], "sources": r["r_sources"]})
            out["items"].append({"layer": layer, "id": r["id"], "name": r["name"],
                                 "status": layer.field(o.status).choice(r["status"]),
                                 "latest": r["latest"], "reasons": reasons})
    return out


async def coverage(conn: AsyncConnection, only: str | None = None,
                   as_of: date | None = None) -> dict:
    """Everything the city dashboard compares (per district and city; ``only``: that
    district and the city), as of a date (``as_of``, None: today; ``not_known``: what the
    page says instead of the counters that have no history)."""
    return {"layers": [(layer, await layer_counts(conn, layer, only, as_of))
                       for layer in registry.summary_layers()],
            "units": [(layer, await unit_counts(conn, layer, as_of))
                      for layer in registry.layers() if layer.best_record],
            "as_of": as_of, "not_known": NOT_KNOWN if as_of else None}


def stalled_page(params) -> tuple[int | None, int]:
    """(limit, offset) of the stalled list from ``stalled_offset=N`` and
    ``stalled_limit=all`` (every one); default: the first ``STALLED_SHOWN``."""
    raw = params.get("stalled_offset") or "0"
    if not raw.isdigit():
        raise GISError(400, f"stalled_offset={raw!r}: a whole number from 0",
                       parameter="stalled_offset",
                       vi=f"stalled_offset={raw!r}: cần số nguyên từ 0")
    limit = params.get("stalled_limit")
    if limit not in (None, "", "all"):
        raise GISError(400, f"stalled_limit={limit!r}: leave it out or write "
                       "stalled_limit=all", parameter="stalled_limit",
                       vi=f"stalled_limit={limit!r}: bỏ trống hoặc ghi stalled_limit=all")
    return (None if limit == "all" else STALLED_SHOWN), int(raw)


async def district_dashboard(conn: AsyncConnection, code: str, as_of: date | None,
                             page: tuple[int | None, int] = (STALLED_SHOWN, 0)) -> dict:
    """The district view's counters, stalled list and the date of its latest figure."""
    return {"coverage": await coverage(conn, code, as_of),
            "stalled": await stalled(conn, code, as_of, *page),
            "latest": await latest_figure(conn, code, as_of), "today": as_of or date.today(),
            "as_of": as_of}
