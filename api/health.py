"""``/health``: is the database connected, and how many features does each layer hold."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from psycopg import sql

from api.db import pool
from layers import registry

router = APIRouter()


@router.get("/health", summary="Database connection and feature count per layer")
async def health(request: Request) -> JSONResponse:
    layers: dict[str, int | None] = {}
    try:
        async with pool(request).connection() as conn:
            version = (await (await conn.execute("SELECT postgis_full_version()")).fetchone())[0]
            for layer in registry.layers():
                cur = await conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(layer.table)))
                layers[layer.id] = (await cur.fetchone())[0]
    except Exception as exc:  # report, do not crash: this is the health check
        if request.scope.get("gis.replica"):  # the replica failed: it serves no more reads
            request.app.state.replica.up = False
        return JSONResponse(_with_replica(request, {
            "status": "error", "database": {"connected": False, "error": str(exc)},
            "layers": layers}), status_code=503)
    return JSONResponse(_with_replica(request, {
        "status": "ok", "database": {"connected": True, "postgis": version},
        "layers": layers}))


def _with_replica(request: Request, doc: dict) -> dict:
    if getattr(request.app.state, "replica", None) is not None:
        doc["replica"] = request.app.state.replica.health()  # state and replay lag
    return doc
