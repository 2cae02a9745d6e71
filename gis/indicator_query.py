"""Indicators as the API and the dashboard read them: each indicator with its values
(filtered by group, year and kind), the source document's title, and the verdict of a
year's estimate (or actual) against the resolution's target, computed beside the report's
own (the "Ghi chú" column, kept in ``note``).

The computed verdict compares the printed numbers: a target range ``low-high`` is met from
``low`` and exceeded above ``high``; a single target is met when equalled. Indicators where
less is better are declared in ``layers.indicators.LOWER_IS_BETTER``. Values printed as
bounds (">75") or without a number give no computed verdict (None), never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from gis.errors import bad_request
from layers.indicators import LOWER_IS_BETTER, VALUE_KINDS, VERDICTS, choice_value

VALUE_COLUMNS = ("kind", "measure", "year_from", "year_to", "period_kind", "value_text",
                 "value", "value_low", "value_high", "qualifier", "unit", "basis",
                 "basis_rule", "derived_from", "source_doc", "source_line", "source_ref",
                 "valid_on", "note")


@dataclass(frozen=True)
class IndicatorFilter:
    group: str | None = None
    year: int | None = None
    kind: str | None = None

    @classmethod
    def parse(cls, group: str | None, year: str | None, kind: str | None) -> IndicatorFilter:
        if year not in (None, ""):
            try:
                year_value = int(year)
            except ValueError:
                raise bad_request(f"year={year!r} is not a year (e.g. 2024)", "year") from None
        else:
            year_value = None
        if kind:
            try:
                choice_value(VALUE_KINDS, kind, "kind")
            except ValueError as exc:
                raise bad_request(str(exc), "kind") from None
        return cls(group or None, year_value, kind or None)


def _value_where(flt: IndicatorFilter) -> sql.Composable:
    parts = [sql.SQL("true")]
    if flt.year is not None:
        parts.append(sql.SQL("v.year_from <= %(year)s AND v.year_to >= %(year)s"))
    if flt.kind:
        parts.append(sql.SQL("v.kind = %(kind)s"))
    return sql.SQL(" AND ").join(parts)


async def indicators(conn: AsyncConnection, flt: IndicatorFilter = IndicatorFilter()
                     ) -> list[dict]:
    """Indicators (in the documents' order) with the values that pass ``flt``; an
    indicator without such a value is left out when ``year`` or ``kind`` is given."""
    cols = sql.SQL(", ").join(sql.SQL("{k}, v.{c}").format(k=sql.Literal(c), c=sql.Identifier(c))
                              for c in VALUE_COLUMNS)
    query = sql.SQL(
        "SELECT i.id, i.group_name, i.name, i.name_en, i.unit, i.unit_code, i.reporting_period,"
        " i.agency, i.note, i.source_doc, i.source_line, i.source_ref,"
        " d.title AS source_title, d.title_en AS source_title_en, vals.values"
        " FROM indicator i JOIN source_document d ON d.id = i.source_doc"
        " LEFT JOIN LATERAL (SELECT coalesce(jsonb_agg(jsonb_build_object({cols})"
        "  || jsonb_build_object('source_title', vd.title) ORDER BY v.year_from, v.ord), '[]')"
        "  AS values"
        "  FROM indicator_value v JOIN source_document vd ON vd.id = v.source_doc"
        "  WHERE v.indicator_id = i.id AND {where}) vals ON true"
        " WHERE (%(group)s::text IS NULL OR i.group_name = %(group)s)"
        " AND (%(any)s OR jsonb_array_length(vals.values) > 0)"
        " ORDER BY i.source_doc, i.ord").format(cols=cols, where=_value_where(flt))
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(query, {"group": flt.group, "year": flt.year, "kind": flt.kind,
                              "any": flt.year is None and flt.kind is None})
    rows = await cur.fetchall()
    for r in rows:
        for v in r["values"]:
            for k in ("value", "value_low", "value_high"):
                v[k] = None if v[k] is None else Decimal(str(v[k]))
    return rows


async def groups(conn: AsyncConnection) -> list[str]:
    cur = await conn.execute("SELECT group_name FROM indicator WHERE group_name IS NOT NULL"
                             " GROUP BY group_name ORDER BY min(source_doc), min(ord)")
    return [r[0] for r in await cur.fetchall()]


def _level(values: list[dict], kind: str, year: int) -> dict | None:
    return next((v for v in values if v["kind"] == kind and v["measure"] == "level"
                 and v["year_from"] == v["year_to"] == year), None)


def _bounds(v: dict) -> tuple[Decimal, Decimal] | None:
    if v["value_low"] is not None and v["value_high"] is not None:
        return v["value_low"], v["value_high"]
    if v["qualifier"] == "exact" and v["value"] is not None:
        return v["value"], v["value"]
    return None


def computed_verdict(indicator_id: str, target: dict | None, result: dict | None) -> str | None:
    """One of ``VERDICTS`` (values) for ``result`` against ``target``, or None."""
    if not target or not result or result["value"] is None or result["qualifier"] != "exact":
        return None
    bounds = _bounds(target)
    if bounds is None:
        return None
    low, high = bounds
    v = result["value"]
    if indicator_id in LOWER_IS_BETTER:
        low, high, v = -high, -low, -v
    if v < low:
        return "not_met"
    return "met" if v <= high else "exceeded"


def verdict_row(ind: dict) -> dict:
    """The dashboard's row of an indicator: the latest year with a target, its target, the
    estimate (else the actual) of that year, the previous year's actual, both verdicts."""
    years = sorted({v["year_from"] for v in ind["values"] if v["kind"] == "target"
                    and v["year_from"] == v["year_to"]})
    year = years[-1] if years else None
    target = _level(ind["values"], "target", year) if year else None
    result = (_level(ind["values"], "estimate", year) or _level(ind["values"], "actual", year)
              ) if year else None
    previous = _level(ind["values"], "actual", year - 1) if year else None
    plan = _level(ind["values"], "plan", year) if year else None
    computed = computed_verdict(ind["id"], target, result)
    reported = next((c.value for c in VERDICTS if ind["note"] and ind["note"].strip().lower()
                     == c.label_vi.lower()), None)
    return {"year": year, "target": target, "plan": plan, "result": result,
            "previous": previous, "computed": computed, "reported": reported,
            "reported_text": ind["note"] if reported or _verdict_like(ind["note"]) else None,
            "differs": computed is not None and reported is not None and computed != reported}


def _verdict_like(note: str | None) -> bool:
    return bool(note) and "nq" in note.lower() and len(note) < 40


def series(ind: dict) -> list[dict]:
    """The indicator's levels by year and kind, for its chart (one-year values only; a
    range keeps both ends)."""
    out = []
    for v in ind["values"]:
        if v["measure"] != "level" or v["year_from"] != v["year_to"]:
            continue
        low, high = (v["value_low"], v["value_high"]) if v["value_low"] is not None \
            else (v["value"], v["value"])
        if low is not None:  # a range is drawn as printed, from low to high
            out.append({"year": v["year_from"], "kind": v["kind"], "low": float(low),
                        "high": float(high), "text": v["value_text"]})
    return out
