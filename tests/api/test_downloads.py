"""Downloads: CSV, GeoPackage and Shapefile with the items filters, UTF-8 intact."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
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
    assert r.headers["content-disposition"] == 'attachment; filename="projects_road.geojson"'
    body = r.json()
    roads = conn.execute("SELECT count(*) FROM infra_project WHERE kind = 'road'").fetchone()[0]
    assert len(body["features"]) == body["numberMatched"] == roads
    paged = client.get("/collections/projects/items", params={"kind": "road", "limit": 5})
    assert len(paged.json()["features"]) == 5 < roads  # paging only when asked for
    assert not any(lk["rel"] == "next" for lk in body["links"])


@pytest.fixture
def settings_env(monkeypatch):
    """Set environment variables for the settings and clear their caches (and again once
    the test has put them back)."""
    from gis import settings

    def clear():
        settings.database_settings.cache_clear()
        settings.api_settings.cache_clear()

    def setenv(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        clear()

    yield setenv
    monkeypatch.undo()
    clear()


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs GDAL's ogr2ogr")
def test_downloads_read_the_database_given_to_the_app(db_url, count, settings_env, tmp_path):
    """An app made for one database exports that database's rows, whatever DATABASE_URL
    names (here: a database that does not exist)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings_env("DATABASE_URL", db_url.rsplit("/", 1)[0] + "/no_such_database_here")
    n = count("SELECT count(*) FROM infra_project")
    with TestClient(create_app(db_url)) as other:
        r = other.get("/collections/projects/items", params={"f": "gpkg"})
        assert r.status_code == 200, r.text[:300]
        (tmp_path / "p.gpkg").write_bytes(r.content)
        with sqlite3.connect(tmp_path / "p.gpkg") as db:
            assert db.execute("SELECT count(*) FROM projects").fetchone()[0] == n
        r = other.get("/collections/projects/items", params={"f": "shp"})
        assert r.status_code == 200, r.text[:300]
        with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
            zf.extractall(tmp_path / "shp")
        total = 0
        for dbf in (tmp_path / "shp").glob("*.dbf"):
            info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(dbf)],
                                  capture_output=True, text=True, check=True).stdout
            total += sum(int(line.split(":")[1]) for line in info.splitlines()
                         if line.startswith("Feature Count:"))
        assert total == n  # those without a geometry in a .dbf of their own
        r = other.get("/collections/projects/items", params={"f": "csv"})
        assert r.status_code == 200
        assert len(list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))) == n
        r = other.get("/exports/map.png", params={"layers": "projects"})
        assert r.status_code == 200


def test_download_limit_is_a_413_naming_it(client, count, settings_env):
    settings_env("GIS_API_DOWNLOAD_MAX_FEATURES", "3")
    assert count("SELECT count(*) FROM infra_project") > 3
    for fmt in ("csv", "geojson", "gpkg", "shp"):
        r = client.get("/collections/projects/items", params={"f": fmt})
        assert r.status_code == 413, (fmt, r.status_code)
        body = r.json()
        assert body["code"] == "PayloadTooLarge" and "3" in body["description"]
        assert "GIS_API_DOWNLOAD_MAX_FEATURES" in body["description"]
    # paging, or a filter matching no more than the limit, is served
    r = client.get("/collections/projects/items", params={"f": "csv", "limit": 2})
    assert r.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))) == 2
    few = client.get("/collections/projects/items", params={"limit": 3}).json()["features"]
    ids = ",".join(f"'{f['id']}'" for f in few)
    r = client.get("/collections/projects/items",
                   params={"f": "geojson", "filter": f"id IN ({ids})"})
    assert r.status_code == 200 and len(r.json()["features"]) == 3
    # pages of the items are not downloads
    assert client.get("/collections/projects/items", params={"limit": 10}).status_code == 200


def test_downloads_in_vn2000_with_meaningful_names(client, tmp_path):
    import pyogrio

    r = client.get("/collections/projects/items", params={"f": "gpkg", "kind": "road",
                                                         "crs": "EPSG:5897"})
    assert r.status_code == 200, r.text[:300]
    assert 'filename="projects_road_epsg5897.gpkg"' in r.headers["content-disposition"]
    (tmp_path / "p.gpkg").write_bytes(r.content)
    assert "5897" in pyogrio.read_info(tmp_path / "p.gpkg")["crs"]
    r = client.get("/collections/projects/items", params={"f": "xlsx", "kind": "road"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert 'filename="projects_road.xlsx"' in r.headers["content-disposition"]
