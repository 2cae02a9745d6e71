"""``/styles/default``: a MapLibre style document generated from the layer registry.

Each layer is coloured by its ``Style.color_field`` choices; where the style names
progress metrics, the fill opacity follows the first of those metrics a feature has
(0-100 %) and features without any are drawn in the style's "unknown" grey.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.db import pool
from api.links import base
from gis.extent import Extent, city_extent
from gis.settings import api_settings
from layers import registry
from layers.base import Layer

router = APIRouter(tags=["Styles"])
STYLE_TYPE = "application/vnd.mapbox.style+json"


def color(layer: Layer):
    st = layer.style
    if not st.color_field or not layer.has_field(st.color_field):
        return st.default_color
    f = layer.field(st.color_field)
    pairs = [v for c in f.choices if c.color for v in (c.value, c.color)]
    if not pairs:
        return st.default_color
    return ["match", ["coalesce", ["get", st.color_field], ""], *pairs, st.default_color]


def has_progress(layer: Layer) -> list:
    """True where the feature has a figure for one of the shading metrics (tiles leave
    out null properties)."""
    return ["any", *(["has", m] for m in layer.shading_metrics)]


def progress(layer: Layer) -> list:
    """The first shading metric the feature has."""
    return ["coalesce", *(["get", m] for m in layer.shading_metrics)]


def opacity(layer: Layer, full: float):
    if not layer.shading_metrics:
        return full
    return ["case", has_progress(layer),
            ["interpolate", ["linear"], ["to-number", progress(layer)], 0, 0.15, 100, 0.9],
            full]


def fill_color(layer: Layer):
    if not layer.shading_metrics:
        return color(layer)
    return ["case", has_progress(layer), color(layer), layer.style.unknown_color]


def dashed(layer: Layer) -> list:
    """True where a field's value is a choice declared ``dashed`` (indicative geometry)."""
    return ["any", *(["in", ["coalesce", ["get", f.name], ""], ["literal", list(f.dashed_values)]]
                     for f in layer.all_fields if f.dashed_values)]


def style_layers(layer: Layer) -> list[dict]:
    st, src = layer.style, {"source": "cantho", "source-layer": layer.id}
    poly = ["match", ["geometry-type"], ["Polygon", "MultiPolygon"], True, False]
    line = ["match", ["geometry-type"], ["LineString", "MultiLineString"], True, False]
    point = ["match", ["geometry-type"], ["Point", "MultiPoint"], True, False]
    meta = {"title_vi": layer.title_vi, "title_en": layer.title_en}
    return [
        {"id": f"{layer.id}-fill", "type": "fill", **src, "filter": poly, "metadata": meta,
         "paint": {"fill-color": fill_color(layer),
                   "fill-opacity": opacity(layer, st.fill_opacity)}},
        {"id": f"{layer.id}-outline", "type": "line", **src, "filter": poly, "metadata": meta,
         "paint": {"line-color": color(layer), "line-width": max(1.0, st.stroke_width / 2)}},
        *({"id": f"{layer.id}-line{suffix}", "type": "line", **src, "metadata": meta,
           "filter": ["all", line, test], "layout": {"line-cap": "round"},
           "paint": {"line-color": fill_color(layer), "line-width": st.stroke_width,
                     "line-opacity": opacity(layer, 0.9), **dash}}
          for suffix, test, dash in (("", ["!", dashed(layer)], {}),
                                     ("-dashed", dashed(layer), {"line-dasharray": [2, 2]}))),
        {"id": f"{layer.id}-point", "type": "circle", **src, "filter": point, "metadata": meta,
         "paint": {"circle-color": fill_color(layer), "circle-radius": st.point_radius,
                   "circle-opacity": opacity(layer, 0.9), "circle-stroke-color": "#ffffff",
                   "circle-stroke-width": 1}},
    ]


def style_document(b: str, extent: Extent | None = None) -> dict:
    s = api_settings()
    layers = [{"id": "background", "type": "background",
               "paint": {"background-color": "#f4f1ea"}}]
    for layer in registry.layers():
        layers += style_layers(layer)
    return {
        "version": 8,
        "name": "Cần Thơ planning GIS",
        "metadata": {"generated-from": "layer registry"},
        **({"center": extent.center, "zoom": 10} if extent else {}),
        "sources": {"cantho": {"type": "vector", "url": f"{b}/tiles/WebMercatorQuad/tilejson.json",
                               "tiles": [f"{b}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"],
                               "minzoom": s.tile_min_zoom, "maxzoom": s.tile_max_zoom}},
        "layers": layers,
    }


@router.get("/styles", summary="Map styles")
async def styles(request: Request) -> JSONResponse:
    b = base(request)
    return JSONResponse({"styles": [{"id": "default", "title": "Default", "links": [
        {"href": f"{b}/styles/default", "rel": "stylesheet", "type": STYLE_TYPE}]}]})


@router.get("/styles/default", summary="The default MapLibre style (from the registry)")
async def default_style(request: Request) -> JSONResponse:
    async with pool(request).connection() as conn:
        extent = await city_extent(conn)
    return JSONResponse(style_document(base(request), extent), media_type=STYLE_TYPE)
