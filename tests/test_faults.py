"""Faults: the database restarting under a request loop (a private cluster stopped and
started), the connection pool exhausted, and ``gis load`` killed halfway."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from gis import cluster, settings
from gis.settings import ClusterSettings, default_cluster_dir
from layers import registry

REPO = Path(__file__).resolve().parent.parent
LOCAL = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
ITEMS = "/collections/projects/items?limit=1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db_url: str, log: Path):
    port = _free_port()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host",
             "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=REPO, env={**os.environ, **LOCAL, "DATABASE_URL": db_url},
            stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + ITEMS, timeout=3, trust_env=False).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        assert proc.poll() is None, log.read_text()
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"uvicorn did not answer:\n{log.read_text()}")


@pytest.fixture
def private_cluster():
    """A cluster of this test's own on a free port (it is stopped and started)."""
    cfg = ClusterSettings(data_dir=default_cluster_dir(name=f"pgfault-{os.getpid()}"),
                          port=_free_port())
    cluster.start(cfg)
    url = f"postgresql://{cfg.user}@{cfg.host}:{cfg.port}/{cfg.database}"
    from gis.migrate import migrate

    migrate(url)
    try:
        yield cfg, url
    finally:
        cluster.stop(cfg)
        shutil.rmtree(cfg.data_dir, ignore_errors=True)


def test_database_restart_gives_503_then_serves_again(private_cluster, tmp_path):
    cfg, url = private_cluster
    proc, base = _serve(url, tmp_path / "uvicorn.log")
    seen: list[tuple[float, float, int, str | None]] = []  # start, seconds, status, Retry-After
    stop = threading.Event()

    def loop():
        with httpx.Client(timeout=10, trust_env=False) as http:
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    r = http.get(base + ITEMS)
                    seen.append((t0, time.monotonic() - t0, r.status_code,
                                 r.headers.get("retry-after")))
                except httpx.TransportError as exc:
                    seen.append((t0, time.monotonic() - t0, 0, repr(exc)))
                time.sleep(0.02)

    threads = [threading.Thread(target=loop) for _ in range(4)]  # requests in flight
    try:
        for t in threads:
            t.start()
        time.sleep(0.5)
        cluster.stop(cfg)
        down = time.monotonic()
        time.sleep(3)  # the outage
        cluster.start(cfg)
        up = time.monotonic()
        back = None
        while time.monotonic() < up + 10 and back is None:
            back = next((t0 for t0, _, code, _ in seen if t0 >= up and code == 200), None)
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join()
        proc.terminate()
        proc.wait(timeout=10)
    log = (tmp_path / "uvicorn.log").read_text()
    codes = {code for _, _, code, _ in seen}
    assert codes <= {200, 503}, (codes, log[-2000:])
    # a request that began during the outage but was still waiting when the
    # database came back may be served; one that finished before is a 503
    during = [(t0, s, code, ra) for t0, s, code, ra in seen if down <= t0 and t0 + s < up]
    assert during and all(code == 503 for _, _, code, _ in during), during
    assert all(ra is not None and int(ra) >= 1 for *_, ra in during)
    assert max(s for _, s, _, _ in during) < 2.0, max(s for _, s, _, _ in during)
    assert back is not None and back - up < 5.0, "not serving again within 5 s"
    assert "Traceback" not in log and " 500 " not in log


@pytest.fixture
def small_pool_app(db_url, monkeypatch):
    monkeypatch.setenv("GIS_API_POOL_MIN_SIZE", "1")
    monkeypatch.setenv("GIS_API_POOL_MAX_SIZE", "2")
    monkeypatch.setenv("GIS_API_POOL_TIMEOUT", "0.5")
    settings.api_settings.cache_clear()
    from api.app import create_app

    try:
        with TestClient(create_app(db_url)) as c:
            yield c
    finally:
        settings.api_settings.cache_clear()


def test_exhausted_pool_answers_503_quickly(small_pool_app):
    c = small_pool_app
    pool = c.app.state.pool
    assert c.get(ITEMS).status_code == 200
    held = [c.portal.call(pool.getconn) for _ in range(2)]  # slow clients hold them all
    try:
        t0 = time.monotonic()
        r = c.get(ITEMS)
        took = time.monotonic() - t0
        assert r.status_code == 503 and r.headers["retry-after"] == "2", r.text
        assert "no database connection" in r.json()["description"]
        assert took < 1.5, took
    finally:
        for conn in held:
            c.portal.call(pool.putconn, conn)
    assert c.get(ITEMS).status_code == 200  # free again: served


def _fresh_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def _drop_database(server_url: str, name: str) -> None:
    parts = urlsplit(server_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


OTHER_TABLES = ["source_document", "progress_snapshot", "admin_district", "admin_commune"]


def _counts(url: str) -> dict[str, int]:
    tables = [layer.table for layer in registry.layers() if layer.managed_table]
    with psycopg.connect(url) as c:
        return {t: c.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t)))
                .fetchone()[0] for t in [*tables, *OTHER_TABLES]
                if c.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0]}


def test_kill_9_of_gis_load_halfway_stores_nothing(server_url):
    name = f"cantho_test_{os.getpid()}_kill"
    url = _fresh_database(server_url, name)
    try:
        from gis.migrate import migrate

        migrate(url)
        before = _counts(url)
        assert before and set(before.values()) == {0}
        gis = Path(sys.executable).with_name("gis")
        proc = subprocess.Popen([str(gis), "load"], cwd=REPO,
                                env={**os.environ, "DATABASE_URL": url},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # halfway: the loader's transaction has written rows (it holds a transaction id)
        with psycopg.connect(url, autocommit=True) as watch:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                wrote = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()").fetchone()[0]
                if wrote:
                    break
                time.sleep(0.05)
            assert proc.poll() is None, "gis load finished before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=10) == -signal.SIGKILL
            # the server notices the dead client and rolls its transaction back
            deadline = time.monotonic() + 30
            while watch.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                "current_database() AND pid <> pg_backend_pid()"
                                ).fetchone()[0] and time.monotonic() < deadline:
                time.sleep(0.1)
        assert _counts(url) == before
    finally:
        _drop_database(server_url, name)
