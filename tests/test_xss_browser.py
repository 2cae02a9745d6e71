"""Stored XSS in a real browser (#15 §3): a project whose name, notes, status text, figure
notes and source document (title, number) carry ``<img src=x onerror=…>`` and
``<script>…</script>`` is shown as text everywhere it appears, and no script runs: the web
map's popup, attribute table and search results, the district view, the dashboard, the
two dates compared, the history page, the API's HTML pages, the folium HTML export
opened from file:// and the printed PDF (pdftotext).

The pages are checked with their Content-Security-Policy bypassed (Chromium's
``Page.setBypassCSP``): the CSP would stop an injected handler anyway, so only with it
off does a hole in the escaping show; the payload sets ``window.__xss`` and opens an
alert, and neither may happen. The last test checks the map under the CSP itself."""

from __future__ import annotations

import subprocess

import httpx
import psycopg
import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_maps_browser import browser, server, wait_ready  # noqa: F401 (fixtures)
from test_webmap_browser import popup_text, searched

IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=2;alert(2)</script>"
NAME = f"{IMG} {SCRIPT} xsscheck"
NOTES, STATUS, REF = f"ghi chú {SCRIPT} {IMG}", f"tình hình {IMG} {SCRIPT}", f"dòng {IMG}"
FIGURE_NOTE, TITLE = f"ghi {SCRIPT}", f"Báo cáo {SCRIPT}"
FID, DOC, DISTRICT = "t-xss", "t-xss-doc", "926"  # Phong Điền
WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
         " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
LOCAL = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@pytest.fixture(scope="module")
def hostile(db_url):
    """The hostile project: under construction, planned to end in 2022, its construction
    figure unchanged between two reports (so the stalled lists show it), then changed."""
    with psycopg.connect(db_url) as c:
        c.execute("INSERT INTO source_document (id, file, title, title_en, report_no, "
                  "issued_on) VALUES (%s, 't-xss.txt', %s, %s, %s, '2024-06-30')",
                  (DOC, TITLE, f"Report {SCRIPT}", IMG))
        c.execute(
            "INSERT INTO infra_project (id, name, kind, status, implementation_period, "
            "districts, geom_quality, source_doc, source_ref, valid_on, notes, status_text, "
            "lead_agency, geom) VALUES (%s, %s, 'road', 'under_construction', '2020-2022', "
            "%s, 'indicative', %s, %s, '2020-01-01', %s, %s, %s, ST_SetSRID(ST_MakeLine("
            "ST_MakePoint(105.62, 10.01), ST_MakePoint(105.64, 10.02)), 4326))",
            (FID, NAME, [DISTRICT], DOC, REF, NOTES, STATUS, IMG))
        for on, value, line in (("2023-06-30", 40, 101), ("2024-06-30", 40, 102),
                                ("2024-10-31", 55, 103)):
            c.execute(
                "INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, "
                "value_text, unit, valid_on, source_doc, source_line, source_ref, note) "
                "VALUES ('projects', %s, 'construction_pct', %s, %s, '%%', %s, %s, %s, %s, %s)",
                (FID, value, str(value), on, DOC, line, f"mục {IMG}", FIGURE_NOTE))
        c.commit()
        try:
            yield FID
        finally:
            c.rollback()
            c.execute("DELETE FROM progress_snapshot WHERE feature_id = %s", (FID,))
            c.execute("DELETE FROM infra_project WHERE id = %s", (FID,))
            c.execute("DELETE FROM source_document WHERE id = %s", (DOC,))
            c.commit()


def _bypass_csp(b, on: bool = True) -> None:
    b.execute_cdp_cmd("Page.setBypassCSP", {"enabled": on})


def _nothing_ran(b, where: str) -> None:
    """No alert, no flag, no element made from the payload."""
    try:
        alert = b.switch_to.alert
        text = alert.text
        alert.accept()  # not left open for the next page
        pytest.fail(f"{where}: the payload ran (alert {text!r})")
    except NoAlertPresentException:
        pass
    assert b.execute_script("return typeof window.__xss") == "undefined", where
    assert b.execute_script(
        "return document.querySelectorAll('img[src=\"x\"]').length + [...document.scripts]"
        ".filter(s => s.textContent.trim().startsWith('window.__xss')).length") == 0, where


def _shown(text: str, *payloads: str, where: str = "") -> None:
    for p in payloads or (IMG, SCRIPT):
        assert p in text, (where, p, text[:2000])


def _text(b, css: str = "body") -> str:
    return b.execute_script("return document.querySelector(arguments[0]).innerText", css)


def test_web_map_popup_table_and_search(browser, server, hostile):  # noqa: F811
    b = browser
    _bypass_csp(b)
    b.set_window_size(1400, 900)
    b.get(f"{server}/maps")
    wait_ready(b)
    assert b.execute_script(f"return mapsApp.focusFeature('projects/{FID}')")
    WebDriverWait(b, 10).until(lambda d: d.find_elements("css selector", ".leaflet-popup h3"))
    b.execute_script("document.querySelectorAll('.leaflet-popup details')"
                     ".forEach(d => d.open = true)")
    popup = popup_text(b)
    _shown(popup, where="popup")  # the name
    _shown(popup, STATUS, where="popup status text")
    _shown(b.find_element("css selector", ".leaflet-popup tr.source td")
           .get_attribute("textContent"), IMG, where="popup source")  # the report number
    _nothing_ran(b, "popup")

    b.execute_script("mapsApp.map.closePopup()")
    b.find_element("id", "attr-toggle").click()
    Select(b.find_element("id", "attr-layer")).select_by_value("projects")
    b.find_element("css selector", "#attr-table input[data-col=name]").send_keys("xsscheck")
    WebDriverWait(b, 10).until(lambda d: len(d.find_elements(
        "css selector", "#attr-table tbody tr")) == 1)
    _shown(_text(b, "#attr-table tbody"), where="attribute table")
    _nothing_ran(b, "attribute table")

    searched(b, "xsscheck")
    results = _text(b, "#search-results")
    _shown(results, where="search results")
    b.find_element("css selector", "#search-results li a").click()
    WebDriverWait(b, 10).until(lambda d: FID in (d.execute_script(
        "return document.querySelector('.leaflet-popup .popup')?.dataset.id") or ""))
    _nothing_ran(b, "search results")


def test_district_view_dashboard_and_compare(browser, server, hostile):  # noqa: F811
    b = browser
    _bypass_csp(b)
    stalled = f'#stalled li[data-id="{FID}"]'
    for url in (f"{server}/maps/district/{DISTRICT}?as_of=2024-06-30", f"{server}/dashboard"):
        b.get(url)
        item = WebDriverWait(b, 30).until(lambda d: d.find_element("css selector", stalled))
        _shown(item.text, where=url)
        _nothing_ran(b, url)
    b.get(f"{server}/maps/compare?from=2024-06-30&to=2024-10-31&district={DISTRICT}")
    row = WebDriverWait(b, 30).until(lambda d: d.find_element(
        "css selector", f'#changes tr[data-id="{FID}"]'))
    _shown(row.text, where="compare table")
    WebDriverWait(b, 10).until(lambda d: int(d.find_element("id", "compare-map")
                                             .get_attribute("data-features") or 0) >= 1)
    row.find_elements("css selector", "td")[1].click()
    WebDriverWait(b, 10).until(lambda d: d.find_elements(
        "css selector", "#compare-map .leaflet-popup-content"))
    _shown(_text(b, "#compare-map .leaflet-popup-content"), where="compare popup")
    _nothing_ran(b, "compare")


def test_api_html_pages_and_history(browser, server, hostile):  # noqa: F811
    b = browser
    _bypass_csp(b)
    item = f"{server}/collections/projects/items/{FID}"
    pages = {f"{item}?f=html": (NOTES, STATUS, REF),  # every property
             f"{server}/collections/projects/items?f=html&limit=10000": (),
             f"{item}/history": (FIGURE_NOTE, f"{IMG}, dòng 10")}  # figures: notes, sources
    for url, also in pages.items():
        b.get(url)
        WebDriverWait(b, 30).until(lambda d: "xsscheck" in _text(d))
        _shown(_text(b), where=url)
        _shown(_text(b), *also, where=url) if also else None
        _nothing_ran(b, url)


def test_folium_export_from_file(browser, server, hostile, tmp_path):  # noqa: F811
    b = browser
    r = httpx.get(f"{server}/exports/map.html", params={"district": DISTRICT,
                  "layers": "projects"}, timeout=120, trust_env=False)
    assert r.status_code == 200, r.text
    page = tmp_path / "phong-dien.html"
    page.write_bytes(r.content)
    b.get(page.as_uri())  # no server, no header: only the file's own escaping
    opened = ("let n = 0; for (const k of Object.keys(window).filter(k => k.startsWith('map_')))"
              " window[k].eachLayer(l => { if (String(l.feature?.properties?._tip)"
              ".includes('xsscheck')) { l.openPopup(); n++; } }); return n;")
    assert WebDriverWait(b, 30).until(lambda d: d.execute_script(opened))
    WebDriverWait(b, 10).until(lambda d: d.find_elements("css selector", ".leaflet-popup h3"))
    _shown(_text(b, ".leaflet-popup"), where="folium popup")
    _nothing_ran(b, "folium export")


def test_pdf_export_prints_the_payload_as_text(server, hostile, tmp_path):  # noqa: F811
    r = httpx.get(f"{server}/exports/map.pdf", params={"district": DISTRICT,
                  "layers": "projects", "as_of": "2024-10-31"}, timeout=300, trust_env=False)
    assert r.status_code == 200, r.text
    pdf = tmp_path / "phong-dien.pdf"
    pdf.write_bytes(r.content)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert '<img src=x onerror="window.__xss' in text, text[:3000]


def test_map_page_runs_under_the_csp(browser, server):  # noqa: F811
    b = browser
    _bypass_csp(b, False)
    b.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    b.get(f"{server}/maps")
    wait_ready(b)
    assert b.execute_script("return typeof mapsApp") == "object"  # the inline config ran
    assert b.execute_script("return window.__csp") == []
    with pytest.raises(NoAlertPresentException):
        b.switch_to.alert.text  # noqa: B018
