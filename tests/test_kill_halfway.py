"""``kill -9`` halfway (#15 §4): ``gis load`` and ``gis import features`` on a large file,
killed with SIGKILL once the database shows them writing, store nothing partial (every
table's row count and checksum as before), and a second run succeeds.

"Halfway" is what the database shows, never a time: ``gis load`` holds a transaction
that has written the boundaries and sources and is merging the layer tables; the
import's transaction has made the layer's table grow by a few hundred uncommitted rows.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from gis.backup import table_checksums
from layers import registry

REPO = Path(__file__).resolve().parent.parent
GIS = str(Path(sys.executable).with_name("gis"))
LAYER = registry.get("projects")
ROWS = 4000  # the generated file: long enough to be caught halfway on a fast machine
GROWN = 256 * 1024  # bytes the layer's table grows by before the import is killed

WRITER = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
          "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND NOT pid = ANY(%s)")
LOCKED = ("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
          "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND c.relname = ANY(%s)")


def _admin(server_url: str, statement: sql.Composable) -> None:
    admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(statement)


@pytest.fixture
def scratch_db(server_url):
    """A database of this test's own, migrated and empty."""
    name = f"cantho_test_{os.getpid()}_kill"
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    _admin(server_url, drop)
    _admin(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    from gis.migrate import migrate

    migrate(url)
    try:
        yield url
    finally:
        _admin(server_url, drop)


def _run(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([GIS, *args], cwd=REPO, env={**os.environ, "DATABASE_URL": url},
                          capture_output=True, text=True, timeout=900)


def _kill_when(url: str, args: list[str], halfway, log: Path) -> None:
    """Start ``gis ARGS``, SIGKILL it as soon as ``halfway(conn, pid)`` holds for the
    backend writing for it, and wait until the server has rolled its transaction back."""
    others = ("SELECT pid, state, left(query, 80) FROM pg_stat_activity WHERE "
              "datname = current_database() AND pid <> pg_backend_pid() "
              "AND NOT pid = ANY(%s)")
    with psycopg.connect(url, autocommit=True) as watch:  # this process's own (the engine's)
        ours = [r[0] for r in watch.execute(others, ([],))]
    with open(log, "wb") as fh:
        proc = subprocess.Popen([GIS, *args], cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
                                env={**os.environ, "DATABASE_URL": url})
    with psycopg.connect(url, autocommit=True) as watch:
        deadline = time.monotonic() + 600
        while True:
            assert proc.poll() is None, f"finished before it could be killed:\n{log.read_text()}"
            assert time.monotonic() < deadline, "never seen halfway"
            pids = [r[0] for r in watch.execute(WRITER, (ours,))]
            if pids and halfway(watch, pids[0]):
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        deadline = time.monotonic() + 30  # the server notices the dead client, rolls back
        while left := watch.execute(others, (ours,)).fetchall():
            assert time.monotonic() < deadline, f"the killed client's backend stayed: {left}"
            time.sleep(0.1)


def _large_file(url: str, path: Path) -> Path:
    with psycopg.connect(url) as c:
        code, lon, lat = c.execute(
            "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) p "
            "FROM admin_district ORDER BY code LIMIT 1) x").fetchone()
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon + (i % 50) * 1e-6,
                                                      lat + (i // 50) * 1e-6]},
        "properties": {"id": f"t-kill-{i:05d}", "name": f"Trạm bơm thử {i}",
                       "districts": [code], "geom_quality": "indicative",
                       "valid_on": "2024-06-30", "kind": "drainage",
                       "notes": "một dòng ghi chú đủ dài để bảng lớn lên " * 4}}
        for i in range(ROWS)]}, ensure_ascii=False))
    return path


def test_kill_9_of_gis_load_and_an_import_halfway_stores_nothing(scratch_db, tmp_path):
    url = scratch_db
    empty = table_checksums(url)
    layer_tables = [lyr.table for lyr in registry.layers() if lyr.managed_table]

    def merging_layers(watch, pid) -> bool:  # boundaries and sources written, layers going
        return watch.execute(LOCKED, (pid, layer_tables)).fetchone()[0] > 0

    _kill_when(url, ["load"], merging_layers, tmp_path / "load.log")
    assert table_checksums(url) == empty
    done = _run(url, "load")
    assert done.returncode == 0, done.stdout + done.stderr
    loaded = table_checksums(url)
    assert loaded[LAYER.table][0] > 0

    big = _large_file(url, tmp_path / "tram-bom.geojson")
    with psycopg.connect(url) as c:
        size = c.execute("SELECT pg_relation_size(%s)", (LAYER.table,)).fetchone()[0]

    def rows_written(watch, pid) -> bool:  # a few hundred rows in, thousands to go
        grown = watch.execute("SELECT pg_relation_size(%s)", (LAYER.table,)).fetchone()[0]
        return grown - size >= GROWN

    args = ["import", "features", LAYER.id, str(big), "--user", "t-kill"]
    _kill_when(url, args, rows_written, tmp_path / "import.log")
    assert table_checksums(url) == loaded  # not one row, document or audit entry kept
    done = _run(url, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    after = table_checksums(url)
    assert after[LAYER.table][0] == loaded[LAYER.table][0] + ROWS
