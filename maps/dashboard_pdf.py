"""The dashboards as PDF, made on the server (matplotlib, like the printed maps):
``/dashboard.pdf`` (or ``/dashboard?f=pdf``) and ``/maps/district/{code}.pdf`` (or
``?f=pdf``), Vietnamese or English (``lang=en``).

The city's: the indicator table (previous year, plan, target, estimate/actual, the
report's verdict and the computed one, the source lines), the districts' counters side
by side and the stalled/overdue list. A district's: its counters beside the city's, its
stalled list and its communes' New Rural level. Every figure says its source (document
and line, the documents' titles listed at the end) and the date the figures date from.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.db import pool
from gis.errors import GISError
from gis.expr import parse_as_of
from gis.figures import format_vn_number, period_label
from layers import METRICS
from layers.indicators import VERDICTS
from maps import coverage
from maps import district as district_sql
from maps.filters import MapFilter
from maps.investment import period_cell, periods_shown
from maps.pdf_doc import Doc, Table
from maps.staleness import age_words, vn_date
from maps.wording import check_lang

router = APIRouter(tags=["maps"])
STALLED_PRINTED = 100  # stalled features printed (the rest counted, on the page)

WORDS = {
    "vi": {
        "city_title": "Tổng quan thành phố Cần Thơ", "made": "Lập ngày",
        "latest": "Số liệu tiến độ mới nhất", "indicators": "Chỉ tiêu kinh tế - xã hội",
        "cols": ["Chỉ tiêu", "Đơn vị", "Năm trước (TH)", "Kế hoạch", "Chỉ tiêu NQ",
                 "Ước TH / TH", "Đánh giá của báo cáo", "Đánh giá tính lại", "Nguồn"],
        "derived": "suy ra", "differs": "khác báo cáo", "counters": "Số liệu tổng hợp",
        "compared": "So sánh các quận, huyện", "city": "Toàn TP", "stalled":
        "Chậm tiến độ, quá hạn", "none_stalled": "Không có dự án chậm tiến độ hay quá hạn.",
        "more": "… và {n} đối tượng khác (xem trang web).", "overdue":
        "Quá hạn: {field} đến năm {year} (suy ra từ trường này)",
        "stale": "Không có số liệu mới hơn {m} tháng: số liệu ngày {d}, {age}",
        "no_figure": "Chưa có số liệu tiến độ nào", "unchanged":
        "Tiến độ không đổi giữa hai báo cáo gần nhất: {metric} {value} {unit} ({d1} {s1} → "
        "{d0} {s0})", "same_report": "Tình hình thực hiện như nhau trong hai báo cáo gần "
        "nhất: “{text}” ({d1} {s1} → {d0} {s0})", "sources": "Nguồn", "line": "dòng",
        "page": "Trang",
        "continued": "tiếp theo", "unknown": "chưa rõ", "with": "có số liệu",
        "missing": "{m}: không có số liệu (chưa rõ, không tính là 0)", "mean": "trung bình",
        "unknown_group": "Chưa rõ {f}", "units": "{t}: xã đạt / tổng số xã",
        "against": "so với {t} cùng kỳ: {v} ({n} có cả hai)", "district_latest":
        "Số liệu mới nhất của quận/huyện", "communes": "{t} theo xã", "unit": "Đơn vị",
        "no_record": "không có bản ghi", "verdict_note": "Đánh giá tính lại: ước thực hiện "
        "(hoặc thực hiện) so với chỉ tiêu nghị quyết cùng năm.", "as_of": "tiến độ đến",
        "once": "Một đối tượng nằm trên nhiều quận/huyện được tính ở mỗi quận/huyện, nhưng "
        "chỉ một lần trong cột toàn thành phố.",
    },
    "en": {
        "city_title": "Cần Thơ at a glance", "made": "Made on",
        "latest": "Latest progress figure", "indicators": "Socio-economic indicators",
        "cols": ["Indicator", "Unit", "Previous year (actual)", "Plan", "Target",
                 "Estimate / actual", "Report's verdict", "Computed verdict", "Source"],
        "derived": "derived", "differs": "differs from the report", "counters": "Counters",
        "compared": "Districts compared", "city": "City", "stalled": "Stalled and overdue",
        "none_stalled": "Nothing stalled or overdue.",
        "more": "… and {n} more (see the web page).", "overdue":
        "Overdue: {field} ends {year} (read from that field)",
        "stale": "No new figure for more than {m} months: figures of {d}, {age}",
        "no_figure": "No progress figure at all", "unchanged":
        "Progress unchanged between the last two reports: {metric} {value} {unit} ({d1} "
        "{s1} → {d0} {s0})", "same_report": "The same status reported in the last two "
        "reports: “{text}” ({d1} {s1} → {d0} {s0})", "sources": "Sources", "line": "line",
        "page": "Page",
        "continued": "continued", "unknown": "unknown", "with": "with figures",
        "missing": "{m}: no figure (unknown, not counted as 0)", "mean": "mean",
        "unknown_group": "{f} unknown", "units": "{t}: communes recognised / all",
        "against": "against {t} of the same period: {v} ({n} with both)", "district_latest":
        "The district's latest figure", "communes": "{t} by commune", "unit": "Unit",
        "no_record": "no record", "verdict_note": "Computed verdict: the estimate (or "
        "actual) against the same year's target.", "as_of": "progress as of",
        "once": "A feature spanning several districts counts in each of them, but once in "
        "the city column.",
    },
}


def _l(obj, en: bool, attr: str = "label") -> str:
    return getattr(obj, f"{attr}_en") if en else getattr(obj, f"{attr}_vi")


def _num(v, decimals: int | None = None) -> str:
    return format_vn_number(v, decimals)


def _src(doc: str | None, line, w: dict, used: set) -> str:
    if not doc:
        return ""
    used.add(doc)
    return f"{doc} {w['line']} {line}" if line else doc


def _value(v: dict | None, ind: dict, w: dict, used: set) -> str:
    if not v:
        return "—"
    text = v["value_text"]
    if v.get("unit") and v["unit"] != ind["unit"]:
        text += f" {v['unit']}"
    if v.get("basis") == "derived":
        text += f" ({w['derived']})"
    used.add(v["source_doc"])
    return text


def _verdict(value: str | None, en: bool, text: str | None = None) -> str:
    c = next((c for c in VERDICTS if c.value == value), None)
    if c:
        return c.label_en if en else (text or c.label_vi)
    return text or "—"


def indicator_rows(table: list[dict], en: bool, w: dict, used: set) -> list[list[str]]:
    rows = []
    for r in table:
        i = r["ind"]
        name = (i["name_en"] or i["name"]) if en else i["name"]
        sources = "; ".join(dict.fromkeys(filter(None, (
            _src(v["source_doc"], v["source_line"], w, used)
            for v in (i, r["target"], r["result"], r["previous"], r["plan"]) if v))))
        computed = _verdict(r["computed"], en)
        if r["differs"]:
            computed += f" ({w['differs']})"
        rows.append([name + (f" ({r['year']})" if r["year"] else ""), i["unit"] or "",
                     _value(r["previous"], i, w, used), _value(r["plan"], i, w, used),
                     _value(r["target"], i, w, used), _value(r["result"], i, w, used),
                     _verdict(r["reported"], en, r["reported_text"]), computed, sources])
    return rows


def not_known(cov: dict, what: str, en: bool, **kw) -> str | None:
    """What the page says for a counter with no history, for a past date (else None)."""
    words = (cov.get("not_known") or {}).get(what)
    return words[1 if en else 0].format(**kw) if words else None


def _as_of_note(doc: Doc, data: dict, what: str, en: bool) -> None:
    """For a past date: what the counters count then, and what they cannot know."""
    if data.get("as_of"):
        doc.para(not_known(data["coverage"], what, en, d=vn_date(data["as_of"])), 6.5)


def counter_rows(cov: dict, codes: list[str], en: bool, w: dict) -> tuple[list, set]:
    """The counters table of maps/templates/_coverage.html as text rows."""
    rows, strong = [], set()
    for layer, counts in cov["layers"]:
        decl = layer.summary
        strong.add(len(rows))
        rows.append([_l(layer, en, "title")] + [_num((counts.get(c) or {}).get("n", 0))
                                                 for c in codes])
        gf = layer.field(decl.group_by) if decl.group_by else None
        if gf and (past := not_known(cov, "groups", en, f=_l(gf, en).lower())):
            rows.append(["  " + past] + ["—" for c in codes])
        elif gf:
            for ch in gf.choices:
                rows.append(["  " + _l(ch, en)] + [_num(n) if (n := ((counts.get(c) or {}).get(
                    "groups") or {}).get(ch.value, 0)) else "" for c in codes])
            unknown = w["unknown_group"].format(f=_l(gf, en).lower() if not en else _l(gf, en))
            rows.append(["  " + unknown] + [_num(n) if (n := ((counts.get(c) or {}).get(
                "groups") or {}).get(None, 0)) else "" for c in codes])
        if decl.total:
            tf = layer.field(decl.total)
            unit = (tf.unit_en or tf.unit) if en else tf.unit
            label = f"{_l(tf, en)} ({unit})"
            rows.append([f"  {not_known(cov, 'total', en, f=label) or label}"] + [
                f"{_num(r['total'], 1)} ({r['n_total']} {w['with']})"
                if (r := counts.get(c) or {}).get("total") is not None and r.get("n_total")
                else "—" for c in codes])
        for m, period in periods_shown(counts, codes):
            mm = METRICS[m]
            unit = (mm.unit_en or mm.unit) if en else mm.unit
            if period is None:
                rows.append(["  " + w["missing"].format(m=_l(mm, en))] + [
                    _num(period_cell(counts, c, m, None)["n_missing"]) for c in codes])
                continue
            label = period_label(period, "en" if en else "vi")
            cells = []
            for c in codes:
                r = period_cell(counts, c, m, period)
                if not r or r["sum"] is None:
                    cells.append("—")
                    continue
                text = f"{_num(r['sum'], 1)} ({r['n']} {w['with']})"
                if r["against"] and r["n_against"]:
                    text += "\n" + w["against"].format(
                        t=_l(METRICS[r["against"]], en).lower(), v=_num(r["against_sum"], 1),
                        n=r["n_against"])
                cells.append(text)
            rows.append([f"  {_l(mm, en)}, {label} ({unit})"] + cells)
        metric = next((r.get("metric") for r in counts.values() if r.get("metric")), None)
        if metric:
            mm = METRICS[metric]
            unit = (mm.unit_en or mm.unit) if en else mm.unit
            rows.append([f"  {_l(mm, en)}, {w['mean']} ({unit})"] + [
                f"{_num(r['mean'], 1)} (n={r['n_mean']}; {vn_date(r['latest'])})"
                if (r := counts.get(c) or {}).get("mean") is not None else "—"
                for c in codes])
    for src, counts in cov["units"]:
        strong.add(len(rows))
        rows.append([w["units"].format(t=_l(src, en, "title"))] + [
            f"{u['met']}/{u['total']}" if (u := counts.get(c)) else "—" for c in codes])
    return rows, strong


def stalled_lines(stalled: dict, today: date, en: bool, w: dict, used: set) -> list[str]:
    lines = []
    for s in stalled["items"][:STALLED_PRINTED]:
        head = f"• {s['name']} ({_l(s['layer'], en, 'title')}"
        head += f", {_l(s['status'], en)})" if s["status"] else ")"
        reasons = []
        for r in s["reasons"]:
            if r["kind"] == "overdue":
                reasons.append(w["overdue"].format(field=_l(r["field"], en).lower(),
                                                   year=r["end_year"]))
            elif r["kind"] == "stale":
                age = age_words(r["latest"], today)[1 if en else 0]
                reasons.append(w["stale"].format(m=r["months"], d=vn_date(r["latest"]),
                                                 age=age) if r["latest"] else w["no_figure"])
            elif r["kind"] == "same_report":
                used.update(s_.split(":")[0] for s_ in r["sources"])
                text = r["text"] if len(r["text"]) <= 160 else r["text"][:157] + "…"
                reasons.append(w["same_report"].format(
                    text=text, d1=vn_date(r["dates"][1]), s1=r["sources"][1],
                    d0=vn_date(r["dates"][0]), s0=r["sources"][0]))
            else:
                used.update(s_.split(":")[0] for s_ in r["sources"])
                m = r["metric"]
                reasons.append(w["unchanged"].format(
                    metric=_l(m, en), value=_num(r["value"]),
                    unit=(m.unit_en or m.unit) if en else m.unit, d1=vn_date(r["dates"][1]),
                    s1=r["sources"][1], d0=vn_date(r["dates"][0]), s0=r["sources"][0]))
        lines.append(head + "\n    " + "\n    ".join(reasons))
    shown = min(len(stalled["items"]), STALLED_PRINTED)
    if stalled["total"] > shown:
        lines.append(w["more"].format(n=_num(stalled["total"] - shown)))
    return lines or [w["none_stalled"]]


async def _titles(conn) -> dict[str, tuple[str, str]]:
    cur = await conn.execute("SELECT id, title, title_en FROM source_document")
    return {i: (t, te or t) for i, t, te in await cur.fetchall()}


def _sources(doc: Doc, used: set, titles: dict, en: bool, w: dict) -> None:
    if not any(used):
        return
    doc.heading(w["sources"])
    for d in sorted(filter(None, used)):
        vi, eng = titles.get(d, (d, d))
        doc.para(f"{d}: {eng if en else vi}", 7)


def _counters(doc: Doc, cov: dict, codes: list[str], names: dict, en: bool, w: dict) -> None:
    rows, strong = counter_rows(cov, codes, en, w)
    first = 0.28 if len(codes) > 4 else 0.4
    share = (1 - first) / len(codes)
    doc.table(Table([""] + [names[c] for c in codes], rows, [first] + [share] * len(codes),
                    numeric=set(range(1, len(codes) + 1)), size=6 if len(codes) > 4 else 7,
                    strong=strong))
    doc.para(w["once"], 6.5)


def city_pdf(data: dict, lang: str) -> bytes:
    en, w = lang == "en", WORDS[lang]
    used: set = set()
    today = data["today"]
    doc = Doc(w["city_title"], f"{w['city_title']} · {w['made']} {vn_date(today)}",
              w["continued"], w["page"])
    doc.heading(w["city_title"])
    age = age_words(data["latest"], today)[1 if en else 0]
    when = f" · {w['as_of']} {vn_date(data['as_of'])}" if data.get("as_of") else ""
    doc.para(f"{w['latest']}: {vn_date(data['latest'])}, {age}{when} · {w['made']} "
             f"{vn_date(date.today())}")
    doc.heading(w["indicators"])
    doc.table(Table(w["cols"], indicator_rows(data["table"], en, w, used),
                    [0.25, 0.06, 0.08, 0.08, 0.08, 0.08, 0.1, 0.13, 0.14],
                    numeric={2, 3, 4, 5}))
    doc.para(w["verdict_note"], 6.5)
    doc.heading(w["compared"])
    codes = [d["code"] for d in data["districts"]] + [coverage.CITY]
    names = {d["code"]: d["name"] for d in data["districts"]} | {coverage.CITY: w["city"]}
    _as_of_note(doc, data, "features", en)
    _counters(doc, data["coverage"], codes, names, en, w)
    doc.heading(f"{w['stalled']} ({_num(data['stalled']['total'])})")
    _as_of_note(doc, data, "stalled", en)
    for line in stalled_lines(data["stalled"], today, en, w, used):
        doc.para(line, 7)
    _sources(doc, used, data["titles"], en, w)
    return doc.render({"Subject": w["city_title"]})


def district_pdf(data: dict, lang: str) -> bytes:
    en, w = lang == "en", WORDS[lang]
    used: set = set()
    row, dash = data["district"], data["dash"]
    today = dash["today"]
    title = row["full_name"]
    doc = Doc(title, f"{title} · {w['made']} {vn_date(date.today())}", w["continued"],
              w["page"])
    doc.heading(title)
    age = age_words(dash["latest"], today)[1 if en else 0]
    when = f" · {w['as_of']} {vn_date(data['as_of'])}" if data["as_of"] else ""
    doc.para(f"{w['district_latest']}: {vn_date(dash['latest'])}, {age}{when} · "
             f"{w['made']} {vn_date(date.today())}")
    doc.heading(w["counters"])
    codes = [row["code"], coverage.CITY]
    _as_of_note(doc, {**data, "coverage": dash["coverage"]}, "features", en)
    _counters(doc, dash["coverage"], codes, {row["code"]: row["name"],
                                            coverage.CITY: w["city"]}, en, w)
    doc.heading(f"{w['stalled']} ({_num(dash['stalled']['total'])})")
    _as_of_note(doc, {**data, "coverage": dash["coverage"]}, "stalled", en)
    for line in stalled_lines(dash["stalled"], today, en, w, used):
        doc.para(line, 7)
    for us in data["units"]:
        if len(us.rows) <= 1:
            continue
        src, best = us.layer, us.layer.best_record
        doc.heading(w["communes"].format(t=_l(src, en, "title")))
        rows = []
        for u in us.rows:
            lv = us.level.choice(u["level"])
            level = _l(lv, en) if lv else str(u["level"])
            if u["level"] == us.level.missing:
                level += f" ({w['no_record']})"
            shown = []
            for c in best.shown:
                ch = src.field(c).choice(u[c])
                shown.append((_l(ch, en) if ch else str(u[c] or "")) or "—")
            rows.append([u["name"], level, *shown])
        n = 2 + len(best.shown)
        doc.table(Table([w["unit"], _l(src.field(best.rank), en)]
                        + [_l(src.field(c), en) for c in best.shown], rows,
                        [0.3, 0.3] + [0.4 / (n - 2)] * (n - 2) if n > 2 else [0.5, 0.5],
                        strong={0}))
    _sources(doc, used, data["titles"], en, w)
    return doc.render({"Subject": title})


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


async def city_response(request: Request, lang: str | None, as_of: str | None = None
                        ) -> Response:
    from maps.dashboard import indicator_table

    lang, when = check_lang(lang), parse_as_of(as_of)
    async with pool(request).connection() as conn:
        data = {"table": await indicator_table(conn),
                "coverage": await coverage.coverage(conn, None, when),
                "districts": await district_sql.district_list(conn),
                "stalled": await coverage.stalled(conn, None, when, STALLED_PRINTED),
                "latest": await coverage.latest_figure(conn, None, when),
                "today": when or date.today(), "as_of": when, "titles": await _titles(conn)}
    return _pdf(await run_in_threadpool(city_pdf, data, lang), "dashboard")


async def district_response(request: Request, code: str, as_of: str | None,
                            lang: str | None) -> Response:
    lang = check_lang(lang)
    when = parse_as_of(as_of)
    async with pool(request).connection() as conn:
        row = await district_sql.district_row(conn, code)
        if row is None:
            raise GISError(404, f"no district {code!r}", parameter="code",
                           vi=f"không có quận/huyện mã {code!r}")
        summary = await district_sql.district_summary(conn, code, MapFilter(when, code))
        data = {"district": row, "dash": await coverage.district_dashboard(conn, code, when),
                "units": summary["units"], "as_of": when, "titles": await _titles(conn)}
    return _pdf(await run_in_threadpool(district_pdf, data, lang), f"district-{code}")


@router.get("/dashboard.pdf", summary="The city dashboard as PDF (lang=vi|en, as_of)")
async def dashboard_pdf(request: Request, lang: str | None = None,
                        as_of: str | None = None) -> Response:
    return await city_response(request, lang, as_of)


@router.get("/maps/district/{code}.pdf", summary="The district dashboard as PDF "
            "(lang=vi|en, as_of)")
async def district_dashboard_pdf(request: Request, code: str, as_of: str | None = None,
                                 lang: str | None = None) -> Response:
    return await district_response(request, code, as_of, lang)
