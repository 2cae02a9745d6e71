"""A planner imports a file on the upload page (#12), in Debian's headless Chromium against
a real uvicorn server (other hosts blocked): sign in, choose a GeoPackage the test makes,
check it (dry run: the field mapping prefilled from the registry's labels, the rows on
the preview map, nothing written), write it, and find the features in the API."""

from __future__ import annotations

import json
import urllib.request

import geopandas as gpd
import psycopg
import pytest
import shapely
from browser_flow import run_explained
from imports.conftest import remove_imports
from test_maps_browser import browser as _browser  # noqa: F401  (the Chromium fixture)

from gis.passwords import hash_password
from gis.users import create_user

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

PASSWORD = "kế hoạch Cần Thơ 12"
IDS = ("imp-br-1", "imp-br-2")
browser = _browser


@pytest.fixture(scope="module")
def server(live_server):
    return str(live_server)


@pytest.fixture(scope="module")
def planner(db_url, server):
    with psycopg.connect(db_url) as c:
        create_user(c, "b_importer", "planner", None, hash_password(PASSWORD))
        inside = [c.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                            "FROM admin_district WHERE code = %s) x", (code,)).fetchone()
                  for code in ("919", "917")]
    yield inside
    remove_imports(db_url, "imp-br-%")


def _gpkg(path, inside):
    """Columns as a department names them: the Vietnamese label for the name."""
    frame = gpd.GeoDataFrame({
        "id": list(IDS), "Tên": ["Kè sông Cái Răng", "Kè sông Ô Môn"],
        "districts": ["919", "917"], "geom_quality": ["indicative"] * 2,
        "valid_on": ["2024-06-30"] * 2, "kind": ["drainage"] * 2},
        geometry=[shapely.Point(*xy) for xy in inside], crs="EPSG:4326")
    frame.to_file(path, driver="GPKG", layer="ke")
    return path


def wait(driver, condition, timeout=30):
    return WebDriverWait(driver, timeout).until(condition)


def state(driver):
    return driver.execute_script("return document.body.dataset.importState || ''")


def get_item(server, fid):
    try:
        with urllib.request.urlopen(f"{server}/collections/projects/items/{fid}?f=json",
                                    timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def test_planner_imports_a_geopackage(browser, server, planner, tmp_path):
    run_explained(browser, "document.getElementById('summary')?.textContent || ''",
                  _flow, browser, server, planner, tmp_path)


def _flow(b, server, inside, tmp_path):
    path = _gpkg(tmp_path / "ke_song.gpkg", inside)
    b.get(f"{server}/signin?next=/import/features")
    b.find_element(By.ID, "username").send_keys("b_importer")
    b.find_element(By.ID, "password").send_keys(PASSWORD)
    b.find_element(By.CSS_SELECTOR, "#signin-form button").click()
    wait(b, lambda d: d.current_url.rstrip("/").endswith("/import/features")
         and d.execute_script("return document.body.dataset.importReady") == "1")
    assert "b_importer" in b.find_element(By.ID, "who").text
    Select(b.find_element(By.ID, "layer")).select_by_value("projects")
    b.find_element(By.ID, "file").send_keys(str(path))
    b.find_element(By.ID, "check").click()
    wait(b, lambda d: state(d) in ("checked", "refused", "error"))
    assert state(b) == "checked"
    summary = b.find_element(By.ID, "summary").text
    assert "2 mới / new" in summary and "0 lỗi / problems" in summary, summary
    assert "chưa ghi / not written" in summary
    # the mapping, prefilled: the label "Tên" is the field name, the rest by their names
    chosen = b.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#mapping select')]"
        ".map(s => [s.dataset.column, s.value]))")
    assert chosen["Tên"] == "name" and chosen["districts"] == "districts", chosen
    assert chosen["id"] == "id" and chosen["valid_on"] == "valid_on", chosen
    assert b.execute_script("return document.body.dataset.importPreview") == "2"
    assert get_item(server, IDS[0])[0] == 404  # the dry run wrote nothing
    write = b.find_element(By.ID, "write")
    assert write.is_enabled()
    write.click()
    wait(b, lambda d: state(d) in ("written", "refused", "error"))
    assert state(b) == "written", b.find_element(By.ID, "summary").text
    assert "đã ghi / written" in b.find_element(By.ID, "summary").text
    for fid, name in zip(IDS, ("Kè sông Cái Răng", "Kè sông Ô Môn"), strict=True):
        status, body = get_item(server, fid)
        assert status == 200, fid
        assert body["properties"]["name"] == name
        assert body["properties"]["source_ref"] == f"ke_song.gpkg, row {IDS.index(fid) + 1}"
