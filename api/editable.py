"""What the signed-in user may edit, as an overview for the web map and the district
view (``GET /session/editable``, read by ``maps/static/edit_overview.js``): a planner
may change every feature of the editable layers; a district officer those lying wholly
in their district, and sees the features of their district they may not change with the
reason (several districts: planners only; a geometry outside the district). Planners
also get the pages of deleted features (``/collections/{id}/deleted``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from psycopg import sql

from api.auth import current_user
from api.db import pool
from gis.expr import SortKey
from gis.query import FeatureQuery
from gis.users import WRITE_EVERYWHERE, User
from layers import registry
from layers.base import Layer

router = APIRouter(tags=["Session"])
LIMIT = 500  # features listed per layer (the rest are counted)
LOCATED = sql.SQL("(f.geom IS NULL OR ST_Intersects(f.geom, (SELECT geom FROM admin_district "
                  "WHERE code = %(officer_district)s)))")


def editable_layers() -> list[Layer]:
    return [la for la in registry.layers() if la.editable and la.managed_table
            and la.role_field("districts") and la.role_field("name")]


def _why(user: User, districts: list[str], located: bool) -> dict | None:
    """Why the officer may not change a feature of their district (None: they may)."""
    if len(set(districts)) > 1:
        return {"reason": f"several districts ({', '.join(districts)}): only planners "
                          "change it",
                "reason_vi": f"Nằm ở nhiều quận/huyện ({', '.join(districts)}): chỉ cán bộ "
                             "quy hoạch được sửa."}
    if not located:
        return {"reason": f"its geometry lies outside district {user.district}",
                "reason_vi": f"Hình học nằm ngoài quận/huyện của bạn ({user.district})."}
    return None


async def _officer_layer(conn, user: User, layer: Layer) -> dict:
    name, districts_field = layer.role_field("name"), layer.role_field("districts")
    q = FeatureQuery(layer, equals=[(districts_field, user.district)],
                     properties=[name, districts_field], sortby=[SortKey(name)], limit=LIMIT + 1)
    rows = await (await conn.execute(q.rows_sql(LOCATED), {
        **q.bind(), "officer_district": user.district})).fetchall()
    mine, refused = [], []
    for fid, name, districts, located in rows[:LIMIT]:
        why = _why(user, districts or [], located)
        item = {"id": fid, "name": name, "districts": districts or []}
        (mine if why is None else refused).append(item if why is None else {**item, **why})
    return {"mine": mine, "refused": refused, "more": len(rows) > LIMIT}


@router.get("/session/editable", summary="What the signed-in user may edit (an overview)")
async def overview(request: Request) -> JSONResponse:
    user = await current_user(request)
    everything = user.role in WRITE_EVERYWHERE
    out = []
    async with pool(request).connection() as conn:
        for layer in editable_layers():
            entry = {"layer": layer.id, "title_vi": layer.title_vi, "title_en": layer.title_en}
            if everything:
                q = FeatureQuery(layer)
                entry["count"] = (await (await conn.execute(q.count_sql(), q.bind()))
                                  .fetchone())[0]
                entry["deleted"] = f"/collections/{layer.id}/deleted"
            elif user.restricted_to_district:
                entry |= await _officer_layer(conn, user, layer)
            out.append(entry)
    return JSONResponse({"user": user.name, "role": user.role, "district": user.district,
                         "everything": everything, "layers": out},
                        headers={"Cache-Control": "no-store"})
