"""Web map and printed maps on the full dataset: medians over repeated runs, with references.

    .venv/bin/python -m benchmarks maps [--runs N]

Measured, each ``N`` times (default 7, at least 5) after one warm-up run:

* **map page ready**: Debian's headless Chromium opens ``/maps`` from our server (one
  uvicorn worker) with the browser cache disabled; the time is from navigation start to
  the moment the page sets ``window.mapReady`` (every layer drawn: GeoJSON layers drawn,
  the tiles in view of tiled layers loaded), read from ``window.mapReadyAt``
  (``performance.now()``). Reference: a static page with Leaflet and no data, measured the
  same way in the same browser.
* **A4 city PDF**: ``maps.printing.render`` of the whole city, all layers, A4 landscape,
  150 dpi (what ``/exports/map.pdf`` returns), in this process. Reference: a blank A4 page
  saved as PDF by matplotlib.
  The PDF holds the map page with its numbered labels and the feature table's pages.
* **district atlas**: ``maps.printing.render_atlas`` (cover with contents, city overview,
  each district's map page and table pages). Same reference.
* **HTML export**: ``maps.interactive.render_html`` of the whole city, all layers (what
  ``/exports/map.html`` returns: folium, Leaflet inlined). Reference: an empty folium map
  with the same inlined Leaflet.

The database is ``<name>_maps_bench`` on the project's server, migrated and loaded with the
dataset (idempotent), so the benchmark never touches the working or test databases.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from benchmarks import servers

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "benchmarks"
TARGETS = {"page_ready": 1.5, "district_ready": 1.5, "pdf_a4_city": 3.0,
           "atlas": 20.0, "html_export": 2.0}  # seconds
DISTRICT = "926"  # Phong Điền: the district view with the most NTM communes
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

# The reference page: Leaflet, the same map frame and view, no data.
REFERENCE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<link rel="icon" href="data:,"><link rel="stylesheet" href="leaflet/leaflet.css">
<style>html, body { margin: 0; height: 100%; } #map { height: 100%; }</style></head>
<body><div id="map"></div><script src="leaflet/leaflet.js"></script>
<script>const map = L.map('map').fitBounds([[9.92, 105.2], [10.33, 105.86]]);
L.polygon([[9.92, 105.2], [10.33, 105.2], [10.33, 105.86]]).addTo(map);
requestAnimationFrame(() => { window.mapReadyAt = performance.now(); window.mapReady = true; });
</script></body></html>
"""


def bench_url(suffix: str = "_maps_bench") -> str:
    from gis.db import database_url

    parts = urlsplit(database_url())
    name = f"{parts.path.lstrip('/') or 'cantho'}{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def prepare(url: str) -> None:
    from gis.dataset.loader import load
    from gis.migrate import migrate

    migrate(url)
    load(url=url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def median_of(fn, runs: int) -> dict:
    """One warm-up call, then ``runs`` timed calls (seconds)."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "runs": runs}


# --- the web map in Chromium ----------------------------------------------------------

@contextmanager
def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="maps-bench-")
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
                "--window-size=1400,900", "--lang=vi",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def page_ready(driver, url: str, timeout: float = 60) -> float:
    """Seconds from navigation start to ``window.mapReady`` (from the page's own clock)."""
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + timeout
    while not driver.execute_script("return window.mapReady === true"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: not ready after {timeout} s")
        time.sleep(0.01)
    return driver.execute_script("return window.mapReadyAt") / 1000


def page_stats(driver, url: str, runs: int) -> dict:
    page_ready(driver, url)  # warm-up (server-side caches, Chromium's code cache)
    times = [page_ready(driver, url) for _ in range(runs)]
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "runs": runs}


@contextmanager
def reference_site():
    """A static Leaflet page with no data, served over HTTP on a free loopback port."""
    from maps.paths import LEAFLET_DIR

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "index.html").write_text(REFERENCE_HTML)
        os.symlink(LEAFLET_DIR, Path(tmp, "leaflet"))

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                partial(Quiet, directory=tmp))
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
        finally:
            httpd.shutdown()


def measure_page(url: str, runs: int) -> dict:
    env = {"DATABASE_URL": url}
    with servers.uvicorn("api.app:create_app", env, Path(sys.executable), factory=True,
                         probe="/maps/config.json") as (base, _proc), \
            reference_site() as ref_url, chromium() as driver:
        ours = page_stats(driver, f"{base}/maps", runs)
        ref = page_stats(driver, ref_url, runs)
        district = page_stats(driver, f"{base}/maps/district/{DISTRICT}", runs)
        OUT.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(OUT / f"maps-district-{DISTRICT}.png"))
        page_ready(driver, f"{base}/maps")
        driver.save_screenshot(str(OUT / "maps-page.png"))
        ours["requests"] = driver.execute_script(
            "return performance.getEntriesByType('resource').length + 1")
    return {"page_ready": {"ours": ours, "reference": ref},
            "district_ready": {"ours": district, "reference": ref}}


# --- printed maps ---------------------------------------------------------------------

def blank_pdf() -> bytes:
    from maps import printing

    opts = printing.PrintOptions(size="A4", orientation="landscape", dpi=150)
    fig = printing.new_figure(opts)
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf", dpi=opts.dpi)
        return buf.getvalue()
    finally:
        printing.plt.close(fig)


def measure_prints(url: str, runs: int) -> dict:
    from maps import printing
    from maps.filters import MapFilter
    from maps.interactive import render_html

    opts = printing.PrintOptions(size="A4", orientation="landscape", dpi=150)
    with psycopg.connect(url) as conn:
        ref = median_of(blank_pdf, runs)
        pdf = median_of(lambda: printing.render(conn, opts, "pdf"), runs)
        atlas = median_of(lambda: printing.render_atlas(conn, opts), runs)
        html = median_of(lambda: render_html(conn, opts.layers, MapFilter()), runs)
        html_ref = median_of(blank_html, runs)
        pages = {"pdf_a4_city": pdf_pages(printing.render(conn, opts, "pdf")),
                 "atlas": pdf_pages(printing.render_atlas(conn, opts))}
    return {"pdf_a4_city": {"ours": pdf, "reference": ref},
            "atlas": {"ours": atlas, "reference": ref},
            "html_export": {"ours": html, "reference": html_ref}, "pages": pages}


def pdf_pages(body: bytes) -> int:
    """Page objects in a PDF (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", body))


def blank_html() -> str:
    import folium

    from maps.interactive import _inline_leaflet

    m = folium.Map(tiles=None)
    _inline_leaflet(m)
    return m.get_root().render()


# --- report ---------------------------------------------------------------------------

LABELS = {
    "page_ready": ("map page ready (`/maps`, Chromium, cold cache)",
                   "static Leaflet page, no data"),
    "district_ready": (f"district view ready (`/maps/district/{DISTRICT}`)",
                       "static Leaflet page, no data"),
    "pdf_a4_city": ("A4 city PDF, all layers, 150 dpi, labels and table",
                    "blank A4 matplotlib PDF"),
    "atlas": ("district atlas PDF (cover, city, 9 districts with tables)",
              "blank A4 matplotlib PDF"),
    "html_export": ("HTML export (folium, whole city, all layers)",
                    "empty folium map, Leaflet inlined"),
}


def run(runs: int = 7) -> dict:
    runs = max(5, runs)
    url = bench_url()
    print(f"preparing {urlsplit(url).path.lstrip('/')} …", file=sys.stderr)
    prepare(url)
    with psycopg.connect(url) as conn:
        counts = dict(conn.execute(
            "SELECT 'projects', count(*) FROM infra_project UNION ALL"
            " SELECT 'flood_works', count(*) FROM flood_work UNION ALL"
            " SELECT 'industrial_zones', count(*) FROM industrial_zone UNION ALL"
            " SELECT 'ntm', count(*) FROM ntm_status").fetchall())
    print("measuring the map page …", file=sys.stderr)
    results = measure_page(url, runs)
    print("measuring printed maps …", file=sys.stderr)
    results.update(measure_prints(url, runs))
    rows = []
    for key, (label, ref_label) in LABELS.items():
        r = results[key]
        ours, ref = r["ours"], r["reference"]
        rows.append({"key": key, "label": label, "median_s": ours["median"],
                     "min_s": ours["min"], "max_s": ours["max"], "runs": ours["runs"],
                     "target_s": TARGETS[key], "ratio_to_target": ours["median"] / TARGETS[key],
                     "reference": ref_label, "reference_median_s": ref["median"],
                     "ratio_to_reference": ours["median"] / ref["median"]})
    return {"rows": rows, "counts": counts, "runs": runs,
            "requests": results["page_ready"]["ours"].get("requests"),
            "pages": results.get("pages"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "stamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def markdown(results: dict) -> str:
    lines = ["| measurement | median | min – max | target | median / target "
             "| reference (same run) | median / reference |",
             "|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        ok = "✓" if r["ratio_to_target"] <= 1 else "✗"
        lines.append(
            f"| {r['label']} | {r['median_s']:.2f} s | {r['min_s']:.2f} – {r['max_s']:.2f} s "
            f"| ≤ {r['target_s']:g} s | {r['ratio_to_target']:.2f} {ok} "
            f"| {r['reference']}: {r['reference_median_s'] * 1000:.0f} ms "
            f"| {r['ratio_to_reference']:.1f}× |")
    return "\n".join(lines)


def main(runs: int = 7) -> None:
    results = run(runs)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "maps.json").write_text(json.dumps(results, indent=2))
    counts = ", ".join(f"{k} {v}" for k, v in results["counts"].items())
    print(f"\n## Web maps and printed maps ({results['stamp']}, {results['machine']}, "
          f"median of {results['runs']} runs)\n")
    print(markdown(results))
    print(f"\nDataset: {counts}. The map page made {results['requests']} requests. "
          f"PDF pages: {results['pages']}.")
