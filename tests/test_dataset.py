"""The curated dataset as loaded into PostGIS: counts, provenance, geometry, idempotency."""

from __future__ import annotations

import pytest
from psycopg import sql

from gis.dataset.loader import feature_layers, load, outside_named_districts
from gis.settings import data_settings
from layers import registry


def test_every_layer_has_features(conn):
    for layer in registry.layers():
        n = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(layer.table))).fetchone()[0]
        assert n > 0, layer.id


def test_admin_units_from_the_boundaries(conn):
    assert conn.execute("SELECT count(*) FROM admin_district").fetchone()[0] == 9
    assert conn.execute("SELECT count(*) FROM admin_city").fetchone()[0] == 1
    # The GSO list went 85 -> 83 -> 80 units.
    counts = conn.execute(
        "SELECT count(*) FILTER (WHERE in_2019_12), count(*) FILTER (WHERE in_2024_09),"
        " count(*) FILTER (WHERE in_2025_03) FROM admin_commune").fetchone()
    assert counts == (85, 83, 80)


@pytest.mark.parametrize("layer", [lyr.id for lyr in feature_layers()])
def test_every_feature_has_a_source_and_date(conn, layer):
    table = sql.Identifier(registry.get(layer).table)
    missing = conn.execute(sql.SQL(
        "SELECT id FROM {} WHERE source_doc IS NULL OR valid_on IS NULL"
        " OR (source_line IS NULL AND source_ref IS NULL)").format(table)).fetchall()
    assert missing == []


def test_every_progress_figure_has_a_source(conn):
    missing = conn.execute(
        "SELECT layer_id, feature_id, metric FROM progress_snapshot"
        " WHERE source_doc IS NULL OR (source_line IS NULL AND source_ref IS NULL)").fetchall()
    assert missing == []


def test_progress_refers_to_existing_features(conn):
    for layer in feature_layers():
        orphans = conn.execute(sql.SQL(
            "SELECT p.feature_id FROM progress_snapshot p WHERE p.layer_id = %s"
            " AND NOT EXISTS (SELECT 1 FROM {} f WHERE f.id = p.feature_id)").format(
            sql.Identifier(layer.table)), (layer.id,)).fetchall()
        assert orphans == [], layer.id


@pytest.mark.parametrize("layer", [lyr.id for lyr in registry.layers()])
def test_all_geometries_valid(conn, layer):
    table = sql.Identifier(registry.get(layer).table)
    bad = conn.execute(sql.SQL(
        "SELECT id, ST_IsValidReason(geom) FROM {} WHERE geom IS NOT NULL"
        " AND NOT ST_IsValid(geom)").format(table)).fetchall()
    assert bad == []


def test_geometries_inside_their_named_districts(conn):
    assert outside_named_districts(conn) == []


def test_indicative_geometry_is_marked(conn):
    for layer in feature_layers():
        if layer.geometry_from_admin:
            continue
        unmarked = conn.execute(sql.SQL(
            "SELECT id FROM {} WHERE (geom IS NULL) <> (geom_quality = 'unknown')").format(
            sql.Identifier(layer.table))).fetchall()
        assert unmarked == [], layer.id


def test_figures_copied_exactly(conn):
    # 002 Phụ lục III row 1: "Lũy kế giá trị giải ngân đến tháng 6/2024 là 6.804,269 tỷ đồng".
    row = conn.execute(
        "SELECT value, value_text, valid_on::text FROM progress_snapshot"
        " WHERE layer_id = 'projects' AND feature_id = '002-III-01'"
        " AND metric = 'capital_disbursed_bil_vnd' AND value_text = '6.804,269'").fetchone()
    assert row is not None
    assert str(row[0]) == "6804.269"
    assert row[2] == "2024-06-30"


def test_second_load_changes_nothing(db_url, conn):
    before = conn.execute("SELECT sum(version) FROM infra_project").fetchone()[0]
    report = load(url=db_url)
    assert report.changed == 0, report.summary()
    conn.rollback()
    assert conn.execute("SELECT sum(version) FROM infra_project").fetchone()[0] == before


def test_counts_match_the_dataset_files(conn):
    from gis.dataset.yaml_lines import read_yaml

    for layer in feature_layers():
        declared = sum(
            1 for path in (data_settings().data_dir / "features" / layer.id).glob("*.yaml")
            for rec in (read_yaml(path) or []) if "extends" not in rec)
        stored = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE origin = 'dataset'").format(
            sql.Identifier(layer.table))).fetchone()[0]
        assert stored == declared, layer.id


def test_new_rural_picture_by_district(conn):
    rows = dict(conn.execute("SELECT id, ntm_level FROM district_overview").fetchall())
    # Urban districts are outside the programme; the 4 huyện are NTM by 2022 (004 line 72).
    assert {rows[c] for c in ("916", "917", "918", "919", "923")} == {"not_applicable"}
    assert {rows[c] for c in ("924", "925", "926", "927")} == {"ntm"}
    year = conn.execute("SELECT ntm_year FROM district_overview WHERE id = '926'").fetchone()[0]
    assert year == 2016  # Phong Điền, 000 line 107
