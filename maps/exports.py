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
and the name search ``q`` (diacritics optional). The web map's Print dialog opens these
URLs. Bad input is answered 400 (404 for an unknown district) with the OGC exception
JSON (code, description, parameter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.db import database_url
from gis.errors import bad_request
from gis.expr import parse_as_of
from gis.filters import parse_choices
from layers import METRICS
from maps import printing
from maps.filters import (
    MapFilter,
    parse_bool,
    parse_layers,
    parse_percent,
)
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


def options(query: PrintQuery, filters: Mapping[str, str], atlas: bool = False
            ) -> printing.PrintOptions:
    """``filters``: the request's parameters, of which the map filters are read."""
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
        title=query.title or None, lang=check_lang(query.lang),
        metric=check_metric(query.metric, layers), layout=query.layout or None,
        author=query.author or None, map_number=query.map_number or None,
        agency=query.agency or printing.AGENCY)


def _render(request: Request, fmt: str, atlas: bool, query: PrintQuery) -> Response:
    opts = options(query, request.query_params, atlas=atlas)
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
    """The metric progress classes are read from: one a chosen layer tracks."""
    if not metric:
        return None
    offered = [m for m in METRICS if any(m in la.metrics for la in layers)]
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


@router.get("/atlas.pdf", summary="District atlas: a cover and one page per district "
            "(`district` is ignored)")
def atlas_pdf(request: Request, query: Query) -> Response:
    return _render(request, "pdf", True, query)
