"""The web map (``/maps``), its JSON (config and layer data) and the district view.

Bad input answers as the API does (:class:`gis.errors.GISError`: the OGC exception
JSON for data, an error page for HTML pages).
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from psycopg.rows import dict_row

from api.db import pool
from gis.errors import GISError, not_found, title_vi
from gis.expr import parse_as_of
from gis.extent import city_extent
from gis.filters import parse_choices
from layers import registry
from maps import coverage, dashboard_pdf
from maps import district as district_sql
from maps.config import feature_counts, map_config, reference_lists
from maps.filters import MapFilter
from maps.paths import STATIC_DIR
from maps.templating import templates

router = APIRouter(tags=["maps"])


def error_page(request: Request, status: int, message: str,
               message_vi: str | None = None) -> HTMLResponse:
    """The error page in the page's language (``?lang=``, else the one chosen on the map,
    else Vietnamese): ``message_vi`` (else the status's Vietnamese title) or the English
    ``message``, each given apart."""
    lang = request.query_params.get("lang")
    return templates.TemplateResponse(request, "error.html", {
        "status": status, "message": message, "message_vi": message_vi,
        "lang": lang if lang in ("vi", "en") else None,
        "title_vi": title_vi(status), "title_en": _reason(status)}, status_code=status)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def map_filter(request: Request, district: str | None, as_of: str | None) -> MapFilter:
    """The map filters of a request: ``as_of``, ``district`` and one parameter per
    registry filter field (``status``, ``kind``, …)."""
    return MapFilter(as_of=parse_as_of(as_of), district=district or None,
                     choices=parse_choices(request.query_params))


async def page_config(conn, district: str | None = None, as_of=None) -> dict:
    """What a map page embeds so that it starts drawing at once: the config (the same as
    ``/maps/config.json``) and the GeoJSON URLs map.js will ask for, to preload."""
    cfg = map_config(await district_sql.district_list(conn),
                     await feature_counts(conn, registry.layers()), await city_extent(conn),
                     await reference_lists(conn))
    query = urlencode([(k, str(v)) for k, v in (("as_of", as_of), ("district", district)) if v])
    return {"config": cfg, "preload": [lc["data_url"] + (f"?{query}" if query else "")
                                       for lc in cfg["layers"] if not lc["tiled"]]}


@router.get("/maps", response_class=HTMLResponse, summary="The web map")
async def map_page(request: Request) -> HTMLResponse:
    async with pool(request).connection() as conn:
        page = await page_config(conn)
    return templates.TemplateResponse(request, "map.html", {"district": None, **page})


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    """Browsers ask for it on every page, printed maps (PDF, PNG) included."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "max-age=86400"})


@router.get("/maps/config.json", summary="The layer registry as the web map uses it")
async def config(request: Request) -> JSONResponse:
    async with pool(request).connection() as conn:
        districts = await district_sql.district_list(conn)
        counts = await feature_counts(conn, registry.layers())
        extent = await city_extent(conn)
        references = await reference_lists(conn)
    return JSONResponse(map_config(districts, counts, extent, references))


@router.get("/maps/data/{layer_id}.geojson", summary="One layer's features for the web map "
            "(`as_of`, `district` and the map filters: one parameter per filter field)")
async def layer_data(request: Request, layer_id: str, as_of: str | None = None,
                     district: str | None = None) -> Response:
    if layer_id not in registry:
        raise not_found(f"no layer {layer_id!r}; layers: "
                        + ", ".join(layer.id for layer in registry.layers()))
    flt = map_filter(request, district, as_of)
    layer = registry.get(layer_id)
    async with pool(request).connection() as conn:
        if flt.district and await district_sql.district_row(conn, flt.district) is None:
            raise GISError(404, f"no district {flt.district!r}", parameter="district")
        q = flt.query(layer)
        cur = await conn.execute(q.geojson_sql(maxdecimaldigits=6), q.bind())
        features = [row[0] for row in await cur.fetchall()]
    head = orjson.dumps({"type": "FeatureCollection", "layer": layer.id,
                         "as_of": flt.as_of.isoformat() if flt.as_of else None,
                         "district": flt.district, "numberReturned": len(features)})
    body = head[:-1] + b',"features":[' + ",".join(features).encode() + b"]}"
    return Response(body, media_type="application/geo+json")


@router.get("/maps/district/{code}", response_class=HTMLResponse,
            summary="District view: map and summary table")
async def district_page(request: Request, code: str, as_of: str | None = None,
                        f: str = "html", lang: str | None = None) -> Response:
    if f == "pdf":  # the same as /maps/district/{code}.pdf (maps/dashboard_pdf.py)
        return await dashboard_pdf.district_response(request, code, as_of, lang)
    if f != "html":
        return error_page(request, 400, f"f={f!r}: use html or pdf",
                          f"f={f!r}: dùng html hoặc pdf")
    try:
        flt = map_filter(request, code, as_of)
        page = list_page(request)
        stalled_page = coverage.stalled_page(request.query_params)
    except GISError as exc:
        return error_page(request, exc.status, exc.message, exc.vi)
    async with pool(request).connection() as conn:
        row = await district_sql.district_row(conn, code)
        if row is None:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute("SELECT code, full_name FROM admin_district ORDER BY code")
            known = ", ".join(f"{r['code']} {r['full_name']}" for r in await cur.fetchall())
            return error_page(request, 404, f"No district with code {code!r}. "
                                            f"Valid codes: {known}.",
                              f"Không có quận/huyện mã {code!r}. Các mã hợp lệ: {known}.")
        summary = await district_sql.district_summary(conn, code, flt, page)
        dash = await coverage.district_dashboard(conn, code, flt.as_of, stalled_page)
        cfg = await page_config(conn, code, flt.as_of)
    return templates.TemplateResponse(request, "district.html", {
        "district": row, "summary": summary, "as_of": flt.as_of, "dash": dash,
        "list_page": page, "page_size": district_sql.PAGE,
        "keep_query": query_without(request, "show", "group", "offset", "limit").rstrip("&"),
        "stalled_query": query_without(request, "stalled_offset", "stalled_limit"), **cfg})


def query_without(request: Request, *names: str) -> str:
    """The page's query string without ``names``, ending in ``&`` (or empty): the start
    of a link to another page of one of its lists."""
    q = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in names])
    return q + "&" if q else ""


def list_page(request: Request) -> district_sql.ListPage:
    """``show=LAYER&group=VALUE&offset=N[&limit=all]``: which rows of one group to list."""
    q = request.query_params
    show = q.get("show")
    if not show:
        return district_sql.ListPage()
    if show not in {layer.id for layer in registry.summary_layers()}:
        raise GISError(400, f"show={show!r}: not a layer of the district summary",
                       parameter="show",
                       vi=f"show={show!r}: không phải lớp của bảng tổng hợp quận/huyện")
    try:
        offset = int(q.get("offset") or 0)
    except ValueError:
        offset = -1
    if offset < 0:
        raise GISError(400, f"offset={q.get('offset')!r}: a whole number from 0",
                       parameter="offset", vi=f"offset={q.get('offset')!r}: cần số nguyên từ 0")
    limit = q.get("limit")
    if limit not in (None, "", "all"):
        raise GISError(400, f"limit={limit!r}: leave it out or write limit=all",
                       parameter="limit", vi=f"limit={limit!r}: bỏ trống hoặc ghi limit=all")
    return district_sql.ListPage(show, q.get("group", ""), offset,
                                 None if limit == "all" else district_sql.PAGE)
