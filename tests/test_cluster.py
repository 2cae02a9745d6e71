"""The project-managed cluster: start, crash detection and restart, stop."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from gis import cluster
from gis.settings import REPO_ROOT, ClusterSettings, database_settings, default_cluster_dir

pytestmark = pytest.mark.skipif(not database_settings().managed,
                                reason="DATABASE_URL is set: no managed cluster")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def scratch_cluster():
    # Where the managed cluster would live: a place the server user can reach.
    data = default_cluster_dir(name=f"pgtest-{uuid.uuid4().hex[:8]}")
    cfg = ClusterSettings(data_dir=data, port=_free_port(), database="scratch")
    try:
        yield cfg
    finally:
        cluster.stop(cfg)
        shutil.rmtree(data, ignore_errors=True)


def test_status_of_a_missing_cluster(tmp_path):
    st = cluster.status(ClusterSettings(data_dir=tmp_path / "none"))
    assert not st.initialised and not st.running


def test_crashed_server_is_detected_and_restarted(scratch_cluster, capsys):
    cfg = scratch_cluster
    first = cluster.start(cfg)
    assert first.running
    assert cluster.start(cfg).pid == first.pid  # a second start changes nothing

    os.kill(first.pid, signal.SIGKILL)  # a crash leaves its postmaster.pid behind
    deadline = time.monotonic() + 10
    while cluster.status(cfg).running and time.monotonic() < deadline:
        time.sleep(0.1)
    st = cluster.status(cfg)
    assert not st.running and "stale postmaster.pid" in st.detail

    again = cluster.start(cfg)
    assert again.running and again.pid != first.pid
    assert "not shut down cleanly; restarting it" in capsys.readouterr().err
    assert not cluster.stop(cfg).running


def test_a_checkout_in_a_private_home_directory_starts_its_cluster(tmp_path):
    """A clone in a 0700 directory (root's home on Debian) gets a cluster the server user
    can reach, without loosening the directory."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    clone = home / "cantho-gis"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
    env = {**os.environ, "PYTHONPATH": str(clone), "GIS_PG_PORT": str(_free_port())}
    env.pop("GIS_PG_DATA_DIR", None)
    code = ("import sys; from gis import cluster; from gis.settings import cluster_settings;"
            "st = cluster.start(); print(cluster_settings().data_dir); "
            "cluster.stop(); sys.exit(0 if st.running else 1)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=120)
    data_dir = Path(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else None
    try:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert (home.stat().st_mode & 0o777) == 0o700  # the home stays private
        if os.geteuid() == 0:
            assert not data_dir.is_relative_to(home), data_dir
    finally:
        if data_dir and data_dir != clone / ".pgdata":
            shutil.rmtree(data_dir.parent, ignore_errors=True)
