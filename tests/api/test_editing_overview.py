"""What a signed-in user may edit, as an overview (``/session/editable``: an officer's
own features, and those of their district they may not change with the reason), and the
planners' page of deleted features (``/collections/{id}/deleted`` as HTML, Restore
buttons posting with the CSRF token), #10 §2."""

from __future__ import annotations

import re

import test_sessions as ses

browser, people, made = ses.browser, ses.people, ses.made  # app: tests/api/conftest.py
ITEMS, csrf_of, sign_in, point_feature = ses.ITEMS, ses.csrf_of, ses.sign_in, ses.point_feature


def _layer(overview: dict, layer_id: str) -> dict:
    return next(la for la in overview["layers"] if la["layer"] == layer_id)


def test_officer_sees_what_they_may_edit_and_why_not(browser, client, people, point_in,
                                                     cleanup):
    lon, lat = point_in("916")
    cleanup += ["t-ov-1", "t-ov-2"]
    for fid, districts in (("t-ov-1", ["916"]), ("t-ov-2", ["916", "919"])):
        r = client.post(ITEMS, json=point_feature(fid, lon, lat, districts=districts,
                                                  name=f"Cầu tổng quan {fid}"),
                        headers=people["planner"])
        assert r.status_code == 201, r.text
    assert browser.get("/session/editable").status_code == 401
    sign_in(browser)
    overview = browser.get("/session/editable").json()
    assert overview["user"] == "s_officer" and not overview["everything"]
    projects = _layer(overview, "projects")
    mine = {f["id"] for f in projects["mine"]}
    refused = {f["id"]: f for f in projects["refused"]}
    assert "t-ov-1" in mine and "t-ov-2" not in mine
    assert "nhiều quận/huyện" in refused["t-ov-2"]["reason_vi"]
    assert "several districts" in refused["t-ov-2"]["reason"]
    assert all("916" in f["districts"] for f in projects["mine"])
    assert "deleted" not in projects  # officers do not restore
    # a planner may change everything, and reaches the deleted features
    browser.post("/signout", data={"csrf_token": csrf_of(browser)})
    sign_in(browser, "s_planner")
    overview = browser.get("/session/editable").json()
    projects = _layer(overview, "projects")
    assert overview["everything"] and projects["count"] > 0
    assert projects["deleted"] == "/collections/projects/deleted"


def test_deleted_features_page_restores_with_csrf(browser, made, client, people, conn):
    r = client.delete(made, params={"reason": "nhập trùng"}, headers=people["planner"])
    assert r.status_code == 204
    page = "/collections/projects/deleted?f=html"
    r = browser.get(page, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    sign_in(browser)  # an officer: not for them
    refused = browser.get(page)
    assert refused.status_code == 403 and "Chỉ cán bộ quy hoạch" in refused.text
    browser.post("/signout", data={"csrf_token": csrf_of(browser)})
    sign_in(browser, "s_planner")
    html = browser.get("/collections/projects/deleted",
                       headers={"Accept": "text/html,application/xhtml+xml"}).text
    row = re.search(r'<tr data-id="t-ses-1">(.*?)</tr>', html, re.S).group(1)
    assert "Cầu phiên làm việc" in row and "s_planner" in row and "nhập trùng" in row
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", row) and "Khôi phục" in row
    assert "Restore" in browser.get(page + "&lang=en").text
    form = {"feature": "t-ses-1", "reason": "xóa nhầm"}
    assert browser.post("/collections/projects/deleted", data=form).status_code == 403
    assert client.get(made).status_code == 404  # nothing restored without the token
    r = browser.post("/collections/projects/deleted", data={**form, "csrf_token":
                                                            csrf_of(browser)},
                     follow_redirects=False)
    assert r.status_code == 303 and "restored=t-ses-1" in r.headers["location"]
    assert client.get(made).json()["properties"]["name"] == "Cầu phiên làm việc"
    assert conn.execute("SELECT user_name, reason FROM audit_log WHERE feature_id = 't-ses-1' "
                        "AND action = 'restore' ORDER BY id DESC").fetchone() == (
        "s_planner", "xóa nhầm")
    after = browser.get(r.headers["location"]).text
    assert 'id="restored"' in after and 'data-id="t-ses-1"' not in after
    # linked from the admin pages (the planner's map links come from /session/editable)
    assert "/collections/projects/deleted?f=html" in _admin_page(browser, conn)


def _admin_page(browser, conn) -> str:
    from gis.passwords import hash_password
    from gis.users import create_user

    if not conn.execute("SELECT 1 FROM app_user WHERE name = 'ov_admin'").fetchone():
        create_user(conn, "ov_admin", "admin", None, hash_password(ses.PASSWORD))
        conn.commit()
    browser.post("/signout", data={"csrf_token": csrf_of(browser)})
    sign_in(browser, "ov_admin")
    return browser.get("/admin/audit").text


def test_the_figure_form_is_made_from_the_registry(client):
    """Periods (with the years each takes), qualifiers and the start-year field come from
    layers/ (the browser's figure form builds its inputs from them)."""
    from layers import registry
    from layers.figures import PERIOD_KINDS, QUALIFIERS

    form = client.get("/collections/projects/form").json()
    assert [k["value"] for k in form["periods"]] == [k.value for k in PERIOD_KINDS]
    assert [(k["label_vi"], k["years"]) for k in form["periods"]] == [
        (k.label_vi, k.years) for k in PERIOD_KINDS]
    assert [(q["value"], q["label_vi"]) for q in form["qualifiers"]] == [
        (q.value, q.label_vi) for q in QUALIFIERS]
    assert form["starts_field"] == registry.get("projects").starts_field
    periodic = {m["name"]: m["periodic"] for m in form["metrics"]}
    assert periodic["capital_disbursed_bil_vnd"] and not periodic["construction_pct"]
