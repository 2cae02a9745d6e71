"""The API's connection pool (psycopg async), opened and closed with the app."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request

from gis.db import database_url


def make_pool(url: str | None = None) -> AsyncConnectionPool:
    return AsyncConnectionPool(url or database_url(), min_size=2, max_size=20, open=False,
                               kwargs={"autocommit": True})


def pool(request: Request) -> AsyncConnectionPool:
    return request.app.state.pool
