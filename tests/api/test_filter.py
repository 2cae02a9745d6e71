"""OGC API Features Part 3: queryables and CQL2 filters (text and JSON)."""

from __future__ import annotations

import json

import pytest


def _ids(client, **params):
    r = client.get("/collections/projects/items", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return sorted(f["id"] for f in r.json()["features"])


def _db_ids(conn, where, *args):
    return sorted(r[0] for r in conn.execute(
        f"SELECT id FROM infra_project WHERE {where}", args).fetchall())


def test_queryables_schema(client):
    q = client.get("/collections/projects/queryables")
    assert q.headers["content-type"].startswith("application/schema+json")
    props = q.json()["properties"]
    assert props["kind"]["type"] == "string" and "road" in props["kind"]["enum"]
    assert props["total_investment_bil_vnd"]["type"] == "number"
    assert props["construction_pct"]["type"] == "number"
    assert props["kind"]["x-title-vi"] == "Loại công trình"
    assert props["kind"]["x-title-en"] == "Kind"
    assert "status_text" not in props  # queryable=False in the registry


@pytest.mark.parametrize("text,where", [
    ("kind = 'road'", "kind = 'road'"),
    ("kind IN ('road', 'bridge')", "kind IN ('road', 'bridge')"),
    ("kind <> 'road' AND status IS NOT NULL", "kind <> 'road' AND status IS NOT NULL"),
    ("name LIKE 'Cầu%'", "name LIKE 'Cầu%%'"),
    ("CASEI(name) LIKE CASEI('cầu%')", "lower(name) LIKE 'cầu%%'"),
    ("total_investment_bil_vnd BETWEEN 100 AND 5000",
     "total_investment_bil_vnd BETWEEN 100 AND 5000"),
    ("NOT (total_investment_bil_vnd > 1000) OR status IS NULL",
     "NOT (total_investment_bil_vnd > 1000) OR status IS NULL"),
    ("valid_on >= DATE('2024-01-01')", "valid_on >= '2024-01-01'"),
    ("districts = '916'", "'916' = ANY(districts)"),
    ("A_OVERLAPS(districts, ('916', '919'))", "districts && ARRAY['916', '919']"),
    ("A_CONTAINS(districts, ('916'))", "districts @> ARRAY['916']"),
    ("A_CONTAINEDBY(districts, ('916', '919', '918'))",
     "districts <@ ARRAY['916', '919', '918']"),
    ("A_EQUALS(districts, ('916'))", "districts = ARRAY['916']"),
])
def test_cql2_text_matches_sql(client, conn, text, where):
    assert _ids(client, filter=text) == _db_ids(conn, where)


def test_cql2_json_and_progress(client, conn):
    f = {"op": "and", "args": [
        {"op": ">=", "args": [{"property": "capital_plan_bil_vnd"}, 0]},
        {"op": "in", "args": [{"property": "kind"}, ["road", "bridge", "other"]]}]}
    got = _ids(client, filter=json.dumps(f), **{"filter-lang": "cql2-json"})
    want = _db_ids(conn, "kind IN ('road','bridge','other') AND EXISTS (SELECT 1 FROM "
                         "progress_snapshot p WHERE p.layer_id = 'projects' AND p.feature_id = "
                         "infra_project.id AND p.metric = 'capital_plan_bil_vnd')")
    assert got == want


@pytest.mark.parametrize("js,where", [
    # the standard three-argument BETWEEN, and the two-argument form of earlier drafts
    ({"op": "between", "args": [{"property": "total_investment_bil_vnd"}, 100, 5000]},
     "total_investment_bil_vnd BETWEEN 100 AND 5000"),
    ({"op": "between", "args": [{"property": "total_investment_bil_vnd"}, [100, 5000]]},
     "total_investment_bil_vnd BETWEEN 100 AND 5000"),
    ({"op": "not", "args": [{"op": "like", "args": [{"property": "name"}, "Cầu%"]}]},
     "NOT (name LIKE 'Cầu%%')"),
    ({"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [105.7, 9.98, 105.8,
                                                                         10.08]}]},
     "ST_Intersects(geom, ST_MakeEnvelope(105.7, 9.98, 105.8, 10.08, 4326))"),
])
def test_cql2_json_matches_sql(client, conn, js, where):
    want = _db_ids(conn, where)
    assert want  # the case selects something
    assert _ids(client, filter=json.dumps(js), **{"filter-lang": "cql2-json"}) == want


NINH_KIEU = ("POLYGON((105.74 10.00, 105.80 10.00, 105.80 10.06, 105.74 10.06, "
             "105.74 10.00))")


@pytest.mark.parametrize("op,fn", [
    ("S_INTERSECTS", "ST_Intersects"), ("S_DISJOINT", "ST_Disjoint"),
    ("S_CONTAINS", "ST_Contains"), ("S_WITHIN", "ST_Within"), ("S_TOUCHES", "ST_Touches"),
    ("S_CROSSES", "ST_Crosses"), ("S_OVERLAPS", "ST_Overlaps"), ("S_EQUALS", "ST_Equals"),
])
def test_spatial_predicates_match_postgis(client, conn, op, fn):
    want = _db_ids(conn, f"{fn}(geom, ST_GeomFromText(%s, 4326))", NINH_KIEU)
    assert _ids(client, filter=f"{op}(geometry, {NINH_KIEU})") == want


def test_spatial_filters(client, conn, one_point_project):
    fid, x, y = one_point_project
    d = 0.001
    poly = (f"POLYGON(({x - d} {y - d}, {x + d} {y - d}, {x + d} {y + d}, {x - d} {y + d}, "
            f"{x - d} {y - d}))")
    want = _db_ids(conn, "ST_Intersects(geom, ST_GeomFromText(%s, 4326))", poly)
    assert fid in want
    assert _ids(client, filter=f"S_INTERSECTS(geometry, {poly})") == want
    assert fid in _ids(client, filter=f"S_WITHIN(geometry, {poly})")
    assert _ids(client, filter=f"S_INTERSECTS(geometry, BBOX({x - d}, {y - d}, {x + d}, "
                               f"{y + d}))") == want
    near = _ids(client, filter=f"S_DWITHIN(geometry, POINT({x + 0.0005} {y}), 100)")
    assert fid in near
    assert fid not in _ids(client, filter=f"S_DWITHIN(geometry, POINT({x + 0.01} {y}), 100)")
    js = {"op": "s_dwithin", "args": [{"property": "geometry"},
                                      {"type": "Point", "coordinates": [x, y]}, 10]}
    assert fid in _ids(client, filter=json.dumps(js), **{"filter-lang": "cql2-json"})
    # filter-crs: EPSG:4326 literals are latitude first
    assert fid in _ids(client, filter=f"S_DWITHIN(geometry, POINT({y} {x}), 10)",
                       **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})


def test_filter_count_matches(client, conn, count):
    n = count("SELECT count(*) FROM infra_project WHERE kind = 'road'")
    body = client.get("/collections/projects/items",
                      params={"filter": "kind='road'", "limit": 1}).json()
    assert body["numberMatched"] == n
