"""OGC API Tiles: MVT from PostGIS, TileJSON, style, cache and its invalidation."""

from __future__ import annotations

import math
import time

import mapbox_vector_tile
import pytest

from layers import registry


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, y, x


def test_layer_tile_decodes_with_features(client, one_point_project):
    fid, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 12)
    r = client.get(f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["etag"] and "max-age" in r.headers["cache-control"]
    tile = mapbox_vector_tile.decode(r.content)
    feats = tile["projects"]["features"]
    props = next(f["properties"] for f in feats if f["properties"]["id"] == fid)
    assert props["name"] and props["kind"]
    assert client.get(f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}",
                      headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_combined_tile_has_layers(client, one_point_project):
    _, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 9)
    r = client.get(f"/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert r.status_code == 200
    tile = mapbox_vector_tile.decode(r.content)
    assert {"districts", "projects"} <= set(tile)


def test_tile_progress_is_a_number(client, conn):
    row = conn.execute(
        "SELECT f.id, ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom)), "
        "ps.metric FROM infra_project f JOIN progress_snapshot ps ON ps.layer_id = 'projects' "
        "AND ps.feature_id = f.id WHERE f.geom IS NOT NULL LIMIT 1").fetchone()
    if row is None:
        pytest.skip("no project with progress and geometry")
    fid, lon, lat, metric = row
    z, y, x = tile_of(lon, lat, 14)
    tile = mapbox_vector_tile.decode(
        client.get(f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}").content)
    props = next(f["properties"] for f in tile["projects"]["features"]
                 if f["properties"]["id"] == fid)
    assert isinstance(props[metric], int | float)


@pytest.mark.parametrize("url,status", [
    ("/collections/projects/tiles/WebMercatorQuad/23/0/0", 404),
    ("/collections/projects/tiles/WebMercatorQuad/2/4/0", 404),
    ("/collections/projects/tiles/WebMercatorQuad/2/0/-1", 404),
    ("/collections/projects/tiles/OtherTMS/2/0/0", 404),
    ("/collections/projects/tiles/WebMercatorQuad/2/x/0", 400),
    ("/collections/nope/tiles/WebMercatorQuad/2/0/0", 404),
    ("/tiles/WebMercatorQuad/1/0/0?datetime=bad", 400),
])
def test_bad_tiles(client, url, status):
    assert client.get(url).status_code == status


def test_empty_tile_is_204(client):
    assert client.get("/collections/projects/tiles/WebMercatorQuad/5/0/0").status_code == 204


def test_tilejson_tileset_and_tms(client):
    tj = client.get("/collections/projects/tiles/WebMercatorQuad/tilejson.json").json()
    assert tj["vector_layers"][0]["id"] == "projects"
    assert tj["vector_layers"][0]["fields"]["construction_pct"] == "Number"
    ts = client.get("/collections/projects/tiles/WebMercatorQuad").json()
    assert ts["dataType"] == "vector" and any(lk["rel"] == "item" for lk in ts["links"])
    tms = client.get("/tileMatrixSets/WebMercatorQuad").json()
    assert tms["id"] == "WebMercatorQuad" and len(tms["tileMatrices"]) > 20
    assert client.get("/tiles/WebMercatorQuad/tilejson.json").json()["vector_layers"]


def test_style_from_registry(client):
    style = client.get("/styles/default").json()
    assert style["version"] == 8
    ids = {lyr["id"] for lyr in style["layers"]}
    for layer in registry.layers():
        assert f"{layer.id}-fill" in ids and f"{layer.id}-point" in ids
    proj = next(lyr for lyr in style["layers"] if lyr["id"] == "projects-line")
    assert "#e53935" in str(proj["paint"]["line-color"])  # the colour of kind=road


def test_tile_cache_hit_and_invalidation(client, one_point_project):
    _, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 11)
    cache = client.app.state.tile_cache
    url = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
    first = client.get(url)
    hits = cache.hits
    again = client.get(url)
    assert cache.hits == hits + 1 and again.content == first.content
    assert cache.invalidate("projects") >= 1
    misses = cache.misses
    third = client.get(url)
    assert cache.misses == misses + 1
    assert third.headers["etag"] != first.headers["etag"]  # new generation


def test_change_made_outside_the_api_reaches_the_tile_cache(client, conn, one_point_project):
    """``gis load`` or psql changing a layer table: the table's trigger notifies, the API
    drops the layer's cached tiles and counts (api.changes)."""
    fid, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 12)
    url = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
    before = client.get(url)
    assert client.get(url).headers["etag"] == before.headers["etag"]  # served from the cache
    name = conn.execute("SELECT name FROM infra_project WHERE id = %s", (fid,)).fetchone()[0]
    try:
        conn.execute("UPDATE infra_project SET name = name || ' (đổi)' WHERE id = %s", (fid,))
        conn.commit()
        deadline = time.monotonic() + 5
        while client.get(url).headers["etag"] == before.headers["etag"]:
            assert time.monotonic() < deadline, "the cached tile outlived the change"
            time.sleep(0.05)
        props = next(f["properties"] for f in mapbox_vector_tile.decode(
            client.get(url).content)["projects"]["features"] if f["properties"]["id"] == fid)
        assert props["name"].endswith("(đổi)")
    finally:
        conn.execute("UPDATE infra_project SET name = %s WHERE id = %s", (name, fid))
        conn.commit()


def test_a_change_missed_while_the_listener_was_away_drops_the_cache(client, conn,
                                                                      one_point_project):
    """The listening connection is cut (a database restart, a proxy): a change made before
    it reconnects is never notified, so on reconnecting every cached tile is dropped."""
    from api.changes import LISTENER_NAME

    fid, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 12)
    url = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
    before = client.get(url)
    assert client.get(url).headers["etag"] == before.headers["etag"]  # cached
    listener = ("SELECT pid FROM pg_stat_activity WHERE application_name = %s "
                "AND datname = current_database()")
    old = {r[0] for r in conn.execute(listener, (LISTENER_NAME,))}
    assert old, "no listener connection"
    name = conn.execute("SELECT name FROM infra_project WHERE id = %s", (fid,)).fetchone()[0]
    try:
        conn.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE "
                     "application_name = %s AND datname = current_database()",
                     (LISTENER_NAME,))
        conn.execute("UPDATE infra_project SET name = name || ' (lỡ)' WHERE id = %s", (fid,))
        conn.commit()  # nobody listens: the notification is lost
        deadline = time.monotonic() + 20
        while client.get(url).headers["etag"] == before.headers["etag"]:
            assert time.monotonic() < deadline, "the cached tile outlived the reconnection"
            time.sleep(0.1)
        assert {r[0] for r in conn.execute(listener, (LISTENER_NAME,))} - old  # reconnected
    finally:
        conn.execute("UPDATE infra_project SET name = %s WHERE id = %s", (name, fid))
        conn.commit()
