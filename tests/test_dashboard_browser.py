"""The dashboards as a person sees them, in Debian's headless Chromium (the server, browser
and helpers of test_maps_browser.py): charts drawn from the local Chart.js, the language
switch, the stalled list of a district, two dates compared, phone-width layouts."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait
from test_dashboard import DISTRICT, stalled_project  # noqa: F401  (fixture)
from test_dashboard_counters import DISTRICT as PAGED_DISTRICT
from test_dashboard_counters import many_projects  # noqa: F401  (fixture)
from test_maps_browser import ARTIFACTS, browser, failed_requests, server  # noqa: F401


def _wait(driver, script: str, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def test_dashboard_charts_and_language(browser, server):  # noqa: F811
    b = browser
    b.set_window_size(1400, 900)
    b.get(f"{server}/dashboard")
    assert _wait(b, "return Number(document.body.dataset.charts || 0)") >= 10
    assert failed_requests(b, server) == []
    heading = b.find_element("css selector", "h1")
    assert heading.text == "Tổng quan thành phố Cần Thơ"
    b.find_element("id", "lang-switch").click()
    _wait(b, "return document.documentElement.lang === 'en'")
    assert heading.text == "Cần Thơ at a glance"
    # the charts are redrawn with English legends
    assert _wait(b, "return Chart.getChart(document.querySelector('canvas[data-series]'))"
                    ".data.datasets.some(d => d.label === 'Actual')")
    b.find_element("id", "lang-switch").click()
    _wait(b, "return document.documentElement.lang === 'vi'")
    b.save_screenshot(str(ARTIFACTS / "dashboard.png"))
    # a select's options hold one language, the page's (data-vi / data-en)
    b.get(f"{server}/indicators?f=html")
    option = b.find_element("css selector", 'select[name="kind"] option[value=""]')
    assert option.text == "Tất cả"
    b.find_element("id", "lang-switch").click()
    _wait(b, "return document.documentElement.lang === 'en'")
    assert option.text == "All"
    b.find_element("id", "lang-switch").click()
    _wait(b, "return document.documentElement.lang === 'vi'")
    assert option.text == "Tất cả"


def test_stalled_list_in_district_view(browser, server, stalled_project):  # noqa: F811
    b = browser
    b.set_window_size(1400, 900)
    b.get(f"{server}/maps/district/{DISTRICT}?as_of=2024-06-30")
    item = WebDriverWait(b, 20).until(lambda d: d.find_element(
        "css selector", f'#stalled li[data-id="{stalled_project}"]'))
    reasons = {e.get_attribute("data-reason"): e.text
               for e in item.find_elements("css selector", ".reason")}
    assert set(reasons) == {"overdue", "unchanged"}
    assert "2022" in reasons["overdue"]
    assert "30/06/2023" in reasons["unchanged"] and "30/06/2024" in reasons["unchanged"]
    assert _wait(b, "return Number(document.getElementById('commune-map').dataset.communes"
                    " || 0)") > 0
    assert b.find_element("id", "latest-figure").is_displayed()
    b.save_screenshot(str(ARTIFACTS / "district-dashboard.png"))


def test_date_comparison(browser, server, stalled_project):  # noqa: F811
    b = browser
    b.set_window_size(1400, 900)
    b.get(f"{server}/maps/compare")
    b.execute_script(
        "const f = document.getElementById('compare-form');"
        "f.elements.from.value = '2024-06-30'; f.elements.to.value = '2024-10-31';"
        "f.elements.district.value = arguments[0]; f.submit();", DISTRICT)
    row = WebDriverWait(b, 20).until(lambda d: d.find_element(
        "css selector", f'#changes tr[data-id="{stalled_project}"]'))
    cells = [c.text for c in row.find_elements("css selector", "td")]
    assert cells[3].startswith("40") and "30/06/2024" in cells[3] and cells[4] == "002:102"
    assert cells[5].startswith("55") and "31/10/2024" in cells[5] and cells[6] == "002:103"
    assert row.get_attribute("data-kind") == "gain"
    assert _wait(b, "return Number(document.getElementById('compare-map').dataset.features"
                    " || 0)") >= 1
    row.find_elements("css selector", "td")[1].click()
    _wait(b, "return !!document.querySelector('#compare-map .leaflet-popup')")
    assert failed_requests(b, server) == []
    b.save_screenshot(str(ARTIFACTS / "compare.png"))


@pytest.mark.parametrize("path", ["/dashboard", "/maps/compare"])
def test_phone_width(browser, server, path):  # noqa: F811
    b = browser
    b.set_window_size(390, 844)
    try:
        b.get(f"{server}{path}")
        _wait(b, "return document.readyState === 'complete'")
        width = b.execute_script("return window.innerWidth")
        # wide tables scroll inside their box; the page itself does not
        assert b.execute_script("return document.documentElement.scrollWidth") <= width + 1
        if path == "/maps/compare":
            h = b.execute_script("return document.getElementById('compare-map')"
                                 ".getBoundingClientRect().height")
            assert h >= 0.5 * b.execute_script("return window.innerHeight")
        b.save_screenshot(str(ARTIFACTS / f"phone{path.replace('/', '-')}.png"))
    finally:
        b.set_window_size(1400, 900)


def test_district_list_pages_and_pdf_links(browser, server, many_projects):  # noqa: F811
    """A group longer than a page says how many it has and pages on; the PDF links follow
    the language switch."""
    from maps.district import PAGE

    b = browser
    b.set_window_size(1400, 900)
    b.get(f"{server}/maps/district/{PAGED_DISTRICT}")
    group = WebDriverWait(b, 20).until(lambda d: d.find_element(
        "css selector", 'table[data-layer="projects"] tbody[data-group="suspended"]'))
    assert len(group.find_elements("css selector", "tr.feature")) == PAGE
    assert group.get_attribute("data-n") == str(len(many_projects))
    group.find_element("css selector", "tr.more a.next").click()
    _wait(b, "return location.search.includes('offset=50')")
    group = WebDriverWait(b, 20).until(lambda d: d.find_element(
        "css selector", 'table[data-layer="projects"] tbody[data-group="suspended"]'))
    ids = [a.get_attribute("data-id") for a in group.find_elements(
        "css selector", "tr.feature a.feature-link")]
    assert ids == many_projects[PAGE:]
    assert group.find_element("css selector", "tr.more a.prev").is_displayed()
    # the dashboard's PDF link in the page's language
    b.get(f"{server}/dashboard")
    _wait(b, "return document.readyState === 'complete'")
    assert b.find_element("id", "pdf-vi").is_displayed()
    b.find_element("id", "lang-switch").click()
    _wait(b, "return document.documentElement.lang === 'en'")
    pdf = b.find_element("id", "pdf-en")
    assert pdf.is_displayed() and pdf.get_attribute("href").endswith("/dashboard.pdf?lang=en")
    b.find_element("id", "lang-switch").click()
    _wait(b, "return document.documentElement.lang === 'vi'")
