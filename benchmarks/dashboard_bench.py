"""The city dashboard and the district dashboard with 100,000 synthetic projects.

    .venv/bin/python -m benchmarks dashboard [--runs N] [--features N]

The database ``<name>_dashboard_bench`` on the project's server is migrated and loaded
with the dataset, then gets ``N`` synthetic rows in the projects layer itself (default
100,000: statuses, investment, one or two districts each, a planned period, and two
construction figures for every third one), so every counter, the stalled list and the
comparison run the same SQL as on the real data. Measured after one warm-up, ``runs``
times (default 5), against one uvicorn worker:

* **server**: the whole HTML response of ``/dashboard`` and ``/maps/district/926`` over HTTP;
* **ready in Chromium**: navigation start to the page's ``load`` event with the charts
  drawn (``/dashboard``), or to ``window.mapReady`` (the district view's map drawn).

Target: under 1.5 s each (issue #13).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from benchmarks import maps_bench, servers
from benchmarks.maps_bench import chromium, median_of, page_ready

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "benchmarks"
TARGET_S = 1.5
DISTRICT = "926"
SYNTHETIC = """
DELETE FROM progress_snapshot WHERE layer_id = 'projects' AND feature_id LIKE 'bench-%%';
DELETE FROM infra_project WHERE id LIKE 'bench-%%';
INSERT INTO infra_project (id, name, kind, status, districts, total_investment_bil_vnd,
    implementation_period, geom_quality, source_doc, valid_on, origin)
SELECT 'bench-' || i, 'Dự án tổng hợp ' || i, 'road',
    (ARRAY['proposed', 'preparing', 'under_construction', 'completed', 'suspended',
           'after_2025'])[1 + (i / 9) %% 6],  -- independent of the district (i %% 9)
    CASE WHEN i %% 10 = 0 THEN ARRAY[d.code, d2.code] ELSE ARRAY[d.code] END,
    (i %% 500) + 0.5, (2018 + i %% 6) || '-' || (2022 + i %% 6), 'district', '002',
    '2024-11-15', 'bench'
FROM generate_series(1, %(n)s) i
JOIN LATERAL (SELECT code FROM admin_district ORDER BY code OFFSET i %% 9 LIMIT 1) d ON true
JOIN LATERAL (SELECT code FROM admin_district ORDER BY code OFFSET (i + 1) %% 9 LIMIT 1) d2
    ON true;
INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, value_text, unit,
    valid_on, source_doc, source_line, origin)
SELECT 'projects', 'bench-' || i, 'construction_pct', v.value, v.value::text, '%%', v.day,
    '002', 1, 'bench'
FROM generate_series(3, %(n)s, 3) i,
LATERAL (VALUES (i %% 50, DATE '2024-06-30'), (i %% 50 + i %% 2 * 10, DATE '2024-10-31'))
    v(value, day);
"""


def prepare(url: str, n: int) -> None:
    maps_bench.prepare(url)  # migrated, the dataset loaded
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in filter(str.strip, SYNTHETIC.split(";")):
            conn.execute(statement, {"n": n})
        conn.execute("VACUUM ANALYZE")


def _stats(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "runs": len(times)}


def dashboard_ready(driver, url: str) -> float:
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + 60
    while not driver.execute_script("return document.readyState === 'complete' &&"
                                    " Number(document.body.dataset.charts || 0) > 0"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: not ready after 60 s")
        time.sleep(0.01)
    return driver.execute_script("const t = performance.getEntriesByType('navigation')[0];"
                                 " return t.loadEventEnd || performance.now();") / 1000


def main(runs: int = 5, features: int = 100_000) -> dict:
    url = maps_bench.bench_url("_dashboard_bench")
    prepare(url, features)
    env = {**os.environ, "DATABASE_URL": url}
    results: dict = {"features": features, "target_s": TARGET_S}
    with servers.uvicorn("api.app:create_app", env, Path(sys.executable), factory=True,
                         probe="/health") as (base, _proc):
        pages = {"dashboard": "/dashboard", "district": f"/maps/district/{DISTRICT}"}
        for key, path in pages.items():
            results[f"{key}_server"] = median_of(
                lambda p=path: urllib.request.urlopen(base + p, timeout=120).read(), runs)
        with chromium() as driver:
            d = [dashboard_ready(driver, base + pages["dashboard"]) for _ in range(runs + 1)]
            results["dashboard_ready"] = _stats(d[1:])
            m = [page_ready(driver, base + pages["district"]) for _ in range(runs + 1)]
            results["district_ready"] = _stats(m[1:])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dashboard.json").write_text(json.dumps(results, indent=2))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n## Dashboards, {features} synthetic projects ({stamp}, {platform.machine()})\n")
    print("| measure | median s | min | max | target |\n|---|---|---|---|---|")
    for k, v in results.items():
        if isinstance(v, dict):
            ok = "ok" if v["median"] < TARGET_S else "**over**"
            print(f"| {k} | {v['median']:.3f} | {v['min']:.3f} | {v['max']:.3f} | "
                  f"< {TARGET_S} s {ok} |")
    return results
