"""A district officer in Debian's headless Chromium (other hosts blocked), #10 §2: sees
what they may edit ("Bạn có thể sửa", and why not for a feature of several districts),
adds a figure with its period and qualifier (a date before the work's start refused next
to the date field), moves a point and a line's vertex with leaflet-geoman (driven
through geoman's own layer and vertex markers; the page's Save runs) and is refused when
the moved point leaves the district, by the page and by the API."""

from __future__ import annotations

import psycopg
import pytest
from browser_flow import FORM_ERRORS, run_explained
from test_editing_browser import PASSWORD, api, click_action, fill, popup_for, saved, wait
from test_editing_browser import browser as _browser  # noqa: F401  (the Chromium fixture)
from test_maps_browser import wait_ready

from gis.passwords import hash_password
from gis.users import create_token, create_user

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

browser = _browser
ITEMS = "/collections/projects/items"
MADE = ("t-gm-pt", "t-gm-line", "t-gm-multi")


@pytest.fixture(scope="module")
def server(live_server):
    return str(live_server)


def project(fid, geometry, districts, **props):
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {
        "name": f"Công trình {fid}", "kind": "road", "districts": districts,
        "geom_quality": "surveyed", "source_doc": "002", "source_line": 10,
        "valid_on": "2024-11-15", **props}}


@pytest.fixture(scope="module")
def setup(db_url, server):
    with psycopg.connect(db_url) as c:
        create_user(c, "g_officer", "district_officer", "916", hash_password(PASSWORD))
        create_user(c, "g_planner", "planner", None)
        token = create_token(c, "g_planner")
        # a point, a line's ends and a vertex's new place inside 916; a point inside 919
        (x, y), = c.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                            "FROM admin_district WHERE code = '916') q").fetchall()
        pts = {"pt": (x, y), "a": (x + 0.002, y), "b": (x + 0.004, y + 0.001),
               "moved": (x + 0.001, y + 0.0015), "vertex": (x + 0.003, y + 0.002)}
        for name, (px, py) in pts.items():
            assert c.execute("SELECT ST_Within(ST_SetSRID(ST_Point(%s, %s), 4326), geom) FROM "
                             "admin_district WHERE code = '916'", (px, py)).fetchone()[0], name
        pts["away"] = c.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) "
                                "p FROM admin_district WHERE code = '919') q").fetchone()
    point = {"type": "Point", "coordinates": list(pts["pt"])}
    line = {"type": "LineString", "coordinates": [list(pts["a"]), list(pts["pt"]),
                                                  list(pts["b"])]}
    for body in (project("t-gm-pt", point, ["916"], period_start=2024),
                 project("t-gm-line", line, ["916"]),
                 project("t-gm-multi", point, ["916", "919"])):
        status, out = api(server, "POST", ITEMS, token, body)
        assert status == 201, out
    yield {"token": token, "pts": pts}
    with psycopg.connect(db_url) as c:
        c.execute("DELETE FROM progress_snapshot WHERE feature_id = ANY(%s)", (list(MADE),))
        c.execute("DELETE FROM infra_project WHERE id = ANY(%s)", (list(MADE),))


def stored(db_url, fid):
    with psycopg.connect(db_url) as c:
        return c.execute("SELECT ST_AsText(geom), version FROM infra_project WHERE id = %s",
                         (fid,)).fetchone()


def coords(db_url, fid, n=None):
    q = "ST_PointN(geom, %s)" if n else "geom"
    with psycopg.connect(db_url) as c:
        return c.execute(f"SELECT ST_X({q}), ST_Y({q}) FROM infra_project WHERE id = %s",
                         ((n, n, fid) if n else (fid,))).fetchone()


def close(a, b):
    return abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6


def test_officer_geometry_and_figures(browser, server, db_url, setup):
    run_explained(browser, FORM_ERRORS, flow, browser, server, db_url, setup)


def sign_in(b, server):
    b.get(f"{server}/signin?next=/maps")
    b.find_element(By.ID, "username").send_keys("g_officer")
    b.find_element(By.ID, "password").send_keys(PASSWORD)
    b.find_element(By.CSS_SELECTOR, "#signin-form button").click()
    wait(b, lambda d: d.execute_script("return document.body.dataset.editReady") == "signed-in")
    return wait_ready(b)


def flow(b, server, db_url, setup):
    pts = setup["pts"]
    ready = sign_in(b, server)

    # what the officer may edit: their features listed and marked, the others with why
    box = wait(b, lambda d: d.find_element(By.CSS_SELECTOR, '#may-edit[data-ready="1"]'))
    mine = box.find_element(By.CSS_SELECTOR, '[data-layer="projects"] ul.mine')
    assert "Công trình t-gm-pt" in mine.text and "Công trình t-gm-multi" not in mine.text
    refused = box.find_element(By.CSS_SELECTOR, '[data-layer="projects"] ul.refused')
    row = next(li for li in refused.find_elements(By.TAG_NAME, "li")
               if "t-gm-multi" in li.text)
    assert "nhiều quận/huyện" in row.text
    assert wait(b, lambda d: d.execute_script(
        "return window.mapsApp.index['projects/t-gm-pt'].getElement()"
        ".classList.contains('may-edit')"))
    assert not b.execute_script("return window.mapsApp.index['projects/t-gm-multi']"
                                ".getElement().classList.contains('may-edit')")
    b.find_element(By.ID, "lang").click()  # the English switch
    wait(b, lambda d: "You may edit" in d.find_element(By.ID, "may-edit").text)
    b.find_element(By.ID, "lang").click()
    wait(b, lambda d: "Bạn có thể sửa" in d.find_element(By.ID, "may-edit").text)

    # a figure with its period and qualifier; a date before the work's start is refused
    d = click_action(b, "t-gm-pt", "add_figure")
    Select(d.find_element(By.NAME, "metric")).select_by_value("capital_disbursed_bil_vnd")
    fill(d, "value", "1.234,5")
    fill(d, "valid_on", "31/12/2023")
    fill(d, "note", "Báo cáo của phòng")
    d.find_element(By.CSS_SELECTOR, "#figure-form button[type=submit]").click()
    err = d.find_element(By.CSS_SELECTOR, '.field-error[data-for="valid_on"]')
    wait(b, lambda _: err.text)
    assert "năm bắt đầu" in err.text and "2024" in err.text
    assert "kỳ" in d.find_element(By.CSS_SELECTOR, '.field-error[data-for="period"]').text
    fill(d, "valid_on", "15/01/2025")
    Select(d.find_element(By.NAME, "period")).select_by_value("multi_year")
    assert d.find_element(By.NAME, "period_to").is_displayed()
    Select(d.find_element(By.NAME, "period")).select_by_value("year")
    assert not d.find_element(By.NAME, "period_to").is_displayed()
    fill(d, "period_from", "2025")
    Select(d.find_element(By.NAME, "qualifier")).select_by_value("about")
    d.find_element(By.CSS_SELECTOR, "#figure-form button[type=submit]").click()
    ready = saved(b, ready)
    with psycopg.connect(db_url) as c:
        assert c.execute(
            "SELECT value, period, qualifier FROM progress_snapshot WHERE feature_id = "
            "'t-gm-pt' AND metric = 'capital_disbursed_bil_vnd'").fetchall() == [
            (1234.5, "year:2025", "about")]

    # move the point with geoman: Save sends it, the database has the new place (zoomed
    # in, so that geoman's snapping, 15 px, does not pull the new places onto a neighbour)
    b.execute_script(f"window.mapsApp.map.setView([{pts['pt'][1]}, {pts['pt'][0]}], 16)")
    ready = wait_ready(b, ready - 1)
    before = stored(db_url, "t-gm-pt")
    click_action_bar(b, "t-gm-pt")
    lon, lat = pts["moved"]
    b.execute_script(f"""const s = window.gisEdit.editing;
        s.fire('dragstart'); s.setLatLng([{lat}, {lon}]); s.fire('drag'); s.fire('dragend');""")
    b.find_element(By.ID, "geom-save").click()
    wait(b, lambda d: not d.find_elements(By.ID, "geom-bar"))
    assert close(coords(db_url, "t-gm-pt"), pts["moved"])
    assert stored(db_url, "t-gm-pt")[1] > before[1]
    ready = wait_ready(b, ready)

    # a vertex of the line, dragged through geoman's vertex marker
    click_action_bar(b, "t-gm-line")
    lon, lat = pts["vertex"]
    moved = b.execute_script(f"""const s = window.gisEdit.editing;
        const m = s.pm._markers.flat(Infinity)[1];
        m.fire('dragstart'); m.setLatLng([{lat}, {lon}]); m.fire('drag'); m.fire('dragend');
        return s.getLatLngs().flat(Infinity).map(p => [p.lng, p.lat]);""")
    assert close(moved[1], pts["vertex"])  # geoman moved the line's vertex
    b.find_element(By.ID, "geom-save").click()
    wait(b, lambda d: not d.find_elements(By.ID, "geom-bar"))
    assert close(coords(db_url, "t-gm-line", 2), pts["vertex"])
    assert close(coords(db_url, "t-gm-line", 1), pts["a"])  # the others stay
    ready = wait_ready(b, ready)

    # out of the district: the page refuses it ...
    before = stored(db_url, "t-gm-pt")
    bar = click_action_bar(b, "t-gm-pt")
    lon, lat = pts["away"]
    b.execute_script(f"window.gisEdit.editing.setLatLng([{lat}, {lon}])")
    bar.find_element(By.ID, "geom-save").click()
    err = bar.find_element(By.CSS_SELECTOR, ".form-error")
    wait(b, lambda _: err.text)
    assert "ngoài quận/huyện của bạn" in err.text
    assert stored(db_url, "t-gm-pt") == before
    # ... and so does the API, where the page has no districts to check against
    b.execute_script("const a = window.mapsApp; a.savedDistricts = a.data[a.cfg.district_layer];"
                     " a.data[a.cfg.district_layer] = [];")
    err_text = b.execute_script("return arguments[0].textContent", err)
    bar.find_element(By.ID, "geom-save").click()
    wait(b, lambda _: err.text and err.text != err_text)
    assert "916" in err.text and "nằm ngoài quận/huyện 916" in err.text  # the API, in Vietnamese
    assert stored(db_url, "t-gm-pt") == before  # nothing written
    b.execute_script("const a = window.mapsApp; a.data[a.cfg.district_layer] = a.savedDistricts;")
    bar.find_element(By.ID, "geom-cancel").click()
    # the district view shows the same overview
    b.get(f"{server}/maps/district/916")
    box = wait(b, lambda d: d.find_element(By.CSS_SELECTOR, '#may-edit[data-ready="1"]'))
    projects = box.find_element(By.CSS_SELECTOR, '[data-layer="projects"]')
    assert "Công trình t-gm-pt" in projects.find_element(By.CSS_SELECTOR, "ul.mine").text
    assert "t-gm-multi" in projects.find_element(By.CSS_SELECTOR, "ul.refused").text
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT status FROM audit_log WHERE user_name = 'g_officer' AND "
                         "action = 'refused_patch' AND feature_id = 't-gm-pt'"
                         ).fetchone() == (403,)


def click_action_bar(b, fid):
    popup_for(b, fid)
    wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "button.edit-geometry"))[0].click()
    bar = wait(b, lambda d: d.find_element(By.ID, "geom-bar"))
    wait(b, lambda d: d.execute_script("return !!window.gisEdit.editing"))
    return bar
