"""The FastAPI application factory (``uvicorn api.app:create_app --factory``)."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager

from fastapi import FastAPI

import maps
from api import (
    admin,
    admin_pages,
    changes,
    collections,
    deleted_pages,
    docs,
    editable,
    errors,
    forms,
    health,
    history,
    import_pages,
    indicators,
    items,
    landing,
    openapi,
    progress,
    replica,
    report_pages,
    restore,
    security,
    session,
    styles,
    tiles,
    writes,
)
from api import db as app_db
from api.counts import CountCache
from api.db import make_pool
from api.head import HeadMiddleware
from api.tilecache import CachedTileMiddleware, TileCache
from gis.db import database_url as default_database_url
from gis.settings import api_settings


def create_app(database_url: str | None = None) -> FastAPI:
    """The app over ``database_url`` (default: ``DATABASE_URL``); every route reads it."""
    database_url = database_url or default_database_url()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = make_pool(database_url)
        await app.state.pool.open()
        app.state.replica = None
        if replica.replica_url():
            cfg = api_settings()
            app.state.replica = replica.Replica(replica.replica_url(), make_pool,
                                                cfg.replica_max_lag, cfg.replica_sticky)
            await app.state.replica.open()
        listener = asyncio.create_task(changes.listen(app, database_url))
        try:
            yield
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            if app.state.replica is not None:
                await app.state.replica.close()
            await app.state.pool.close()

    app = FastAPI(
        title="Cần Thơ planning GIS",
        description="Infrastructure projects, industrial zones, flood works and New Rural "
        "status of Cần Thơ city, with progress, as OGC API - Features and Tiles.",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api",
        docs_url=None,  # /api.html: api/docs.py, Swagger UI served locally
        redoc_url=None,
    )
    app.state.conformance = tiles.CONFORMANCE + writes.CONFORMANCE
    app.state.tile_cache = TileCache(api_settings().tile_cache_size)
    app.state.count_cache = CountCache()
    app.state.extents = None
    app.state.database_url = database_url
    errors.install(app)
    app_db.install(app)  # 503 + Retry-After while the database is away or the pool is full
    app.include_router(landing.router)
    app.include_router(docs.router)
    app.include_router(collections.router)
    app.include_router(items.router)
    app.include_router(writes.router)
    app.include_router(progress.router)
    app.include_router(restore.router)  # deleted features, restored by planners
    app.include_router(deleted_pages.router)  # …/deleted: JSON, or the planners' page
    app.include_router(editable.router)  # /session/editable: what the user may edit
    app.include_router(tiles.router)
    app.include_router(styles.router)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(report_pages.router)  # planners import a report (issue #11)
    app.include_router(indicators.router)  # /indicators, /sources/{doc}
    app.include_router(import_pages.router)  # the planners' file import (#12)
    app.include_router(admin_pages.router)  # /admin/audit, /admin/people
    app.include_router(session.router)  # sign-in, sessions, sign-out
    app.include_router(history.router)  # a feature's history page
    app.include_router(forms.router)  # what the browser's edit forms are made from
    app.include_router(maps.router)  # web maps, district view, printed maps
    app.add_middleware(CachedTileMiddleware, max_age=api_settings().tile_max_age)
    app.add_middleware(HeadMiddleware)  # HEAD answered as GET, body dropped
    app.add_middleware(replica.WriteTracker)  # read-your-writes with a replica
    security.install(app)  # outermost: headers, CORS, body and rate limits
    openapi.install(app)  # /api as OpenAPI 3.0
    return app
