"""Bad input is a 400 with a JSON body naming the problem, never a 5xx."""

from __future__ import annotations

import pytest

ITEMS = "/collections/projects/items"

NASTY = [
    {"limit": "0"}, {"limit": "-1"}, {"limit": "10001"}, {"limit": "abc"},
    {"limit": "1e3"}, {"offset": "-5"}, {"offset": "x"},
    {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "nan,1,2,3"}, {"bbox": "1,2,3,4,5"},
    {"bbox": "95,0,96,1", "bbox-crs": "EPSG:4326"}, {"bbox": "1,4,3,2"},
    {"bbox-crs": "EPSG:9999", "bbox": "1,2,3,4"}, {"crs": "EPSG:2154"}, {"crs": "foo"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/0"},
    {"datetime": "yesterday"}, {"datetime": "2024-13-45"}, {"datetime": "2024-01-01/bad"},
    {"datetime": "2024-01-01"}, {"as_of": "yesterday"}, {"as_of": "2024-13-45"},
    {"as_of": "2024-01-01T00:00:00Z"},
    {"properties": "name,nope"}, {"properties": "name; DROP TABLE infra_project"},
    {"sortby": "nope"}, {"sortby": "name; DROP TABLE infra_project"}, {"sortby": "geometry"},
    {"sortby": "-id)--"},
    {"filter": "nope = 1"}, {"filter": "name = "}, {"filter": "kind = 1"},
    {"filter": "total_investment_bil_vnd = 'x'"}, {"filter": "name LIKE 5"},
    {"filter": "1=1; DROP TABLE infra_project"}, {"filter": "S_INTERSECTS(geometry, POINT(1))"},
    {"filter": "S_INTERSECTS(name, POINT(1 2))"}, {"filter": "name = name2"},
    {"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))"},
    {"filter": "valid_on > DATE('2024-99-01')"}, {"filter": "valid_on T_AFTER DATE('2024-01-01')"},
    {"filter": "{}", "filter-lang": "cql2-json"},
    {"filter": "not json", "filter-lang": "cql2-json"},
    {"filter": '{"op": "=", "args": [{"property": "x"}, 1]}', "filter-lang": "cql2-json"},
    {"filter": '{"op": "frob", "args": []}', "filter-lang": "cql2-json"},
    {"filter": '{"op": "="}', "filter-lang": "cql2-json"},
    {"filter": '{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [1, 2]}]}',
     "filter-lang": "cql2-json"},
    {"filter": '{"op": "s_dwithin", "args": [{"property": "geometry"}, '
               '{"type": "Point", "coordinates": [1, 2]}, -5]}', "filter-lang": "cql2-json"},
    {"filter": "kind = 'road'", "filter-lang": "sql"},
    {"filter-crs": "EPSG:1", "filter": "kind='road'"},
    {"nope": "1"}, {"kind": "road' OR 1=1 --"}, {"source_line": "abc"},
    {"valid_on": "not-a-date"}, {"f": "xml"}, {"skipGeometry": "maybe"},
]


@pytest.mark.parametrize("params", NASTY, ids=[str(i) for i in range(len(NASTY))])
def test_bad_parameters_are_400(client, params):
    r = client.get(ITEMS, params=params)
    if params.get("kind"):  # a value that matches nothing is not an error
        assert r.status_code == 200 and r.json()["numberMatched"] == 0
        return
    assert r.status_code == 400, (params, r.status_code, r.text[:300])
    body = r.json()
    assert body["code"] == "InvalidParameterValue" and body["description"]
    # the answer names the parameter at fault, one of those sent
    assert body.get("parameter") in params, (params, body)


ODD = [  # valid or not, never a server error
    {"bbox": "1e308,1e308,1e308,1e308", "bbox-crs": "EPSG:3857"},
    {"bbox": "-1e7,-1e7,1e7,1e7", "bbox-crs": "EPSG:5897"},
    {"filter": "(" * 200 + "kind='road'" + ")" * 200},
    {"filter": "(" * 4000 + "kind='road'" + ")" * 4000},
    {"filter": " OR ".join(["kind='road'"] * 1000)},
    {"filter": "S_INTERSECTS(geometry, POINT(1e308 1e308))", "filter-crs": "EPSG:3405"},
    {"filter": "S_DWITHIN(geometry, POINT(105.7 10), 1e300)"},
    {"offset": str(2**62)}, {"datetime": "../.."}, {"datetime": "2024-01-01/.."},
    {"properties": ""}, {"sortby": ""}, {"filter": ""},
]


@pytest.mark.parametrize("params", ODD, ids=[str(i) for i in range(len(ODD))])
def test_odd_parameters_are_not_server_errors(client, params):
    r = client.get(ITEMS, params=params)
    assert r.status_code < 500, (params, r.text[:300])
    assert r.headers["content-type"].startswith(("application/json", "application/geo+json"))


def test_tables_survive(client, conn):
    assert conn.execute("SELECT count(*) FROM infra_project").fetchone()[0] > 0


@pytest.mark.parametrize("url", [
    "/collections/projects/items/%27%3B--", "/collections/%00/items",
    "/collections/projects/items/x/progress", "/collections/projects/items/"
    + "a" * 5000,
])
def test_odd_paths_are_404(client, url):
    r = client.get(url)
    assert r.status_code == 404
    assert r.json()["code"] == "NotFound"
