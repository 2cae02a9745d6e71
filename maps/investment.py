"""Money by period for the district and city counters ("total investment by period").

Amounts over a period (``Metric.periodic`` and not a share: capital planned, disbursed,
value executed) are only added up between figures of the same period (``{metric}_period``,
layers/figures.py PERIOD_KINDS): one counter per metric and period present, each with the
number of features it covers, and per metric the features that have no figure at all
(unknown stays unknown, never a zero). Where the metric is counted against another
periodic amount of the layer (``Metric.total``: disbursed against the plan), the plan of
the same period is summed over the features that have both. Each work counts once
(gis.totals: a part whose parent has the figure, a ``same_as`` record), and a feature
spanning several districts counts in each of them but once in the city's row.

Everything comes from the registry's metric declarations; no layer is named here.
"""

from __future__ import annotations

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from gis.figures import parse_period, period_label
from gis.totals import counted
from layers import METRICS
from layers.base import Layer, metric_column
from layers.figures import PERIOD_KINDS


def amount_metrics(layer: Layer) -> list[str]:
    """The layer's amounts over a period (summable), in declaration order."""
    return [m for m in layer.metrics if METRICS[m].periodic and not METRICS[m].percent]


def _against(layer: Layer, m: str) -> str | None:
    """The periodic amount ``m`` is counted against, where the layer tracks it."""
    t = METRICS[m].total
    return t if t in layer.metrics and METRICS[t].periodic else None


def _period(m: str) -> sql.Composable:
    return sql.SQL("(f.progress_current ->> {})").format(
        sql.Literal(metric_column(m, "period")))


def _values(layer: Layer) -> sql.Composable:
    """One row per feature and amount metric: value, period, counted-once flag, and the
    amount it is measured against when that figure is of the same period."""
    rows = []
    for m in amount_metrics(layer):
        t = _against(layer, m)
        against = (sql.SQL("CASE WHEN {tp} = {p} THEN f.{t} END").format(
            tp=_period(t), p=_period(m), t=sql.Identifier(t)) if t
            else sql.SQL("NULL::float"))
        rows.append(sql.SQL("({name}, f.{m}::float, {p}, {once}, {against}::float)").format(
            name=sql.Literal(m), m=sql.Identifier(m), p=_period(m),
            once=counted(layer, m), against=against))
    return sql.SQL("CROSS JOIN LATERAL (VALUES {}) v(metric, value, period, once, against)"
                   ).format(sql.SQL(", ").join(rows))


def _sort_key(period: str) -> tuple:
    p = parse_period(period)
    kinds = [k.value for k in PERIOD_KINDS]
    return (kinds.index(p.kind), -(p.end or p.start or 0), -(p.start or 0))


async def period_totals(conn: AsyncConnection, layer: Layer, join: sql.Composable,
                        key: sql.Composable) -> dict[str, list[dict]]:
    """``key`` (district code or the city's key) -> {periods: the counters of the layer
    in metric then period order ({metric, period, n, n_summed, sum, against,
    against_sum, n_against}), missing: {metric: features without a figure of it}}.
    ``join`` (and its WHERE) picks the districts, as in maps/coverage.py."""
    metrics = amount_metrics(layer)
    if not metrics:
        return {}
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(sql.SQL(
        "SELECT {key} AS key, v.metric, v.period, count(v.value) AS n,"
        " count(v.value) FILTER (WHERE v.once) AS n_summed,"
        " sum(v.value) FILTER (WHERE v.once) AS sum, count(*) FILTER (WHERE v.value IS NULL)"
        " AS n_missing, sum(v.against) FILTER (WHERE v.once) AS against_sum,"
        " count(v.against) FILTER (WHERE v.once) AS n_against"
        " FROM {table} f {values}{join} GROUP BY 1, 2, 3").format(
            key=key, values=_values(layer), join=join, table=sql.Identifier(layer.table)))
    out: dict[str, dict] = {}
    for r in await cur.fetchall():
        mine = out.setdefault(r["key"], {"periods": [], "missing": {}})
        if r["n_missing"]:  # the features without a figure of the metric
            mine["missing"][r["metric"]] = r["n_missing"]
        if r["period"] is not None:
            r["against"] = _against(layer, r["metric"])
            mine["periods"].append(r)
    for mine in out.values():
        mine["periods"].sort(key=lambda r: (metrics.index(r["metric"]), _sort_key(r["period"])))
    return out


def periods_shown(counts: dict[str, dict], codes: list[str]) -> list[tuple[str, str | None]]:
    """The rows of the counters table over the columns ``codes``: (metric, period) for
    each period present, then (metric, None) where some column has features without a
    figure of that metric."""
    seen: set[tuple[str, str | None]] = set()
    for c in codes:
        mine = (counts.get(c) or {}).get("periods") or {}
        seen |= {(r["metric"], r["period"]) for r in mine.get("periods", [])}
        seen |= {(m, None) for m in mine.get("missing", {})}
    order = {m: i for i, m in enumerate(METRICS)}
    return sorted(seen, key=lambda mp: (order[mp[0]], mp[1] is None,
                                        _sort_key(mp[1]) if mp[1] else ()))


def period_cell(counts: dict[str, dict], code: str, metric: str, period: str | None
                ) -> dict | None:
    """The counter of one column (``period`` None: {n_missing} of the metric)."""
    mine = (counts.get(code) or {}).get("periods") or {}
    if period is None:
        return {"n_missing": mine.get("missing", {}).get(metric, 0)}
    return next((r for r in mine.get("periods", [])
                 if r["metric"] == metric and r["period"] == period), None)


def _label(period: str | None, lang: str = "vi") -> str:
    return period_label(period, lang) if period else "—"


GLOBALS = {"periods_shown": periods_shown, "period_cell": period_cell, "period_label": _label}
