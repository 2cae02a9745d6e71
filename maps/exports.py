"""``/exports/map.pdf``, ``/exports/map.png``, ``/exports/atlas.pdf``: printed maps;
``/exports/map.html``: the same map as one offline interactive HTML file (folium).

Query parameters: ``size`` (A4, A3), ``orientation`` (portrait, landscape), ``dpi``
(150, 300), ``district`` (GSO code), ``layers`` (comma-separated ids), ``as_of``
(YYYY-MM-DD), ``title``, ``lang`` (vi, en), ``metric`` (the metric progress classes
are read from; default: each feature's first shading metric), ``layout`` (a layout of
``maps/layouts/``; default: size-orientation), ``author``, ``map_number``, ``agency``
(the header, default the city People's Committee), and the web map's
filters: one parameter per registry filter field
(``status``, ``status_class``, ``kind``, ``work_type``, …), the progress range
``pmin``/``pmax`` (0-100 %) with ``unknown`` (1/0: keep features of unknown progress)
and the name search ``q`` (diacritics optional). Texts (``title``, ``author``,
``map_number``, ``agency``) are single lines of at most 200/120/40/120 characters.
``POST`` to ``/exports/map.pdf|png`` with the same query parameters adds a ``logo`` (PNG
or JPEG, at most 512 KB, checked by its bytes) as a multipart file field; it is read in
memory and kept no longer than the request. The web map's Print dialog opens these URLs.
Bad input is answered 4xx (404 for an unknown district, 413 for a logo too big) with the
OGC exception JSON (code, description, parameter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.db import database_url
from gis.errors import GISError, bad_request
from gis.expr import parse_as_of
from gis.filters import parse_choices
from layers import METRICS
from maps import printing
from maps.classes import class_metrics
from maps.filters import (
    MapFilter,
    parse_bool,
    parse_layers,
    parse_percent,
    parse_text,
)
from maps.logo import MAX_BYTES
from maps.wording import check_lang

router = APIRouter(prefix="/exports", tags=["printed maps"])

# The interactive HTML map is one file with Leaflet and its data inlined (maps.interactive):
# it runs its own inline code and reaches no server, not even ours.
SELF_CONTAINED_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
                      " img-src data:; font-src data:; frame-ancestors 'none'")
MEDIA = {"pdf": "application/pdf", "png": "image/png", "html": "text/html; charset=utf-8"}


@dataclass
class PrintQuery:
    """The query parameters of every printed-map endpoint (see the module doc)."""

    size: str = "A4"
    orientation: str = "landscape"
    dpi: str = "150"
    district: str | None = None
    layers: str | None = None
    as_of: str | None = None
    title: str | None = None
    pmin: str | None = None
    pmax: str | None = None
    unknown: str | None = None
    q: str | None = None
    lang: str = "vi"
    metric: str | None = None
    layout: str | None = None
    author: str | None = None
    map_number: str | None = None
    agency: str | None = None


def options(query: PrintQuery, filters: Mapping[str, str], atlas: bool = False,
            logo: bytes | None = None) -> printing.PrintOptions:
    """``filters``: the request's parameters, of which the map filters are read;
    ``logo``: an uploaded logo's bytes (checked by :mod:`maps.logo`)."""
    try:
        dpi_value = int(query.dpi)
    except ValueError:
        raise bad_request(f"dpi={query.dpi!r} is not a number; use 150 or 300", "dpi") from None
    flt = MapFilter(
        as_of=parse_as_of(query.as_of),
        district=None if atlas else (query.district or None),
        choices=parse_choices(filters),
        progress_min=parse_percent(query.pmin, "pmin", 0),
        progress_max=parse_percent(query.pmax, "pmax", 100),
        include_unknown=parse_bool(query.unknown, "unknown"),
        search=(query.q or "").strip() or None)
    if query.layout and not re.fullmatch(r"[\w-]+", query.layout):
        raise bad_request(f"layout={query.layout!r} is not a layout name", "layout")
    layers = parse_layers(query.layers)
    return printing.PrintOptions(
        size=query.size, orientation=query.orientation, dpi=dpi_value, layers=layers, flt=flt,
        title=parse_text(query.title, "title", 200), lang=check_lang(query.lang),
        metric=check_metric(query.metric, layers), layout=query.layout or None,
        author=parse_text(query.author, "author", 120),
        map_number=parse_text(query.map_number, "map_number", 40),
        agency=parse_text(query.agency, "agency", 120) or printing.AGENCY, logo=logo)


def _render(request: Request, fmt: str, atlas: bool, query: PrintQuery,
            logo: bytes | None = None) -> Response:
    opts = options(query, request.query_params, atlas=atlas, logo=logo)
    with psycopg.connect(database_url(request)) as conn:
        if fmt == "html":
            from maps.interactive import render_html  # folium loads only for HTML maps

            body = render_html(conn, opts.layers, opts.flt, opts.lang, opts.title, opts.metric)
        else:
            body = (printing.render_atlas(conn, opts) if atlas
                    else printing.render(conn, opts, fmt))
    name = "atlas" if atlas else f"map-{opts.flt.district or 'cantho'}"
    headers = {"Content-Disposition": f'inline; filename="{name}.{fmt}"'}
    if fmt == "html":
        # a self-contained file: its inline scripts and styles may run, nothing may load
        headers["Content-Security-Policy"] = SELF_CONTAINED_CSP
    return Response(body, media_type=MEDIA[fmt], headers=headers)


def check_metric(metric: str | None, layers) -> str | None:
    """The metric progress classes are read from: one a chosen layer can be classed by
    (:func:`maps.classes.class_metrics`)."""
    if not metric:
        return None
    offered = [m for m in METRICS if any(m in class_metrics(la) for la in layers)]
    if metric not in offered:
        raise bad_request(f"metric={metric!r} is not a metric of the chosen layers; "
                          "metrics: " + ", ".join(offered), "metric")
    return metric


Query = Annotated[PrintQuery, Depends()]


# Plain `def` endpoints: FastAPI runs them in its thread pool (matplotlib is blocking).
@router.get("/map.pdf", summary="Printed map (PDF)")
def map_pdf(request: Request, query: Query) -> Response:
    return _render(request, "pdf", False, query)


@router.get("/map.png", summary="Printed map (PNG)")
def map_png(request: Request, query: Query) -> Response:
    return _render(request, "png", False, query)


@router.get("/map.html", summary="Interactive map (one self-contained HTML file, folium, "
            "works offline)")
def map_html(request: Request, query: Query) -> Response:
    return _render(request, "html", False, query)


async def uploaded_logo(request: Request) -> bytes | None:
    """The ``logo`` part of a multipart body, in memory: the body is read up to the logo's
    limit (and a little for the form's framing) and refused above it, so the parser's
    spool never rolls over to disk; nothing of it is kept after the response."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise GISError(415, "send the logo as multipart/form-data (a form with a file "
                       "field 'logo')", parameter="logo")
    limit, body = MAX_BYTES + 16 * 1024, bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise GISError(413, f"logo: at most {MAX_BYTES} bytes (512 KB) "
                           f"(logo: tối đa {MAX_BYTES} byte)", parameter="logo")

    async def replay() -> dict:  # the form parser reads the body read here
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=4)
    except HTTPException as exc:
        raise GISError(400, f"logo: the form could not be read ({exc.detail})",
                       parameter="logo") from None
    try:
        part = form.get("logo")
        if part is None or isinstance(part, str):
            return None  # the dialog's form without a file chosen
        data = await part.read()
        return data or None
    finally:
        await form.close()


async def _render_upload(request: Request, fmt: str, query: PrintQuery) -> Response:
    options(query, request.query_params)  # bad parameters are told before the logo is read
    logo = await uploaded_logo(request)
    return await run_in_threadpool(_render, request, fmt, False, query, logo)


# the body is read by uploaded_logo (in memory, bounded), so it is declared here for the docs
LOGO_BODY = {"requestBody": {"required": False, "content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"logo": {
        "type": "string", "format": "binary",
        "description": "PNG or JPEG (checked by its bytes), at most 512 KB, 4000 px a side"}}}}}}}


@router.post("/map.pdf", summary="Printed map (PDF) with a logo: the query parameters of "
             "GET, the logo (PNG or JPEG, at most 512 KB) as the multipart field `logo`",
             openapi_extra=LOGO_BODY)
async def map_pdf_logo(request: Request, query: Query) -> Response:
    return await _render_upload(request, "pdf", query)


@router.post("/map.png", summary="Printed map (PNG) with a logo (as POST /exports/map.pdf)",
             openapi_extra=LOGO_BODY)
async def map_png_logo(request: Request, query: Query) -> Response:
    return await _render_upload(request, "png", query)


@router.get("/atlas.pdf", summary="District atlas: a cover and one page per district "
            "(`district` is ignored)")
def atlas_pdf(request: Request, query: Query) -> Response:
    return _render(request, "pdf", True, query)
