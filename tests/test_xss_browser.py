"""Stored XSS in a real browser: a feature named ``<img src=x onerror=alert(1)>`` is shown
as text on the API's HTML pages and the district page, no script runs, and the pages
work under the Content-Security-Policy (no violation reported)."""

from __future__ import annotations

import pytest
from copied_feature import copied_project
from selenium.common.exceptions import NoAlertPresentException
from test_maps_browser import browser, server, wait_ready  # noqa: F401 (fixtures)

XSS = "<img src=x onerror=alert(1)>"
WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
         " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture
def xss_feature(conn):
    fid = "t-xss-browser"
    with copied_project(conn, fid, XSS):
        yield fid


def _no_alert(driver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018


def test_xss_name_is_text_and_no_script_runs(browser, server, xss_feature):  # noqa: F811
    b = browser
    for url in (f"{server}/collections/projects/items/{xss_feature}?f=html",
                f"{server}/collections/projects/items?f=html&limit=10000"):
        b.get(url)
        _no_alert(b)
        assert XSS in b.find_element("tag name", "body").text, url
        assert not b.find_elements("css selector", "img[src=x]"), url


def test_map_page_runs_under_the_csp(browser, server):  # noqa: F811
    b = browser
    b.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    b.get(f"{server}/maps")
    wait_ready(b)
    assert b.execute_script("return typeof mapsApp") == "object"  # the inline config ran
    assert b.execute_script("return window.__csp") == []
    _no_alert(b)
