"""Helpers for the API tests (the ``client`` and ``conn`` fixtures are in tests/conftest.py)
and ``live_server``: the API over HTTP for real clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def app(db_url):
    """The API of the test database, one per test module (a module may declare its own)."""
    from api.app import create_app

    return create_app(db_url)


@pytest.fixture
def https_client(app, conn):
    """A browser over https (the session cookie is Secure), with no failed sign-ins."""
    from fastapi.testclient import TestClient

    conn.execute("DELETE FROM signin_failure")
    conn.commit()
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def one_point_project(conn):
    """A project with a point geometry: (id, lon, lat)."""
    row = conn.execute(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM infra_project "
        "WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1").fetchone()
    if row is None:
        pytest.skip("no project with a point geometry in the dataset")
    return row


@pytest.fixture
def point_in(conn):
    """``point_in(code)``: (lon, lat) of a point inside that district."""
    def run(code: str) -> tuple[float, float]:
        return conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                            "FROM admin_district WHERE code = %s) x", (code,)).fetchone()
    return run


@pytest.fixture
def cleanup(conn):
    """Ids of projects a test makes, deleted when it ends."""
    made = []
    yield made
    for fid in made:
        conn.execute("DELETE FROM infra_project WHERE id = %s", (fid,))
    conn.commit()


@pytest.fixture
def count(conn):
    """``count(sql, *args)``: the first column of the first row."""
    def run(sql: str, *args) -> int:
        return conn.execute(sql, args).fetchone()[0]
    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOCAL_ENV = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@pytest.fixture(scope="session")
def live_server(db_url, tmp_path_factory):
    """The API served by uvicorn in a process of its own over the test database, for
    clients that speak HTTP (GDAL, ogctests, Schemathesis): its base URL."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("live_server") / "uvicorn.log"
    env = {**os.environ, **LOCAL_ENV, "DATABASE_URL": db_url}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited ({proc.returncode}):\n{log_path.read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not answer on {url}:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield LiveServer(url, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class LiveServer(str):
    """The base URL (a str), with the server's log file and an environment for client
    processes (no proxy for the loopback)."""

    def __new__(cls, url: str, log_path):
        obj = super().__new__(cls, url)
        obj.log_path = log_path
        obj.env = {**os.environ, **LOCAL_ENV}
        return obj

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
