"""`gis export`: GeoJSON, CSV, GeoPackage and zipped Shapefile, Vietnamese text intact."""

from __future__ import annotations

import csv
import json
import subprocess
import zipfile
from datetime import date

import pytest

from gis.export import export_layer
from gis.query import FeatureQuery
from layers import registry


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_geojson_export_has_every_feature_with_progress(conn, tmp_path):
    out = export_layer(FeatureQuery(registry.get("projects")), "geojson", tmp_path / "p.geojson")
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == _count(conn, "infra_project")
    props = {f["id"]: f["properties"] for f in fc["features"]}["002-III-01"]
    assert props["name"].startswith("Dự án Phát triển thành phố Cần Thơ")
    assert isinstance(props["capital_disbursed_bil_vnd"], float)


def test_csv_export_keeps_vietnamese_text(conn, tmp_path):
    out = export_layer(FeatureQuery(registry.get("flood_works")), "csv", tmp_path / "f.csv")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == _count(conn, "flood_work")
    assert "geometry_wkt" in rows[0]
    assert any("ạ" in r["name"] or "ố" in r["name"] or "ơ" in r["name"] for r in rows)


@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_ogr_exports_open_in_gdal(conn, tmp_path, fmt):
    """Every feature is in the file (the Shapefile keeps those without a geometry in a
    .dbf of their own: nothing is left out)."""
    out = export_layer(FeatureQuery(registry.get("projects")), fmt, tmp_path / f"p.{fmt}")
    if fmt == "shp":
        with zipfile.ZipFile(out) as zf:
            zf.extractall(tmp_path / "shp")
        targets = [str(p) for p in (tmp_path / "shp").iterdir() if p.suffix in (".shp", ".dbf")
                   and not (p.suffix == ".dbf" and p.with_suffix(".shp").exists())]
    else:
        targets = [str(out)]
    total = 0
    for target in targets:
        info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", target], capture_output=True,
                              text=True, check=True).stdout
        total += sum(int(line.split(":")[1]) for line in info.splitlines()
                     if line.startswith("Feature Count:"))
    assert total == _count(conn, "infra_project")


def test_export_as_of_an_earlier_date_hides_later_progress(tmp_path):
    query = FeatureQuery(registry.get("projects"), as_of=date(2000, 1, 1))
    out = export_layer(query, "geojson", tmp_path / "old.geojson")
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert all(f["properties"]["construction_pct"] is None for f in fc["features"])
