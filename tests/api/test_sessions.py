"""Browser sessions (#10 §1, §2): sign-in with a Secure HttpOnly SameSite cookie, CSRF on
forms and cookie writes, sign-out, idle expiry, failed sign-ins slowed and locked (per
user and address, audited), 428 without If-Match from a browser, future figure dates
refused, delete with a reason and restore by planners, token expiry, refused writes
audited, nothing half-written after a refusal."""

from __future__ import annotations

import datetime as dt
import re

import psycopg
import pytest

from gis import sessions
from gis.passwords import hash_password
from gis.users import create_token, create_user

ITEMS = "/collections/projects/items"
PASSWORD = "mật khẩu đủ dài 1"


@pytest.fixture(scope="module")
def people(db_url):
    with psycopg.connect(db_url) as c:
        for name, role, district in [("s_officer", "district_officer", "916"),
                                     ("s_planner", "planner", None)]:
            create_user(c, name, role, district, hash_password(PASSWORD))
        return {"planner": {"Authorization": f"Bearer {create_token(c, 's_planner')}"}}


@pytest.fixture
def browser(https_client):
    return https_client


def sign_in(browser, name="s_officer", password=PASSWORD):
    page = browser.get("/signin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return browser.post("/signin", data={"username": name, "password": password,
                                         "csrf_token": csrf, "next": "/maps"},
                        follow_redirects=False)


def csrf_of(browser) -> str:
    return browser.get("/session").json()["csrf"]


def point_feature(fid, lon, lat, **props):
    return {"type": "Feature", "id": fid,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": "Cầu phiên làm việc", "kind": "bridge", "districts": ["916"],
                           "geom_quality": "surveyed", "source_doc": "002", "source_line": 10,
                           "valid_on": "2024-11-15", **props}}


@pytest.fixture
def made(client, people, point_in, cleanup, conn):
    """A project of district 916 made by the planner: its item URL."""
    lon, lat = point_in("916")
    cleanup.append("t-ses-1")
    r = client.post(ITEMS, json=point_feature("t-ses-1", lon, lat), headers=people["planner"])
    assert r.status_code == 201, r.text
    yield f"{ITEMS}/t-ses-1"
    conn.execute("DELETE FROM progress_snapshot WHERE feature_id LIKE 't-ses-%'")
    conn.commit()


def test_sign_in_sets_a_secure_cookie_and_sign_out_ends_it(browser, people, conn):
    r = sign_in(browser)
    assert r.status_code == 303 and r.headers["location"] == "/maps"
    cookie = next(h for h in r.headers.get_list("set-cookie")
                  if h.startswith(sessions.COOKIE + "="))
    assert all(flag in cookie.lower() for flag in ("secure", "httponly", "samesite=lax"))
    me = browser.get("/session").json()
    assert (me["user"], me["role"], me["district"]) == ("s_officer", "district_officer", "916")
    value = browser.cookies[sessions.COOKIE]
    assert conn.execute("SELECT count(*) FROM user_session WHERE id_sha256 = "
                        "encode(sha256(%s::bytea), 'hex')", (value,)).fetchone()[0] == 1
    # sign-out is a form with the CSRF token: without it, refused
    assert browser.post("/signout", data={}).status_code == 403
    r = browser.post("/signout", data={"csrf_token": me["csrf"]}, follow_redirects=False)
    assert r.status_code == 303
    assert browser.get("/session").json() == {"user": None}
    assert conn.execute("SELECT count(*) FROM user_session WHERE id_sha256 = "
                        "encode(sha256(%s::bytea), 'hex')", (value,)).fetchone()[0] == 0
    actions = [a for (a,) in conn.execute(
        "SELECT action FROM audit_log WHERE layer_id = 'session' AND feature_id = 's_officer' "
        "ORDER BY id DESC LIMIT 2")]
    assert actions == ["signout", "signin"]


def test_the_sign_in_form_needs_its_csrf_token(browser, people):
    browser.get("/signin")
    r = browser.post("/signin", data={"username": "s_officer", "password": PASSWORD,
                                      "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and browser.get("/session").json() == {"user": None}


def test_cookie_writes_need_the_csrf_token_and_write_nothing_without(browser, made, conn):
    sign_in(browser)
    version = conn.execute("SELECT version FROM infra_project WHERE id = 't-ses-1'").fetchone()
    body = {"properties": {"name": "Đổi tên qua trình duyệt"}}
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        r = browser.patch(made, json=body, headers={"If-Match": '"1"', **headers})
        assert r.status_code == 403 and "CSRF" in r.json()["description"]
    assert conn.execute("SELECT version FROM infra_project WHERE id = 't-ses-1'"
                        ).fetchone() == version
    refused = conn.execute("SELECT user_name, status FROM audit_log WHERE feature_id = "
                           "'t-ses-1' AND action = 'refused_patch'").fetchall()
    assert refused == [("s_officer", 403)] * 2
    r = browser.patch(made, json=body, headers={"If-Match": '"1"',
                                                "X-CSRF-Token": csrf_of(browser)})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["name"] == "Đổi tên qua trình duyệt"


def test_browser_patch_and_put_without_if_match_are_428(browser, made, people, client, conn):
    sign_in(browser)
    h = {"X-CSRF-Token": csrf_of(browser)}
    r = browser.patch(made, json={"properties": {"status": "completed"}}, headers=h)
    assert r.status_code == 428 and r.headers["etag"] == '"1"'
    feature = client.get(made).json()
    assert browser.put(made, json=feature, headers=h).status_code == 428
    assert conn.execute("SELECT version FROM infra_project WHERE id = 't-ses-1'"
                        ).fetchone()[0] == 1  # nothing written
    # API clients with a token are not browsers: no If-Match is still allowed
    r = client.patch(made, json={"properties": {"status": "completed"}},
                     headers=people["planner"])
    assert r.status_code == 200


def test_idle_sessions_expire(browser, made, conn):
    sign_in(browser)
    csrf = csrf_of(browser)
    conn.execute("UPDATE user_session SET last_seen = now() - make_interval(mins => %s) "
                 "WHERE user_name = 's_officer'", (sessions.IDLE_MINUTES + 1,))
    conn.commit()
    assert browser.get("/session").json() == {"user": None}
    r = browser.patch(made, json={"properties": {"status": "completed"}},
                      headers={"If-Match": '"1"', "X-CSRF-Token": csrf})
    assert r.status_code == 401


def test_failed_sign_ins_are_slowed_then_locked_per_user_and_address(browser, people, conn,
                                                                     monkeypatch):
    monkeypatch.setattr(sessions, "SLOW_SECONDS", 0)  # no waiting between failures here
    for _ in range(sessions.LOCK_AFTER):
        assert sign_in(browser, password="wrong password").status_code == 401
    r = sign_in(browser)  # the right password, but locked
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 60
    # the address is locked too: another user from it is refused
    assert sign_in(browser, "s_planner").status_code == 429
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'signin_failed' AND "
                        "feature_id = 's_officer' AND at > now() - interval '1 minute'"
                        ).fetchone()[0] >= sessions.LOCK_AFTER
    conn.execute("UPDATE signin_failure SET locked_until = now() - interval '1 second'")
    conn.commit()
    assert sign_in(browser).status_code == 303  # the lock has run out


def test_repeated_failures_must_wait(browser, people, monkeypatch):
    monkeypatch.setattr(sessions, "SLOW_SECONDS", 60)
    for _ in range(sessions.SLOW_AFTER):
        assert sign_in(browser, password="wrong password").status_code == 401
    r = sign_in(browser)
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 61


def test_figures_dated_in_the_future_are_refused(client, made, people, conn):
    count = "SELECT count(*) FROM progress_snapshot WHERE feature_id = 't-ses-1'"
    before = conn.execute(count).fetchone()[0]
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    r = client.post(f"{made}/progress", json={"metric": "construction_pct", "value": "45,5",
                                              "valid_on": tomorrow, "note": "tương lai"},
                    headers=people["planner"])
    assert r.status_code == 400 and r.json()["parameter"] == "valid_on"
    assert "in the future" in r.json()["description"]
    assert conn.execute(count).fetchone()[0] == before
    r = client.post(f"{made}/progress", json={"metric": "construction_pct", "value": "45,5",
                                              "valid_on": "2025-03-31", "note": "đi thực địa"},
                    headers=people["planner"])
    assert r.status_code == 201, r.text


def test_delete_needs_a_reason_and_planners_restore(browser, made, people, client, conn):
    assert client.post(f"{made}/progress", json={
        "metric": "construction_pct", "value": 30, "valid_on": "2025-01-31",
        "note": "báo cáo huyện"}, headers=people["planner"]).status_code == 201
    sign_in(browser)
    h = {"X-CSRF-Token": csrf_of(browser)}
    assert browser.delete(made, headers=h).status_code == 400  # no reason
    assert client.get(made).status_code == 200
    assert browser.delete(made, params={"reason": "trùng với dự án khác"},
                          headers=h).status_code == 204
    # the latest delete of that id (another test may have deleted one of the same id)
    assert conn.execute("SELECT reason FROM audit_log WHERE feature_id = 't-ses-1' AND "
                        "action = 'delete' ORDER BY id DESC LIMIT 1"
                        ).fetchone()[0] == "trùng với dự án khác"
    # the officer may not list or restore; a planner may
    assert browser.get("/collections/projects/deleted").status_code == 403
    listed = client.get("/collections/projects/deleted", headers=people["planner"]).json()
    assert {"id": "t-ses-1", "reason": "trùng với dự án khác"}.items() <= \
        next(d for d in listed if d["id"] == "t-ses-1").items()
    r = client.post(f"{made}/restore", params={"reason": "xóa nhầm"}, headers=people["planner"])
    assert r.status_code == 201, r.text
    assert client.get(made).json()["properties"]["name"] == "Cầu phiên làm việc"
    assert conn.execute("SELECT count(*) FROM progress_snapshot WHERE feature_id = 't-ses-1' "
                        "AND note = 'báo cáo huyện'").fetchone()[0] == 1
    assert client.post(f"{made}/restore", headers=people["planner"]).status_code == 404


def test_officers_do_not_change_features_of_several_districts(browser, client, people,
                                                               point_in, cleanup, conn):
    lon, lat = point_in("916")
    cleanup.append("t-ses-2")
    assert client.post(ITEMS, json=point_feature("t-ses-2", lon, lat, districts=["916", "919"]),
                       headers=people["planner"]).status_code == 201
    sign_in(browser)
    r = browser.patch(f"{ITEMS}/t-ses-2", json={"properties": {"status": "completed"}},
                      headers={"If-Match": '"1"', "X-CSRF-Token": csrf_of(browser)})
    assert r.status_code == 403 and "several districts" in r.json()["description"]
    assert conn.execute("SELECT version FROM infra_project WHERE id = 't-ses-2'"
                        ).fetchone()[0] == 1


def test_tokens_expire(client, conn, made):
    token = create_token(conn, "s_planner", "expiring", 1)
    conn.commit()
    h = {"Authorization": f"Bearer {token}"}
    body = {"properties": {"status": "completed"}}
    assert client.patch(made, json=body, headers=h).status_code == 200
    conn.execute("UPDATE api_token SET expires_at = now() - interval '1 second' WHERE name = "
                 "'expiring'")
    conn.commit()
    r = client.patch(made, json=body, headers=h)
    assert r.status_code == 401 and "expired" in r.json()["description"]
