"""The web map (``/maps``), its JSON (config and layer data) and the district view."""

from __future__ import annotations

from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from psycopg.rows import dict_row

from api.db import pool
from gis.extent import city_extent
from gis.figures import format_vn_number
from layers import METRICS, registry
from maps import district as district_sql
from maps.config import API_ITEM_URL, feature_counts, map_config
from maps.filters import BadRequest, MapFilter, parse_date
from maps.paths import BOUNDARY_CREDIT, STATIC_DIR, TEMPLATES_DIR

router = APIRouter(tags=["maps"])
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["vn"] = format_vn_number
templates.env.globals.update(registry=registry, METRICS=METRICS, item_url=API_ITEM_URL,
                             boundary_credit=BOUNDARY_CREDIT)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"status": status,
                                                              "message": message},
                                      status_code=status)


def map_filter(as_of: str | None, district: str | None, status: str | None = None,
               status_class: str | None = None, kind: str | None = None) -> MapFilter:
    return MapFilter(as_of=parse_date(as_of), district=district or None, status=status or None,
                     status_class=status_class or None, kind=kind or None)


async def page_config(conn, district: str | None = None, as_of=None) -> dict:
    """What a map page embeds so that it starts drawing at once: the config (the same as
    ``/maps/config.json``) and the GeoJSON URLs map.js will ask for, to preload."""
    cfg = map_config(await district_sql.district_list(conn),
                     await feature_counts(conn, registry.layers()), await city_extent(conn))
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
    return JSONResponse(map_config(districts, counts, extent))


@router.get("/maps/data/{layer_id}.geojson", summary="One layer's features for the web map")
async def layer_data(request: Request, layer_id: str, as_of: str | None = None,
                     district: str | None = None, status: str | None = None,
                     status_class: str | None = None, kind: str | None = None) -> Response:
    if layer_id not in registry:
        return JSONResponse({"detail": f"no layer {layer_id!r}"}, status_code=404)
    try:
        flt = map_filter(as_of, district, status, status_class, kind)
    except BadRequest as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)
    layer = registry.get(layer_id)
    async with pool(request).connection() as conn:
        if flt.district and await district_sql.district_row(conn, flt.district) is None:
            return JSONResponse({"detail": f"no district {flt.district!r}"}, status_code=404)
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
async def district_page(request: Request, code: str, as_of: str | None = None) -> HTMLResponse:
    try:
        flt = map_filter(as_of, code)
    except BadRequest as exc:
        return error_page(request, exc.status, exc.message)
    async with pool(request).connection() as conn:
        row = await district_sql.district_row(conn, code)
        if row is None:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute("SELECT code, full_name FROM admin_district ORDER BY code")
            known = ", ".join(f"{r['code']} {r['full_name']}" for r in await cur.fetchall())
            return error_page(request, 404, f"Không có quận/huyện mã {code!r} "
                                            f"(no district with code {code!r}). "
                                            f"Các mã hợp lệ / valid codes: {known}.")
        summary = await district_sql.district_summary(conn, code, flt)
        page = await page_config(conn, code, flt.as_of)
    return templates.TemplateResponse(request, "district.html", {
        "district": row, "summary": summary, "as_of": flt.as_of, **page})
