"""The dashboards' counters as of a date (``as_of``): two snapshots of a feature at two
dates give two counters; features known later are not counted earlier; what has no
history (status, total investment) is said to be unknown for a past date, never shown
with today's value."""

from __future__ import annotations

import asyncio
import re
import subprocess
from datetime import date

import psycopg
import pytest

from layers import registry
from maps import coverage

DISTRICT = "924"
EARLY, LATE = date(2023, 12, 31), date(2024, 12, 31)
LAYER = registry.get("projects")
SHADE = LAYER.shading_metrics[0]
PLAN = "capital_plan_bil_vnd"


def _counts(db_url: str, as_of: date | None, layer=LAYER) -> dict:
    async def run():
        async with await psycopg.AsyncConnection.connect(db_url) as conn:
            if layer.best_record:
                return await coverage.unit_counts(conn, layer, as_of)
            return await coverage.layer_counts(conn, layer, DISTRICT, as_of)
    return asyncio.run(run())


@pytest.fixture
def two_dates(conn, db_url):
    """Before: the counters without the test's features. Then A (known from 01/01/2023:
    20 % at 30/06/2023, 60 % at 30/06/2024, a 2023 capital plan of 50) and B (known from
    01/03/2024: 40 % at 30/06/2024) in DISTRICT."""
    before = {d: _counts(db_url, d) for d in (EARLY, LATE, None)}
    for fid, known in (("test-asof-a", "2023-01-01"), ("test-asof-b", "2024-03-01")):
        conn.execute(
            "INSERT INTO infra_project (id, name, kind, status, districts, geom_quality,"
            " source_doc, valid_on, total_investment_bil_vnd) VALUES (%s, %s, 'road',"
            " 'under_construction', %s, 'district', '002', %s, 500)",
            (fid, f"Dự án {fid}", [DISTRICT], known))
    for fid, metric, value, on, kind, year in (
            ("test-asof-a", SHADE, 20, "2023-06-30", "point", None),
            ("test-asof-a", SHADE, 60, "2024-06-30", "point", None),
            ("test-asof-a", PLAN, 50, "2023-06-30", "year", 2023),
            ("test-asof-b", SHADE, 40, "2024-06-30", "point", None)):
        conn.execute(
            "INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, value_text,"
            " unit, valid_on, source_doc, source_line, period_kind, period_from, period_to)"
            " VALUES ('projects', %s, %s, %s, %s, %s, %s, '002', 1, %s, %s, NULL)",
            (fid, metric, value, str(value), "%" if metric == SHADE else "tỷ đồng", on, kind,
             year))
    conn.commit()
    yield before
    conn.execute("DELETE FROM progress_snapshot WHERE feature_id LIKE 'test-asof-%'")
    conn.execute("DELETE FROM infra_project WHERE id LIKE 'test-asof-%'")
    conn.commit()


def _sum(r: dict) -> float:
    return (r["mean"] or 0) * r["n_mean"]


def _plan(r: dict, period: str) -> dict | None:
    return next((p for p in r["periods"]["periods"] if p["metric"] == PLAN
                 and p["period"] == period), None)


def test_counters_follow_the_snapshot_history(db_url, two_dates):
    before = two_dates
    assert before[EARLY][DISTRICT]["n_mean"] == 0  # the dataset's figures are from 2024
    early = _counts(db_url, EARLY)[DISTRICT]
    # A only (B is known from 2024), with its 2023 figure, not today's
    assert early["n"] == before[EARLY][DISTRICT]["n"] + 1
    assert (early["mean"], early["n_mean"], early["latest"]) == (20, 1, date(2023, 6, 30))
    assert _plan(early, "year:2023")["sum"] == 50 and _plan(early, "year:2023")["n"] == 1
    # no history for status and total investment: not known, not today's value
    assert early["groups"] is None and early["total"] is None
    late = _counts(db_url, LATE)[DISTRICT]
    assert late["n"] == before[LATE][DISTRICT]["n"] + 2
    assert late["n_mean"] == before[LATE][DISTRICT]["n_mean"] + 2
    assert _sum(late) - _sum(before[LATE][DISTRICT]) == pytest.approx(60 + 40)
    # today: the same figures as the latest date (no figure after it), status known
    now = _counts(db_url, None)[DISTRICT]
    assert (now["n_mean"], now["mean"]) == (late["n_mean"], pytest.approx(late["mean"]))
    assert now["periods"] == late["periods"]
    assert now["groups"]["under_construction"] >= 2 and now["total"] >= 1000


def test_new_rural_counts_the_records_known_by_the_date(db_url):
    ntm = next(la for la in registry.layers() if la.best_record)
    now = _counts(db_url, None, ntm)
    assert _counts(db_url, date(2010, 1, 1), ntm)[coverage.CITY]["met"] == 0
    assert _counts(db_url, date(2099, 1, 1), ntm) == now
    assert now[coverage.CITY]["met"] > 0


def _cells(html: str, row: str) -> list[str]:
    tr = re.search(rf'<tr class="{row}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)


def test_pages_say_what_a_past_date_cannot_know(client, two_dates):
    html = client.get(f"/maps/district/{DISTRICT}", params={"as_of": "2023-12-31"}).text
    assert 'id="as-of-features"' in html and 'id="as-of-stalled"' in html
    assert "Không biết cho ngày đã chọn" in html and "Not known for the date chosen" in html
    body = html[html.index('class="dt coverage"'):]
    body = body[:body.index("</table>")]
    assert 'data-field="status"' in body and "Đang thi công" not in body
    assert "(n=1; 30/06/2023)" in body  # the mean of 2023, its date
    assert '<p class="meta as-of-note" data-layer="projects">' in html  # the summary tables
    today = client.get(f"/maps/district/{DISTRICT}").text
    assert 'id="as-of-features"' not in today and "Đang thi công" in today
    city = client.get("/dashboard", params={"as_of": "2023-12-31"}).text
    assert 'id="as-of-features"' in city and "30/06/2023" in city
    assert 'name="as_of" value="2023-12-31"' in city and "/dashboard.pdf?as_of=2023-12-31" in city
    assert client.get("/dashboard", params={"as_of": "31/12/2023"}).status_code == 400
    for url in (f"/maps/district/{DISTRICT}.pdf", "/dashboard.pdf"):
        pdf = client.get(url, params={"as_of": "2023-12-31", "lang": "en"})
        assert pdf.status_code == 200, pdf.text
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content,
                              capture_output=True, check=True).stdout.decode()
        assert "Not known for the date chosen" in " ".join(text.split())
        assert "progress as of 31/12/2023" in text
