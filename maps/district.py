"""The district view's summary, built in SQL over the same queries as the maps.

Projects grouped by status (count, total investment, each with its latest progress),
flood works, industrial zones (area and occupancy), and the New Rural level of the
district and of each of its communes; a commune with no NTM record is "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from gis.figures import period_label
from gis.queries import progress_columns
from gis.totals import counted
from layers import METRICS, registry
from layers.base import Layer, metric_column
from layers.figures import qualifier
from maps.filters import MapFilter

NTM_RANK = "array_position(ARRAY['ntm', 'ntm_nang_cao', 'ntm_kieu_mau'], s.ntm_level)"


@dataclass
class Section:
    layer: Layer
    rows: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)  # by status: count, investment


def latest_progress(layer: Layer, row: dict) -> dict | None:
    """The first of the layer's shading metrics (then any metric) the feature has."""
    names = list(layer.style.progress_metrics) + [m for m in layer.metrics
                                                  if m not in layer.style.progress_metrics]
    for m in names:
        if row.get(m) is not None:
            return {"metric": m, "value": row[m], "date": row.get(f"{m}_date"),
                    "source": row.get(f"{m}_source"), "unit": METRICS[m].unit,
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


async def _section(conn: AsyncConnection, layer: Layer, flt: MapFilter) -> Section:
    base = [f.name for f in layer.all_fields if f.type != "json"]
    q = flt.query(layer, properties=base + progress_columns(layer))
    q.order_by = [sql.SQL("f.name")]
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(q.rows_sql(sql.SQL("NULL")), q.bind())
    rows = await cur.fetchall()
    for r in rows:
        r["latest"] = latest_progress(layer, r)
    section = Section(layer, rows)
    if layer.has_field("status"):
        total = layer.summed_field
        # each work counted once: parts of a counted parent, same_as records (gis.totals)
        inv = (sql.SQL("sum(f.{c}) FILTER (WHERE {once})::float AS investment,"
                       " count(f.{c}) FILTER (WHERE {once}) AS n_investment").format(
            c=sql.Identifier(total.name), once=counted(layer, total.name)) if total
            else sql.SQL("NULL::float AS investment, 0 AS n_investment"))
        await cur.execute(sql.SQL(
            "SELECT f.status, count(*) AS n, {inv} {frm}"
            " GROUP BY f.status ORDER BY count(*) DESC, f.status").format(
                inv=inv, frm=q.from_clause()), q.bind())
        section.groups = await cur.fetchall()
    return section


async def _ntm(conn: AsyncConnection, code: str, flt: MapFilter) -> dict:
    # A recognition counts from its year; one without a year from the date it is known by.
    best = (" LEFT JOIN LATERAL (SELECT s.id, s.ntm_level, s.year_recognised, s.decision_no"
            " FROM ntm_status s WHERE s.unit_code = {unit} AND s.ntm_level <> 'unknown'"
            " AND (%(as_of)s::date IS NULL OR CASE WHEN s.year_recognised IS NOT NULL"
            "      THEN s.year_recognised <= extract(year FROM %(as_of)s::date)"
            "      ELSE s.valid_on <= %(as_of)s::date END)"
            f" ORDER BY {NTM_RANK} DESC, s.year_recognised DESC NULLS LAST LIMIT 1) n ON true")
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT d.code, d.full_name AS name, n.id, CASE WHEN d.unit_type = 'Quận'"
        " THEN 'not_applicable' ELSE coalesce(n.ntm_level, 'unknown') END AS ntm_level,"
        " n.year_recognised, n.decision_no FROM admin_district d"
        + best.format(unit="d.code") + " WHERE d.code = %(code)s",
        {"code": code, "as_of": flt.as_of})
    district = await cur.fetchone()
    await cur.execute(
        "SELECT c.code, c.full_name AS name, n.id, coalesce(n.ntm_level, 'unknown') AS ntm_level,"
        " n.year_recognised, n.decision_no FROM admin_commune c"
        + best.format(unit="c.code")
        + " WHERE c.district_code = %(code)s AND c.unit_type = 'Xã' AND c.in_2024_09"
        " ORDER BY c.name", {"code": code, "as_of": flt.as_of})
    return {"district": district, "communes": await cur.fetchall()}


async def district_summary(conn: AsyncConnection, code: str, flt: MapFilter) -> dict:
    layers = [registry.get(i) for i in ("projects", "flood_works", "industrial_zones")
              if i in registry]
    return {
        "sections": [await _section(conn, layer, flt) for layer in layers],
        "ntm": await _ntm(conn, code, flt),
    }
