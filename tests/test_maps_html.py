"""Interactive HTML maps (folium): one self-contained file, opened from disk in Chromium
with every host blocked, the features drawn; the endpoint, the CLI and the Python API."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from layers import registry
from maps.paths import BOUNDARY_CREDIT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def test_html_export_is_self_contained(client):
    kind = registry.get("projects").field("kind").choices[0]
    r = client.get("/exports/map.html?district=918&layers=projects,flood_works"
                   f"&as_of=2024-06-30&kind={kind.value}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    from maps.interactive import remote_assets

    assert remote_assets(page) == []
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page
    assert "L.map(" in page and "Leaflet" in page  # Leaflet inlined from node_modules
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Quận Bình Thuỷ" in text
    assert f"Lọc: Bình Thuỷ, {kind.label_vi}; số liệu đến 30/06/2024" in text
    assert BOUNDARY_CREDIT in page
    assert registry.get("projects").title_vi in page  # layer control and legend


def test_html_bad_input(client):
    assert client.get("/exports/map.html?lang=fr").status_code == 400
    r = client.get("/exports/map.html?metric=nope")
    assert r.status_code == 400 and "metric" in r.json()["description"]
    assert client.get("/exports/map.html?district=999").status_code == 404


def test_folium_map_from_python_and_english(conn):
    import folium

    from maps import folium_map

    m = folium_map(layers=["projects"], district="916", lang="en", conn=conn)
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    assert "LEGEND" in page and "Filter: " in page and "latest data" in page
    assert "Progress unknown" in page or "0–25 %" in page


@pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                    reason="needs Debian's chromium and chromium-driver")
def test_html_file_draws_offline_in_chromium(db_url, tmp_path, conn):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    from gis.cli import main

    out = tmp_path / "ninh-kieu.html"
    r = CliRunner().invoke(main, ["map", "-o", str(out), "--district", "916",
                                  "--layers", "projects,flood_works"])
    assert r.exit_code == 0, r.output
    expected = sum(1 for layer in ("projects", "flood_works") for _ in conn.execute(
        f"SELECT 1 FROM {registry.get(layer).table}"
        " WHERE '916' = ANY(districts) AND geom IS NOT NULL"))
    profile = tempfile.mkdtemp(prefix="html-chromium-")
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--window-size=1200,900", "--host-resolver-rules=MAP * ~NOTFOUND"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(out.as_uri())
        drawn = "return document.querySelectorAll('.leaflet-overlay-pane path').length"
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(drawn) > 9)
        districts = conn.execute("SELECT count(*) FROM admin_district").fetchone()[0]
        assert driver.execute_script(drawn) >= districts + expected
        assert "LEGEND" not in driver.page_source and "CHÚ GIẢI" in driver.page_source
        driver.find_element("css selector", ".leaflet-overlay-pane path.leaflet-interactive")
        artifacts = Path(__file__).resolve().parent.parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        driver.save_screenshot(str(artifacts / "map-html-offline.png"))
        assert driver.execute_script(
            "return document.querySelectorAll('.leaflet-control-layers-overlays label').length"
        ) == 2
        requests = [json.loads(e["message"])["message"]["params"].get("request", {}).get("url")
                    for e in driver.get_log("performance")]
        remote = [u for u in requests if u and u.startswith(("http:", "https:", "ws"))]
        assert any(u and u.startswith("file:") for u in requests)
        assert remote == [], remote
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
