"""``/collections``, ``/collections/{id}`` and ``/collections/{id}/queryables``."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from psycopg import sql

from api import crs as crs_mod
from api.db import pool
from api.fields import json_schema_type, property_schemas
from api.html import HTML, FormatParam, negotiate, render
from api.links import GEOJSON, JSON, MVT, base, link
from api.params import LayerDep
from gis.queries import queryables
from gis.settings import api_settings
from layers import registry
from layers.base import Layer

router = APIRouter(tags=["Collections"])
SCHEMA = "application/schema+json"
EXTENT_TTL = 300.0


def _extent_sql(layer: Layer) -> sql.Composable:
    temporal = (sql.SQL("(SELECT min(valid_on) FROM {t}), "
                        "(SELECT greatest((SELECT max(valid_on) FROM {t}), (SELECT max(valid_on)"
                        " FROM progress_snapshot WHERE layer_id = {lid})))")
                if layer.has_field("valid_on") else sql.SQL("NULL::date, NULL::date"))
    return sql.SQL("SELECT {lid}, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), {temporal} "
                   "FROM (SELECT ST_Extent(geom) e FROM {t}) x").format(
        lid=sql.Literal(layer.id), t=sql.Identifier(layer.table),
        temporal=temporal.format(t=sql.Identifier(layer.table), lid=sql.Literal(layer.id)))


async def extents(request: Request) -> dict[str, dict]:
    """Spatial and temporal extent of every layer (cached, dropped on writes)."""
    state = request.app.state
    cached = getattr(state, "extents", None)
    if cached and time.monotonic() - cached[0] < EXTENT_TTL:
        return cached[1]
    stmt = sql.SQL(" UNION ALL ").join(_extent_sql(layer) for layer in registry.layers())
    async with pool(request).connection() as conn:
        rows = await (await conn.execute(stmt)).fetchall()
    out = {}
    for lid, x1, y1, x2, y2, t1, t2 in rows:
        ext: dict = {"spatial": {"bbox": [[x1, y1, x2, y2]] if x1 is not None else [],
                                 "crs": crs_mod.CRS84}}
        if t1 or t2:
            ext["temporal"] = {"interval": [[t1 and t1.isoformat(), t2 and t2.isoformat()]],
                               "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
        out[lid] = ext
    state.extents = (time.monotonic(), out)
    return out


def invalidate_extents(app) -> None:
    app.state.extents = None


def describe(layer: Layer, b: str, extent: dict) -> dict:
    c = f"{b}/collections/{layer.id}"
    return {
        "id": layer.id,
        "title": layer.title_vi,
        "description": layer.description_vi,
        "title_en": layer.title_en,
        "description_en": layer.description_en,
        "itemType": "feature",
        "extent": extent,
        "crs": crs_mod.uris(),
        "storageCrs": crs_mod.CRS84,
        "geometryType": layer.geometry_type,
        "editable": layer.editable,
        "metrics": list(layer.metrics),
        "links": [
            link(c, "self", JSON, layer.title_vi),
            link(f"{c}?f=html", "alternate", HTML, f"{layer.title_vi} (HTML)"),
            link(f"{c}/items", "items", GEOJSON, "Features"),
            link(f"{c}/items?f=csv", "items", "text/csv", "Features as CSV"),
            link(f"{c}/items?f=gpkg", "items", "application/geopackage+sqlite3",
                 "Features as GeoPackage"),
            link(f"{c}/items?f=shp", "items", "application/zip", "Features as zipped Shapefile"),
            # relation types compare case-insensitively (RFC 8288); GDAL's OAPIF driver
            # (3.6) looks for this spelling exactly, and then types fields from the schema
            link(f"{c}/schema", "describedBy", SCHEMA, "JSON Schema of the features"),
            link(f"{c}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                 "application/schema+json", "Queryables"),
            link(f"{c}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON,
                 "Vector tiles"),
            link(f"{c}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}", "item", MVT,
                 "Vector tiles (WebMercatorQuad)", templated=True),
        ],
    }


def _headers() -> dict:
    return {"Cache-Control": f"max-age={api_settings().metadata_max_age}", "Vary": "Accept"}


@router.get("/collections", summary="The layers")
async def list_collections(request: Request, f: FormatParam = None):
    b = base(request)
    ext = await extents(request)
    doc = {
        "links": [link(f"{b}/collections", "self", JSON, "Collections"),
                  link(f"{b}/collections?f=html", "alternate", HTML, "Collections (HTML)")],
        "crs": crs_mod.uris(),
        "collections": [describe(layer, b, ext.get(layer.id, {})) for layer in registry.layers()],
    }
    if negotiate(request, f) == "html":
        return render(request, "collections.html", title="Collections", doc=doc,
                      links=doc["links"], base=b)
    return JSONResponse(doc, headers=_headers())


@router.get("/collections/{collectionId}", summary="One layer")
async def get_collection(request: Request, layer: LayerDep, f: FormatParam = None):
    ext = await extents(request)
    doc = describe(layer, base(request), ext.get(layer.id, {}))
    if negotiate(request, f) == "html":
        return render(request, "collection.html", title=layer.title_vi, doc=doc,
                      links=doc["links"], properties=property_schemas(layer),
                      base=base(request))
    return JSONResponse(doc, headers=_headers())


@router.get("/collections/{collectionId}/queryables",
            summary="Properties a filter may use (JSON Schema)")
async def get_queryables(request: Request, layer: LayerDep) -> JSONResponse:
    props = {}
    for name, q in queryables(layer).items():
        p = {"title": q.title_vi, "description": q.title_en, **json_schema_type(q),
             "x-title-vi": q.title_vi, "x-title-en": q.title_en}
        if q.unit:
            p["x-ogc-unit"] = q.unit
        if q.enum:
            p["enum"] = list(q.enum)
        props[name] = p
    return JSONResponse({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base(request)}/collections/{layer.id}/queryables",
        "type": "object",
        "title": layer.title_vi,
        "description": layer.title_en,
        "properties": props,
        "additionalProperties": False,
    }, media_type="application/schema+json")


@router.get("/collections/{collectionId}/schema",
            summary="JSON Schema of the layer's GeoJSON features (property names and types)")
async def get_schema(request: Request, layer: LayerDep) -> JSONResponse:
    return JSONResponse({
        "$id": f"{base(request)}/collections/{layer.id}/schema",
        "title": layer.title_vi,
        "description": f"{layer.title_en}: a GeoJSON Feature. Any property may be null "
                       "(not reported).",
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"$ref": "https://geojson.org/schema/Geometry.json",
                         "x-ogc-role": "primary-geometry",
                         "description": f"{layer.geometry_type}, CRS84 unless `crs` is given"},
            "properties": {"type": "object", "properties": property_schemas(layer)},
        },
    }, media_type=SCHEMA,
        headers={"Cache-Control": f"max-age={api_settings().metadata_max_age}"})
