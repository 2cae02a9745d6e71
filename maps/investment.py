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

from datetime import date

from psycopg import AsyncConnection, sql

from gis.figures import parse_period, period_label
from gis.totals import counted
from layers import METRICS
from layers.base import Layer, metric_column
from layers.figures import PERIOD_KINDS
from maps.counters_as_of import layer_rows


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


def _values(layer: Layer, historical: bool = False) -> sql.Composable:
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
            once=counted(layer, m, historical=historical), against=against))
    return sql.SQL("CROSS JOIN LATERAL (VALUES {}) v(metric, value, period, once, against)"
                   ).format(sql.SQL(", ").join(rows))


def _sort_key(period: str) -> tuple:
    p = parse_period(period)
    kinds = [k.value for k in PERIOD_KINDS]
    return (kinds.index(p.kind), -(p.end or p.start or 0), -(p.start or 0))


_SUMS = ("n", "n_summed", "sum", "against_sum", "n_against")


def _aggs(scope: sql.Composable) -> list[sql.Composable]:
    """The ``_SUMS`` over the rows where ``scope`` holds (``once``: counted once)."""
    once = sql.SQL("v.once AND {}").format(scope)
    return [sql.SQL("count(v.value) FILTER (WHERE {})").format(scope),
            sql.SQL("count(v.value) FILTER (WHERE {})").format(once),
            sql.SQL("sum(v.value) FILTER (WHERE {})").format(once),
            sql.SQL("sum(v.against) FILTER (WHERE {})").format(once),
            sql.SQL("count(v.against) FILTER (WHERE {})").format(once)]


async def period_totals(conn: AsyncConnection, layer: Layer, spread: sql.Composable,
                        first: sql.Composable, city: str, as_of: date | None = None
                        ) -> dict[str, dict]:
    """District code (and ``city``) -> the counters of the layer in metric then period
    order ({metric, period, n, n_summed, sum, against, against_sum, n_against}), for
    :func:`with_missing`. ``spread`` gives each feature a
    row per district it names (``u.code``), ``first`` flags the one the city counts
    (maps/coverage.py): one scan for the districts and the city. ``as_of``: the figures
    then (maps/counters_as_of.py)."""
    metrics = amount_metrics(layer)
    if not metrics:
        return {}
    aggs, city_aggs = _aggs(sql.SQL("TRUE")), _aggs(first)
    cur = conn.cursor()
    # only the features with a figure of one of the metrics (their periods read from the
    # JSON); those without any are counted by the caller (``missing``)
    some = sql.SQL(" OR ").join(sql.SQL("f.{} IS NOT NULL").format(sql.Identifier(m))
                                for m in metrics)
    await cur.execute(sql.SQL(
        "SELECT u.code, v.metric, v.period, {aggs}, {city_aggs}"
        " FROM (SELECT * FROM {table} f WHERE {some}) f {values}{spread}"
        " WHERE v.value IS NOT NULL GROUP BY 1, 2, 3").format(
            aggs=sql.SQL(", ").join(aggs), city_aggs=sql.SQL(", ").join(city_aggs),
            values=_values(layer, as_of is not None), spread=spread,
            table=layer_rows(layer, as_of), some=some), {"as_of": as_of})
    out: dict[str, dict] = {}

    def add(code: str, m: str, period: str, values: tuple) -> None:
        mine = out.setdefault(code, {})
        r = mine.setdefault((m, period), {
            "metric": m, "period": period, "against": _against(layer, m),
            **{k: 0 for k in _SUMS}, "sum": None, "against_sum": None})
        for k, v in zip(_SUMS, values, strict=True):
            if v is not None:
                r[k] = (r[k] or 0) + v
    for code, m, period, *values in await cur.fetchall():
        add(city, m, period, values[len(_SUMS):])
        if code is not None:
            add(code, m, period, values[:len(_SUMS)])
    return {code: sorted(mine.values(), key=lambda r: (
        metrics.index(r["metric"]), _sort_key(r["period"]))) for code, mine in out.items()}


def with_missing(periods: list[dict], n: int, layer: Layer) -> dict:
    """The counters of one column and, per amount metric, the features of the ``n``
    counted that have no figure of it."""
    missing = {m: n - sum(r["n"] for r in periods if r["metric"] == m)
               for m in amount_metrics(layer)}
    return {"periods": periods, "missing": {m: k for m, k in missing.items() if k > 0}}


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
