"""OGC API - Tiles (vector): tile matrix sets, tilesets, MVT tiles and TileJSON.

Tiles come from PostGIS (:mod:`api.tilesql`), are kept in an in-process LRU cache
(:mod:`api.tilecache`, dropped per layer on writes) and carry ``ETag`` and
``Cache-Control``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import morecantile
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from api import params as p
from api.db import pool
from api.links import JSON, MVT, base, link
from api.tilecache import ALL, TileCache
from api.tilesql import mvt_fields, tile_sql
from gis.errors import not_found
from gis.extent import city_extent
from gis.settings import api_settings
from layers import registry
from layers.base import Layer

router = APIRouter(tags=["Tiles"])
TMS_ID = "WebMercatorQuad"
TMS = morecantile.tms.get(TMS_ID)
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]


def cache(request: Request) -> TileCache:
    return request.app.state.tile_cache


async def tms_id(tileMatrixSetId: Annotated[str, Path(description="Only WebMercatorQuad")]) -> str:
    if tileMatrixSetId != TMS_ID:
        raise not_found(f"no tile matrix set {tileMatrixSetId!r}; available: {TMS_ID}")
    return tileMatrixSetId


async def tile_zxy(
        tileMatrix: Annotated[int, Path(description="Zoom level: the tile matrix id")],
        tileRow: Annotated[int, Path(description="Row (y), from the top")],
        tileCol: Annotated[int, Path(description="Column (x), from the left")],
) -> tuple[int, int, int]:
    """(z, x, y) of a tile, named in the path as OGC API - Tiles names them."""
    z, y, x = tileMatrix, tileRow, tileCol
    s = api_settings()
    if not s.tile_min_zoom <= z <= s.tile_max_zoom:
        raise not_found(f"zoom {z} outside {s.tile_min_zoom}-{s.tile_max_zoom}")
    if not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise not_found(f"tile {z}/{y}/{x} does not exist (0 <= x, y < {2 ** z})")
    return z, x, y


TmsDep = Annotated[str, Depends(tms_id)]
ZxyDep = Annotated[tuple[int, int, int], Depends(tile_zxy)]
AsOfDep = Annotated[date | None, Depends(p.as_of)]
NoDatetime = Annotated[None, Depends(p.no_datetime)]


@router.get("/tileMatrixSets", summary="Tile matrix sets")
async def tile_matrix_sets(request: Request) -> JSONResponse:
    b = base(request)
    return JSONResponse({"tileMatrixSets": [{
        "id": TMS_ID, "title": TMS.title, "uri": str(TMS.uri),
        "links": [link(f"{b}/tileMatrixSets/{TMS_ID}", "self", JSON, TMS.title)]}]})


@router.get("/tileMatrixSets/{tileMatrixSetId}", summary="One tile matrix set")
async def tile_matrix_set(tms: TmsDep) -> JSONResponse:
    return JSONResponse(TMS.model_dump(by_alias=True, exclude_none=True, mode="json"))


def _tileset(b: str, prefix: str, title: str, layers: list[Layer]) -> dict:
    s = api_settings()
    return {
        "title": title,
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": str(TMS.uri),
        "tileMatrixSetLimits": [{"tileMatrix": str(z), "minTileRow": 0, "maxTileRow": 2**z - 1,
                                 "minTileCol": 0, "maxTileCol": 2**z - 1}
                                for z in range(s.tile_min_zoom, s.tile_max_zoom + 1)],
        "layers": [_tileset_layer(lyr) for lyr in layers],
        "links": [
            link(f"{prefix}/tiles/{TMS_ID}", "self", JSON, title),
            link(f"{b}/tileMatrixSets/{TMS_ID}", TILING_SCHEME, JSON, TMS_ID),
            link(f"{prefix}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item", MVT,
                 "Vector tiles", templated=True),
            link(f"{prefix}/tiles/{TMS_ID}/tilejson.json", "describedby", JSON, "TileJSON"),
            link(f"{b}/styles/default", "stylesheet", "application/vnd.mapbox.style+json",
                 "Default style"),
        ],
    }


def _tileset_layer(layer: Layer) -> dict:
    out = {"id": layer.id, "title": layer.title_vi, "dataType": "vector",
           "propertiesSchema": {"type": "object", "properties": {
               n: {"type": t.lower()} for n, t in mvt_fields(layer).items()}}}
    if _dimension(layer) is not None:  # mixed-geometry layers (projects) leave it out
        out["geometryDimension"] = _dimension(layer)
    return out


def _dimension(layer: Layer) -> int | None:
    return {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1,
            "Polygon": 2, "MultiPolygon": 2}.get(layer.geometry_type)


def _tilesets(b: str, prefix: str, title: str) -> dict:
    return {"tilesets": [{
        "title": title, "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": str(TMS.uri),
        "links": [link(f"{prefix}/tiles/{TMS_ID}", "self", JSON, title),
                  link(f"{b}/tileMatrixSets/{TMS_ID}", TILING_SCHEME, JSON, TMS_ID)]}]}


async def _tilejson(request: Request, prefix: str, layers: list[Layer], name: str) -> dict:
    s = api_settings()
    async with pool(request).connection() as conn:
        extent = await city_extent(conn)
    where = {"bounds": extent.bounds, "center": [*extent.center, 10]} if extent else {}
    return {
        "tilejson": "3.0.0", "name": name, "scheme": "xyz", "format": "pbf",
        "tiles": [f"{prefix}/tiles/{TMS_ID}/{{z}}/{{y}}/{{x}}"],
        "minzoom": s.tile_min_zoom, "maxzoom": s.tile_max_zoom,
        **where,
        "vector_layers": [{"id": lyr.id, "description": lyr.title_vi, "fields": mvt_fields(lyr),
                           "minzoom": s.tile_min_zoom, "maxzoom": s.tile_max_zoom}
                          for lyr in layers],
    }


@router.get("/tiles", summary="Vector tilesets of all layers")
async def dataset_tilesets(request: Request) -> JSONResponse:
    b = base(request)
    return JSONResponse(_tilesets(b, b, "Tất cả các lớp / all layers"))


@router.get("/tiles/{tileMatrixSetId}", summary="The all-layers vector tileset")
async def dataset_tileset(request: Request, tms: TmsDep) -> JSONResponse:
    b = base(request)
    return JSONResponse(_tileset(b, b, "Tất cả các lớp / all layers", registry.layers()))


@router.get("/tiles/{tileMatrixSetId}/tilejson.json", summary="TileJSON of all layers")
async def dataset_tilejson(request: Request, tms: TmsDep) -> JSONResponse:
    b = base(request)
    return JSONResponse(await _tilejson(request, b, registry.layers(), "cantho"))


@router.get("/collections/{collectionId}/tiles", summary="Vector tilesets of a layer")
async def layer_tilesets(request: Request, layer: p.LayerDep) -> JSONResponse:
    b = base(request)
    return JSONResponse(_tilesets(b, f"{b}/collections/{layer.id}", layer.title_vi))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}",
            summary="A layer's vector tileset")
async def layer_tileset(request: Request, layer: p.LayerDep, tms: TmsDep) -> JSONResponse:
    b = base(request)
    return JSONResponse(_tileset(b, f"{b}/collections/{layer.id}", layer.title_vi, [layer]))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json",
            summary="TileJSON of a layer")
async def layer_tilejson(request: Request, layer: p.LayerDep, tms: TmsDep) -> JSONResponse:
    b = base(request)
    return JSONResponse(await _tilejson(request, f"{b}/collections/{layer.id}", [layer],
                                        layer.id))


async def _render(request: Request, query: str, params: dict) -> bytes:
    """Render a tile in PostGIS (one statement, api.tilesql)."""
    async with pool(request).connection() as conn:
        return bytes((await (await conn.execute(query, params)).fetchone())[0] or b"")


async def _tile(request: Request, layer_id: str | None, zxy: tuple[int, int, int],
                as_of: date | None) -> Response:
    z, x, y = zxy
    tc = cache(request)
    key = tc.key(layer_id or ALL, z, x, y, as_of)
    tile = tc.get(key)
    if tile is None:
        data = await _render(request, tile_sql(layer_id, as_of is not None),
                             {"z": z, "x": x, "y": y, "as_of": as_of})
        tile = tc.put(key, data)
    headers = {"ETag": tile.etag, "Cache-Control": f"max-age={api_settings().tile_max_age}",
               "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == tile.etag:
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    return Response(tile.data, media_type=MVT, headers=headers)


TILE_RESPONSES = {200: {"content": {MVT: {}}}, 204: {"description": "Empty tile"}}


@router.get("/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="A vector tile of all layers",
            response_class=Response, responses=TILE_RESPONSES)
async def dataset_tile(request: Request, tms: TmsDep, zxy: ZxyDep, as_of: AsOfDep,
                       _: NoDatetime):
    return await _tile(request, None, zxy, as_of)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="A vector tile of a layer", response_class=Response,
            responses=TILE_RESPONSES)
async def layer_tile(request: Request, layer: p.LayerDep, tms: TmsDep, zxy: ZxyDep,
                     as_of: AsOfDep, _: NoDatetime):
    return await _tile(request, layer.id, zxy, as_of)
