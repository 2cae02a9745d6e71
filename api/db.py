"""The app's database: one URL (given to ``create_app``, else ``DATABASE_URL``) and the
connection pool (psycopg async) over it, opened and closed with the app. Every route
reads that database: through the pool, or (ogr2ogr, blocking renderers) by its URL."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request


def make_pool(url: str) -> AsyncConnectionPool:
    return AsyncConnectionPool(url, min_size=2, max_size=20, open=False,
                               kwargs={"autocommit": True})


def pool(request: Request) -> AsyncConnectionPool:
    return request.app.state.pool


def database_url(request: Request) -> str:
    """The URL of the app's database."""
    return request.app.state.database_url
