"""Every route that takes a file (the report import, the feature import) refuses a file
too large (413, whether announced or streamed) and a file whose bytes are not what its
name says (415 naming the file): a .docx that is not a zip, an .xlsx that is an HTML
page, a .gpkg that is not SQLite, a zip that would unpack to too much. ``gis import``
judges files on disk the same way."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from gis import settings
from gis.errors import GISError
from gis.users import create_token, create_user

LIMIT = 5000
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(scope="module")
def planner(db_url):
    with psycopg.connect(db_url) as c:
        create_user(c, "tup_planner", "planner", None)
        return {"Authorization": f"Bearer {create_token(c, 'tup_planner')}"}


@pytest.fixture
def app(db_url, monkeypatch):
    monkeypatch.setenv("GIS_SECURITY_MAX_UPLOAD_BYTES", str(LIMIT))
    settings.security_settings.cache_clear()
    from api.app import create_app

    with TestClient(create_app(db_url)) as c:
        yield c
    settings.security_settings.cache_clear()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _report(app, headers, name: str, data: bytes):
    return app.post("/reports/review", headers=headers, files={"file": (name, data)})


def _features(app, headers, name: str, data: bytes | object):
    return app.post("/import/features/projects", params={"filename": name}, content=data,
                    headers=headers)


def test_oversize_uploads_are_413(app, planner):
    r = _report(app, planner, "bc.docx", b"x" * (LIMIT + 100))
    assert r.status_code == 413 and str(LIMIT) in r.json()["description"]
    r = _features(app, planner, "big.geojson", b" " * (LIMIT + 100))
    assert r.status_code == 413 and "big.geojson" in r.json()["description"]

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(6):
            yield b" " * 1000
    assert _features(app, planner, "big.geojson", chunks()).status_code == 413
    assert _features(app, {}, "big.geojson", b" " * (LIMIT + 1)).status_code == 413  # before auth


def test_an_upload_below_the_limit_reaches_the_route(app, planner):
    body = (b'{"type": "FeatureCollection", "features": []}' + b" " * 3000)
    r = _features(app, planner, "empty.geojson", body)
    assert r.status_code not in (413, 415), r.text  # above the body limit, an upload


MISMATCHES = [
    ("report", "bc45.docx", b"this is not a zip at all", "not a zip archive"),
    ("report", "bc45.docx", _zip({"hello.txt": b"hi"}), "without word/document.xml"),
    ("report", "phu-luc.xlsx", HTML, "HTML page"),
    ("report", "phu-luc.txt", b"\x00\x01\x02binary", "binary data"),
    ("report", "phu-luc.pdf", b"%PDF-1.4", ".pdf files are not supported"),
    ("features", "du-an.gpkg", b"hello, I am a text file", "no SQLite header"),
    ("features", "du-an.xlsx", HTML, "HTML page"),
    ("features", "du-an.zip", b"\x89PNG\r\n\x1a\n", "not a zip archive"),
    ("features", "du-an.geojson", HTML, "HTML page"),
    ("features", "du-an.geojson", b"name,lon,lat\n", "does not start with { or ["),
    ("features", "du-an.shp", b"PK\x03\x04", "no shapefile header"),
    ("features", "du-an.exe", b"MZ\x90\x00", ".exe is not taken"),
]


@pytest.mark.parametrize(("route", "name", "data", "why"), MISMATCHES)
def test_bytes_that_do_not_match_the_type_are_415(app, planner, route, name, data, why):
    post = _report if route == "report" else _features
    r = post(app, planner, name, data)
    assert r.status_code == 415, r.text
    body = r.json()
    assert body["description"].startswith(f"{name}:") and why in body["description"], body
    assert body["parameter"] == "file" and body["hint"]


def test_a_zip_bomb_is_413(app, planner):
    bomb = _zip({"du-an.shp": b"\x00" * (LIMIT * 25)})  # ~125 kB unpacked, ~0.2 kB packed
    assert len(bomb) < LIMIT
    r = _features(app, planner, "du-an.zip", bomb)
    assert r.status_code == 413 and "du-an.zip" in r.json()["description"]
    r = _report(app, planner, "bc.docx", _zip({"word/document.xml": b" " * (LIMIT * 25)}))
    assert r.status_code == 413 and "bc.docx" in r.json()["description"]


def test_gis_import_checks_files_on_disk_the_same_way(tmp_path):
    from gis.imports.readers import read_file
    from gis.reports.tables import read_lines

    fake = tmp_path / "du-an.gpkg"
    fake.write_bytes(b"not sqlite")
    with pytest.raises(GISError) as err:
        read_file(fake)
    assert err.value.status == 415 and "du-an.gpkg" in err.value.message
    page = Path(tmp_path / "bc.xlsx")
    page.write_bytes(HTML)
    with pytest.raises(GISError) as err:
        read_lines(page)
    assert err.value.status == 415 and "HTML page" in err.value.message
