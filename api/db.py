"""The app's database: one URL (given to ``create_app``, else ``DATABASE_URL``) and the
connection pool (psycopg async) over it, opened and closed with the app. Every route
reads that database: through the pool, or (ogr2ogr, blocking renderers) by its URL.

When the database is away (restarting, unreachable) or every connection is taken, a
request does not hang: it waits at most ``GIS_API_POOL_TIMEOUT`` seconds for a
connection and is answered 503 with ``Retry-After`` (:func:`install`); the pool then
checks its connections and reconnects in the background, so the API serves again as soon
as the database is back, without being restarted.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
from fastapi.responses import JSONResponse
from psycopg.adapt import Loader
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.requests import Request

from gis.errors import GISError
from gis.settings import api_settings

log = logging.getLogger(__name__)


def make_pool(url: str) -> AsyncConnectionPool:
    cfg = api_settings()
    return AsyncConnectionPool(url, min_size=cfg.pool_min_size, max_size=cfg.pool_max_size,
                               open=False, timeout=cfg.pool_timeout,
                               # a failed reconnection is not retried with a growing
                               # backoff: the next request that needs a connection asks
                               # for one, so the API serves as soon as the database is back
                               reconnect_timeout=0,
                               kwargs={"autocommit": True,
                                       "connect_timeout": cfg.connect_timeout})


def pool(request: Request) -> AsyncConnectionPool:
    """The primary's pool, or for a read the replica's when it may serve it (api.replica)."""
    replica = getattr(request.app.state, "replica", None)
    if replica is not None and replica.serves(request.scope):
        request.scope["gis.replica"] = True
        return replica.pool
    return request.app.state.pool


class Utf8Text(Loader):
    """``text`` as UTF-8 bytes, as the server sent it (with a UTF-8 client encoding):
    GeoJSON that PostgreSQL wrote goes to the response without a decode into ``str``
    and an encode back, two passes over a 1,000-feature page's megabyte."""

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        enc = self.connection.info.encoding if self.connection is not None else "utf-8"
        self._encoding = None if enc == "utf-8" else enc

    def load(self, data) -> bytes:
        if self._encoding is None:
            return bytes(data)
        return bytes(data).decode(self._encoding).encode()


def bytes_cursor(conn, name: str = ""):
    """A cursor of ``conn`` whose ``text`` columns come as UTF-8 bytes (:class:`Utf8Text`)."""
    cur = conn.cursor(name) if name else conn.cursor()
    cur.adapters.register_loader("text", Utf8Text)
    return cur


def database_url(request: Request) -> str:
    """The URL of the app's database."""
    return request.app.state.database_url


def unavailable(message: str) -> GISError:
    return GISError(503, message, headers={"Retry-After": str(api_settings().retry_after)},
                    hint="the database is restarting or busy: retry after the given seconds",
                    hint_vi="cơ sở dữ liệu đang khởi động lại hoặc bận: hãy thử lại sau số "
                    "giây đã cho")


def _recheck(request: Request) -> None:
    """Drop the pool's broken connections (once at a time) so that new ones are made; a
    replica that failed a read serves no more reads until its monitor sees it back."""
    if request.scope.get("gis.replica"):
        request.app.state.replica.up = False
        return
    recheck(request.app)


def recheck(app) -> None:
    """Check the primary's pool in the background (once at a time)."""
    pool_ = getattr(app.state, "pool", None)
    if pool_ is None or getattr(app.state, "pool_checking", False):
        return
    app.state.pool_checking = True

    async def run():
        try:
            await pool_.check()
        except Exception as exc:  # the database may still be away: the next error retries
            log.debug("pool check: %s", exc)
        finally:
            app.state.pool_checking = False

    asyncio.get_running_loop().create_task(run())


def install(app) -> None:
    """503 with Retry-After for a database that is away or a pool that is exhausted."""

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, exc: PoolTimeout):
        log.warning("no database connection within %ss", api_settings().pool_timeout)
        _recheck(request)
        err = unavailable("no database connection available")
        return JSONResponse(err.body(), status_code=503, headers=err.headers)

    @app.exception_handler(psycopg.OperationalError)
    async def _operational(request: Request, exc: psycopg.OperationalError):
        log.warning("database unavailable: %s", exc)
        _recheck(request)
        err = unavailable("the database is unavailable")
        return JSONResponse(err.body(), status_code=503, headers=err.headers)
