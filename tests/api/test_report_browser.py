"""A planner imports a report in the browser (#11 §4), in Debian's headless Chromium
against a real uvicorn server (other hosts blocked): the page sends them to sign in and
back, they upload a .docx made here, see the review table, resolve the unmatched row to a
feature, review again and apply; the new figure is on the feature (API and history page)
and the printed percentage its figures contradict is flagged in the feature's popup."""

from __future__ import annotations

import json
import urllib.request
from datetime import date

import psycopg
import pytest
from browser_flow import run_explained
from report_docs import forget, make_docx
from test_maps_browser import browser as _browser  # noqa: F401  (the Chromium fixture)
from test_maps_browser import wait_ready

from gis.passwords import hash_password
from gis.users import create_token, create_user

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PASSWORD = "quy hoạch Cần Thơ 2025"
DOC = "48-BC-UBND"
browser = _browser
FEATURES = {"t-rb-1": "Cầu kênh Thử Nghiệm Số Bảy", "t-rb-2": "Trạm bơm rạch Thử Nghiệm"}
ROWS = [
    ("1", "Cầu kênh Thử Nghiệm Số Bảy", "- Kế hoạch vốn năm 2025 bố trí 20 tỷ đồng, giải "
     "ngân đến nay là 5 tỷ đồng, đạt 30% kế hoạch giao."),
    ("2", "Hạng mục phụ trợ chưa có tên trên bản đồ", "Đã hoàn thành 4/9 gói thầu."),
]


@pytest.fixture(scope="module")
def server(live_server):
    return str(live_server)


def api(base, path, token):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=20) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def setup(db_url, server):
    with psycopg.connect(db_url) as c:
        create_user(c, "rb_planner", "planner", None, hash_password(PASSWORD))
        token = create_token(c, "rb_planner")
        lon, lat = c.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                             "FROM admin_district WHERE code = '916') x").fetchone()
    for i, (fid, name) in enumerate(FEATURES.items()):
        body = {"type": "Feature", "id": fid,
                "geometry": {"type": "Point", "coordinates": [lon + i / 1000, lat]},
                "properties": {"name": name, "kind": "bridge", "districts": ["916"],
                               "geom_quality": "surveyed", "source_doc": "002",
                               "source_line": 10, "valid_on": "2024-11-15"}}
        req = urllib.request.Request(
            f"{server}/collections/projects/items", method="POST",
            data=json.dumps(body).encode(), headers={"Authorization": f"Bearer {token}",
                                                     "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            assert r.status == 201
    yield {"token": token}
    with psycopg.connect(db_url) as c:
        forget(c, DOC)
        c.execute("DELETE FROM progress_snapshot WHERE feature_id = ANY(%s)", (list(FEATURES),))
        c.execute("DELETE FROM infra_project WHERE id = ANY(%s)", (list(FEATURES),))


def wait(driver, condition, timeout=30):
    return WebDriverWait(driver, timeout).until(condition)


def text(el) -> str:
    """What an element says, seen or scrolled out of view."""
    return " ".join(el.get_attribute("textContent").split())


def state(driver):
    return driver.execute_script("return document.body.dataset.reportState || ''")


def test_planner_imports_a_report(browser, server, setup, tmp_path):
    run_explained(browser, "(document.getElementById('message')?.textContent || '') + ' | ' "
                  "+ (document.querySelector('#review, #refused, #signin-error')?.innerText "
                  "|| '').slice(0, 800)", planner_flow, browser, server, setup, tmp_path)


def planner_flow(b, server, setup, tmp_path):
    path = make_docx(tmp_path / "bc48.docx", ROWS, "48/BC-UBND", date(2025, 3, 20))
    b.get(f"{server}/reports/import")  # not signed in: to the sign-in page, and back
    wait(b, lambda d: "/signin" in d.current_url)
    b.find_element(By.ID, "username").send_keys("rb_planner")
    b.find_element(By.ID, "password").send_keys(PASSWORD)
    b.find_element(By.CSS_SELECTOR, "#signin-form button").click()
    wait(b, lambda d: d.current_url.endswith("/reports/import")
         and d.find_elements(By.ID, "report-form"))
    assert "rb_planner" in text(b.find_element(By.ID, "signed-in"))

    b.find_element(By.ID, "file").send_keys(str(path))
    b.find_element(By.ID, "review-button").click()
    wait(b, lambda d: state(d) == "reviewed")
    row1 = b.find_element(By.CSS_SELECTOR, '#review tr[data-row="III/1"]')
    assert row1.get_attribute("data-match") == "matched" and "t-rb-1" in text(row1)
    assert "KHÔNG KHỚP" in text(row1)  # 5 of 20 is 25%, the report prints 30%
    row2 = b.find_element(By.CSS_SELECTOR, '#review tr[data-row="III/2"]')
    assert row2.get_attribute("data-match") != "matched"
    b.set_window_size(390, 844)  # a phone: the page fits, the table scrolls in its box
    try:
        wait(b, lambda d: d.execute_script("return window.innerWidth") <= 390)
        assert b.execute_script("return document.documentElement.scrollWidth") <= 390
    finally:
        b.set_window_size(1400, 900)

    # resolve the unmatched row to a feature, review again: its figures appear
    row2.find_element(By.NAME, "match_id").send_keys("t-rb-2")
    b.find_element(By.ID, "review-button").click()
    wait(b, lambda d: d.find_elements(
        By.CSS_SELECTOR, '#review tr[data-row="III/2"][data-match="matched"]'))
    row2 = b.find_element(By.CSS_SELECTOR, '#review tr[data-row="III/2"]')
    assert "t-rb-2" in text(row2) and row2.find_elements(
        By.CSS_SELECTOR, 'li[data-metric="packages_done"][data-state="new"]')

    b.find_element(By.ID, "apply-button").click()
    wait(b, lambda d: state(d) == "applied" and d.find_elements(
        By.CSS_SELECTOR, '#review[data-applied="yes"]'))

    # the new figure is on the feature, sourced to the report
    figures = api(server, "/collections/projects/items/t-rb-2/progress", setup["token"])
    done = [f for f in figures["progress"] if f["metric"] == "packages_done"]
    assert [(f["value"], f["valid_on"], f["source_doc"]) for f in done] == [
        (4, "2025-03-20", DOC)], done
    b.get(f"{server}/collections/projects/items/t-rb-2/history")
    wait(b, lambda d: d.execute_script("return document.body.dataset.charts") is not None)
    table = b.find_element(By.CSS_SELECTOR, 'table.history[data-metric="packages_done"]')
    assert "20/03/2025" in text(table) and "4 " in text(table)

    # the wrong printed percentage: the figure as printed, the recomputation beside it
    item = api(server, "/collections/projects/items/t-rb-1", setup["token"])["properties"]
    assert item["disbursement_pct"] == 30
    assert [(c["field"], c["value"], c["derived"], c["source_doc"])
            for c in item["conflicts"]] == [("disbursement_pct", "25", True, DOC)]
    b.get(f"{server}/maps")
    wait_ready(b)
    b.execute_script("window.mapsApp.index['projects/t-rb-1'].openPopup()")
    box = wait(b, lambda d: d.find_element(
        By.CSS_SELECTOR, '.leaflet-popup .popup[data-id="t-rb-1"] .conflicts'))
    # (the popup scrolls: part of it may be out of its view, hence textContent)
    said = text(box)
    assert "25 %" in said and "48/BC-UBND" in said and "dòng 5" in said, said
    assert "tính lại" in said and "recomputed" not in said, said  # the note in Vietnamese
    flag = b.find_element(By.CSS_SELECTOR, '.leaflet-popup .metric[data-metric='
                          '"disbursement_pct"] .flag.contradicted')
    assert "mâu thuẫn" in text(flag)

    # the map in English: the conflict's note is its English text (note_en), alone
    b.find_element(By.ID, "lang").click()
    try:
        def english_note(d):
            d.execute_script("const m = window.mapsApp.index['projects/t-rb-1'];"
                             " if (m && !m.isPopupOpen()) m.openPopup()")
            notes = d.find_elements(By.CSS_SELECTOR, '.leaflet-popup .popup[data-id="t-rb-1"]'
                                    ' .conflicts .cnote')
            return notes and "recomputed" in text(notes[0]) and notes[0]
        assert "tính lại" not in text(wait(b, english_note))
    finally:
        b.execute_script("localStorage.setItem('maps.lang', 'vi')")
