"""Spatial questions of the web map (``/maps/spatial``): which features lie within a
drawn polygon, within a distance of a feature (500 m of a road), or in a ward.

Each question is written as a CQL2 filter (``S_INTERSECTS``, ``S_DWITHIN``), compiled by
:func:`api.cql.compile_filter` and asked of every feature layer through
:class:`gis.query.FeatureQuery`, as ``/collections/{id}/items?filter=`` would; the answer
is the ids per layer, which the map then shows alone."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from psycopg import sql

from api import crs
from api.cql import compile_filter
from api.db import pool
from gis.errors import bad_request, not_found
from gis.queries import GEOMETRY
from gis.query import FeatureQuery
from layers import registry

router = APIRouter(tags=["maps"])
MAX_DISTANCE_M = 50_000


def polygon_wkt(text: str) -> str:
    """"lon lat,lon lat,…" (at least three corners) as a closed WKT polygon."""
    try:
        pts = [tuple(float(v) for v in p.split()) for p in text.split(",") if p.strip()]
    except ValueError:
        raise bad_request("polygon: corners as 'lon lat' pairs, comma-separated",
                          "polygon") from None
    if len(pts) < 3 or any(len(p) != 2 or not all(map(math.isfinite, p)) for p in pts):
        raise bad_request("polygon needs at least three 'lon lat' corners", "polygon")
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return "POLYGON((" + ", ".join(f"{x} {y}" for x, y in pts) + "))"


async def _feature_wkt(conn, key: str) -> tuple[str, str]:
    layer_id, _, fid = key.partition("/")
    if layer_id not in registry or not fid:
        raise bad_request("near: a feature as layer/id, e.g. projects/002-III-03", "near")
    layer = registry.get(layer_id)
    q = FeatureQuery(layer, ids=(fid,), properties=[])
    cur = await conn.execute(q.rows_sql(geom=sql.SQL("ST_AsText(f.geom)")), q.bind())
    row = await cur.fetchone()
    if row is None:
        raise not_found(f"no feature {fid!r} in {layer_id!r}")
    if row[-1] is None:
        raise bad_request(f"{key} has no location on the map", "near")
    return row[-1], fid


async def _ward_wkt(conn, code: str) -> str:
    cur = await conn.execute("SELECT ST_AsText(geom) FROM admin_commune WHERE code = %s",
                             (code,))
    row = await cur.fetchone()
    if row is None:
        raise not_found(f"no ward/commune with code {code!r}")
    if row[0] is None:
        raise bad_request(f"ward {code} has no polygon", "ward")
    return row[0]


async def question_filter(conn, polygon: str | None, near: str | None, distance: float,
                          ward: str | None) -> tuple[str, tuple[str, str] | None]:
    """The CQL2 text of the question (and the feature it is about, left out of the answer)."""
    asked = [x for x in (polygon, near, ward) if x]
    if len(asked) != 1:
        raise bad_request("ask one question: polygon=, near= (with distance=) or ward=",
                          "polygon")
    if polygon:
        return f"S_INTERSECTS({GEOMETRY}, {polygon_wkt(polygon)})", None
    if ward:
        return f"S_INTERSECTS({GEOMETRY}, {await _ward_wkt(conn, ward)})", None
    if not 0 <= distance <= MAX_DISTANCE_M:
        raise bad_request(f"distance: 0 to {MAX_DISTANCE_M} metres", "distance")
    wkt, fid = await _feature_wkt(conn, near)
    return f"S_DWITHIN({GEOMETRY}, {wkt}, {distance}, meters)", (near.partition("/")[0], fid)


@router.get("/maps/spatial", summary="Features within a polygon, a distance of a feature, "
            "or a ward (ids per layer)")
async def spatial(request: Request, polygon: str | None = None, near: str | None = None,
                  distance: float = 500, ward: str | None = None) -> dict:
    async with pool(request).connection() as conn:
        text, itself = await question_filter(conn, polygon, near, distance, ward)
        out: dict[str, list[str]] = {}
        for layer in registry.layers():
            if not layer.feature_fields:
                continue
            q = FeatureQuery(layer, filter=compile_filter(layer, text, "cql2-text",
                                                          crs.default()), properties=[])
            cur = await conn.execute(q.rows_sql(geom=sql.SQL("NULL")), q.bind())
            ids = [row[0] for row in await cur.fetchall()]
            if itself and itself[0] == layer.id:
                ids = [i for i in ids if i != itself[1]]
            out[layer.id] = ids
    return {"filter": text if len(text) < 400 else text[:400] + "…",
            "numberMatched": sum(map(len, out.values())), "layers": out}
