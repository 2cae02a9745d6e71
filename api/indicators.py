"""``/indicators``: the socio-economic indicators of the source documents, without
geometry, as JSON (default), CSV (one row per value), XLSX or HTML (``f=``), filtered by
``group``, ``year`` (values covering that year) and ``kind`` (target, plan, actual,
estimate); ``/indicators/{id}`` is one indicator. Every value carries its source document,
line and reference, and the date it is valid for."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.db import pool
from gis.errors import bad_request, not_found
from gis.indicator_query import IndicatorFilter, groups, indicators
from gis.tables import XLSX, csv_bytes, xlsx_bytes
from layers.indicators import MEASURES, VALUE_KINDS
from maps.templating import templates

router = APIRouter(tags=["indicators"])
FORMATS = ("json", "csv", "xlsx", "html")
CSV_COLUMNS = ["indicator", "group", "name", "name_en", "kind", "measure", "year_from",
               "year_to", "value_text", "value", "value_low", "value_high", "qualifier",
               "unit", "basis", "valid_on", "source_doc", "source_line", "source_ref", "note"]


def _rows(items: list[dict]) -> list[list]:
    return [[i["id"], i["group_name"], i["name"], i["name_en"], v["kind"], v["measure"],
             v["year_from"], v["year_to"], v["value_text"], v["value"], v["value_low"],
             v["value_high"], v["qualifier"], v["unit"] or i["unit"], v["basis"],
             v["valid_on"], v["source_doc"], v["source_line"], v["source_ref"], v["note"]]
            for i in items for v in i["values"]]


def _json(items: list[dict]) -> list[dict]:
    def num(x):
        return None if x is None else float(x)
    return [{**i, "values": [{**v, "value": num(v["value"]), "value_low": num(v["value_low"]),
                              "value_high": num(v["value_high"])} for v in i["values"]]}
            for i in items]


@router.get("/indicators", summary="Socio-economic indicators with their values and sources "
            "(filters: group, year, kind; f=json|csv|xlsx|html)")
async def list_indicators(request: Request, group: str | None = None, year: str | None = None,
                          kind: str | None = None, f: str = "json") -> Response:
    if f not in FORMATS:
        raise bad_request(f"f={f!r}: use one of {', '.join(FORMATS)}", "f")
    flt = IndicatorFilter.parse(group, year, kind)
    async with pool(request).connection() as conn:
        items = await indicators(conn, flt)
        all_groups = await groups(conn)
    if f == "csv":
        return Response(csv_bytes(CSV_COLUMNS, _rows(items)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="indicators.csv"'})
    if f == "xlsx":
        return Response(xlsx_bytes("Chỉ tiêu", CSV_COLUMNS, _rows(items)), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="indicators.xlsx"'})
    if f == "html":
        return templates.TemplateResponse(request, "indicators.html", {
            "items": items, "groups": all_groups, "flt": flt, "kinds": VALUE_KINDS,
            "measures": {m.value: m for m in MEASURES},
            "kind_labels": {k.value: k for k in VALUE_KINDS}})
    return JSONResponse({"numberReturned": len(items), "filter": {
        "group": flt.group, "year": flt.year, "kind": flt.kind}, "indicators": _json(items)},
        headers={"Link": '</indicators?f=csv>; rel="alternate"; type="text/csv"'})


@router.get("/indicators/{indicator_id}", summary="One indicator with all its values")
async def one_indicator(request: Request, indicator_id: str) -> JSONResponse:
    async with pool(request).connection() as conn:
        items = [i for i in await indicators(conn) if i["id"] == indicator_id]
    if not items:
        raise not_found(f"no indicator {indicator_id!r}")
    return JSONResponse(_json(items)[0])


@router.get("/sources/{doc}", response_class=HTMLResponse,
            summary="A source document's text, line by line (#L{n} goes to line n)")
async def source_text(request: Request, doc: str, line: int | None = None) -> HTMLResponse:
    from gis.dataset.seeds import seed_lines

    lines = seed_lines().get(doc)
    if lines is None:
        raise not_found(f"no source document {doc!r}")
    async with pool(request).connection() as conn:
        cur = await conn.execute("SELECT title, file FROM source_document WHERE id = %s", (doc,))
        title, file = await cur.fetchone() or (doc, doc)
    return templates.TemplateResponse(request, "source.html", {
        "doc": doc, "title": title, "file": file, "lines": lines, "line": line})
