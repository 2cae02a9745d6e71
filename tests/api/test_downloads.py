"""Downloads: CSV, GeoPackage and Shapefile with the items filters, UTF-8 intact."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import zipfile

import pytest


def test_csv_with_filter_keeps_vietnamese(client, count):
    n = count("SELECT count(*) FROM infra_project WHERE kind = 'road'")
    r = client.get("/collections/projects/items", params={"f": "csv", "kind": "road"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == n
    assert all(row["kind"] == "road" for row in rows)
    assert any(ch in "".join(row["name"] for row in rows) for ch in "ầơưđ")
    assert "geometry_wkt" in rows[0]


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs GDAL's ogr2ogr")
def test_gpkg_and_shp(client, count, tmp_path):
    n = count("SELECT count(*) FROM infra_project")
    r = client.get("/collections/projects/items", params={"f": "gpkg"})
    assert r.status_code == 200, r.text[:300]
    path = tmp_path / "p.gpkg"
    path.write_bytes(r.content)
    with sqlite3.connect(path) as db:
        got = db.execute("SELECT count(*) FROM projects").fetchone()[0]
        name = db.execute("SELECT name FROM projects WHERE name LIKE '%Cần Thơ%' LIMIT 1"
                          ).fetchone()
    assert got == n and name
    r = client.get("/collections/projects/items", params={"f": "shp", "kind": "road"})
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
    assert any(x.endswith(".shp") for x in names) and any(x.endswith(".cpg") for x in names)


def test_geojson_download_streams_every_matching_feature(client, conn):
    r = client.get("/collections/projects/items", params={"f": "geojson", "kind": "road"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="projects.geojson"'
    body = r.json()
    roads = conn.execute("SELECT count(*) FROM infra_project WHERE kind = 'road'").fetchone()[0]
    assert len(body["features"]) == body["numberMatched"] == roads
    paged = client.get("/collections/projects/items", params={"kind": "road", "limit": 5})
    assert len(paged.json()["features"]) == 5 < roads  # paging only when asked for
    assert not any(lk["rel"] == "next" for lk in body["links"])
