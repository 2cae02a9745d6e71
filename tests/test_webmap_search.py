"""The web map's questions on the server: search by name (accents and abbreviations
optional, districts and wards too), the orientation context, /api.html offline."""

from __future__ import annotations

import pytest

from layers import METRICS
from maps.search import fold, query_words


def test_fold_and_abbreviations():
    assert fold("Cái Răng") == fold("cai  rang") == "cai rang"
    assert fold("Bình Thuỷ") == fold("Bình Thủy") == "binh thuy"
    assert fold("Đường tỉnh 923") == "duong tinh 923"
    assert query_words("QL91") == query_words("ql 91") == ["quoc", "lo", "91"]
    assert query_words("ĐT923") == query_words("dt 923") == ["duong", "tinh", "923"]
    assert query_words("KCN Trà Nóc") == ["khu", "cong", "nghiep", "tra", "noc"]
    assert query_words("ccn") == ["cum", "cong", "nghiep"]


def search(client, q):
    r = client.get("/maps/search", params={"q": q})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def test_search_district_without_accents(client):
    first = search(client, "cai rang")[0]
    assert (first["kind"], first["name"], first["id"]) == ("district", "Cái Răng", "919")
    assert len(first["bbox"]) == 4


@pytest.mark.parametrize("q, expected", [("ql91", "Quốc lộ 91"), ("QL 91", "Quốc lộ 91"),
                                         ("ĐT 923", "Đường tỉnh 923"),
                                         ("dt923", "Đường tỉnh 923"),
                                         ("kcn tra noc", "Khu công nghiệp Trà Nóc"),
                                         ("CCN", "Cụm công nghiệp")])
def test_search_abbreviations(client, conn, q, expected):
    results = search(client, q)
    assert results, q
    assert expected.lower() in results[0]["name"].lower()
    for r in results:  # every word of the expansion is in the name
        assert all(w in fold(r["name"]) for w in query_words(q))


def test_search_numbers_are_whole_words(client, conn):
    import re
    for r in search(client, "ql91"):
        assert re.search(r"(^|\D)91(\D|$)", r["name"]), r["name"]
    names = [r["name"] for r in search(client, "quoc lo 61c")]
    assert names and all("61C" in n for n in names)


def test_search_wards_and_unlocated(client, conn):
    ward = conn.execute("SELECT full_name, code FROM admin_commune WHERE geom IS NOT NULL"
                        " ORDER BY code LIMIT 1").fetchone()
    hits = [r for r in search(client, fold(ward[0])) if r["kind"] == "ward"]
    assert hits and hits[0]["id"] == ward[1] and hits[0]["bbox"]
    name = conn.execute("SELECT name FROM infra_project WHERE geom IS NULL ORDER BY id"
                        " LIMIT 1").fetchone()
    if name:
        hit = next(r for r in search(client, fold(name[0])) if r["name"] == name[0])
        assert hit["bbox"] is None and hit["layer"] == "projects"


def test_search_miss_and_empty(client):
    assert search(client, "xyzzy không có") == []
    r = client.get("/maps/search", params={"q": "  "})
    assert r.status_code == 400 and r.json()["parameter"] == "q"


def test_context_has_the_river_and_wards(client, conn):
    r = client.get("/maps/context.geojson")
    assert r.status_code == 200
    feats = r.json()["features"]
    rivers = [f for f in feats if f["properties"]["context"] == "river"]
    assert [f["properties"]["name"] for f in rivers] == ["Sông Hậu"]
    wards = [f for f in feats if f["properties"]["context"] == "ward"]
    n = conn.execute("SELECT count(*) FROM admin_commune WHERE geom IS NOT NULL AND"
                     " last_listed IS NOT DISTINCT FROM (SELECT max(last_listed)"
                     " FROM admin_commune)").fetchone()[0]
    assert len(wards) == n > 0


def test_api_html_is_served_locally(client):
    page = client.get("/api.html").text
    assert "cdn" not in page.lower() and "/api/vendor/swagger-ui/swagger-ui-bundle.js" in page
    js = client.get("/api/vendor/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert client.get("/api/vendor/swagger-ui/swagger-ui.css").status_code == 200


def test_similar_percent_metrics_are_explained():
    notes = {m.note_vi for m in METRICS.values() if m.percent}
    assert None not in notes and len(notes) == sum(m.percent for m in METRICS.values())
    assert all(m.note_en for m in METRICS.values() if m.percent)


def test_spatial_questions_through_cql2(client, conn):
    road = conn.execute("SELECT id FROM infra_project WHERE GeometryType(geom) LIKE"
                        " '%LINESTRING' ORDER BY id LIMIT 1").fetchone()[0]
    r = client.get("/maps/spatial", params={"near": f"projects/{road}", "distance": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["filter"].startswith("S_DWITHIN(geometry, LINESTRING")
    near = set(body["layers"]["projects"])
    assert road not in near
    expected = {i for (i,) in conn.execute(
        "SELECT p.id FROM infra_project p, infra_project r WHERE r.id = %s AND p.id <> r.id"
        " AND ST_DWithin(p.geom::geography, r.geom::geography, 500)", (road,))}
    assert near == expected
    poly = "105.7 10.0,105.8 10.0,105.8 10.1,105.7 10.1"
    inside = set(client.get("/maps/spatial", params={"polygon": poly}).json()
                 ["layers"]["projects"])
    assert inside == {i for (i,) in conn.execute(
        "SELECT id FROM infra_project WHERE ST_Intersects(geom,"
        " ST_MakeEnvelope(105.7, 10.0, 105.8, 10.1, 4326))")}
    ward = conn.execute("SELECT code FROM admin_commune WHERE geom IS NOT NULL"
                        " ORDER BY code LIMIT 1").fetchone()[0]
    in_ward = set(client.get("/maps/spatial", params={"ward": ward}).json()
                  ["layers"]["projects"])
    assert in_ward == {i for (i,) in conn.execute(
        "SELECT p.id FROM infra_project p, admin_commune c WHERE c.code = %s"
        " AND ST_Intersects(p.geom, c.geom)", (ward,))}
    for params in ({}, {"polygon": "1 2,3 4"}, {"ward": ward, "polygon": poly},
                   {"near": "projects/nope"}, {"near": f"projects/{road}", "distance": -1}):
        assert client.get("/maps/spatial", params=params).status_code in (400, 404), params
