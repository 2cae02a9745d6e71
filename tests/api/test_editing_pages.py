"""The pages of #10 §3: a feature's history (one chart per metric, figures with their
source's title, who entered them and what they replaced), /admin/audit (HTML and JSON,
filters, before/after, refused writes) and /admin/people (users and tokens)."""

from __future__ import annotations

import re

import psycopg
import pytest
import test_sessions as ses

from gis.passwords import hash_password
from gis.users import create_user

# the browser, the people and their project of test_sessions
browser, people, made = ses.browser, ses.people, ses.made
PASSWORD, csrf_of, sign_in = ses.PASSWORD, ses.csrf_of, ses.sign_in


@pytest.fixture(scope="module")
def app(db_url):
    from api.app import create_app

    with psycopg.connect(db_url) as c:
        create_user(c, "s_admin", "admin", None, hash_password(PASSWORD))
    return create_app(db_url)


def test_history_page_charts_each_metric_and_names_sources(client, made, people):
    for value, day in (("20,5", "2025-01-31"), ("45", "2025-03-31")):
        r = client.post(f"{made}/progress", json={
            "metric": "construction_pct", "value": value, "valid_on": day,
            "source": {"doc": "002", "line": 120}}, headers=people["planner"])
        assert r.status_code == 201, r.text
    page = client.get(f"{made}/history")
    assert page.status_code == 200
    assert 'id="chart-construction_pct"' in page.text and "chart.umd.min.js" in page.text
    assert client.get("/maps/vendor/chartjs/chart.umd.min.js").status_code == 200
    rows = re.findall(r'<tr data-id="\d+">(.*?)</tr>', page.text, re.S)
    assert "45 %" in rows[0] and "31/03/2025" in rows[0] and "s_planner" in rows[0]
    assert "20,5 %" in rows[0]  # the figure it replaced
    assert re.search(r"(Báo cáo|Kế hoạch|\d+/)[^<]*, dòng 120", rows[0])
    assert "tại thời điểm" in rows[0]  # the period as a person reads it
    r = client.post(f"{made}/progress", json={
        "metric": "capital_disbursed_bil_vnd", "value": "12,5", "valid_on": "2025-03-31",
        "period": "year:2025", "qualifier": "about", "source": {"doc": "002", "line": 121}},
        headers=people["planner"])
    assert r.status_code == 201, r.text
    money = re.search(r'<table class="history" data-metric="capital_disbursed_bil_vnd">(.*?)'
                      r'</table>', client.get(f"{made}/history").text, re.S).group(1)
    assert "≈ 12,5 tỷ đồng" in money and "năm 2025" in money and "year:2025" not in money
    assert client.get("/collections/projects/items/t-no-such/history").status_code == 404


def test_audit_page_and_json_for_admins_only(browser, made, client, people):
    assert client.get("/admin/audit?f=json", headers=people["planner"]).status_code == 403
    r = browser.get("/admin/audit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    sign_in(browser, "s_admin")
    page = browser.get("/admin/audit", params={"feature": "t-ses-1"})
    assert page.status_code == 200 and 'data-action="create"' in page.text
    entries = browser.get("/admin/audit", params={"f": "json", "feature": "t-ses-1",
                                                   "action": "create"}).json()
    assert entries and {e["user"] for e in entries} == {"s_planner"}
    assert browser.get("/admin/audit", params={"from": "31/02/2025"}).status_code == 400
    # before and after side by side for an update
    assert client.patch(made, json={"properties": {"name": "Tên mới"}},
                        headers=people["planner"]).status_code == 200
    page = browser.get("/admin/audit", params={"feature": "t-ses-1", "action": "update"})
    assert re.search(r'<th>name</th><td class="before">Cầu phiên làm việc</td>'
                     r'<td class="after">Tên mới</td>', page.text)


def test_people_page_adds_users_and_tokens_with_csrf(browser, conn):
    sign_in(browser, "s_admin")
    page = browser.get("/admin/people")
    assert page.status_code == 200 and "s_officer" in page.text
    form = {"action": "add", "name": "s_new", "role": "district_officer", "district": "916",
            "password": "một mật khẩu dài"}
    assert browser.post("/admin/people", data=form).status_code == 403  # no CSRF token
    r = browser.post("/admin/people", data={**form, "csrf_token": csrf_of(browser)},
                     follow_redirects=False)
    assert r.status_code == 303
    assert conn.execute("SELECT district_code FROM app_user WHERE name = 's_new'"
                        ).fetchone() == ("916",)
    r = browser.post("/admin/people", data={"action": "token", "name": "s_new",
                                            "label": "thử", "csrf_token": csrf_of(browser)})
    token = re.search(r'id="issued-token">(ctg_[^<]+)<', r.text).group(1)
    assert "ctg_" not in browser.get("/admin/people").text  # shown once
    assert conn.execute("SELECT name FROM api_token WHERE token_sha256 = "
                        "encode(sha256(%s::bytea), 'hex')", (token,)).fetchone() == ("thử",)
