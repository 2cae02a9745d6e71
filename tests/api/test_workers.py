"""``gis serve --workers N``: N processes on one port, their tile caches kept true to the
database by the ``gis_layer_changed`` notification each worker listens to, the rate limits
on writes and sign-ins counted for all of them, sessions known to all of them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from psycopg import sql
from test_tiles import tile_of

from api.session import PRE_CSRF
from gis import sessions
from gis.passwords import hash_password
from gis.users import create_user

REPO = Path(__file__).resolve().parents[2]
LOCAL = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch_many(base: str, path: str, n: int) -> list[bytes]:
    out = []
    for _ in range(n):  # a new connection each time: the kernel spreads them over workers
        with httpx.Client(timeout=10, trust_env=False) as http:
            r = http.get(base + path)
            assert r.status_code in (200, 204), r.text
            out.append(r.content)
    return out


@contextmanager
def _workers(db_url: str, log: Path, **env):
    """``gis serve --workers 2`` on a free port, until both workers have started."""
    port = _free_port()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gis")), "serve", "--no-setup", "--workers",
             "2", "--port", str(port)], cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
            env={**os.environ, **LOCAL, "DATABASE_URL": db_url, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while log.read_bytes().count(b"Application startup complete") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def two_workers(db_url, tmp_path):
    with _workers(db_url, tmp_path / "serve.log") as base:
        yield base


@pytest.fixture
def limited_workers(db_url, conn, tmp_path):
    """Two workers with small limits: 3 writes per user and 2 sign-ins per address a
    minute (with counters kept per process, two workers would let up to twice through)."""
    conn.execute("DELETE FROM rate_limit_event")
    conn.execute("DELETE FROM signin_failure")
    conn.commit()
    with _workers(db_url, tmp_path / "serve.log", GIS_SECURITY_WRITE_RATE="3",
                  GIS_SECURITY_SIGNIN_RATE="2") as base:
        yield base


def _burst(base: str, method: str, path: str, n: int, **kw) -> list[httpx.Response]:
    """``n`` requests at once, each on a connection of its own (spread over the workers)."""
    def one(_):
        with httpx.Client(timeout=30, trust_env=False) as http:
            return http.request(method, base + path, **kw)
    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(one, range(n)))


def test_every_worker_drops_its_tiles_when_the_layer_changes(two_workers, conn,
                                                            one_point_project):
    fid, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 12)
    path = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
    before = set(_fetch_many(two_workers, path, 30))  # both workers' caches warm
    assert len(before) == 1
    cols = [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'infra_project' AND is_generated = 'NEVER' AND column_name <> 'id'")]
    copied = sql.SQL(", ").join(map(sql.Identifier, cols))
    conn.execute(sql.SQL("INSERT INTO infra_project (id, {c}) SELECT %s, {c} FROM "
                         "infra_project WHERE id = %s").format(c=copied), ("t-workers-1", fid))
    conn.commit()  # another process's write: only the notification tells the workers
    try:
        deadline = time.monotonic() + 10
        while _fetch_many(two_workers, path, 1)[0] in before:
            assert time.monotonic() < deadline, "no worker saw the change"
        after = _fetch_many(two_workers, path, 30)
        assert not before & set(after), "a worker served its stale cached tile"
    finally:
        conn.execute("DELETE FROM infra_project WHERE id = 't-workers-1'")
        conn.commit()


def test_rate_limits_hold_across_workers(limited_workers):
    answers = _burst(limited_workers, "POST", "/collections/projects/items", 12,
                     json={}, headers={"Authorization": "Bearer t-workers-alice"})
    codes = sorted(r.status_code for r in answers)
    assert codes == [401] * 3 + [429] * 9, codes  # 3 reached the route, whichever worker
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in answers
               if r.status_code == 429)
    other = _burst(limited_workers, "POST", "/collections/projects/items", 1, json={},
                   headers={"Authorization": "Bearer t-workers-bob"})
    assert other[0].status_code == 401  # another user has writes of his own
    signins = _burst(limited_workers, "POST", "/signin", 8,
                     data={"username": "nobody", "password": "x"})
    codes = sorted(r.status_code for r in signins)
    assert codes.count(429) == 6 and 429 not in codes[:2], codes
    assert all(r.headers.get("retry-after") for r in signins if r.status_code == 429)


def test_a_session_is_known_to_every_worker(two_workers, conn):
    password = "mật khẩu của hai tiến trình"
    create_user(conn, "t_workers", "planner", None, hash_password(password))
    try:
        with httpx.Client(base_url=two_workers, timeout=30, trust_env=False) as http:
            page = http.get("/signin")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = http.post("/signin", data={"username": "t_workers", "password": password,
                                           "csrf_token": csrf},
                          headers={"Cookie": f"{PRE_CSRF}={page.cookies[PRE_CSRF]}"})
            assert r.status_code == 303, r.text
            cookie = f"{sessions.COOKIE}={r.cookies[sessions.COOKIE]}"
        seen = _burst(two_workers, "GET", "/session", 12, headers={"Cookie": cookie})
        assert {r.json()["user"] for r in seen} == {"t_workers"}
    finally:
        conn.rollback()
        conn.execute("DELETE FROM app_user WHERE name = 't_workers'")
        conn.commit()
