"""Streaming replication with a real local standby: ``gis db replica start`` (here its
function, on private clusters), reads sent to the replica, read-your-writes, the lag in
/health, and reads falling back to the primary when the replica goes away."""

from __future__ import annotations

import os
import shutil
import time

import httpx
import psycopg
import pytest
from test_faults import _free_port, _serve

from gis import cluster, replica
from gis.settings import ClusterSettings, default_cluster_dir
from gis.users import create_token, create_user

APP = "cantho-gis-replica-test"


@pytest.fixture
def primary_and_replica():
    primary = ClusterSettings(data_dir=default_cluster_dir(name=f"pgprim-{os.getpid()}"),
                              port=_free_port())
    standby = ClusterSettings(data_dir=default_cluster_dir(name=f"pgrepl-{os.getpid()}"),
                              port=_free_port())
    cluster.start(primary)
    try:
        url = f"postgresql://{primary.user}@{primary.host}:{primary.port}/{primary.database}"
        from gis.migrate import migrate

        migrate(url)
        with psycopg.connect(url) as c:
            create_user(c, "t_admin_a", "admin", None)
            create_user(c, "t_admin_b", "admin", None)
            tokens = {"a": create_token(c, "t_admin_a"), "b": create_token(c, "t_admin_b")}
        replica.start(primary, standby)
        rurl = f"postgresql://{standby.user}@{standby.host}:{standby.port}/{standby.database}"
        yield url, rurl, standby, tokens
    finally:
        cluster.stop(standby)
        cluster.stop(primary)
        shutil.rmtree(standby.data_dir, ignore_errors=True)
        shutil.rmtree(primary.data_dir, ignore_errors=True)


def _wait(cond, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_replica_reads_read_your_writes_lag_and_fallback(primary_and_replica, tmp_path,
                                                         monkeypatch):
    url, rurl, standby, tokens = primary_and_replica
    with psycopg.connect(rurl, autocommit=True) as r:
        assert r.execute("SELECT pg_is_in_recovery()").fetchone()[0]  # a hot standby
        _wait(lambda: r.execute("SELECT count(*) FROM app_user WHERE name = 't_admin_b'"
                                ).fetchone()[0] == 1)  # it replays the primary
    monkeypatch.setenv("DATABASE_REPLICA_URL", rurl)
    monkeypatch.setenv("GIS_API_REPLICA_STICKY", "30")
    proc, base = _serve(url, tmp_path / "uvicorn.log")
    a = {"Authorization": f"Bearer {tokens['a']}"}
    b = {"Authorization": f"Bearer {tokens['b']}"}
    try:
        with httpx.Client(base_url=base, timeout=10, trust_env=False) as http:
            health = http.get("/health").json()
            assert health["replica"]["up"] and health["replica"]["serving_reads"], health
            assert health["replica"]["lag_seconds"] is not None
            with psycopg.connect(rurl, autocommit=True) as r:
                r.execute("SELECT pg_wal_replay_pause()")  # the replica falls behind
                _wait(lambda: r.execute("SELECT pg_get_wal_replay_pause_state()")
                      .fetchone()[0] == "paused")
                made = http.post("/admin/users", headers=a, json={
                    "name": "t_new", "role": "planner"})
                assert made.status_code == 201, made.text
                names = lambda h: {u["name"] for u in http.get("/admin/users", headers=h).json()}  # noqa: E731
                assert "t_new" in names(a)  # the writer reads their write (primary)
                assert "t_new" not in names(b)  # others read the (paused) replica
                r.execute("SELECT pg_wal_replay_resume()")
                _wait(lambda: "t_new" in names(b))

            cluster.stop(standby)  # the replica goes away: reads fall back to the primary
            _wait(lambda: not http.get("/health").json()["replica"]["up"], timeout=5)
            statuses = [http.get("/collections/projects/items?limit=1", headers=b).status_code
                        for _ in range(5)]
            assert statuses == [200] * 5
            assert "t_new" in names(b)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "Traceback" not in (tmp_path / "uvicorn.log").read_text()
