"""Test fixtures: a real PostGIS database, migrated and loaded with the real dataset.

The tests use a database of their own (``<name>_test_<pid>``, dropped at the end) on the
project's cluster, or on the server named by ``DATABASE_URL``, so they never touch the
working database, and two test runs on one server do not meet.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from gis.db import database_url, ensure_server


def _test_url() -> str:
    parts = urlsplit(database_url())
    name = parts.path.lstrip("/") or "cantho"
    return urlunsplit(parts._replace(path=f"/{name}_test_{os.getpid()}"))


def _admin(url: str, *statements: str) -> None:
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.format(name=parts.path.lstrip("/")))


def _recreate(url: str) -> None:
    _admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', 'CREATE DATABASE "{name}"')


@pytest.fixture(scope="session")
def db_url() -> str:
    """A fresh test database with the schema and the full dataset loaded."""
    ensure_server()
    url = _test_url()
    _recreate(url)
    os.environ["DATABASE_URL"] = url
    from gis import settings

    settings.database_settings.cache_clear()
    from gis.db import engine

    engine.cache_clear()
    from gis.dataset.loader import load
    from gis.migrate import migrate

    migrate(url)
    load(url=url)
    yield url
    engine.cache_clear()
    _admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url) as c:
        yield c


@pytest.fixture(scope="session")
def client(db_url):
    """The API over the test database (lifespan run, so the pool is open)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(db_url)) as c:
        yield c
