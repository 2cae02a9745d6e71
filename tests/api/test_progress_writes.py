"""Progress written through the API: POST a figure, DELETE it; roles, checks, audit,
current progress, tiles."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from test_tiles import tile_of

from gis.users import create_token, create_user

ITEMS = "/collections/projects/items"


@pytest.fixture(scope="module")
def feature(db_url):
    """A located project in one district, and a located project outside that district:
    (fid, district, lon, lat, other_fid)."""
    import psycopg

    with psycopg.connect(db_url) as c:
        fid, district, lon, lat = c.execute(
            "SELECT id, districts[1], ST_X(ST_PointOnSurface(geom)), "
            "ST_Y(ST_PointOnSurface(geom)) FROM infra_project WHERE geom IS NOT NULL "
            "AND cardinality(districts) = 1 ORDER BY id LIMIT 1").fetchone()
        other = c.execute("SELECT id FROM infra_project WHERE NOT %s = ANY(districts) "
                          "AND cardinality(districts) > 0 ORDER BY id LIMIT 1",
                          (district,)).fetchone()[0]
    return fid, district, lon, lat, other


@pytest.fixture(scope="module")
def tokens(db_url, feature):
    import psycopg

    with psycopg.connect(db_url) as c:
        create_user(c, "t_prog_planner", "planner", None)
        create_user(c, "t_prog_officer", "district_officer", feature[1])
        out = {"planner": create_token(c, "t_prog_planner"),
               "officer": create_token(c, "t_prog_officer")}
    return {k: {"Authorization": f"Bearer {v}"} for k, v in out.items()}


@pytest.fixture
def day(conn):
    """A date after every figure of the dataset (so a new figure is the current one)."""
    conn.execute("DELETE FROM progress_snapshot WHERE origin = 'api'")
    conn.commit()
    yield conn.execute("SELECT (max(valid_on) + 1)::text FROM progress_snapshot").fetchone()[0]
    conn.execute("DELETE FROM progress_snapshot WHERE origin = 'api'")
    conn.commit()


def api_rows(conn) -> int:
    return conn.execute("SELECT count(*) FROM progress_snapshot WHERE origin = 'api'"
                        ).fetchone()[0]


def test_add_and_delete_a_figure(client, conn, tokens, feature, day):
    fid = feature[0]
    url = f"{ITEMS}/{fid}"
    etag = client.get(url).headers["etag"]
    r = client.post(f"{url}/progress", headers=tokens["planner"], json={
        "metric": "construction_pct", "value": "45,5", "valid_on": day,
        "source": {"doc": "002", "line": 10}})
    assert r.status_code == 201, r.text
    fig = r.json()
    assert fig["value"] == 45.5 and fig["value_text"] == "45,5" and fig["unit"] == "%"
    assert fig["origin"] == "api" and fig["source_doc"] == "002" and fig["source_line"] == 10
    assert r.headers["location"].endswith(f"{url}/progress/{fig['id']}")

    got = client.get(url)
    props = got.json()["properties"]
    assert props["construction_pct"] == 45.5 and props["construction_pct_date"] == day
    assert props["construction_pct_source"] == "002:10"
    assert got.headers["etag"] != etag  # the representation changed
    hist = client.get(f"{url}/progress").json()["progress"]
    assert any(h["id"] == fig["id"] and h["origin"] == "api" for h in hist)
    audit = conn.execute("SELECT user_name, before, after->>'value' FROM audit_log WHERE "
                         "action = 'progress_create' AND feature_id = %s ORDER BY id DESC",
                         (fid,)).fetchone()
    assert audit == ("t_prog_planner", None, "45.5")

    r = client.delete(f"{url}/progress/{fig['id']}", headers=tokens["planner"])
    assert r.status_code == 204
    assert client.get(url).json()["properties"]["construction_pct_date"] != day
    assert client.delete(f"{url}/progress/{fig['id']}",
                         headers=tokens["planner"]).status_code == 404
    audit = conn.execute("SELECT before->>'id', after FROM audit_log WHERE action = "
                         "'progress_delete' AND feature_id = %s ORDER BY id DESC",
                         (fid,)).fetchone()
    assert audit == (str(fig["id"]), None)


def test_a_json_number_with_a_note_and_no_source(client, conn, tokens, feature, day):
    fid = feature[0]
    r = client.post(f"{ITEMS}/{fid}/progress", headers=tokens["planner"], json={
        "metric": "packages_done", "value": 3, "valid_on": day,
        "note": "Báo cáo nhanh của Ban QLDA, ngày 31/3"})
    assert r.status_code == 201, r.text
    assert r.json()["value"] == 3 and r.json()["source_doc"] is None
    props = client.get(f"{ITEMS}/{fid}").json()["properties"]
    assert props["packages_done"] == 3 and isinstance(props["packages_done"], int)
    # the same figure again is a conflict, not a second row
    r = client.post(f"{ITEMS}/{fid}/progress", headers=tokens["planner"], json={
        "metric": "packages_done", "value": 3, "valid_on": day,
        "note": "Báo cáo nhanh của Ban QLDA, ngày 31/3"})
    assert r.status_code == 409
    assert api_rows(conn) == 1


@pytest.mark.parametrize("body,needle", [
    ({"metric": "occupancy_pct", "value": 5}, "not tracked"),
    ({"metric": "construction_pct", "value": 120}, "outside 0-100"),
    ({"metric": "construction_pct", "value": -1}, "outside 0-100"),
    ({"metric": "packages_done", "value": 2.5}, "whole number"),
    ({"metric": "packages_done", "value": "2,5"}, "whole number"),
    ({"metric": "packages_done", "value": 10**12}, "too large"),
    ({"metric": "length_done_m", "value": "1,234.5"}, "malformed number"),
    ({"metric": "length_done_m", "value": True}, "not a number"),
    ({"metric": "length_done_m", "value": None}, "not a number"),
    ({"metric": "length_done_m", "value": 5, "note": None}, "note"),
    ({"metric": "length_done_m", "value": 5, "note": ""}, "note"),
    ({"metric": "length_done_m", "value": 5, "note": 7}, "note"),
    ({"metric": "length_done_m", "value": 5, "source": {"doc": "999", "line": 1}},
     "unknown source document"),
    ({"metric": "length_done_m", "value": 5, "source": {"doc": "002"}}, "line or a ref"),
    ({"metric": "length_done_m", "value": 5, "source": {"doc": "002", "line": True}},
     "not a line number"),
    ({"metric": "length_done_m", "value": 5, "source": {"doc": "002", "ref": {"a": 1}}},
     "not text"),
    ({"metric": "length_done_m", "value": 5, "valid_on": "soon"}, "date"),
    ({"metric": "length_done_m", "value": 5, "valid_on": "2024-02-30"}, "date"),
    ({"metric": "length_done_m", "value": 5, "valid_on": None}, "valid_on"),
    ({"metric": "length_done_m", "value": 5, "colour": "red"}, "unknown keys"),
])
def test_invalid_figures_are_400_and_store_nothing(client, conn, tokens, feature, day,
                                                   body, needle):
    body = {"valid_on": day, "note": "test", **body}
    r = client.post(f"{ITEMS}/{feature[0]}/progress", headers=tokens["planner"], json=body)
    assert r.status_code == 400, r.text
    assert needle.lower() in r.json()["description"].lower()
    assert api_rows(conn) == 0


@pytest.mark.parametrize("body", [[], "x", 5])
def test_body_must_be_an_object(client, tokens, feature, body):
    r = client.post(f"{ITEMS}/{feature[0]}/progress", headers=tokens["planner"], json=body)
    assert r.status_code == 400


def test_auth_roles_and_missing_things(client, conn, tokens, feature, day):
    fid, _, _, _, other = feature
    fig = {"metric": "length_done_m", "value": 100, "valid_on": day, "note": "test"}
    assert client.post(f"{ITEMS}/{fid}/progress", json=fig).status_code == 401
    assert client.post(f"{ITEMS}/nope/progress", json=fig,
                       headers=tokens["planner"]).status_code == 404
    r = client.post("/collections/districts/items/916/progress", json=fig,
                    headers=tokens["planner"])
    assert r.status_code == 405
    # a district officer writes progress of features in their district only
    assert client.post(f"{ITEMS}/{other}/progress", json=fig,
                       headers=tokens["officer"]).status_code == 403
    r = client.post(f"{ITEMS}/{fid}/progress", json=fig, headers=tokens["officer"])
    assert r.status_code == 201, r.text
    mine = client.post(f"{ITEMS}/{other}/progress", json=fig, headers=tokens["planner"])
    assert mine.status_code == 201
    assert client.delete(f"{ITEMS}/{other}/progress/{mine.json()['id']}",
                         headers=tokens["officer"]).status_code == 403
    # a figure belongs to its feature
    assert client.delete(f"{ITEMS}/{fid}/progress/{mine.json()['id']}",
                         headers=tokens["planner"]).status_code == 404
    assert api_rows(conn) == 2


def test_dataset_figures_are_not_deleted_through_the_api(client, conn, tokens):
    sid, fid = conn.execute("SELECT id, feature_id FROM progress_snapshot WHERE layer_id = "
                            "'projects' AND origin = 'dataset' ORDER BY id LIMIT 1").fetchone()
    r = client.delete(f"{ITEMS}/{fid}/progress/{sid}", headers=tokens["planner"])
    assert r.status_code == 409 and "data/" in r.json()["description"]
    assert conn.execute("SELECT count(*) FROM progress_snapshot WHERE id = %s",
                        (sid,)).fetchone()[0] == 1


def test_a_figure_redraws_the_tiles(client, tokens, feature, day):
    fid, _, lon, lat, _ = feature
    z, y, x = tile_of(lon, lat, 14)
    url = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
    before = client.get(url)
    assert client.get(url).headers["etag"] == before.headers["etag"]  # cached
    r = client.post(f"{ITEMS}/{fid}/progress", headers=tokens["planner"], json={
        "metric": "site_handover_pct", "value": "12,5", "valid_on": day, "note": "test"})
    assert r.status_code == 201
    after = client.get(url)
    assert after.headers["etag"] != before.headers["etag"]
    props = next(f["properties"] for f in
                 mapbox_vector_tile.decode(after.content)["projects"]["features"]
                 if f["properties"]["id"] == fid)
    assert props["site_handover_pct"] == 12.5


def test_options_on_progress(client):
    assert "POST" in client.options(f"{ITEMS}/x/progress").headers["allow"]
    assert "POST" not in client.options("/collections/districts/items/x/progress"
                                        ).headers["allow"]


def test_a_money_figure_needs_its_period_and_keeps_its_qualifier(client, conn, tokens,
                                                                  feature, day):
    fid = feature[0]
    url = f"{ITEMS}/{fid}"
    body = {"metric": "capital_disbursed_bil_vnd", "value": "12,5", "valid_on": day,
            "qualifier": "about", "source": {"doc": "002", "line": 10}}
    r = client.post(f"{url}/progress", headers=tokens["planner"], json=body)
    assert r.status_code == 400 and "period" in r.json()["description"], r.text
    assert api_rows(conn) == 0  # nothing stored
    r = client.post(f"{url}/progress", headers=tokens["planner"],
                    json={**body, "period": "year:2025"})
    assert r.status_code == 201, r.text
    assert (r.json()["period"], r.json()["qualifier"]) == ("year:2025", "about")
    props = client.get(url).json()["properties"]
    assert props["capital_disbursed_bil_vnd_period"] == "year:2025"
    assert props["capital_disbursed_bil_vnd_qualifier"] == "about"
    hist = client.get(f"{url}/progress").json()["progress"]
    assert any(h["period"] == "year:2025" and h["qualifier"] == "about" for h in hist)



def test_a_figure_before_the_start_of_the_work_or_in_the_future_is_refused(
        client, conn, tokens, feature):
    """The registry's ``starts_field`` (the year the work starts): a figure valid before
    it is 422 naming the date and the start field; nothing is stored."""
    import datetime as dt

    from layers import registry

    start = registry.get("projects").starts_field
    fid = feature[0]
    saved = conn.execute(f"SELECT {start} FROM infra_project WHERE id = %s", (fid,)).fetchone()
    conn.execute(f"UPDATE infra_project SET {start} = 2024 WHERE id = %s", (fid,))
    conn.execute("DELETE FROM progress_snapshot WHERE origin = 'api'")
    conn.commit()
    body = {"metric": "length_done_m", "value": 5, "note": "kiểm tra ngày bắt đầu"}
    url = f"{ITEMS}/{fid}/progress"
    try:
        r = client.post(url, headers=tokens["planner"], json={**body, "valid_on": "2023-12-31"})
        assert r.status_code == 422, r.text
        err = r.json()
        assert err["field"] == "valid_on" and start in err["description"]
        assert "31/12/2023" in err["description"] and "2024" in err["description"]
        tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
        r = client.post(url, headers=tokens["planner"], json={**body, "valid_on": tomorrow})
        assert r.status_code == 400 and "future" in r.json()["description"]
        assert api_rows(conn) == 0
        audit = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'progress_create' "
                             "AND feature_id = %s AND after->>'valid_on' = '2023-12-31'",
                             (fid,)).fetchone()[0]
        assert audit == 0
        r = client.post(url, headers=tokens["planner"], json={**body, "valid_on": "2024-01-01"})
        assert r.status_code == 201, r.text
    finally:
        conn.execute(f"UPDATE infra_project SET {start} = %s WHERE id = %s", (saved[0], fid))
        conn.execute("DELETE FROM progress_snapshot WHERE origin = 'api'")
        conn.commit()


def test_a_start_year_after_the_earliest_figure_is_refused_on_every_write_path(
        client, conn, tokens, tmp_path, db_url):
    """The reverse of the rule above: the start year (``starts_field``) moved after the
    year of the feature's earliest stored figure is 422 naming the start field and that
    figure's date (Vietnamese and English), through PATCH, PUT and ``gis import
    features``; nothing is changed. The start of the figure's own year is accepted."""
    import csv

    from gis.imports.run import import_file
    from layers import registry

    start = registry.get("projects").starts_field
    # a project with figures and no planned end (whose own checks a later start would meet)
    fid, earliest = conn.execute(
        "SELECT f.id, min(ps.valid_on) FROM infra_project f JOIN progress_snapshot ps ON"
        " ps.layer_id = 'projects' AND ps.feature_id = f.id WHERE f.period_end IS NULL AND"
        " f.implementation_period IS NULL GROUP BY f.id ORDER BY f.id LIMIT 1").fetchone()
    saved, version, origin = conn.execute(
        f"SELECT {start}, version, origin FROM infra_project WHERE id = %s", (fid,)).fetchone()
    later = earliest.year + 1
    url = f"{ITEMS}/{fid}"
    h = tokens["planner"]
    try:
        r = client.patch(url, headers=h, json={"properties": {start: later}})
        assert r.status_code == 422, r.text
        err = r.json()
        assert err["field"] == start and err["parameter"] == start
        assert f"{earliest:%d/%m/%Y}" in err["description"] and str(later) in err["description"]
        assert f"{earliest:%d/%m/%Y}" in err["description_vi"]
        assert "Năm bắt đầu thực hiện" in err["description_vi"] and err["hint_vi"]
        item = client.get(url).json()
        item["properties"][start] = later
        r = client.put(url, headers=h, json={"type": "Feature", "properties": item["properties"],
                                             "geometry": item["geometry"]})
        assert r.status_code == 422 and r.json()["field"] == start, r.text
        assert conn.execute(f"SELECT {start}, version FROM infra_project WHERE id = %s",
                            (fid,)).fetchone() == (saved, version)
        path = tmp_path / "start.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", start])
            w.writerow([fid, later])
        report = import_file(path, "projects", dry_run=False, user="test-start")
        assert [(p.row, p.field) for p in report.problems] == [(1, start)], report.summary()
        assert f"{earliest:%d/%m/%Y}" in report.problems[0].message
        assert f"{earliest:%d/%m/%Y}" in report.problems[0].message_vi
        assert conn.execute(f"SELECT {start}, version FROM infra_project WHERE id = %s",
                            (fid,)).fetchone() == (saved, version)
        # the figure's own year is a start it can have
        r = client.patch(url, headers=h, json={"properties": {start: earliest.year}})
        assert r.status_code == 200, r.text
    finally:
        conn.execute(f"UPDATE infra_project SET {start} = %s, version = %s, origin = %s "
                     "WHERE id = %s", (saved, version, origin, fid))
        conn.execute("DELETE FROM audit_log WHERE feature_id = %s AND action <> 'load'", (fid,))
        conn.execute("DELETE FROM source_document WHERE id LIKE 'import-%'")
        conn.commit()
