"""HEAD on the GET routes; numberMatched as an estimate on tables above the threshold."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient
from test_tiles import tile_of

from api import counts
from api.app import create_app
from gis.settings import api_settings


@pytest.fixture
def fid(conn):
    return conn.execute("SELECT id FROM infra_project ORDER BY id LIMIT 1").fetchone()[0]


@pytest.mark.parametrize("path", [
    "/", "/conformance", "/collections", "/collections/projects", "/api",
    "/collections/projects/queryables", "/collections/projects/schema",
    "/collections/projects/items?limit=3", "/collections/projects/items?f=html&limit=3",
    "/collections/projects/items/{fid}", "/collections/projects/items/{fid}/progress",
    "/tileMatrixSets/WebMercatorQuad", "/collections/projects/tiles/WebMercatorQuad",
    "/styles/default", "/health",
])
def test_head_is_get_without_a_body(client, path, fid):
    url = path.format(fid=fid)
    get = client.get(url)
    head = client.head(url)
    assert get.status_code == 200
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if "timeStamp" not in get.text and "/health" not in url:
        assert int(head.headers["content-length"]) == len(get.content)
    assert head.headers.get("etag") == get.headers.get("etag")


def test_head_on_tiles_cached_and_not(client, one_point_project):
    _, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 15)
    url = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
    client.app.state.tile_cache.invalidate("projects")
    head = client.head(url)  # a miss: the route
    assert head.status_code == 200 and head.content == b""
    get = client.get(url)  # now cached: the middleware
    again = client.head(url)
    assert again.headers["etag"] == get.headers["etag"] == head.headers["etag"]
    assert int(again.headers["content-length"]) == len(get.content) > 0
    assert client.head("/collections/projects/tiles/WebMercatorQuad/5/0/0").status_code == 204


def test_head_errors_and_redirects(client):
    assert client.head("/collections/nope").status_code == 404
    r = client.head("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/maps")


def test_head_over_http(live_server):
    r = httpx.head(f"{live_server}/collections/projects/items?limit=2", trust_env=False)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-type"] == "application/geo+json"


@pytest.fixture
def low_threshold(db_url, conn, monkeypatch):
    """An app whose exact-count threshold (GIS_API_EXACT_COUNT_MAX_ROWS) is 10 rows."""
    conn.execute("ANALYZE infra_project")
    conn.commit()
    monkeypatch.setenv("GIS_API_EXACT_COUNT_MAX_ROWS", "10")
    api_settings.cache_clear()
    monkeypatch.setattr(counts, "_table_rows", {})
    try:
        with TestClient(create_app(db_url)) as c:
            yield c
    finally:
        monkeypatch.delenv("GIS_API_EXACT_COUNT_MAX_ROWS")
        api_settings.cache_clear()


def test_number_matched_estimated_above_threshold(low_threshold, conn):
    assert api_settings().exact_count_max_rows == 10
    c = low_threshold
    total = conn.execute("SELECT count(*) FROM infra_project").fetchone()[0]
    estimate = conn.execute("SELECT reltuples::bigint FROM pg_class "
                            "WHERE oid = 'infra_project'::regclass").fetchone()[0]
    assert total > 10
    # unfiltered: the table's row estimate, not a count
    body = c.get("/collections/projects/items", params={"limit": 5}).json()
    assert body["numberMatched"] == estimate
    assert any(lk["rel"] == "next" for lk in body["links"])

    # a selective filter is counted exactly (at most threshold + 1 rows read)
    kind, n = conn.execute("SELECT kind, count(*) FROM infra_project GROUP BY kind "
                           "HAVING count(*) <= 10 ORDER BY count(*) DESC LIMIT 1").fetchone()
    body = c.get("/collections/projects/items", params={"kind": kind}).json()
    assert body["numberMatched"] == n == len(body["features"])

    # a broad filter: the planner's estimate (at least what was counted), and the next
    # links still walk every matching feature
    kind, n = conn.execute("SELECT kind, count(*) FROM infra_project GROUP BY kind "
                           "ORDER BY count(*) DESC LIMIT 1").fetchone()
    assert n > 10
    url, seen = f"/collections/projects/items?kind={kind}&limit=4", []
    first = c.get(url).json()
    assert first["numberMatched"] > 10
    while url:
        page = c.get(url).json()
        seen += [f["id"] for f in page["features"]]
        url = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == n


def test_filtered_counts_are_cached_until_the_layer_changes(low_threshold, conn, db_url):
    import psycopg

    from gis.users import create_token, create_user

    c = low_threshold
    url = "/collections/projects/items?kind=bridge&limit=1"
    n = c.get(url).json()["numberMatched"]
    assert n <= 8  # counted exactly (under the lowered threshold), so +1 is visible
    cached = c.app.state.count_cache
    assert any(key[0] == "projects" for key in cached._counts)
    try:
        # A row written behind the API's back (psql, gis load): the table's notification
        # drops the cached count …
        conn.execute("INSERT INTO infra_project (id, name, kind, geom_quality, source_doc,"
                     " valid_on) VALUES ('t-count-1', 'Cầu', 'bridge', 'unknown', '002',"
                     " '2024-11-15')")
        conn.commit()
        deadline = time.monotonic() + 5
        while c.get(url).json()["numberMatched"] != n + 1:
            assert time.monotonic() < deadline, "the cached count outlived the change"
            time.sleep(0.05)
        # … and a write through the API drops it at once.
        with psycopg.connect(db_url) as admin:
            create_user(admin, "t_counter", "planner", None)
            token = create_token(admin, "t_counter")
        r = c.post("/collections/projects/items", headers={"Authorization": f"Bearer {token}"},
                   json={"type": "Feature", "id": "t-count-2", "geometry": None,
                         "properties": {"name": "Cầu 2", "kind": "bridge",
                                        "geom_quality": "unknown", "source_doc": "002",
                                        "source_line": 10, "valid_on": "2024-11-15"}})
        assert r.status_code == 201, r.text
        assert c.get(url).json()["numberMatched"] == n + 2
    finally:
        conn.execute("DELETE FROM infra_project WHERE id IN ('t-count-1', 't-count-2')")
        conn.execute("DELETE FROM app_user WHERE name = 't_counter'")
        conn.commit()
