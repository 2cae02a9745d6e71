"""``/dashboard``: the city at a glance. The socio-economic indicators (plan, the
previous year's actual, the resolution's target, the report's verdict and the one computed
from the figures, every number linked to its source line, a chart of each series), then
the districts side by side (counters from maps/coverage.py, the city's own totals counting
a feature spanning districts once) and the stalled/overdue list. ``/dashboard.xlsx`` is
the indicator table as a spreadsheet, ``/dashboard.pdf`` (``?f=pdf``) the page as PDF
made on the server (maps/dashboard_pdf.py); the browser's print still works."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.db import pool
from gis.errors import bad_request
from gis.expr import parse_as_of
from gis.indicator_query import indicators, series, verdict_row
from gis.tables import XLSX, xlsx_bytes
from layers.indicators import VALUE_KINDS, VERDICTS
from maps import coverage, dashboard_pdf
from maps import district as district_sql
from maps.staleness import vn_date
from maps.templating import templates
from maps.web import query_without

router = APIRouter(tags=["maps"])


async def indicator_table(conn) -> list[dict]:
    """The indicators with a verdict to show: a target year with a result, or the report's
    own verdict (rows whose parts carry the figures)."""
    rows = []
    for ind in await indicators(conn):
        v = verdict_row(ind)
        if v["result"] or v["reported_text"]:
            rows.append({"ind": ind, **v, "series": series(ind)})
    return rows


@router.get("/dashboard", response_class=HTMLResponse,
            summary="City dashboard: indicators, districts compared, stalled projects")
async def dashboard(request: Request, f: str = "html", lang: str | None = None,
                    as_of: str | None = None) -> Response:
    if f == "pdf":
        return await dashboard_pdf.city_response(request, lang, as_of)
    if f != "html":
        raise bad_request(f"f={f!r}: use html or pdf", "f", vi=f"f={f!r}: dùng html hoặc pdf")
    page = coverage.stalled_page(request.query_params)
    when = parse_as_of(as_of)  # the counters as of a date (maps/counters_as_of.py)
    async with pool(request).connection() as conn:
        table = await indicator_table(conn)
        cov = await coverage.coverage(conn, None, when)
        districts = await district_sql.district_list(conn)
        stalled = await coverage.stalled(conn, None, when, *page)
        latest = await coverage.latest_figure(conn, None, when)
    return templates.TemplateResponse(request, "dashboard.html", {
        "table": table, "verdicts": VERDICTS, "kinds": VALUE_KINDS, "coverage": cov,
        "districts": districts, "stalled": stalled, "latest": latest,
        "today": when or date.today(), "as_of": when,
        "city": coverage.CITY,
        "stalled_query": query_without(request, "stalled_offset", "stalled_limit")})


XLSX_HEADER = ["Mã / Code", "Chỉ tiêu / Indicator", "Đơn vị / Unit", "Năm / Year",
               "Thực hiện năm trước / Previous year actual", "Kế hoạch / Plan",
               "Chỉ tiêu NQ / Target", "Ước TH, thực hiện / Estimate, actual",
               "Đánh giá của báo cáo / Report's verdict", "Đánh giá tính lại / Computed",
               "Nguồn / Source"]


@router.get("/dashboard.xlsx", summary="The dashboard's indicator table as XLSX")
async def dashboard_xlsx(request: Request) -> Response:
    async with pool(request).connection() as conn:
        table = await indicator_table(conn)
    labels = {c.value: f"{c.label_vi} / {c.label_en}" for c in VERDICTS}

    def cell(v):
        return v["value_text"] if v else None

    def where(v):
        return f"{v['source_doc']}:{v['source_line']} ({v['source_ref'] or ''})" if v else None
    rows = [[r["ind"]["id"], r["ind"]["name"], r["ind"]["unit"], r["year"], cell(r["previous"]),
             cell(r["plan"]), cell(r["target"]), cell(r["result"]), r["reported_text"],
             labels.get(r["computed"]), "; ".join(filter(None, (
                 where(r["ind"]), where(r["target"]), where(r["result"]))))]
            for r in table]
    body = xlsx_bytes("Chỉ tiêu KT-XH", XLSX_HEADER, rows,
                      note=f"Xuất ngày / exported {vn_date(date.today())}; giá trị như in trong "
                           "văn bản nguồn / values as printed in the source documents")
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="dashboard.xlsx"'})
