"""The web map as a person sees it: Debian's headless Chromium driven by Selenium against
a real uvicorn server, with every other host blocked. Screenshots go to artifacts/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from layers import registry

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts"
TILE_THRESHOLD = 20  # the tiled-layer test: layers with more features than this are tiled

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="needs Debian's chromium and chromium-driver (make system-deps)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serve(db_url: str, **env):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env={**os.environ, "DATABASE_URL": db_url, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        # until it answers (a loaded machine takes its time to import and start), or exits
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode}")
            try:
                urllib.request.urlopen(f"{base}/maps/config.json", timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not answer on {base}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(db_url):
    with _serve(db_url) as base:
        yield base


@pytest.fixture(scope="module")
def tiled_server(db_url):
    """The same app with the tile threshold lowered, so that the two biggest layers of the
    dataset (projects, industrial zones) reach the web map as vector tiles."""
    with _serve(db_url, GIS_MAPS_TILE_THRESHOLD=str(TILE_THRESHOLD)) as base:
        yield base


def chromium_options(profile: str) -> Options:
    """Debian's headless Chromium with a profile of its own, every host but 127.0.0.1
    blocked, in Vietnamese."""
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--window-size=1400,900", "--lang=vi",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        opts.add_argument(arg)
    return opts


@pytest.fixture(scope="module")
def browser(server):
    profile = tempfile.mkdtemp(prefix="maps-chromium-")
    opts = chromium_options(profile)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_ready(driver, after: int = 0, timeout: float = 20) -> int:
    """Wait until the map has drawn a data load newer than ``after``; return its number."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "return !document.body.dataset.loading && Number(document.body.dataset.ready || 0) > "
        f"{after}"))
    return int(driver.execute_script("return Number(document.body.dataset.ready)"))


def choose_date(driver, day: str, after: int) -> int:
    """Set the map's date control (ISO day; '' for the latest figures), closing any popup,
    and wait for the redraw; return its number (:func:`wait_ready`)."""
    driver.execute_script("mapsApp.map.closePopup(); const e = document.getElementById("
                          "'f-asof'); e.value = arguments[0]; e.dispatchEvent(new "
                          "Event('change'));", day)
    return wait_ready(driver, after)


def failed_requests(driver, base: str) -> list[str]:
    """Failed or 4xx/5xx requests made by our pages (not by Chromium's own start page)."""
    failed, ours = [], {}
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        params = msg["params"]
        if msg["method"] == "Network.requestWillBeSent":
            if params.get("documentURL", "").startswith(base):
                ours[params["requestId"]] = params["request"]["url"]
        elif msg["method"] == "Network.loadingFailed" and params["requestId"] in ours:
            failed.append(f"failed: {params.get('errorText')} {ours[params['requestId']]}")
        elif msg["method"] == "Network.responseReceived" and params["requestId"] in ours:
            resp = params["response"]
            if resp["status"] >= 400:
                failed.append(f"{resp['status']} {resp['url']}")
    failed += [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return failed


def drawn(driver) -> dict[str, int]:
    """SVG paths (polygons, lines, circle markers) per layer."""
    return driver.execute_script(
        "const out = {}; for (const l of mapsApp.cfg.layers) out[l.id] ="
        " document.querySelectorAll('path.lyr-' + l.id).length; return out;")


def located(driver) -> dict[str, int]:
    return driver.execute_script(
        "const out = {}; for (const l of mapsApp.cfg.layers) out[l.id] ="
        " (mapsApp.data[l.id] || []).filter(f => f.geometry).length; return out;")


def test_map_page(browser, server, conn):
    b = browser
    b.get(f"{server}/maps")
    gen = wait_ready(b)
    assert failed_requests(b, server) == []
    counts, expected = drawn(b), located(b)
    for layer, n in expected.items():
        if n:  # every layer with located features is drawn
            assert counts[layer] >= 1, (layer, counts)
    assert expected["districts"] == 9 and counts["districts"] == 9
    assert b.execute_script("return window.mapReady === true && window.mapReadyAt > 0")
    assert "Chú giải" in b.find_element("id", "legend").text
    assert b.find_element("id", "f-asof-text").text == "số liệu mới nhất"
    # the legend lists a kind only where a feature is drawn in its colour
    listed, coloured = b.execute_script(
        "const l = mapsApp.cfg.layers.find(x => x.id === 'projects');"
        " const kinds = l.fields.find(f => f.name === 'kind').choices;"
        " const items = [...document.querySelectorAll("
        "'.legend-layer[data-layer=projects] li')].map(li => li.textContent.trim());"
        " const drawnIn = new Set([...document.querySelectorAll("
        "'path.lyr-projects:not(.unknown-progress)')].flatMap(p => [...p.classList]"
        ".filter(c => c.startsWith('cat-')).map(c => c.slice(4))));"
        " return [kinds.filter(c => items.includes(c.label_vi)).map(c => c.value),"
        " kinds.filter(c => drawnIn.has(c.value)).map(c => c.value)];")
    assert sorted(listed) == sorted(coloured)
    b.save_screenshot(str(ARTIFACTS / "map-city.png"))

    # a popup with progress bars, values, dates and the API link
    key = b.execute_script(
        "const ms = mapsApp.cfg.layers.find(l => l.id === 'projects').metrics;"
        " const f = (mapsApp.data.projects || []).find(f => f.geometry &&"
        " ms.some(m => f.properties[m] != null));"
        " return f ? 'projects/' + f.id : null;")
    if key:
        assert b.execute_script(f"return mapsApp.focusFeature({json.dumps(key)})")
        WebDriverWait(b, 5).until(
            lambda d: d.find_elements("css selector", ".leaflet-popup .metric"))
        popup = b.find_element("css selector", ".leaflet-popup")
        assert popup.find_elements("css selector", ".metric .bar span")
        assert popup.find_element("css selector", ".metric .mdate").text.startswith("ngày ")
        assert any(ch.isdigit() for ch in popup.find_element("css selector", ".mdate").text)
        link = popup.find_element("css selector", ".plink a").get_attribute("href")
        assert "/collections/projects/items/" in link
        b.save_screenshot(str(ARTIFACTS / "map-popup.png"))
        b.find_element("id", "lang").click()  # English switch
        assert "Legend" in b.find_element("id", "legend").text
        b.execute_script(f"mapsApp.focusFeature({json.dumps(key)})")
        WebDriverWait(b, 5).until(lambda d: "as of" in d.execute_script(
            "return document.querySelector('.leaflet-popup .mdate')?.textContent || ''"))
        b.save_screenshot(str(ARTIFACTS / "map-popup-en.png"))
        b.find_element("id", "lang").click()
        b.execute_script("mapsApp.map.closePopup()")

    # the district filter reloads only that district's features
    total = sum(drawn(b).values())
    Select(b.find_element("id", "f-district")).select_by_value("918")
    gen = wait_ready(b, gen)
    in_918 = drawn(b)
    assert sum(in_918.values()) < total and in_918["districts"] == 1
    assert b.execute_script(
        "return mapsApp.data.projects.every(f => f.properties.districts.includes('918')"
        " || f.properties.districts_inferred.includes('918'))")
    b.save_screenshot(str(ARTIFACTS / "map-district-filter.png"))
    Select(b.find_element("id", "f-district")).select_by_value("")
    gen = wait_ready(b, gen)

    # the date control: before any progress figure, nothing has known progress
    known = "return document.querySelectorAll('path.lyr-projects:not(.unknown-progress)').length"
    before = b.execute_script(known)
    gen = choose_date(b, "2000-01-01", gen)
    assert b.execute_script(known) == 0
    assert b.find_element("id", "f-asof-text").text == "ngày 01/01/2000"
    if conn.execute("SELECT count(*) FROM progress_snapshot ps JOIN infra_project p"
                    " ON p.id = ps.feature_id AND ps.layer_id = 'projects'"
                    " WHERE p.geom IS NOT NULL").fetchone()[0]:
        assert before > 0
    gen = choose_date(b, "", gen)

    # search with diacritics optional
    name = conn.execute("SELECT name FROM infra_project WHERE name ILIKE 'Đường tỉnh 918%'"
                        " LIMIT 1").fetchone()
    if name:
        b.find_element("id", "f-search").send_keys("duong tinh 918")
        # the server answers (maps/search.py); the list appears when it has
        WebDriverWait(b, 10).until(
            lambda d: name[0] in d.find_element("id", "search-results").text)
        b.save_screenshot(str(ARTIFACTS / "map-search.png"))
        b.find_element("id", "f-search").clear()
        b.execute_script("document.getElementById('f-search').dispatchEvent(new Event('input'))")
    assert failed_requests(b, server) == []


def test_district_view(browser, server):
    b = browser
    b.get(f"{server}/maps/district/926")
    wait_ready(b)
    assert failed_requests(b, server) == []
    assert b.find_element("css selector", "#summary h1").text == "Huyện Phong Điền"
    rows = b.find_elements("css selector", "table.summary tr.feature")
    assert len(rows) >= 2  # at least the district's NTM row and one commune
    assert drawn(b)["districts"] == 1
    b.save_screenshot(str(ARTIFACTS / "district-926.png"))


def _print_from_dialog(b, **choice) -> tuple[str, str]:
    """Open the Print dialog, choose, press Open; return the URL the new tab shows and the
    content type of what it received."""
    main = b.current_window_handle
    b.find_element("id", "print").click()
    assert b.execute_script("return document.getElementById('print-dialog').open")
    for name, value in choice.items():
        Select(b.find_element("id", f"p-{name}")).select_by_value(value)
    b.find_element("id", "p-open").click()
    WebDriverWait(b, 10).until(lambda d: len(d.window_handles) == 2)
    assert not b.execute_script("return document.getElementById('print-dialog').open")
    tab = next(h for h in b.window_handles if h != main)
    b.switch_to.window(tab)
    WebDriverWait(b, 60).until(lambda d: d.current_url.startswith("http") and d.execute_script(
        "return document.readyState === 'complete'"))
    url, content_type = b.current_url, b.execute_script("return document.contentType")
    b.close()
    b.switch_to.window(main)
    return url, content_type


def test_print_dialog_opens_the_printed_map(browser, server):
    b = browser
    b.get(f"{server}/maps")
    gen = wait_ready(b)
    Select(b.find_element("id", "f-district")).select_by_value("916")
    gen = wait_ready(b, gen)
    gen = choose_date(b, "2024-10-31", gen)
    Select(b.find_element("id", "f-status-class")).select_by_index(1)
    status_class = b.find_element("id", "f-status-class").get_attribute("value")
    label = registry.get("projects").field("status_class").choice(status_class).label_vi
    b.find_element("id", "print").click()
    summary = b.find_element("id", "p-summary").text
    assert "31/10/2024" in summary and label in summary
    assert b.find_element("id", "p-extent").get_attribute("value") == "district"
    b.save_screenshot(str(ARTIFACTS / "map-print-dialog.png"))
    b.find_element("id", "p-cancel").click()

    url, content_type = _print_from_dialog(b, layout="a3-portrait", dpi="300", format="pdf")
    assert content_type == "application/pdf"
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert parts.path == "/exports/map.pdf"
    assert query == {"size": "A3", "orientation": "portrait", "dpi": "300", "district": "916",
                     "as_of": "2024-10-31", "status_class": status_class,
                     "layers": ",".join(layer.id for layer in registry.layers())}

    # PNG of the whole city, with the layers left on the map
    b.execute_script("mapsApp.map.removeLayer(mapsApp.groups.ntm)")
    url, content_type = _print_from_dialog(b, format="png", extent="city")
    assert content_type == "image/png"
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert parts.path == "/exports/map.png" and "district" not in query
    assert "ntm" not in query["layers"].split(",") and "projects" in query["layers"]

    # the interactive HTML map (folium), in English
    url, content_type = _print_from_dialog(b, format="html", lang="en", extent="city")
    assert content_type == "text/html"
    parts = urllib.parse.urlsplit(url)
    assert parts.path == "/exports/map.html"
    assert dict(urllib.parse.parse_qsl(parts.query))["lang"] == "en"
    assert failed_requests(b, server) == []


def test_unknown_district_page(browser, server):
    browser.get(f"{server}/maps/district/999")
    assert "999" in browser.find_element("css selector", ".message").text
    browser.save_screenshot(str(ARTIFACTS / "district-404.png"))


def click_at(driver, lat: float, lon: float) -> None:
    """A real mouse click on the map where (lat, lon) is drawn."""
    x, y = driver.execute_script(
        f"const p = mapsApp.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]")
    el = driver.find_element("id", "map")
    ActionChains(driver).move_to_element_with_offset(
        el, round(x - el.size["width"] / 2), round(y - el.size["height"] / 2)).click().perform()


def item_popup(driver, timeout: float = 10):
    """The popup of a tiled feature, once filled from the API item."""
    WebDriverWait(driver, timeout).until(lambda d: d.find_elements(
        "css selector", ".leaflet-popup .popup[data-id]"))
    return driver.find_element("css selector", ".leaflet-popup .popup[data-id]")


def resources(driver, part: str) -> list[str]:
    return driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        f".filter(n => n.includes({json.dumps(part)}))")


def canvas_ink(driver, layer_id: str) -> int:
    """Non-transparent pixels on the layer's tile canvases."""
    return driver.execute_script(
        "let n = 0; for (const c of mapsApp.map.getPane('pane-' + arguments[0])"
        ".querySelectorAll('canvas')) { const d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) if (d[i]) n++; } return n;", layer_id)


def test_large_layers_arrive_as_vector_tiles(browser, tiled_server, conn):
    b, base = browser, tiled_server
    b.get_log("browser"), b.get_log("performance")  # drop what earlier tests left
    b.get(f"{base}/maps")
    gen = wait_ready(b)
    assert failed_requests(b, base) == []
    cfg = b.execute_script("return mapsApp.cfg")
    tiled = {lc["id"] for lc in cfg["layers"] if lc["tiled"]}
    assert cfg["tile_threshold"] == TILE_THRESHOLD
    assert tiled == {lc["id"] for lc in cfg["layers"] if lc["feature_count"] > TILE_THRESHOLD}
    assert {"projects", "industrial_zones"} <= tiled and "districts" not in tiled
    # tiled layers: MVT from the OGC API, no GeoJSON, drawn on canvas; the others as before
    assert resources(b, "/collections/projects/tiles/WebMercatorQuad/")
    assert not resources(b, "/maps/data/projects.geojson")
    assert resources(b, "/maps/vendor/vectorgrid/")
    for layer_id in ("projects", "industrial_zones"):
        assert b.execute_script(f"return mapsApp.tiled.{layer_id}.drawnCount()") > 0, layer_id
        assert canvas_ink(b, layer_id) > 0, layer_id
    assert drawn(b)["districts"] == 9 and drawn(b)["projects"] == 0
    legend = b.find_element("css selector", '.legend-layer[data-layer="projects"]').text
    assert "vector tiles" in legend and "Chưa rõ tiến độ" in legend
    b.save_screenshot(str(ARTIFACTS / "map-tiled.png"))

    # a click on a tiled line with progress: the popup is the API item, with dated bars
    metrics = ", ".join(f"'{m}'" for m in registry.get("projects").style.progress_metrics)
    fid, lon, lat = conn.execute(
        "SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, progress_current,"
        " ST_LineInterpolatePoint(ST_GeometryN(geom, 1), 0.5) AS p FROM infra_project"
        " WHERE ST_GeometryType(ST_GeometryN(geom, 1)) = 'ST_LineString') x"
        f" WHERE progress_current ?| ARRAY[{metrics}] ORDER BY id LIMIT 1").fetchone()
    b.execute_script(f"mapsApp.map.setView([{lat}, {lon}], 15, {{animate: false}})")
    WebDriverWait(b, 20).until(lambda d: d.execute_script(
        "const g = mapsApp.tiled.projects.grid; return g._tileZoom === 15 && !g.isLoading()"))
    click_at(b, lat, lon)
    popup = item_popup(b)
    assert popup.get_attribute("data-layer") == "projects"
    pid = popup.get_attribute("data-id")
    assert popup.find_elements("css selector", ".metric .bar span")
    assert popup.find_element("css selector", ".metric .mdate").text.startswith("ngày ")
    assert any(f"/collections/projects/items/{pid}" in u
               for u in resources(b, "/collections/projects/items/"))
    b.save_screenshot(str(ARTIFACTS / "map-tiled-popup.png"))
    if pid != fid:  # another line crosses there: the one we aimed at is still a tiled feature
        assert conn.execute("SELECT 1 FROM infra_project WHERE id = %s", (pid,)).fetchone()

    # the date control: tiles and the popup's item are asked for as of that date
    gen = choose_date(b, "2000-01-01", gen)
    assert resources(b, "/collections/projects/tiles/WebMercatorQuad/15/")[-1].endswith(
        "?as_of=2000-01-01")
    # the tiles of the new date arrive after the data load: wait for them, not for a time
    WebDriverWait(b, 20).until(lambda d: d.execute_script(
        "const t = mapsApp.tiled.projects; return !t.grid.isLoading() && t.summary.drawn > 0"
        " && t.summary.known === 0"))
    click_at(b, lat, lon)
    popup = item_popup(b)
    assert "Chưa có số liệu tiến độ" in popup.text
    # (the popup's item was asked for as of that date: the feature chosen has progress
    # today, and the popup shows none in 2000)
    gen = choose_date(b, "", gen)

    # filters apply to tiled layers too: only roads are drawn
    Select(b.find_element("id", "f-kind")).select_by_value("road")
    gen = wait_ready(b, gen)
    assert b.execute_script("return [...mapsApp.tiled.projects.summary.categories]") == ["road"]
    Select(b.find_element("id", "f-kind")).select_by_value("")
    wait_ready(b, gen)
    assert failed_requests(b, base) == []


def test_popup_shows_period_qualifier_and_decisions(browser, server):
    """A figure's period and qualifier sign, and the decisions list, in the popup."""
    b = browser
    b.get(f"{server}/maps")
    wait_ready(b)
    assert b.execute_script("return mapsApp.focusFeature('flood_works/002-III-12')")
    WebDriverWait(b, 5).until(
        lambda d: d.find_elements("css selector", ".leaflet-popup .records"))
    # .text is empty while the popup fades in (opacity 0): wait for it to be readable
    period = WebDriverWait(b, 10).until(lambda d: d.find_element(
        "css selector", '.leaflet-popup .metric[data-metric="executed_value_bil_vnd"] .mperiod'
    ).text or None)
    assert "(lũy kế)" in period
    popup = b.find_element("css selector", ".leaflet-popup")
    assert "Quyết định, mốc thực hiện (4)" in popup.find_element(
        "css selector", ".records summary").text
    b.execute_script("mapsApp.map.closePopup()")
    assert b.execute_script("return mapsApp.focusFeature('projects/002-III-05')")
    WebDriverWait(b, 5).until(lambda d: d.find_elements(
        "css selector", '.leaflet-popup .metric[data-metric="site_handover_pct"]'))
    value = b.execute_script(
        "return document.querySelector('.leaflet-popup .metric[data-metric=\"site_handover_pct\"]"
        " .mvalue b').textContent")
    assert value.startswith("≈ 42,28"), value
    b.execute_script("mapsApp.map.closePopup()")
