"""The history of a feature's status, as far as the database keeps one.

The progress history (``progress_snapshot``) holds numbers only (its ``value`` is a
number), so a status is never stored there. What the database does keep over time:

* the rows of the imported reports (``report_row``, ``gis import report``): each row's
  status text as printed ("Đang thi công, ước đạt …", "Đã hoàn thành"), dated by the
  report, with its document and line, and the features it was matched to
  (``layer:id``);
* the API's edits of a feature's fields (status, kind, …) in ``audit_log``
  (maps/compare.py reads those).

This module reads the first: the status reported on or before a date, for two dates
compared (``reported_changes``) and for the stalled list (the same text in the last two
reports, :func:`unchanged_sql`).
"""

from __future__ import annotations

from psycopg import sql

from layers.base import Layer

WHAT = ("Tình hình thực hiện theo báo cáo", "Status as reported")


def reported_sql(layer: Layer, on: str) -> sql.Composable:
    """Each report row matched to a feature of ``layer``, on or before the parameter
    ``on``: fid, status_text, valid_on, source_doc, line, and rn (1: the latest)."""
    return sql.SQL(
        "SELECT substr(x.m, {skip}) AS fid, r.status_text, r.valid_on, r.source_doc, r.line,"
        " row_number() OVER (PARTITION BY x.m ORDER BY r.valid_on DESC, r.line DESC) AS rn"
        " FROM report_row r CROSS JOIN LATERAL unnest(r.features) x(m)"
        " WHERE starts_with(x.m, {prefix}) AND r.valid_on <= {on} AND r.status_text IS NOT NULL"
    ).format(skip=sql.Literal(len(layer.id) + 2), prefix=sql.Literal(f"{layer.id}:"),
             on=sql.Placeholder(on))


def unchanged_sql(layer: Layer) -> sql.Composable:
    """Features whose last two reports (on or before ``%(on)s``) print the same status
    text: fid, texts, dates, sources (latest first)."""
    return sql.SQL(
        "SELECT fid, array_agg(status_text ORDER BY rn) AS texts,"
        " array_agg(valid_on ORDER BY rn) AS dates,"
        " array_agg(source_doc || ':' || line ORDER BY rn) AS sources"
        " FROM ({rows}) q WHERE rn <= 2 GROUP BY fid"
        " HAVING count(*) = 2 AND min(status_text) = max(status_text)"
        " AND min(valid_on) < max(valid_on)").format(rows=reported_sql(layer, "on"))


async def reported_changes(cur, layer: Layer, params: dict, district: sql.Composable
                           ) -> list[dict]:
    """Features whose reported status text on ``%(b)s`` differs from the one on
    ``%(a)s`` (both reported): both texts with their dates and source lines."""
    if not layer.feature_fields:
        return []
    await cur.execute(sql.SQL(
        "WITH a AS (SELECT * FROM ({ra}) x WHERE rn = 1), b AS (SELECT * FROM ({rb}) x"
        " WHERE rn = 1)"
        " SELECT f.id, f.name, a.status_text AS a_text, a.valid_on AS a_date,"
        " a.source_doc AS a_doc, a.line AS a_line, b.status_text AS b_text,"
        " b.valid_on AS b_date, b.source_doc AS b_doc, b.line AS b_line, NULL AS b_ref"
        " FROM b JOIN a ON a.fid = b.fid JOIN {table} f ON f.id = b.fid"
        " WHERE b.valid_on > %(a)s AND a.status_text IS DISTINCT FROM b.status_text"
        " AND {district} ORDER BY f.name").format(
            ra=reported_sql(layer, "a"), rb=reported_sql(layer, "b"),
            table=sql.Identifier(layer.table), district=district), params)
    return [{**r, "kind": "status_reported", "what_vi": WHAT[0], "what_en": WHAT[1]}
            for r in await cur.fetchall()]
