"""Test fixtures: a real PostGIS database, migrated and loaded with the real dataset.

The tests use a database of their own (``<name>_test_<pid>``, dropped at the end) on the
server named by ``DATABASE_URL`` or, without it, on a test cluster of their own (next to
the managed cluster's data, see :func:`gis.settings.default_cluster_dir`) started on a
free port and stopped at the end: they never touch the working database, and they run
beside a ``make run`` of this or another checkout (which holds port 54329).
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from gis import cluster
from gis.settings import ClusterSettings, database_settings, default_cluster_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url():
    """The server the tests use: ``DATABASE_URL``, or the tests' own cluster."""
    if not database_settings().managed:
        yield database_settings().url
        return
    cfg = ClusterSettings(data_dir=default_cluster_dir(name="pgtest"), port=_free_port())
    st = cluster.status(cfg)
    started = not st.running
    if st.running:  # another test run of this checkout: share its server
        cfg = ClusterSettings(data_dir=cfg.data_dir, port=cluster.running_port(cfg))
    cluster.start(cfg)
    try:
        yield f"postgresql://{cfg.user}@{cfg.host}:{cfg.port}/{cfg.database}"
    finally:
        if started:
            cluster.stop(cfg)


def _test_url(server: str) -> str:
    parts = urlsplit(server)
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
def db_url(server_url) -> str:
    """A fresh test database with the schema and the full dataset loaded."""
    url = _test_url(server_url)
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
