"""OGC API Features Part 4 with tokens and roles: writes, ETag/If-Match, audit, cache."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from click.testing import CliRunner
from test_tiles import tile_of

from gis.cli import main as cli
from gis.users import create_token, create_user

ITEMS = "/collections/projects/items"


@pytest.fixture(scope="module")
def tokens(db_url):
    import psycopg

    with psycopg.connect(db_url) as c:
        create_user(c, "t_planner", "planner", None)
        create_user(c, "t_officer", "district_officer", "916")
        out = {"planner": create_token(c, "t_planner"), "officer": create_token(c, "t_officer")}
    return {k: {"Authorization": f"Bearer {v}"} for k, v in out.items()}


def feature(fid, lon, lat, **props):
    return {"type": "Feature", "id": fid,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": "Cầu thử nghiệm", "kind": "bridge", "districts": ["916"],
                           "geom_quality": "indicative", "source_doc": "002",
                           "source_line": 10, "valid_on": "2024-11-15",
                           "total_investment_bil_vnd": 1234.5, **props}}


def test_auth_required(client):
    assert client.post(ITEMS, json=feature("x", 105.7, 10.0)).status_code == 401
    r = client.post(ITEMS, json=feature("x", 105.7, 10.0),
                    headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


def test_create_replace_patch_delete(client, conn, tokens, cleanup, one_point_project):
    _, lon, lat = one_point_project
    h = tokens["planner"]
    cleanup.append("t-api-1")
    r = client.post(ITEMS, json=feature("t-api-1", lon, lat), headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["location"].endswith("/collections/projects/items/t-api-1")
    assert r.headers["etag"] == '"1"'
    assert r.json()["properties"]["total_investment_bil_vnd"] == 1234.5
    origin, version = conn.execute("SELECT origin, version FROM infra_project "
                                   "WHERE id = 't-api-1'").fetchone()
    assert (origin, version) == ("api", 1)
    assert client.post(ITEMS, json=feature("t-api-1", lon, lat), headers=h).status_code == 409

    url = f"{ITEMS}/t-api-1"
    changed = feature("t-api-1", lon, lat, name="Cầu đã đổi tên")
    assert client.put(url, json=changed, headers={**h, "If-Match": '"7"'}).status_code == 412
    # If-Match compares strongly: a weak tag never matches (RFC 9110 13.1.1)
    assert client.put(url, json=changed, headers={**h, "If-Match": 'W/"1"'}).status_code == 412
    r = client.put(url, json=changed, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
    assert client.get(url).json()["properties"]["name"] == "Cầu đã đổi tên"

    r = client.patch(url, json={"properties": {"status": "completed"}},
                     headers={**h, "If-Match": '"2"'})
    assert r.status_code == 200, r.text
    props = client.get(url).json()["properties"]
    assert props["status"] == "completed" and props["name"] == "Cầu đã đổi tên"
    assert props["total_investment_bil_vnd"] == 1234.5

    audit = conn.execute("SELECT action, before IS NULL, after->>'name' FROM audit_log "
                         "WHERE feature_id = 't-api-1' AND status IS NULL ORDER BY id").fetchall()
    assert [a[0] for a in audit] == ["create", "replace", "update"]
    refused = conn.execute("SELECT action, status, user_name FROM audit_log WHERE feature_id = "
                           "'t-api-1' AND status IS NOT NULL ORDER BY id").fetchall()
    assert refused == [("refused_put", 412, "t_planner")] * 2  # refused writes are audited
    assert audit[0][1] is True and audit[1][2] == "Cầu đã đổi tên"

    assert client.delete(url, headers={**h, "If-Match": '"1"'}).status_code == 412
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url).status_code == 404
    last = conn.execute("SELECT action, before->>'name', after FROM audit_log "
                        "WHERE feature_id = 't-api-1' ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("delete", "Cầu đã đổi tên", None)


@pytest.mark.parametrize("change,needle", [
    ({"properties": {"kind": "spaceship"}}, "kind"),
    ({"properties": {"source_doc": "999"}}, "source document"),
    ({"properties": {"districts": ["123"]}}, "district"),
    ({"properties": {"valid_on": "soon"}}, "date"),
    ({"properties": {"nonsense": 1}}, "unknown field"),
    ({"geometry": {"type": "Point", "coordinates": [0, 0]}}, "outside"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[105.70, 10.0], [105.71, 10.01],
                                                       [105.71, 10.0], [105.70, 10.01],
                                                       [105.70, 10.0]]]}}, "invalid"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[105.70, 10.0], [105.71, 10.0],
                                                       [105.71, 10.01], [105.70, 10.01]]]}},
     "ring 1 is not closed"),
    ({"geometry": {"type": "MultiPolygon", "coordinates": [[[[105.70, 10.0], [105.71, 10.0],
                                                            [105.70, 10.0]]]]}},
     "polygon 1 ring 1 has 3 positions"),
    ({"geometry": {"type": "Point", "coordinates": ["a"]}}, "geometry"),
    ({"type": "Banana"}, "Feature"),
])
def test_invalid_writes_are_400(client, conn, tokens, one_point_project, change, needle):
    _, lon, lat = one_point_project
    f = feature("t-api-bad", lon, lat)
    f["properties"].update(change.get("properties", {}))
    f.update({k: v for k, v in change.items() if k != "properties"})
    r = client.post(ITEMS, json=f, headers=tokens["planner"])
    assert r.status_code == 400, r.text
    assert needle.lower() in r.json()["description"].lower()
    # nothing stored, nothing audited
    assert client.get(f"{ITEMS}/t-api-bad").status_code == 404
    assert conn.execute("SELECT count(*) FROM audit_log WHERE feature_id = 't-api-bad'"
                        ).fetchone()[0] == 0


def test_district_officer_limited_to_district(client, conn, tokens, cleanup, point_in):
    lon, lat = point_in("916")
    cleanup += ["t-api-916", "t-api-919"]
    h = tokens["officer"]
    assert client.post(ITEMS, json=feature("t-api-919", lon, lat, districts=["919"]),
                       headers=h).status_code == 403
    assert client.post(ITEMS, json=feature("t-api-916", lon, lat), headers=h).status_code == 201
    # moving it out of the officer's district is forbidden too
    r = client.patch(f"{ITEMS}/t-api-916", json={"properties": {"districts": ["919"]}},
                     headers=h)
    assert r.status_code == 403
    assert client.post(ITEMS, json=feature("t-api-919", lon, lat, districts=["919"]),
                       headers=tokens["planner"]).status_code == 201
    assert client.delete(f"{ITEMS}/t-api-919", headers=h).status_code == 403
    # naming the district is not enough: the geometry must lie in it too
    lon919, lat919 = point_in("919")
    cleanup.append("t-api-away")
    r = client.post(ITEMS, json=feature("t-api-away", lon919, lat919), headers=h)
    assert r.status_code == 403 and "outside district 916" in r.json()["description"]
    assert client.get(f"{ITEMS}/t-api-away").status_code == 404
    r = client.patch(f"{ITEMS}/t-api-916", json={"geometry": {
        "type": "Point", "coordinates": [lon919, lat919]}}, headers=h)
    assert r.status_code == 403
    assert client.get(f"{ITEMS}/t-api-916").json()["geometry"]["coordinates"] == \
        pytest.approx([lon, lat], abs=1e-6)  # unchanged


def test_write_invalidates_tiles(client, tokens, cleanup, one_point_project):
    _, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 13)
    url = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
    before = client.get(url)
    combined = client.get(f"/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert client.get(url).headers["etag"] == before.headers["etag"]  # cached
    cleanup.append("t-api-tile")
    assert client.post(ITEMS, json=feature("t-api-tile", lon, lat),
                       headers=tokens["planner"]).status_code == 201
    after = client.get(url)
    assert after.headers["etag"] != before.headers["etag"]
    ids = [f["properties"]["id"] for f in mapbox_vector_tile.decode(after.content)["projects"]
           ["features"]]
    assert "t-api-tile" in ids
    assert client.get(f"/tiles/WebMercatorQuad/{z}/{y}/{x}").headers["etag"] \
        != combined.headers["etag"]


def test_options_and_read_only_layer(client, tokens):
    r = client.options(ITEMS)
    assert "POST" in r.headers["allow"]
    assert "PATCH" in client.options(f"{ITEMS}/x").headers["allow"]
    assert "POST" not in client.options("/collections/districts/items").headers["allow"]
    r = client.post("/collections/districts/items", json=feature("d", 105.7, 10.0),
                    headers=tokens["planner"])
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD, OPTIONS"


def test_cli_user_and_token(client, conn):
    runner = CliRunner()
    r = runner.invoke(cli, ["user", "add", "t_cli", "--role", "district_officer",
                            "--district", "917", "--password-stdin"],
                      input="long enough secret\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["token", "create", "t_cli"])
    assert r.exit_code == 0, r.output
    token = r.output.strip()
    assert token.startswith("ctg_")
    stored = conn.execute("SELECT count(*) FROM api_token WHERE user_name = 't_cli' AND "
                          "token_sha256 = encode(sha256(%s::bytea), 'hex')",
                          (token,)).fetchone()[0]
    assert stored == 1
    assert runner.invoke(cli, ["user", "add", "t_bad", "--role", "district_officer",
                               "--no-password"]).exit_code != 0
    r = client.post(ITEMS, json={"type": "Feature"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400  # authenticated; the body is what is wrong
