"""OGC API Features Part 4: create, replace, update and delete features.

A written feature goes through the dataset loader's checks (``parse_feature``: field
types, choices, figures, source document, district and ward codes) and then PostGIS
(valid geometry, inside Cần Thơ, the layer's geometry type). Every write is audited
(``audit_log``: before/after), marks the row ``origin = 'api'``, bumps ``version`` (the
ETag) and drops the layer's cached tiles.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from psycopg import sql
from psycopg.types.json import Jsonb

from api import audit, changes
from api import params as p
from api.auth import User, current_user
from api.crs import default as crs84
from api.db import pool
from api.errors import APIError, bad_request, not_found
from api.items import etag, fetch_feature
from api.links import GEOJSON, base
from gis.dataset.problems import Collector
from gis.dataset.records import Context, parse_feature
from gis.queries import progress_columns
from gis.schema import derived_columns
from layers.base import Layer

router = APIRouter(tags=["Transactions"])
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
UserDep = Annotated[User, Depends(current_user)]
FeatureBody = Annotated[dict, Body(description="A GeoJSON Feature", media_type=GEOJSON)]
READ_ONLY = {"id", "version", "origin", "updated_at", "progress_conflicts"}


def row_json(layer: Layer) -> sql.Composable:
    """A stored feature as written: its fields (not the columns the database derives),
    its GeoJSON geometry and its version."""
    hidden = ["geom", "version", "origin", "updated_at", *derived_columns(layer)]
    return sql.SQL("SELECT to_jsonb(f) - {hidden}::text[], ST_AsGeoJSON(f.geom)::jsonb, "
                   "f.version FROM {t} f WHERE f.id = %s").format(
        hidden=sql.Literal(hidden), t=sql.Identifier(layer.table))


def _editable(layer: Layer) -> Layer:
    if not layer.editable or not layer.managed_table:
        raise APIError(405, f"layer {layer.id!r} is read-only",
                       headers={"Allow": "GET, HEAD, OPTIONS"})
    return layer


def _vn(value):
    """JSON numbers as the loader's Vietnamese-notation figures (exact)."""
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return format(Decimal(repr(value)) if isinstance(value, float) else value,
                      "f").replace(".", ",")
    return value


def _conflict(c):
    if isinstance(c, dict) and "source" not in c and "source_doc" in c:
        c = {**c, "source": {k: c.pop(f"source_{k}") for k in ("doc", "line", "ref")
                             if c.get(f"source_{k}") is not None}}
        c.pop("source_line", None), c.pop("source_ref", None), c.pop("source_doc", None)
    return c


def to_record(layer: Layer, feature: dict, fid: str) -> dict:
    """A GeoJSON Feature as a dataset record (the shape ``parse_feature`` reads)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise bad_request("the body must be a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise bad_request("properties must be an object")
    skip = READ_ONLY | set(progress_columns(layer)) | {"source_doc", "source_line",
                                                        "source_ref"}
    rec = {k: _vn(v) for k, v in props.items() if k not in skip}
    if isinstance(rec.get("conflicts"), list):
        rec["conflicts"] = [_conflict(dict(c)) if isinstance(c, dict) else c
                            for c in rec["conflicts"]]
    rec["id"] = fid
    src = {k: props.get(f"source_{k}") for k in ("doc", "line", "ref")}
    rec["source"] = {k: v for k, v in src.items() if v is not None}
    if not layer.geometry_from_admin:
        rec["geometry"] = feature.get("geometry")
    return rec


async def _context(conn) -> Context:
    docs = {r[0] for r in await (await conn.execute("SELECT id FROM source_document")).fetchall()}
    dists = {r[0] for r in await (await conn.execute("SELECT code FROM admin_district"))
             .fetchall()}
    communes = dict(await (await conn.execute("SELECT code, district_code FROM admin_commune"))
                    .fetchall())
    return Context(docs, dists, communes, Collector(FilePath(".")))


async def _check(conn, layer: Layer, record: dict):
    ctx = await _context(conn)
    row = parse_feature(layer, record, ctx, FilePath("request"))
    if ctx.problems.problems or row is None:
        raise bad_request("; ".join(pr.reason for pr in ctx.problems.problems) or "invalid")
    if row.geometry is not None:
        ok, reason, inside, gtype = await (await conn.execute(
            "SELECT ST_IsValid(g), ST_IsValidReason(g), EXISTS (SELECT 1 FROM admin_city c "
            "WHERE ST_CoveredBy(g, c.geom)), GeometryType(g) FROM (SELECT ST_SetSRID("
            "ST_GeomFromGeoJSON(%s), 4326) g) x", (row.geometry,))).fetchone()
        if not ok:
            raise bad_request(f"geometry: invalid ({reason})", "geometry")
        if not inside:
            raise bad_request("geometry: lies (partly) outside Cần Thơ", "geometry")
        want = layer.geometry_type.upper()
        if want != "GEOMETRY" and gtype not in (want, want.removeprefix("MULTI")):
            raise bad_request(f"geometry: a {gtype} in a {layer.geometry_type} layer",
                              "geometry")
    return row


def _geom_expr(layer: Layer) -> sql.Composable:
    if layer.geometry_from_admin:
        c = sql.Placeholder(layer.geometry_from_admin)
        return sql.SQL("COALESCE((SELECT geom FROM admin_district WHERE code = {c}), "
                       "(SELECT geom FROM admin_commune WHERE code = {c}), "
                       "(SELECT geom FROM admin_city WHERE code = {c}))").format(c=c)
    g = sql.SQL("ST_SetSRID(ST_GeomFromGeoJSON(%(geom)s), 4326)")
    return sql.SQL("ST_Multi({})").format(g) if layer.geometry_type.startswith("Multi") else g


def _values(layer: Layer, row) -> dict:
    vals = dict(row.values)
    for f in layer.all_fields:
        if f.type == "json" and vals.get(f.name) is not None:
            vals[f.name] = Jsonb(json.loads(vals[f.name]))
    vals["geom"] = row.geometry
    if layer.geometry_from_admin:
        vals["geom_quality"] = "admin_boundary"
    return vals


def _allowed(user: User, layer: Layer, *states: dict | None) -> None:
    for state in states:
        if state is not None and not user.may_edit(state.get("districts")):
            raise APIError(403, f"user {user.name!r} ({user.role}, district {user.district}) "
                                "may only edit features of their own district")


async def _located_in_district(conn, user: User, layer: Layer, fid: str) -> None:
    """A district officer's feature must also lie in their district where it has a
    geometry (naming the district is not enough)."""
    if user.role != "district_officer":
        return
    ok = (await (await conn.execute(sql.SQL(
        "SELECT f.geom IS NULL OR EXISTS (SELECT 1 FROM admin_district d WHERE d.code = %s "
        "AND ST_Intersects(f.geom, d.geom)) FROM {} f WHERE f.id = %s").format(
        sql.Identifier(layer.table)), (user.district, fid))).fetchone() or (True,))[0]
    if not ok:
        raise APIError(403, f"user {user.name!r} (district officer, {user.district}): the "
                            f"feature's geometry lies outside district {user.district}")


async def _before(conn, layer: Layer, fid: str):
    return await (await conn.execute(
        row_json(layer) + sql.SQL(" FOR UPDATE"),
        (fid,))).fetchone()


def _if_match(request: Request, version: int) -> None:
    want = request.headers.get("if-match")
    if want is not None and want.strip() != "*" and \
            etag(version) not in [t.strip() for t in want.split(",")]:  # strong comparison
        raise APIError(412, f"the feature has changed (its ETag is {etag(version)})")


async def _state(conn, layer: Layer, fid: str):
    row = await (await conn.execute(row_json(layer), (fid,))).fetchone()
    return None if row is None else {**row[0], "geometry": row[1]}, (row[2] if row else None)


async def _write(request: Request, layer: Layer, user: User, fid: str, feature: dict | None,
                 action: str) -> Response:
    t = sql.Identifier(layer.table)
    async with pool(request).connection() as conn, conn.transaction():
        before = await _before(conn, layer, fid)
        if action == "create" and before is not None:
            raise APIError(409, f"feature {fid!r} already exists in {layer.id}")
        if action != "create":
            if before is None:
                raise not_found(f"no feature {fid!r} in {layer.id}")
            _if_match(request, before[2])
        old = None if before is None else {**before[0], "geometry": before[1]}
        _allowed(user, layer, old)
        if old is not None:
            await _located_in_district(conn, user, layer, fid)
        if action == "delete":
            await conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(t), (fid,))
            await conn.execute("DELETE FROM progress_snapshot WHERE layer_id = %s AND "
                               "feature_id = %s", (layer.id, fid))
            await audit.record(conn, user.name, action, layer.id, fid, old, None)
        else:
            if action == "update":  # PATCH: merge into the stored feature
                merged = {**old, **(feature.get("properties") or {})}
                feature = {"type": "Feature", "properties": merged,
                           "geometry": feature.get("geometry", old["geometry"])}
            record = to_record(layer, feature, fid)
            row = await _check(conn, layer, record)
            vals = _values(layer, row)
            _allowed(user, layer, vals)
            cols = ["id", *(f.name for f in layer.all_fields)]
            assigns = [sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
                       for c in cols[1:]]
            if action == "create":
                await conn.execute(sql.SQL(
                    "INSERT INTO {t} ({cols}, geom, origin, version) VALUES ({vals}, {g}, "
                    "'api', 1)").format(t=t, cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
                                        vals=sql.SQL(", ").join(map(sql.Placeholder, cols)),
                                        g=_geom_expr(layer)), vals)
            else:
                await conn.execute(sql.SQL(
                    "UPDATE {t} SET {a}, geom = {g}, origin = 'api', version = version + 1, "
                    "updated_at = now() WHERE id = %(id)s").format(
                    t=t, a=sql.SQL(", ").join(assigns), g=_geom_expr(layer)), vals)
            await _located_in_district(conn, user, layer, fid)  # raising rolls back
            after, _ = await _state(conn, layer, fid)
            await audit.record(conn, user.name, action, layer.id, fid, old, after)
    changes.invalidate(request.app, layer)
    if action == "delete":
        return Response(status_code=204)
    async with pool(request).connection() as conn:
        text, version = await fetch_feature(conn, layer, fid, crs84())
    headers = {"ETag": etag(version)}
    status = 200
    if action == "create":
        status = 201
        headers["Location"] = f"{base(request)}/collections/{layer.id}/items/{fid}"
    return Response(text, status_code=status, media_type=GEOJSON, headers=headers)


@router.post("/collections/{collectionId}/items", status_code=201, summary="Add a feature",
             response_class=Response)
async def create(request: Request, layer: p.LayerDep, user: UserDep, feature: FeatureBody):
    fid = feature.get("id") if isinstance(feature, dict) else None
    if fid is None and isinstance(feature, dict):
        fid = (feature.get("properties") or {}).get("id")
    if not isinstance(fid, str | int) or not str(fid).strip():
        raise bad_request("the feature needs an id (a stable slug, see data/README.md)", "id")
    return await _write(request, _editable(layer), user, str(fid), feature, "create")


@router.put("/collections/{collectionId}/items/{featureId}", summary="Replace a feature",
            response_class=Response)
async def replace(request: Request, featureId: str, layer: p.LayerDep, user: UserDep,
                  feature: FeatureBody):
    return await _write(request, _editable(layer), user, featureId, feature, "replace")


@router.patch("/collections/{collectionId}/items/{featureId}",
              summary="Change some properties (and/or the geometry) of a feature",
              response_class=Response)
async def update(request: Request, featureId: str, layer: p.LayerDep, user: UserDep,
                 feature: FeatureBody):
    if not isinstance(feature, dict):
        raise bad_request("the body must be a (partial) GeoJSON Feature")
    return await _write(request, _editable(layer), user, featureId,
                        {"type": "Feature", **feature}, "update")


@router.delete("/collections/{collectionId}/items/{featureId}", status_code=204,
               summary="Delete a feature (and its progress)", response_class=Response)
async def delete(request: Request, featureId: str, layer: p.LayerDep, user: UserDep):
    return await _write(request, _editable(layer), user, featureId, None, "delete")


@router.options("/collections/{collectionId}/items", summary="Allowed methods")
async def options_items(layer: p.LayerDep) -> Response:
    allow = "GET, HEAD, OPTIONS" + (", POST" if layer.editable and layer.managed_table else "")
    return Response(status_code=204, headers={"Allow": allow})


@router.options("/collections/{collectionId}/items/{featureId}", summary="Allowed methods")
async def options_item(layer: p.LayerDep, featureId: str) -> Response:
    allow = "GET, HEAD, OPTIONS" + (", PUT, PATCH, DELETE"
                                    if layer.editable and layer.managed_table else "")
    return Response(status_code=204, headers={"Allow": allow})
