"""``/`` (landing page) and ``/conformance``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse

from api.html import HTML, FormatParam, negotiate, render
from api.links import JSON, base, link

router = APIRouter(tags=["Capabilities"])

OGC = "http://www.opengis.net/spec"
CONFORMANCE = [
    f"{OGC}/ogcapi-common-1/1.0/conf/core",
    f"{OGC}/ogcapi-common-1/1.0/conf/json",
    f"{OGC}/ogcapi-common-1/1.0/conf/html",
    f"{OGC}/ogcapi-common-1/1.0/conf/landing-page",
    f"{OGC}/ogcapi-common-1/1.0/conf/oas30",
    f"{OGC}/ogcapi-common-2/1.0/conf/collections",
    f"{OGC}/ogcapi-features-1/1.0/conf/core",
    f"{OGC}/ogcapi-features-1/1.0/conf/geojson",
    f"{OGC}/ogcapi-features-1/1.0/conf/html",
    f"{OGC}/ogcapi-features-1/1.0/conf/oas30",
    f"{OGC}/ogcapi-features-2/1.0/conf/crs",
    f"{OGC}/ogcapi-features-3/1.0/conf/queryables",
    f"{OGC}/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    f"{OGC}/ogcapi-features-3/1.0/conf/filter",
    f"{OGC}/ogcapi-features-3/1.0/conf/features-filter",
    f"{OGC}/cql2/1.0/conf/cql2-text",
    f"{OGC}/cql2/1.0/conf/cql2-json",
    f"{OGC}/cql2/1.0/conf/basic-cql2",
    f"{OGC}/cql2/1.0/conf/advanced-comparison-operators",
    f"{OGC}/cql2/1.0/conf/case-insensitive-comparison",
    f"{OGC}/cql2/1.0/conf/basic-spatial-functions",
    f"{OGC}/cql2/1.0/conf/basic-spatial-functions-plus",
    f"{OGC}/cql2/1.0/conf/spatial-functions",
    f"{OGC}/cql2/1.0/conf/array-functions",
    f"{OGC}/cql2/1.0/conf/property-property",
    f"{OGC}/ogcapi-records-1/1.0/conf/sorting",
]


@router.get("/", summary="Landing page",
            description="JSON by default. A browser (`Accept` preferring text/html, no `f`) "
            "is sent to the web map at /maps; `f=html` gives this page as HTML.",
            responses={303: {"description": "Browsers: to the web map (/maps)"}})
async def landing(request: Request, f: FormatParam = None):
    b = base(request)
    fmt = negotiate(request, f)
    if fmt == "html" and f is None:
        return RedirectResponse(f"{b}/maps", status_code=303, headers={"Vary": "Accept"})
    doc = {
        "title": request.app.title,
        "description": request.app.description,
        "links": [
            link(f"{b}/", "self", JSON, "This document"),
            link(f"{b}/?f=html", "alternate", HTML, "This document as HTML"),
            link(f"{b}/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                 "The API definition (OpenAPI 3)"),
            link(f"{b}/api.html", "service-doc", "text/html", "The API documentation"),
            link(f"{b}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{b}/collections", "data", JSON, "The layers"),
            link(f"{b}/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                 JSON, "Tile matrix sets"),
            link(f"{b}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON,
                 "Vector tiles of all layers"),
            link(f"{b}/styles/default", "stylesheet",
                 "application/vnd.mapbox.style+json", "Default map style"),
            link(f"{b}/health", "status", JSON, "Health"),
            link(f"{b}/maps", "http://www.opengis.net/def/rel/ogc/1.0/map", HTML,
                 "Web map / Bản đồ"),
        ],
    }
    if fmt == "html":
        return render(request, "landing.html", title=doc["title"], doc=doc, links=doc["links"],
                      base=b)
    return JSONResponse(doc, headers={"Vary": "Accept"})


@router.get("/conformance", summary="Conformance classes")
async def conformance(request: Request, f: FormatParam = None):
    classes = CONFORMANCE + list(request.app.state.conformance)
    if negotiate(request, f) == "html":
        return render(request, "conformance.html", title="Conformance", classes=classes)
    return JSONResponse({"conformsTo": classes}, headers={"Vary": "Accept"})
