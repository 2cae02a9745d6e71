"""``/exports/map.pdf``, ``/exports/map.png`` and ``/exports/atlas.pdf``: printed maps.

Query parameters: ``size`` (A4, A3), ``orientation`` (portrait, landscape), ``dpi``
(150, 300), ``district`` (GSO code), ``layers`` (comma-separated ids), ``as_of``
(YYYY-MM-DD), ``title``, and the filters ``status``, ``status_class``, ``kind``.
Bad input is answered 400 (404 for an unknown district) with a message.
"""

from __future__ import annotations

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from maps import printing
from maps.filters import BadRequest, MapFilter, parse_date, parse_layers

router = APIRouter(prefix="/exports", tags=["printed maps"])

MEDIA = {"pdf": "application/pdf", "png": "image/png"}


def options(size: str, orientation: str, dpi: str, district: str | None, layers: str | None,
            as_of: str | None, title: str | None, status: str | None = None,
            status_class: str | None = None, kind: str | None = None,
            atlas: bool = False) -> printing.PrintOptions:
    try:
        dpi_value = int(dpi)
    except ValueError:
        raise BadRequest(f"dpi={dpi!r} is not a number; use 150 or 300") from None
    flt = MapFilter(as_of=parse_date(as_of), district=None if atlas else (district or None),
                    status=status or None, status_class=status_class or None, kind=kind or None)
    return printing.PrintOptions(size=size, orientation=orientation, dpi=dpi_value,
                                 layers=parse_layers(layers), flt=flt, title=title or None)


def _conninfo(request: Request) -> str:
    return request.app.state.pool.conninfo


def _render(request: Request, fmt: str, atlas: bool, **params) -> Response:
    try:
        opts = options(atlas=atlas, **params)
        with psycopg.connect(_conninfo(request)) as conn:
            body = (printing.render_atlas(conn, opts) if atlas
                    else printing.render(conn, opts, fmt))
    except BadRequest as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)
    name = "atlas" if atlas else f"map-{opts.flt.district or 'cantho'}"
    return Response(body, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'inline; filename="{name}.{fmt}"'})


# Plain `def` endpoints: FastAPI runs them in its thread pool (matplotlib is blocking).
@router.get("/map.pdf", summary="Printed map (PDF)")
def map_pdf(request: Request, size: str = "A4", orientation: str = "landscape",
            dpi: str = "150", district: str | None = None, layers: str | None = None,
            as_of: str | None = None, title: str | None = None, status: str | None = None,
            status_class: str | None = None, kind: str | None = None) -> Response:
    return _render(request, "pdf", False, size=size, orientation=orientation, dpi=dpi,
                   district=district, layers=layers, as_of=as_of, title=title, status=status,
                   status_class=status_class, kind=kind)


@router.get("/map.png", summary="Printed map (PNG)")
def map_png(request: Request, size: str = "A4", orientation: str = "landscape",
            dpi: str = "150", district: str | None = None, layers: str | None = None,
            as_of: str | None = None, title: str | None = None, status: str | None = None,
            status_class: str | None = None, kind: str | None = None) -> Response:
    return _render(request, "png", False, size=size, orientation=orientation, dpi=dpi,
                   district=district, layers=layers, as_of=as_of, title=title, status=status,
                   status_class=status_class, kind=kind)


@router.get("/atlas.pdf", summary="District atlas: a cover and one page per district")
def atlas_pdf(request: Request, size: str = "A4", orientation: str = "landscape",
              dpi: str = "150", layers: str | None = None, as_of: str | None = None,
              title: str | None = None, status: str | None = None,
              status_class: str | None = None, kind: str | None = None) -> Response:
    return _render(request, "pdf", True, size=size, orientation=orientation, dpi=dpi,
                   district=None, layers=layers, as_of=as_of, title=title, status=status,
                   status_class=status_class, kind=kind)
