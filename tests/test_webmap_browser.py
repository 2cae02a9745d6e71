"""The web map answers questions, in Chromium (helpers and fixtures of
test_maps_browser.py): search, the metric chooser, the phone-width layout, the
orientation context and /api.html offline. Screenshots go to artifacts/."""
# ruff: noqa: F811  (the fixtures `browser` and `server` are imported, then requested)

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_maps_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    browser,
    drawn,
    failed_requests,
    server,
    wait_ready,
)


def searched(b, text: str) -> str:
    """Type ``text`` into the search field; the status line once the answer is shown."""
    before = b.execute_script("return Number(document.body.dataset.searched || 0)")
    box = b.find_element("id", "f-search")
    box.clear()
    box.send_keys(text)
    WebDriverWait(b, 10).until(lambda d: d.execute_script(
        f"return Number(document.body.dataset.searched || 0) > {before}"
        f" && document.getElementById('f-search').value === {text!r}"))
    return b.find_element("id", "search-status").text


def popup_inside_map(b) -> bool:
    return b.execute_script(
        "const p = document.querySelector('.leaflet-popup-content-wrapper');"
        " if (!p) return false; const r = p.getBoundingClientRect(),"
        " m = document.getElementById('map').getBoundingClientRect();"
        " return r.top >= m.top - 1 && r.left >= m.left - 1 && r.bottom <= m.bottom + 1"
        " && r.right <= m.right + 1;")


def popup_text(b) -> str:
    return b.execute_script("return document.querySelector('.leaflet-popup')?.textContent")


def test_search(browser, server):
    b = browser
    b.set_window_size(1400, 900)
    b.get(f"{server}/maps")
    wait_ready(b)
    shown = drawn(b)
    assert searched(b, "cai rang") != ""
    first = b.find_element("css selector", "#search-results li a")
    assert first.text == "Cái Răng"
    assert drawn(b) == shown  # a search never empties the map
    first.click()
    WebDriverWait(b, 10).until(lambda d: popup_inside_map(d))
    assert "Cái Răng" in popup_text(b)
    center = b.execute_script("const c = mapsApp.map.getCenter(); return [c.lat, c.lng];")
    assert 9.95 < center[0] < 10.05 and 105.72 < center[1] < 105.85  # Cái Răng's box
    b.save_screenshot(str(ARTIFACTS / "map-search-cai-rang.png"))

    assert "Không tìm thấy" in searched(b, "xyzzy")
    assert b.find_elements("css selector", "#search-results li") == []
    assert drawn(b) == shown

    searched(b, "ql91")
    names = [a.text for a in b.find_elements("css selector", "#search-results li a")]
    assert names and all("Quốc lộ 91" in n or "quốc lộ 91" in n for n in names)
    unlocated = b.find_elements("css selector", "#search-results li:has(.unlocated) a")
    if unlocated:  # a result without location opens its details in the side panel
        name = unlocated[0].text
        unlocated[0].click()
        WebDriverWait(b, 10).until(lambda d: name in d.find_element("id", "details").text)
        assert b.find_element("id", "details").is_displayed()
        b.save_screenshot(str(ARTIFACTS / "map-search-unlocated.png"))
    assert failed_requests(b, server) == []


def test_metric_chooser(browser, server):
    b = browser
    b.set_window_size(1400, 900)
    b.get(f"{server}/maps")
    gen = wait_ready(b)
    offered = b.execute_script("return [...document.querySelectorAll('#f-metric option')]"
                               ".map(o => o.value).filter(Boolean)")
    expected = b.execute_script(
        "const ms = []; for (const l of mapsApp.cfg.layers) for (const m of l.metrics)"
        " if (mapsApp.cfg.metrics[m].percent && !ms.includes(m)) ms.push(m); return ms;")
    assert offered == expected and "compensation_pct" in offered
    sel = Select(b.find_element("id", "f-metric"))
    sel.select_by_value("site_handover_pct")
    handover = b.find_element("id", "f-metric-help").text
    sel.select_by_value("compensation_pct")
    compensation = b.find_element("id", "f-metric-help").text
    assert handover and compensation and handover != compensation
    assert "bồi thường" in compensation.lower()
    pmax = b.find_element("id", "f-pmax")
    pmax.clear()
    pmax.send_keys("50")
    b.execute_script("document.getElementById('f-pmax').dispatchEvent(new Event('change'));"
                     "document.getElementById('f-unknown').click();")
    shown = {}
    for m in ("compensation_pct", "construction_pct"):
        sel.select_by_value(m)
        got, want = b.execute_script(
            "const m = arguments[0]; const ids = fs => fs.map(f => f.id).sort();"
            " return [ids(mapsApp.shown.projects || []), ids((mapsApp.data.projects || [])"
            ".filter(f => f.properties[m] != null && f.properties[m] <= 50))];", m)
        assert got == want, m
        shown[m] = set(got)
    # a project at 54,14 % compensation and 16,5 % construction is "below 50 %" for
    # construction only (the example), wherever the data has one like it
    both = b.execute_script(
        "return (mapsApp.data.projects || []).filter(f => f.properties.compensation_pct > 50"
        " && f.properties.construction_pct <= 50).map(f => f.id)")
    for fid in both:
        assert fid in shown["construction_pct"] and fid not in shown["compensation_pct"]
    b.save_screenshot(str(ARTIFACTS / "map-metric-chooser.png"))
    # a layer taken off the map takes its own metrics out of the chooser
    only = [m for m in offered if b.execute_script(
        f"return mapsApp.cfg.layers.filter(l => l.metrics.includes({m!r})).length") == 1]
    for m in only:
        owner = b.execute_script(
            f"return mapsApp.cfg.layers.find(l => l.metrics.includes({m!r})).id")
        b.execute_script(f"mapsApp.map.removeLayer(mapsApp.groups[{owner!r}])")
        assert m not in b.execute_script(
            "return [...document.querySelectorAll('#f-metric option')].map(o => o.value)")
        break
    del gen


@pytest.mark.parametrize("page", ["/maps", "/maps/district/926"])
def test_phone_width(browser, server, page):
    b = browser
    b.set_window_size(390, 844)
    try:
        b.get(f"{server}{page}")
        wait_ready(b)
        vw, vh = b.execute_script(
            "const e = document.documentElement; return [e.clientWidth, e.clientHeight]")
        m = b.execute_script("return document.getElementById('map').getBoundingClientRect()"
                             ".toJSON()")
        panel = b.execute_script("return document.getElementById('panel')"
                                 ".getBoundingClientRect().toJSON()")
        assert m["width"] >= vw - 2 and panel["right"] <= 1  # the drawer is closed
        name = "phone-map" if page == "/maps" else "phone-district"
        if page == "/maps":
            assert m["height"] >= 0.85 * vh
        else:  # map and tables stacked
            s = b.execute_script("return document.getElementById('summary')"
                                 ".getBoundingClientRect().toJSON()")
            assert m["height"] >= 0.5 * vh and s["top"] >= m["bottom"] - 1
            assert s["width"] >= vw - 20
        b.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        b.find_element("id", "drawer-toggle").click()
        WebDriverWait(b, 5).until(lambda d: d.execute_script(
            "const r = document.getElementById('panel').getBoundingClientRect();"
            " return r.left >= 0 && r.width > 200;"))
        b.save_screenshot(str(ARTIFACTS / f"{name}-drawer.png"))
        if page == "/maps":  # a search result closes the drawer and opens on the map
            searched(b, "cai rang")
            b.find_element("css selector", "#search-results li a").click()
            WebDriverWait(b, 10).until(lambda d: popup_inside_map(d))
            WebDriverWait(b, 5).until(lambda d: d.execute_script(
                "return document.getElementById('panel').getBoundingClientRect().right") <= 1)
            b.save_screenshot(str(ARTIFACTS / "phone-search.png"))
        assert failed_requests(b, server) == []
    finally:
        b.set_window_size(1400, 900)


def test_orientation_context(browser, server):
    b = browser
    b.get(f"{server}/maps")
    wait_ready(b)
    WebDriverWait(b, 10).until(lambda d: d.find_elements("css selector", "path.ctx-river"))
    assert len(b.find_elements("css selector", "path.ctx-ward")) > 10
    assert "Sông Hậu" in b.find_element("css selector", ".ctx-label.river").text
    assert b.find_element("css selector", ".leaflet-control-scale").text.strip()


def test_api_html_offline(browser, server):
    b = browser
    b.get(f"{server}/api.html")
    WebDriverWait(b, 20).until(lambda d: d.execute_script(
        "return (document.querySelector('.swagger-ui .info')?.textContent || '')"
        ".includes('Cần Thơ') && document.querySelectorAll('.opblock').length > 10"))
    assert failed_requests(b, server) == []


def test_popup_names_places_sources_and_history(browser, server):
    b = browser
    b.get(f"{server}/maps")
    wait_ready(b)
    key, codes, doc = b.execute_script(
        "const ms = mapsApp.cfg.layers.find(l => l.id === 'projects').metrics;"
        " const named = mapsApp.data.projects.filter(f => f.geometry"
        " && f.properties.districts.length);"
        " const f = named.find(f => ms.some(m => f.properties[m] != null)) || named[0];"
        " return ['projects/' + f.id, f.properties.districts, f.properties.source_doc];")
    assert b.execute_script(f"return mapsApp.focusFeature({key!r})")
    WebDriverWait(b, 5).until(lambda d: d.find_elements("css selector", ".leaflet-popup .place"))
    text = popup_text(b)
    names = b.execute_script("return arguments[0].map(c => mapsApp.cfg.districts"
                             ".find(d => d.code === c).full_name)", codes)
    place = b.find_element("css selector", ".leaflet-popup tr.place td")
    assert place.get_attribute("textContent") == ", ".join(names)
    src = b.execute_script("return mapsApp.cfg.sources[arguments[0]]", doc)
    if src["report_no"]:  # the source by its number and title, never the bare id
        assert src["report_no"] in b.find_element(
            "css selector", ".leaflet-popup tr.source td").get_attribute("textContent")
        figures = b.find_elements("css selector", ".leaflet-popup .msrc")
        assert all(src["report_no"] in e.get_attribute("textContent") for e in figures
                   if e.get_attribute("textContent").strip() not in ("Nguồn —", ""))
    link = b.find_element("css selector", ".leaflet-popup a.history").get_attribute("href")
    assert link.endswith(f"/collections/{key.replace('/', '/items/')}/progress")
    assert "Lịch sử" in text
    b.save_screenshot(str(ARTIFACTS / "map-popup-details.png"))


def test_attribute_table(browser, server):
    b = browser
    b.get(f"{server}/maps")
    wait_ready(b)
    b.find_element("id", "attr-toggle").click()
    Select(b.find_element("id", "attr-layer")).select_by_value("projects")
    rows = lambda: b.find_elements("css selector", "#attr-table tbody tr")  # noqa: E731
    shown = b.execute_script("return mapsApp.shown.projects.length")
    assert len(rows()) == shown > 0
    # sorted by a metric, descending on the second click, empty values last
    b.find_element("css selector", "#attr-table th[data-col=construction_pct] button").click()
    b.find_element("css selector", "#attr-table th[data-col=construction_pct] button").click()
    values = b.execute_script("return mapsApp.table.rows.map(f => f.properties.construction_pct)")
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=True) and values[:len(known)] == known
    # a filter per column (accents optional)
    box = b.find_element("css selector", "#attr-table input[data-col=name]")
    box.send_keys("quoc lo 91")
    names = [r.find_element("css selector", "td").text for r in rows()]
    assert names and all("Quốc lộ 91" in n or "quốc lộ 91" in n for n in names)
    # the table's rows are what the export writes
    b.find_element("id", "attr-export").click()
    lines = b.execute_script("return mapsApp.table.lastExport.split('\\n')")
    assert len(lines) == len(names) + 1 and all(n in "\n".join(lines) for n in names)
    # a row opens its popup on the map ...
    located = [r for r in rows() if b.execute_script(
        "return !!mapsApp.index['projects/' + arguments[0]]", r.get_attribute("data-id"))]
    if located:
        fid = located[0].get_attribute("data-id")
        located[0].click()
        WebDriverWait(b, 5).until(lambda d: d.execute_script(
            "return document.querySelector('.leaflet-popup .popup')?.dataset.id") == fid)
        assert "selected" in located[0].get_attribute("class")
    # ... and a popup opened on the map selects its row
    box.clear()
    box.send_keys(" ")
    other = b.execute_script("return mapsApp.shown.projects.find(f => f.geometry).id")
    b.execute_script("mapsApp.map.closePopup(); mapsApp.focusFeature('projects/' + arguments[0])",
                     other)
    WebDriverWait(b, 5).until(lambda d: d.execute_script(
        "return document.querySelector('#attr-table tr.selected')?.dataset.id") == other)
    b.save_screenshot(str(ARTIFACTS / "map-attribute-table.png"))
    assert failed_requests(b, server) == []


def spatial_answer(b, after: int | None = None) -> int:
    WebDriverWait(b, 10).until(lambda d: d.execute_script(
        "return document.body.dataset.spatial !== undefined"))
    return int(b.execute_script("return Number(document.body.dataset.spatial)"))


def shown_ids(b) -> dict[str, list[str]]:
    return b.execute_script(
        "const o = {}; for (const l of mapsApp.cfg.layers) if (l.feature_fields)"
        " o[l.id] = (mapsApp.shown[l.id] || []).map(f => String(f.id)).sort(); return o;")


def test_spatial_questions(browser, server):
    import json
    import urllib.parse
    import urllib.request

    def server_answer(**params):
        url = f"{server}/maps/spatial?{urllib.parse.urlencode(params)}"
        return json.load(urllib.request.urlopen(url))["layers"]

    b = browser
    b.get(f"{server}/maps")
    wait_ready(b)
    everything = shown_ids(b)
    # within 500 m of a road (the feature whose popup is open)
    fid = b.execute_script("return mapsApp.data.projects.find(f => f.geometry &&"
                           " f.geometry.type.includes('LineString')).id")
    b.execute_script("mapsApp.focusFeature('projects/' + arguments[0])", fid)
    WebDriverWait(b, 5).until(lambda d: d.find_element("id", "sp-near").is_enabled())
    b.find_element("id", "sp-near").click()
    n = spatial_answer(b)
    want = server_answer(near=f"projects/{fid}", distance=500)
    got = shown_ids(b)
    got["projects"].remove(fid)  # the road itself stays on the map, not in the answer
    for layer, ids in got.items():
        assert set(ids) == set(want[layer]) & set(everything[layer]), layer
    assert n == sum(map(len, want.values()))
    assert "500 m" in b.find_element("id", "sp-status").text
    b.save_screenshot(str(ARTIFACTS / "map-spatial-near.png"))
    # in a ward
    b.find_element("id", "sp-clear").click()
    assert shown_ids(b) == everything
    code = b.execute_script("return mapsApp.cfg.wards[0].code")
    Select(b.find_element("id", "sp-ward")).select_by_value(code)
    spatial_answer(b)
    want = server_answer(ward=code)
    assert all(set(ids) <= set(want[k]) for k, ids in shown_ids(b).items())
    b.find_element("id", "sp-clear").click()
    # within a drawn polygon: four clicks, then "done"
    b.find_element("id", "sp-draw").click()
    b.execute_script(
        "for (const [lat, lng] of [[10.0, 105.7], [10.0, 105.8], [10.1, 105.8], [10.1, 105.7]])"
        " mapsApp.map.fire('click', { latlng: L.latLng(lat, lng) });")
    b.find_element("id", "sp-draw").click()
    spatial_answer(b)
    want = server_answer(polygon="105.7 10.0,105.8 10.0,105.8 10.1,105.7 10.1")
    got = shown_ids(b)
    for layer, ids in got.items():
        assert set(ids) == set(want[layer]) & set(everything[layer]), layer
    assert sum(map(len, got.values())) < sum(map(len, everything.values()))
    b.save_screenshot(str(ARTIFACTS / "map-spatial-polygon.png"))
    assert failed_requests(b, server) == []
