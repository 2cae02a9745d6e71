"""Helpers for the API tests (the ``client`` and ``conn`` fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest


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
def count(conn):
    """``count(sql, *args)``: the first column of the first row."""
    def run(sql: str, *args) -> int:
        return conn.execute(sql, args).fetchone()[0]
    return run
