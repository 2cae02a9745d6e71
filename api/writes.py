"""OGC API Features Part 4: create, replace, update and delete features.

A written feature goes through the dataset loader's checks and PostGIS
(:mod:`api.feature_records`: field types, choices, figures, source document, district and
ward codes, valid geometry inside Cần Thơ of the layer's type, the admin-unit geometry
rule the loader follows). Every write is audited (``audit_log``: before/after), marks the
row ``origin = 'api'``, bumps ``version`` (the ETag) and drops the layer's cached tiles.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from psycopg import sql

from api import audit, changes
from api import params as p
from api.access import UserDep, check_allowed, check_located, editable
from api.auth import via_cookie
from api.crs import default as crs84
from api.db import pool
from api.feature_records import check_feature, geom_param, stored, to_record
from api.items import etag, fetch_feature
from api.links import GEOJSON, base
from gis.errors import GISError, bad_request, not_found
from gis.users import User
from layers.base import Layer

router = APIRouter(tags=["Transactions"])
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
FeatureBody = Annotated[dict, Body(description="A GeoJSON Feature", media_type=GEOJSON)]


def _if_match(request: Request, version: int) -> None:
    want = request.headers.get("if-match")
    if want is None and via_cookie(request) and request.method in ("PUT", "PATCH"):
        raise GISError(428, "a change from the browser must say which version it changes "
                       f"(If-Match: {etag(version)}): reload the feature and try again",
                       headers={"ETag": etag(version)},
                       vi="Thay đổi từ trình duyệt phải nói rõ phiên bản được sửa (If-Match): "
                       "hãy tải lại đối tượng rồi thử lại")
    if want is not None and want.strip() != "*" and \
            etag(version) not in [t.strip() for t in want.split(",")]:  # strong comparison
        raise GISError(412, f"the feature has changed (its ETag is {etag(version)})",
                       vi="Dữ liệu đã bị người khác thay đổi: hãy tải lại đối tượng, xem thay "
                       "đổi của họ rồi sửa lại")


async def insert(conn, layer: Layer, vals: dict) -> None:
    """A new row of checked values (:func:`check_feature`), written by the API."""
    cols = ["id", *(f.name for f in layer.all_fields)]
    await conn.execute(sql.SQL(
        "INSERT INTO {t} ({cols}, geom, origin, version) VALUES ({vals}, {g}, 'api', 1)").format(
        t=sql.Identifier(layer.table), cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
        vals=sql.SQL(", ").join(map(sql.Placeholder, cols)), g=geom_param(layer)), vals)


def _reason(request: Request) -> str | None:
    """Why a feature is deleted (``?reason=``): asked of every browser delete."""
    reason = (request.query_params.get("reason") or "").strip() or None
    if reason is None and via_cookie(request):
        raise bad_request("a delete needs a reason (?reason=...), kept in the audit trail",
                          "reason", vi="Cần ghi lý do xóa (được lưu trong nhật ký)")
    if reason is not None and len(reason) > 500:
        raise bad_request("reason: at most 500 characters", "reason",
                          vi="Lý do: tối đa 500 ký tự")
    return reason


async def _state(conn, layer: Layer, fid: str):
    row = await stored(conn, layer, fid)
    return None if row is None else {**row[0], "geometry": row[1]}, (row[2] if row else None)


async def _write(request: Request, layer: Layer, user: User, fid: str, feature: dict | None,
                 action: str) -> Response:
    t = sql.Identifier(layer.table)
    async with pool(request).connection() as conn, conn.transaction():
        before = await stored(conn, layer, fid, lock=True)
        if action == "create" and before is not None:
            raise GISError(409, f"feature {fid!r} already exists in {layer.id}",
                           vi=f"Đối tượng {fid!r} đã có trong lớp {layer.title_vi}")
        if action != "create":
            if before is None:
                raise not_found(f"no feature {fid!r} in {layer.id}",
                                vi=f"Không có đối tượng {fid!r} trong lớp {layer.title_vi}")
            _if_match(request, before[2])
        old = None if before is None else {**before[0], "geometry": before[1]}
        check_allowed(user, layer, old)
        if old is not None:
            await check_located(conn, user, layer, fid)
        if action == "delete":
            reason = _reason(request)
            figures = await (await conn.execute(
                "DELETE FROM progress_snapshot ps WHERE layer_id = %s AND feature_id = %s "
                "RETURNING to_jsonb(ps) - 'id'", (layer.id, fid))).fetchall()
            await conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(t), (fid,))
            await audit.record(conn, user.name, action, layer.id, fid, old, None,
                               reason=reason, detail={"progress": [f[0] for f in figures]})
        else:
            if action == "update":  # PATCH: merge into the stored feature
                merged = {**old, **(feature.get("properties") or {})}
                feature = {"type": "Feature", "properties": merged,
                           "geometry": feature.get("geometry", old["geometry"])}
            record = to_record(layer, feature, fid)
            vals = await check_feature(conn, layer, record)
            check_allowed(user, layer, vals)
            cols = ["id", *(f.name for f in layer.all_fields)]
            assigns = [sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
                       for c in cols[1:]]
            if action == "create":
                await insert(conn, layer, vals)
            else:
                await conn.execute(sql.SQL(
                    "UPDATE {t} SET {a}, geom = {g}, origin = 'api', version = version + 1, "
                    "updated_at = now() WHERE id = %(id)s").format(
                    t=t, a=sql.SQL(", ").join(assigns), g=geom_param(layer)), vals)
            await check_located(conn, user, layer, fid)  # raising rolls back
            after, _ = await _state(conn, layer, fid)
            await audit.record(conn, user.name, action, layer.id, fid, old, after)
            # the answer is read before the commit, on the same connection: a write that
            # is stored is answered as stored (a second connection could be refused with
            # a 503 once the change is committed, and the client would write it again)
            text, version = await fetch_feature(conn, layer, fid, crs84())
    changes.invalidate(request.app, layer)
    if action == "delete":
        return Response(status_code=204)
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
    return await _write(request, editable(layer), user, str(fid), feature, "create")


@router.put("/collections/{collectionId}/items/{featureId}", summary="Replace a feature",
            response_class=Response)
async def replace(request: Request, featureId: str, layer: p.LayerDep, user: UserDep,
                  feature: FeatureBody):
    return await _write(request, editable(layer), user, featureId, feature, "replace")


@router.patch("/collections/{collectionId}/items/{featureId}",
              summary="Change some properties (and/or the geometry) of a feature",
              response_class=Response)
async def update(request: Request, featureId: str, layer: p.LayerDep, user: UserDep,
                 feature: FeatureBody):
    if not isinstance(feature, dict):
        raise bad_request("the body must be a (partial) GeoJSON Feature")
    return await _write(request, editable(layer), user, featureId,
                        {"type": "Feature", **feature}, "update")


@router.delete("/collections/{collectionId}/items/{featureId}", status_code=204,
               summary="Delete a feature (and its progress); ?reason= goes into the audit "
               "(required from a browser session); a planner can restore it",
               response_class=Response)
async def delete(request: Request, featureId: str, layer: p.LayerDep, user: UserDep):
    return await _write(request, editable(layer), user, featureId, None, "delete")


@router.options("/collections/{collectionId}/items", summary="Allowed methods")
async def options_items(layer: p.LayerDep) -> Response:
    allow = "GET, HEAD, OPTIONS" + (", POST" if layer.editable and layer.managed_table else "")
    return Response(status_code=204, headers={"Allow": allow})


@router.options("/collections/{collectionId}/items/{featureId}", summary="Allowed methods")
async def options_item(layer: p.LayerDep, featureId: str) -> Response:
    allow = "GET, HEAD, OPTIONS" + (", PUT, PATCH, DELETE"
                                    if layer.editable and layer.managed_table else "")
    return Response(status_code=204, headers={"Allow": allow})
