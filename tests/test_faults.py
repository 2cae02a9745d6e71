"""Faults: the database restarting under a request loop (a private cluster stopped and
started) and the connection pool exhausted (``kill -9`` halfway: tests/test_kill_halfway.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gis import cluster, settings
from gis.settings import ClusterSettings, default_cluster_dir

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
