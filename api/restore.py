"""Deleted features, listed and restored by planners.

A delete keeps the feature as it was (``before``) and the progress figures it removed
(``detail.progress``) in the audit trail (:mod:`api.writes`); ``POST …/restore`` writes
them back in one transaction, through the same checks as a new feature, and audits the
restore with its reason.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from psycopg import sql
from psycopg.types.json import Jsonb

from api import audit, changes
from api import params as p
from api.access import UserDep, editable
from api.db import pool
from api.feature_records import check_feature, stored, to_record
from api.items import etag
from api.writes import insert
from gis.errors import GISError, not_found
from gis.users import WRITE_EVERYWHERE, User

router = APIRouter(tags=["Transactions"])

LAST_DELETES = """
    SELECT DISTINCT ON (feature_id) feature_id, at, user_name, reason, before, detail
    FROM audit_log WHERE action = 'delete' AND layer_id = %s AND (%s::text IS NULL OR
    feature_id = %s) ORDER BY feature_id, at DESC, id DESC"""


def deleted_list(layer, rows) -> list[dict]:
    """The deleted features as the API lists them (and the page shows them)."""
    name = layer.role_field("name") or ""
    return [{"id": fid, "name": (before or {}).get(name), "deleted": at.isoformat(),
             "by": by, "reason": reason,
             "restore": f"/collections/{layer.id}/items/{fid}/restore"}
            for fid, at, by, reason, before, _ in rows]


async def restore_feature(conn, layer, fid: str, user: User, reason: str | None):
    """Write a deleted feature and its figures back (in the caller's transaction) and
    audit it; the stored ``(properties, geometry, version)``."""
    rows = await deleted_rows(conn, layer, fid)
    if not rows:
        raise not_found(f"no deleted feature {fid!r} in {layer.id}")
    _, _, _, _, before, detail = rows[0]
    props = {k: v for k, v in before.items() if k != "geometry"}
    feature = {"type": "Feature", "properties": props, "geometry": before.get("geometry")}
    await insert(conn, layer, await check_feature(conn, layer, to_record(layer, feature, fid)))
    # the stored columns (not the generated ones, such as period); a new id
    cols = sql.SQL(", ").join(sql.Identifier(r[0]) for r in await (await conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name ="
        " 'progress_snapshot' AND is_generated = 'NEVER' AND column_name <> 'id'"
        " ORDER BY ordinal_position")).fetchall())
    for figure in (detail or {}).get("progress", []):
        await conn.execute(sql.SQL(
            "INSERT INTO progress_snapshot ({c}) SELECT {c} FROM jsonb_populate_record("
            "NULL::progress_snapshot, %s::jsonb)").format(c=cols), (Jsonb(figure),))
    after = await stored(conn, layer, fid)
    await audit.record(conn, user.name, "restore", layer.id, fid, None,
                       {**after[0], "geometry": after[1]}, reason=reason)
    return after


def planner(user: User) -> None:
    if user.role not in WRITE_EVERYWHERE:
        raise GISError(403, f"user {user.name!r} ({user.role}): only planners list and "
                       "restore deleted features")


async def deleted_rows(conn, layer, fid: str | None = None) -> list[tuple]:
    rows = await (await conn.execute(LAST_DELETES, (layer.id, fid, fid))).fetchall()
    return [r for r in rows if await stored(conn, layer, r[0]) is None]


@router.post("/collections/{collectionId}/items/{featureId}/restore", status_code=201,
             summary="Restore a deleted feature and its progress figures (planners)",
             response_class=Response)
async def restore(request: Request, featureId: str, layer: p.LayerDep, user: UserDep,
                  reason: str | None = Query(None, max_length=500)) -> Response:
    planner(user)
    layer = editable(layer)
    async with pool(request).connection() as conn, conn.transaction():
        after = await restore_feature(conn, layer, featureId, user, reason)
    changes.invalidate(request.app, layer)
    return Response(status_code=201, headers={
        "ETag": etag(after[2]), "Location": f"/collections/{layer.id}/items/{featureId}"})
