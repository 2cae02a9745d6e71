"""The planners' import page: the page, an upload checked (dry run) with its mapping and
preview, written by a planner, refused without a token or for a district officer."""

from __future__ import annotations

import json

import psycopg
import pytest

from gis.users import create_token, create_user


@pytest.fixture(scope="module")
def tokens(db_url):
    with psycopg.connect(db_url) as c:
        create_user(c, "tip_planner", "planner", None)
        create_user(c, "tip_officer", "district_officer", "916")
        return {"planner": create_token(c, "tip_planner"),
                "officer": create_token(c, "tip_officer")}


def _geojson(lon, lat, **props):
    return json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"id": "tip-1", "name": "Trạm bơm Cái Răng", "districts": ["919"],
                       "geom_quality": "indicative", "valid_on": "2024-06-30",
                       "kind": "drainage", **props}}]}).encode()


def test_page_lists_layers_and_field_labels(client):
    r = client.get("/import/features")
    assert r.status_code == 200
    assert "Nhập dữ liệu" in r.text and "Loại công trình (kind)" in r.text
    assert "/maps/vendor/leaflet/leaflet.js" in r.text


def test_upload_checked_then_written_by_a_planner(client, conn, point_in, tokens):
    lon, lat = point_in("919")
    body = _geojson(lon, lat)
    auth = {"Authorization": f"Bearer {tokens['planner']}"}
    url = "/import/features/projects"
    try:
        r = client.post(url, params={"filename": "tram.geojson"}, content=body, headers=auth)
        assert r.status_code == 200, r.text
        out = r.json()
        assert [c["action"] for c in out["changes"]] == ["new"] and not out["written"]
        assert out["mapping"]["kind"] == "kind"
        assert out["preview"]["features"][0]["geometry"]["type"] == "Point"
        r = client.post(url, params={"filename": "tram.geojson", "dry_run": "false"},
                        content=body, headers=auth)
        assert r.status_code == 200 and r.json()["written"], r.text
        assert conn.execute("SELECT name FROM infra_project WHERE id = 'tip-1'"
                            ).fetchone() == ("Trạm bơm Cái Răng",)
        bad = _geojson(lon, lat, status="nearly")
        r = client.post(url, params={"filename": "bad.geojson"}, content=bad, headers=auth)
        assert r.status_code == 422 and r.json()["problems"][0]["field"] == "status"
    finally:
        conn.rollback()
        conn.execute("DELETE FROM infra_project WHERE id = 'tip-1'")
        conn.execute("DELETE FROM audit_log WHERE action LIKE 'import%'")
        conn.execute("DELETE FROM source_document WHERE id LIKE 'import-%'")
        conn.commit()


def test_upload_needs_a_planner(client, tokens):
    r = client.post("/import/features/projects", params={"filename": "x.geojson"},
                    content=b"{}")
    assert r.status_code == 401
    r = client.post("/import/features/projects", params={"filename": "x.geojson"},
                    content=b"{}", headers={"Authorization": f"Bearer {tokens['officer']}"})
    assert r.status_code == 403
