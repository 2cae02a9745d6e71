"""The Print dialog's page options reach the PDF, in Chromium (fixtures of
test_maps_browser.py): layout, metric of the progress classes (only the visible layers'),
author, map number, agency header and the uploaded logo. This Chromium saves PDFs instead
of showing them, so the PDF the browser received is read with poppler."""
# ruff: noqa: F811  (the fixture `server` is imported, then requested)

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_maps_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    CHROMEDRIVER,
    Service,
    choose_date,
    chromium_options,
    failed_requests,
    server,
    wait_ready,
    webdriver,
)

from layers import METRICS, registry
from maps.classes import class_metrics

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")


@pytest.fixture(scope="module")
def downloads():
    path = Path(tempfile.mkdtemp(prefix="maps-downloads-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def saver(server, downloads):
    """Chromium that saves PDFs to ``downloads`` (no viewer), other hosts blocked."""
    profile = tempfile.mkdtemp(prefix="maps-chromium-")
    opts = chromium_options(profile)
    opts.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def empty(downloads: Path) -> None:
    """Before a download: one of the same name may be written over, not renamed."""
    for p in downloads.iterdir():
        p.unlink()


def saved_pdf(downloads: Path, timeout: float = 180) -> Path:
    """The PDF saved in the (emptied) ``downloads``, once its download has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = list(downloads.glob("*.pdf"))
        if done and not list(downloads.glob("*.crdownload")):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no PDF saved: {sorted(p.name for p in downloads.iterdir())}")


def text_of(pdf: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())


def page_size(pdf: Path) -> tuple[float, float]:
    """The first page's width and height in points."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(line for line in out.stdout.splitlines() if line.startswith("Page size"))
    w, _, h = line.split(":", 1)[1].split()[:3]
    return float(w), float(h)


def logo_ink(pdf: Path, tmp: Path) -> float:
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", "-singlefile", str(pdf),
                    str(tmp / "page")], check=True)
    img = Image.open(tmp / "page.png").convert("L")
    w, h = img.size
    hist = img.crop((int(0.045 * w), int(0.022 * h), int(0.11 * w), int(0.06 * h))).histogram()
    return sum(hist[:200]) / sum(hist)


def options_of(b, select_id: str) -> list[str]:
    return b.execute_script(f"return [...document.getElementById({select_id!r}).options]"
                            ".map(o => o.value)")


def test_dialog_choices_reach_the_pdf(saver, server, downloads, tmp_path):
    b = saver
    b.get(f"{server}/maps")
    gen = wait_ready(b)
    Select(b.find_element("id", "f-district")).select_by_value("918")
    gen = wait_ready(b, gen)
    gen = choose_date(b, "2024-06-30", gen)

    # the metrics offered are those the visible layers can be classed by, from the registry
    b.execute_script("mapsApp.map.removeLayer(mapsApp.groups.industrial_zones)")
    b.find_element("id", "print").click()
    assert b.execute_script("return document.getElementById('print-dialog').open")
    shown = [la for la in registry.layers() if la.id != "industrial_zones"]
    expected = list(dict.fromkeys(m for la in shown for m in class_metrics(la)))
    assert options_of(b, "p-metric") == ["", *expected]
    assert "occupancy_pct" not in expected  # the hidden industrial zones' metric
    from maps.layouts import layout_names

    assert sorted(options_of(b, "p-layout")) == layout_names()
    assert b.find_element("id", "p-layout").get_attribute("value") == "a4-landscape"
    assert b.find_element("id", "p-agency").get_attribute("value") == \
        "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ"

    # a logo too big is refused in the dialog (the server checks the bytes again)
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (700 * 1024))
    b.find_element("id", "p-logo").send_keys(str(big))
    WebDriverWait(b, 5).until(lambda d: "512 KB" in d.find_element("id", "p-logo-help").text)
    b.find_element("id", "p-open").click()
    assert b.execute_script("return document.getElementById('print-dialog').open")
    assert len(b.window_handles) == 1

    logo = tmp_path / "logo.png"
    Image.new("RGB", (80, 80), (30, 60, 160)).save(logo)
    b.find_element("id", "p-logo").send_keys(str(logo))  # replaces the big one
    WebDriverWait(b, 5).until(lambda d: "logo.png" in d.find_element("id", "p-logo-help").text)
    metric = "site_handover_pct"
    Select(b.find_element("id", "p-layout")).select_by_value("a3-portrait")
    Select(b.find_element("id", "p-metric")).select_by_value(metric)
    for field, value in (("p-author", "Nguyễn Thị Lan"), ("p-number", "14/BĐ-SXD")):
        b.find_element("id", field).send_keys(value)
    agency = b.find_element("id", "p-agency")
    agency.clear()
    agency.send_keys("SỞ XÂY DỰNG THÀNH PHỐ CẦN THƠ")
    b.save_screenshot(str(ARTIFACTS / "map-print-dialog-options.png"))
    empty(downloads)
    b.find_element("id", "p-open").click()
    pdf = saved_pdf(downloads)
    assert "metric=site_handover_pct" in b.execute_script("return mapsApp.lastPrintUrl")

    text = text_of(pdf)
    assert "Người lập: Nguyễn Thị Lan" in text and "Bản đồ số: 14/BĐ-SXD" in text
    assert "SỞ XÂY DỰNG THÀNH PHỐ CẦN THƠ" in text
    assert f"Tiến độ (số liệu đến 30/06/2024): {METRICS[metric].label_vi}" in text
    assert "Lọc: Bình Thuỷ; số liệu đến 30/06/2024" in text
    assert page_size(pdf) == pytest.approx((841.89, 1190.55), abs=0.5)  # A3 portrait
    assert logo_ink(pdf, tmp_path) > 0.5, "the uploaded logo is not in the header"

    # without a logo: a GET, in English
    b.find_element("id", "print").click()
    b.execute_script("const f = document.getElementById('p-logo'); f.value = '';"
                     " f.dispatchEvent(new Event('change'));")
    Select(b.find_element("id", "p-lang")).select_by_value("en")
    Select(b.find_element("id", "p-layout")).select_by_value("a4-portrait")
    empty(downloads)
    b.find_element("id", "p-open").click()
    pdf = saved_pdf(downloads)
    text = text_of(pdf)
    assert "Author: Nguyễn Thị Lan" in text and "Map no.: 14/BĐ-SXD" in text
    assert f"Progress (data as of 30/06/2024): {METRICS[metric].label_en}" in text
    assert page_size(pdf) == pytest.approx((595.28, 841.89), abs=0.5)  # A4 portrait
    assert failed_requests(b, server) == []

    # at a phone's width the dialog fits the screen, every field reachable by scrolling
    b.set_window_size(390, 844)
    try:
        b.find_element("id", "print").click()
        WebDriverWait(b, 5).until(lambda d: d.execute_script(
            "return document.getElementById('print-dialog').open"))
        fits = b.execute_script(
            "const d = document.getElementById('print-dialog'), r = d.getBoundingClientRect();"
            " return [r.left >= 0 && r.right <= innerWidth, d.scrollWidth <= d.clientWidth,"
            " r.bottom <= innerHeight]")
        assert fits == [True, True, True], fits
        b.save_screenshot(str(ARTIFACTS / "map-print-dialog-390.png"))
        b.find_element("id", "p-cancel").click()
    finally:
        b.set_window_size(1400, 900)
