"""Indicators and their values (``data/indicators/*.yaml``): read, checked, stored.

An item is an indicator (``code``, ``group``, ``name``, ``unit``, ``source`` and its
``values``), or ``extends: <code>`` adding values another document gives for it, or
``contradiction: <id>`` naming two or more stored values that disagree and saying how.
Each problem names file and line; nothing is stored unless everything is right.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from gis.dataset.merge import MergeCount, store_rows
from gis.dataset.records import Context, parse_date, parse_source
from gis.dataset.yaml_lines import read_yaml
from gis.figures import FigureError, parse_vn_number
from layers.basis import DERIVED, NAMED, basis_problems
from layers.figures import PERIOD_KINDS, qualifier
from layers.indicators import CITY_CODE, MEASURES, VALUE_KINDS, choice_value

INDICATOR_KEYS = {"code", "group", "name", "name_en", "unit", "unit_code", "reporting_period",
                  "agency", "note", "source", "values"}
VALUE_KEYS = {"year", "period", "period_kind", "kind", "measure", "value", "text", "qualifier",
              "unit", "basis", "basis_rule", "derived_from", "source", "valid_on", "note"}
SIDE_KEYS = {"indicator", "value", "year", "period", "kind", "measure", "source"}

INDICATOR_COLUMNS = ["id", "ord", "group_name", "name", "name_en", "unit", "unit_code",
                     "reporting_period", "agency", "note", "source_doc", "source_line",
                     "source_ref"]
VALUE_COLUMNS = ["indicator_id", "key", "ord", "year_from", "year_to", "period_kind", "kind",
                 "measure", "value_text", "value", "value_low", "value_high", "qualifier",
                 "unit", "basis", "basis_rule", "derived_from", "source_doc", "source_line",
                 "source_ref", "valid_on", "note"]
CONTRADICTION_COLUMNS = ["id", "ord", "note", "sides"]

_NUM = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_SIGNED = re.compile(rf"^([<>≥≤])\s*({_NUM})%?$")
_RANGE = re.compile(rf"^({_NUM})%?\s*-\s*({_NUM})%?$")
_SIGN_QUALIFIER = {">": "over", "≥": "over", "<": "under", "≤": "under"}
_PERIOD = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")


@dataclass
class IndicatorSet:
    indicators: list[dict] = field(default_factory=list)
    values: list[dict] = field(default_factory=list)
    contradictions: list[dict] = field(default_factory=list)


def _line(rec, default: int = 1) -> int:
    return getattr(rec, "line", 0) or default


def parse_figure(text: str, is_text: bool) -> tuple[Decimal | None, Decimal | None,
                                                    Decimal | None, str | None]:
    """``(number, low, high, sign qualifier)`` of a printed value: a number ("6.804,269"),
    a signed number (">75"), a range ("7,5-8,0", "7,5% - 8%"), or, with ``text: true``,
    words that hold no single number. A FigureError says why anything else is refused."""
    if is_text:
        return None, None, None, None
    text = text.strip()
    m = _SIGNED.match(text)
    if m:
        return parse_vn_number(m.group(2)), None, None, _SIGN_QUALIFIER[m.group(1)]
    m = _RANGE.match(text)
    if m:
        bounds = sorted((parse_vn_number(m.group(1)), parse_vn_number(m.group(2))))
        return None, bounds[0], bounds[1], None  # "8,93-8,87" is printed high to low
    return parse_vn_number(text.rstrip("%")), None, None, None


def _period(rec, ctx: Context, file: Path, line: int) -> tuple[int | None, int | None, str]:
    year, period = rec.get("year"), rec.get("period")
    if year is not None and period is not None:
        raise ValueError("give year or period, not both")
    if year is not None:
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 < year < 2100:
            raise ValueError(f"year {year!r} is not a year")
        first = last = year
    elif period is not None:
        m = _PERIOD.match(str(period))
        if not m or int(m.group(1)) > int(m.group(2)):
            raise ValueError(f"period {period!r} is not \"YYYY-YYYY\"")
        first, last = int(m.group(1)), int(m.group(2))
    else:
        raise ValueError("a value needs its year or period")
    kind = rec.get("period_kind") or ("year" if first == last else "multi_year")
    choice_value(PERIOD_KINDS, kind, "period_kind")
    return first, last, kind


def parse_value(ind: dict, rec, ctx: Context, file: Path, ord_: int) -> dict | None:
    line = _line(rec)
    what = f"indicator {ind['id']} value"
    if not isinstance(rec, dict):
        ctx.problems.add(file, line, f"{what}: expected a mapping")
        return None
    unknown = set(rec) - VALUE_KEYS
    if unknown:
        ctx.problems.add(file, line, f"{what}: unknown key(s) {sorted(unknown)}")
        return None
    raw = rec.get("value")
    if raw is None or isinstance(raw, (bool, float, dict, list)):
        ctx.problems.add(file, line, f"{what}: value {raw!r} must be the text as printed "
                                     "(quoted, Vietnamese notation)")
        return None
    text = str(raw)
    try:
        first, last, period_kind = _period(rec, ctx, file, line)
        kind = choice_value(VALUE_KINDS, rec.get("kind"), "kind")
        measure = choice_value(MEASURES, rec.get("measure") or "level", "measure")
        number, low, high, sign = parse_figure(text, rec.get("text") is True)
        qual = qualifier(rec.get("qualifier") or sign).value
        if sign and qual != sign:
            raise ValueError(f"{text!r} is printed with its sign: qualifier {sign!r}, "
                             f"not {qual!r}")
    except (ValueError, FigureError) as exc:
        ctx.problems.add(file, line, f"{what} {text!r}: {exc}")
        return None
    basis = rec.get("basis") or NAMED
    for problem in basis_problems(basis, rec.get("basis_rule"), rec.get("derived_from"),
                                  ctx.documents):
        ctx.problems.add(file, line, f"{what} {text!r}: {problem}")
    if rec.get("source") is not None:
        src = parse_source(rec, ctx, file, line, what)
    else:
        src = {k: ind[k] for k in ("source_doc", "source_line", "source_ref")}
    valid_on = (parse_date(rec["valid_on"], ctx, file, line, what) if rec.get("valid_on")
                else date(last, 12, 31))
    if src is None or valid_on is None:
        return None
    period = str(first) if first == last else f"{first}-{last}"
    key = (f"{period}/{period_kind}/{kind}/{measure}/{basis}/"
           f"{src['source_doc']}:{src['source_line'] or ''}/{text}")
    return {
        "indicator_id": ind["id"], "key": key, "ord": ord_, "year_from": first,
        "year_to": last, "period_kind": period_kind, "kind": kind, "measure": measure,
        "value_text": text, "value": number, "value_low": low, "value_high": high,
        "qualifier": qual, "unit": rec.get("unit") or ind["unit"], "basis": basis,
        "basis_rule": rec.get("basis_rule") if basis == DERIVED else None,
        "derived_from": rec.get("derived_from") if basis == DERIVED else None,
        **src, "valid_on": valid_on, "note": rec.get("note"),
        "_file": str(file), "_line": line,
    }


def _indicator(rec, ctx: Context, file: Path, ord_: int) -> dict | None:
    line = _line(rec)
    code = rec.get("code")
    unknown = set(rec) - INDICATOR_KEYS
    if unknown:
        ctx.problems.add(file, line, f"indicator {code}: unknown key(s) {sorted(unknown)}")
    if not code or not rec.get("name"):
        ctx.problems.add(file, line, "an indicator needs code and name")
        return None
    src = parse_source(rec, ctx, file, line, f"indicator {code}")
    unit_code = str(rec.get("unit_code") or CITY_CODE)
    if unit_code != CITY_CODE and unit_code not in ctx.districts and unit_code not in ctx.communes:
        ctx.problems.add(file, line, f"indicator {code}: unknown admin unit {unit_code!r}")
    if src is None:
        return None
    text = {k: None if rec.get(k) is None else str(rec[k])
            for k in ("name", "name_en", "unit", "reporting_period", "agency", "note")}
    return {"id": str(code), "ord": ord_, "group_name": rec.get("group"), **text,
            "unit_code": unit_code, **src, "_file": str(file), "_line": line}


def _side_matches(side: dict, value: dict) -> bool:
    if str(side.get("value")) != value["value_text"]:
        return False
    if side.get("year") is not None and (value["year_from"], value["year_to"]) != (
            side["year"], side["year"]):
        return False
    if side.get("period") is not None and f"{value['year_from']}-{value['year_to']}" != str(
            side["period"]).replace(" ", ""):
        return False
    if side.get("kind") is not None and side["kind"] != value["kind"]:
        return False
    if side.get("measure") is not None and side["measure"] != value["measure"]:
        return False
    src = side.get("source") or {}
    return (src.get("line") is None or src["line"] == value["source_line"]) and (
        src.get("doc") is None or str(src["doc"]) == value["source_doc"])


def _contradiction(rec, values: list[dict], ctx: Context, file: Path, ord_: int) -> dict | None:
    line = _line(rec)
    cid = rec.get("contradiction")
    unknown = set(rec) - {"contradiction", "note", "values"}
    if unknown:
        ctx.problems.add(file, line, f"contradiction {cid}: unknown key(s) {sorted(unknown)}")
    sides = rec.get("values") or []
    if not rec.get("note") or len(sides) < 2:
        ctx.problems.add(file, line, f"contradiction {cid}: needs a note (what disagrees) and "
                                     "at least two values")
        return None
    out = []
    for side in sides:
        sline = _line(side, line)
        if not isinstance(side, dict) or set(side) - SIDE_KEYS:
            ctx.problems.add(file, sline, f"contradiction {cid}: a value names indicator, "
                                          "value and optionally year/period, kind, measure, source")
            continue
        found = [v for v in values if v["indicator_id"] == str(side.get("indicator"))
                 and _side_matches(side, v)]
        if len(found) != 1:
            ctx.problems.add(file, sline, f"contradiction {cid}: {len(found)} values of "
                                          f"indicator {side.get('indicator')!r} match "
                                          f"{side.get('value')!r} (need exactly one)")
            continue
        v = found[0]
        out.append({"indicator": v["indicator_id"], "key": v["key"], "value": v["value_text"],
                    "basis": v["basis"], "source_doc": v["source_doc"],
                    "source_line": v["source_line"]})
    if len(out) < len(sides):
        return None
    return {"id": str(cid), "ord": ord_, "note": rec["note"],
            "sides": json.dumps(out, ensure_ascii=False), "_file": str(file), "_line": line}


def read_indicators(directory: Path, ctx: Context) -> IndicatorSet:
    """Every file of ``directory``: indicators first, then ``extends:`` values, then
    contradictions (which name values of any file)."""
    result = IndicatorSet()
    by_code: dict[str, dict] = {}
    pending_values: list[tuple[dict, object, Path]] = []
    contradictions: list[tuple[object, Path]] = []
    extensions: list[tuple[object, Path]] = []
    for path in sorted(directory.glob("*.yaml")) if directory.exists() else []:
        items = read_yaml(path) or []
        if not isinstance(items, list):
            ctx.problems.add(path, 1, "expected a YAML list")
            continue
        for rec in items:
            if not isinstance(rec, dict):
                ctx.problems.add(path, _line(rec), "each item must be a mapping")
            elif "contradiction" in rec:
                contradictions.append((rec, path))
            elif "extends" in rec:
                extensions.append((rec, path))
            else:
                ind = _indicator(rec, ctx, path, len(result.indicators))
                if ind is None:
                    continue
                if ind["id"] in by_code:
                    first = by_code[ind["id"]]
                    ctx.problems.add(path, ind["_line"], f"duplicate indicator {ind['id']!r} "
                                     f"(first at {ctx.problems.rel(first['_file'])}:"
                                     f"{first['_line']})")
                    continue
                by_code[ind["id"]] = ind
                result.indicators.append(ind)
                pending_values += [(ind, v, path) for v in rec.get("values") or []]
    for rec, path in extensions:
        ind = by_code.get(str(rec["extends"]))
        if ind is None:
            ctx.problems.add(path, _line(rec), f"extends unknown indicator {rec['extends']!r}")
            continue
        if set(rec) - {"extends", "values"}:
            ctx.problems.add(path, _line(rec), f"extends {rec['extends']}: only values may "
                                               "be added")
        pending_values += [(ind, v, path) for v in rec.get("values") or []]
    seen: dict[tuple[str, str], dict] = {}
    for ind, rec, path in pending_values:
        value = parse_value(ind, rec, ctx, path, len(result.values))
        if value is None:
            continue
        first = seen.setdefault((value["indicator_id"], value["key"]), value)
        if first is not value:
            ctx.problems.add(path, value["_line"], f"indicator {ind['id']}: duplicate value "
                             f"{value['value_text']!r} (first at "
                             f"{ctx.problems.rel(first['_file'])}:{first['_line']})")
            continue
        result.values.append(value)
    ids: set[str] = set()
    for rec, path in contradictions:
        c = _contradiction(rec, result.values, ctx, path, len(result.contradictions))
        if c is None:
            continue
        if c["id"] in ids:
            ctx.problems.add(path, c["_line"], f"duplicate contradiction {c['id']!r}")
            continue
        ids.add(c["id"])
        result.contradictions.append(c)
    return result


def store_indicators(conn, data: IndicatorSet) -> dict[str, MergeCount]:
    """Merge indicators, values and contradictions (values of a removed indicator go
    with it: ON DELETE CASCADE)."""
    return {table: store_rows(conn, table, rows, key, columns)
            for table, rows, columns, key in (
                ("indicator", data.indicators, INDICATOR_COLUMNS, ["id"]),
                ("indicator_value", data.values, VALUE_COLUMNS, ["indicator_id", "key"]),
                ("indicator_contradiction", data.contradictions, CONTRADICTION_COLUMNS,
                 ["id"]))}
