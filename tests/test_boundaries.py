"""Commune polygons read from the boundaries folder (through settings), matched by code;
migration 0005 adds their columns."""

from __future__ import annotations

import json
import shutil

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from gis.dataset.boundaries import COMMUNE_POLYGON_SOURCE, read_communes
from gis.dataset.problems import Collector
from gis.settings import data_settings

POLYGONS = data_settings().commune_polygons_file


@pytest.fixture
def boundaries_copy(tmp_path):
    dest = tmp_path / "boundaries"
    shutil.copytree(data_settings().boundaries_dir, dest)
    (dest / POLYGONS).chmod(0o644)
    return dest


def test_every_listed_unit_gets_its_polygon_by_code():
    problems = Collector(data_settings().boundaries_dir)
    rows = read_communes(data_settings().boundaries_dir, problems, POLYGONS)
    assert not problems.problems
    assert len(rows) == 85 and all(r["geom"] for r in rows)
    assert {r["geom_source"] for r in rows} == {COMMUNE_POLYGON_SOURCE}
    source = json.loads((data_settings().boundaries_dir / POLYGONS).read_text(encoding="utf-8"))
    first = source["features"][0]
    row = next(r for r in rows if r["code"] == first["properties"]["ward_code"])
    assert json.loads(row["geom"]) == first["geometry"]


def test_without_a_polygon_file_communes_have_no_geometry():
    problems = Collector(data_settings().boundaries_dir)
    rows = read_communes(data_settings().boundaries_dir, problems, "")
    assert not problems.problems and len(rows) == 85
    assert not any(r["geom"] for r in rows)


def test_a_polygon_that_disagrees_with_the_code_list_is_a_problem(boundaries_copy):
    path = boundaries_copy / POLYGONS
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["district_code"] = "999"
    data["features"][1]["properties"]["ward_code"] = "00000"
    path.write_text(json.dumps(data), encoding="utf-8")
    problems = Collector(boundaries_copy)
    rows = read_communes(boundaries_copy, problems, POLYGONS)
    reasons = [p.reason for p in problems.problems]
    code0 = data["features"][0]["properties"]["ward_code"]
    assert any(r.startswith(f"ward {code0}: district '999'") for r in reasons), reasons
    assert any("ward_code '00000' is not in" in r for r in reasons), reasons
    assert next(r for r in rows if r["code"] == code0)["geom"] is None  # not matched


def test_migration_0005_adds_the_polygon_columns(db_url):
    """Downgrading 0005 drops the provenance columns, upgrading brings them back (in a
    transaction that is rolled back, so the test database stays as it was)."""
    from gis.db import engine
    from gis.migrate import alembic_config

    cfg = alembic_config()
    down = ScriptDirectory.from_config(cfg).get_revision("0005").down_revision

    def columns(conn) -> set[str]:
        return {r[0] for r in conn.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'admin_commune'")}

    with engine(db_url).connect() as conn:
        trans = conn.begin()
        try:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, down)
            assert not {"geom_source", "geom_note"} & columns(conn)
            command.upgrade(cfg, "head")
            assert {"geom", "geom_source", "geom_note"} <= columns(conn)
        finally:
            trans.rollback()
