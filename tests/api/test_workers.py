"""``gis serve --workers N``: N processes on one port, their tile caches kept true to the
database by the ``gis_layer_changed`` notification each worker listens to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from psycopg import sql
from test_tiles import tile_of

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


@pytest.fixture
def two_workers(db_url, tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gis")), "serve", "--no-setup", "--workers",
             "2", "--port", str(port)], cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
            env={**os.environ, **LOCAL, "DATABASE_URL": db_url})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while b"Application startup complete" not in log.read_bytes() or \
                log.read_bytes().count(b"Application startup complete") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
