"""The project-managed cluster: start, crash detection and restart, stop."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
import uuid

import pytest

from gis import cluster
from gis.settings import REPO_ROOT, ClusterSettings, database_settings

pytestmark = pytest.mark.skipif(not database_settings().managed,
                                reason="DATABASE_URL is set: no managed cluster")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def scratch_cluster():
    # Inside the repository, not /tmp: the server user must be able to reach it.
    data = REPO_ROOT / f".pgtest-{uuid.uuid4().hex[:8]}"
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
