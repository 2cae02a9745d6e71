"""A district officer keeps the data current in the browser (#10 §4), in Debian's headless
Chromium against a real uvicorn server (other hosts blocked): sign in, edit an attribute,
add a figure in Vietnamese notation with a dd/mm/yyyy date (a future one refused), see it
on the map and in the history chart, draw a point, be refused outside the district, meet
a 412 from a concurrent edit and reapply, sign out."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import psycopg
import pytest
from browser_flow import FORM_ERRORS, run_explained
from test_maps_browser import browser as _browser  # noqa: F401  (the Chromium fixture)
from test_maps_browser import wait_ready

from gis.passwords import hash_password
from gis.users import create_token, create_user
from layers import registry

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

PASSWORD = "cán bộ Phong Điền 1"
browser = _browser


@pytest.fixture(scope="module")
def server(live_server):
    """The API over HTTP (tests/api/conftest.py: waits for a slow start on a busy machine)."""
    return str(live_server)


def api(base, method, path, token, body=None, headers=None):
    req = urllib.request.Request(base + path, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
        data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def feature(fid, lonlat, district):
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": lonlat},
            "properties": {"name": f"Cầu {fid}", "kind": "bridge", "districts": [district],
                           "geom_quality": "surveyed", "source_doc": "002", "source_line": 10,
                           "valid_on": "2024-11-15"}}


@pytest.fixture(scope="module")
def setup(db_url, server):
    with psycopg.connect(db_url) as c:
        create_user(c, "b_officer", "district_officer", "916", hash_password(PASSWORD))
        create_user(c, "b_planner", "planner", None)
        token = create_token(c, "b_planner")
        inside = {code: c.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) "
                                  "p FROM admin_district WHERE code = %s) x", (code,)).fetchone()
                  for code in ("916", "919")}
    made = []
    for fid, code in (("t-br-1", "916"), ("t-br-2", "919")):
        assert api(server, "POST", "/collections/projects/items", token,
                   feature(fid, list(inside[code]), code))[0] == 201
        made.append(fid)
    yield {"token": token, "inside": inside}
    with psycopg.connect(db_url) as c:
        c.execute("DELETE FROM infra_project WHERE id = ANY(%s)", (made + ["t-br-new"],))
        c.execute("DELETE FROM progress_snapshot WHERE feature_id = ANY(%s)", (made,))


def wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout).until(condition)


def popup_for(driver, fid):
    driver.execute_script(f"window.mapsApp.index['projects/{fid}'].openPopup()")
    return wait(driver, lambda d: d.find_element(
        By.CSS_SELECTOR, f'.leaflet-popup .popup[data-id="{fid}"] .edit-actions'))


def click_action(driver, fid, action):
    box = popup_for(driver, fid)
    wait(driver, lambda d: box.find_elements(By.CSS_SELECTOR, f"button.edit-{action}"))[0].click()
    return wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#edit-dialog[open]"))


def fill(dialog, name, value):
    el = dialog.find_element(By.NAME, name)
    el.clear()
    el.send_keys(value)


def saved(driver, after):
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "#edit-dialog[open]"))
    return wait_ready(driver, after)


def test_officer_flow(browser, server, setup):
    run_explained(browser, FORM_ERRORS + " + ' ' + (document.querySelector("
                  "'.leaflet-popup, dialog[open]')?.outerHTML || '').slice(0, 500)",
                  officer_flow, browser, server, setup)


def officer_flow(browser, server, setup):
    b, token = browser, setup["token"]
    b.get(f"{server}/signin?next=/maps")
    b.find_element(By.ID, "username").send_keys("b_officer")
    b.find_element(By.ID, "password").send_keys(PASSWORD)
    b.find_element(By.CSS_SELECTOR, "#signin-form button").click()
    wait(b, lambda d: d.execute_script("return document.body.dataset.editReady") == "signed-in")
    ready = wait_ready(b)
    assert "b_officer" in b.find_element(By.ID, "signed-in").text

    # edit an attribute
    d = click_action(b, "t-br-1", "edit")
    fill(d, "name", "Cầu đã sửa trên trình duyệt")
    d.find_element(By.CSS_SELECTOR, "#attr-form button[type=submit]").click()
    ready = saved(b, ready)
    status, item = api(server, "GET", "/collections/projects/items/t-br-1", token)
    assert item["properties"]["name"] == "Cầu đã sửa trên trình duyệt"

    # a figure dated in the future is refused by the form, next to the date
    d = click_action(b, "t-br-1", "add_figure")
    Select(d.find_element(By.NAME, "metric")).select_by_value("construction_pct")
    fill(d, "value", "45,5")
    future = (dt.date.today() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    fill(d, "valid_on", future)
    fill(d, "note", "Kiểm tra thực địa của phòng")
    d.find_element(By.CSS_SELECTOR, "#figure-form button[type=submit]").click()
    err = d.find_element(By.CSS_SELECTOR, '.field-error[data-for="valid_on"]')
    wait(b, lambda _: err.text)
    assert "tương lai" in err.text
    # the server refuses what the form could not know (the start year set meanwhile):
    # its Vietnamese message, next to the date
    start = registry.get("projects").starts_field
    item = "/collections/projects/items/t-br-1"
    assert api(server, "PATCH", item, token, {"properties": {start: 2030}})[0] == 200
    fill(d, "valid_on", "15/01/2025")
    d.find_element(By.CSS_SELECTOR, "#figure-form button[type=submit]").click()
    wait(b, lambda _: "trước năm bắt đầu" in err.text)
    assert "before the start" not in err.text and "01/01/2030" in err.text
    assert api(server, "PATCH", item, token, {"properties": {start: None}})[0] == 200
    d.find_element(By.CSS_SELECTOR, "#figure-form button[type=submit]").click()
    ready = saved(b, ready)
    status, history = api(server, "GET", "/collections/projects/items/t-br-1/progress", token)
    assert any(f["value"] == 45.5 and f["valid_on"] == "2025-01-15" for f in history["progress"])
    box = popup_for(b, "t-br-1")
    popup = box.find_element(By.XPATH, "..")
    assert "45,5" in popup.text  # the new figure on the map

    # 412: somebody changes the feature while the form is open; reapply ours
    d = click_action(b, "t-br-1", "edit")
    fill(d, "name", "Tên của cán bộ")
    assert api(server, "PATCH", "/collections/projects/items/t-br-1", token,
               {"properties": {"name": "Tên của người khác"}})[0] == 200
    d.find_element(By.CSS_SELECTOR, "#attr-form button[type=submit]").click()
    conflict = wait(b, lambda x: x.find_element(By.ID, "conflict"))
    assert "Tên của người khác" in conflict.text and "Tên của cán bộ" in conflict.text
    conflict.find_element(By.ID, "conflict-reapply").click()
    d = wait(b, lambda x: x.find_element(By.ID, "attr-form"))
    assert d.find_element(By.NAME, "name").get_attribute("value") == "Tên của cán bộ"
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    ready = saved(b, ready)
    assert api(server, "GET", "/collections/projects/items/t-br-1", token)[1][
        "properties"]["name"] == "Tên của cán bộ"

    # refused outside the district, with the reason
    box = popup_for(b, "t-br-2")
    refused = wait(b, lambda _: box.find_elements(By.CSS_SELECTOR, ".edit-refused"))[0]
    assert "916" in refused.text and not box.find_elements(By.CSS_SELECTOR, "button.edit-edit")
    b.execute_script("window.mapsApp.map.closePopup()")

    # draw a point inside the district
    lon, lat = setup["inside"]["916"]
    b.execute_script(f"window.mapsApp.map.setView([{lat}, {lon}], 14)")
    ready = wait_ready(b, ready - 1)
    Select(b.find_element(By.ID, "draw-layer")).select_by_value("projects")
    x, y = b.execute_script(
        f"const p = window.mapsApp.map.latLngToContainerPoint([{lat + 0.001}, {lon + 0.001}]);"
        "return [p.x, p.y]")
    mapel = b.find_element(By.ID, "map")
    ActionChains(b).move_to_element_with_offset(
        mapel, x - mapel.size["width"] / 2, y - mapel.size["height"] / 2).click().perform()
    d = wait(b, lambda x: x.find_element(By.ID, "new-form"))
    fill(d, "id", "t-br-new")
    fill(d, "name", "Cống mới vẽ")
    Select(d.find_element(By.NAME, "kind")).select_by_value("bridge")
    Select(d.find_element(By.NAME, "geom_quality")).select_by_value("indicative")
    fill(d, "source_doc", "002")
    fill(d, "source_line", "12")
    fill(d, "valid_on", "20/11/2024")
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    saved(b, ready)
    status, new = api(server, "GET", "/collections/projects/items/t-br-new", token)
    assert status == 200 and new["properties"]["districts"] == ["916"]
    assert new["geometry"]["type"] == "Point"

    # the history page charts the new figure
    b.get(f"{server}/collections/projects/items/t-br-1/history")
    wait(b, lambda d: d.execute_script("return document.body.dataset.charts") == "1")
    row = b.find_element(By.CSS_SELECTOR, "table.history tbody tr")
    assert "45,5 %" in row.text and "15/01/2025" in row.text and "b_officer" in row.text
    assert b.execute_script("return !!Chart.getChart('chart-construction_pct')")

    # sign out
    b.get(f"{server}/maps")
    wait(b, lambda d: d.find_elements(By.ID, "signout"))[0].click()
    wait(b, lambda d: "/signin" in d.current_url)
    b.get(f"{server}/session")
    assert '"user":null' in b.page_source.replace(" ", "")
