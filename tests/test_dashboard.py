"""Indicators API, the city dashboard, the district dashboard (counters, stalled/overdue,
staleness) and two dates compared, over the real dataset in PostGIS."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gis.indicator_query import computed_verdict
from layers.base import DistrictSummary, Field, Layer, Overdue

DISTRICT = "926"  # Phong Điền
OTHER = "916"  # Ninh Kiều


@pytest.fixture
def stalled_project(conn):
    """A project under construction in DISTRICT, planned to end in 2022, whose
    construction figure did not move between its last two reports (2023 -> 2024)."""
    fid = "test-stalled-project"
    conn.execute(
        "INSERT INTO infra_project (id, name, kind, status, implementation_period, districts,"
        " geom_quality, source_doc, valid_on, geom) VALUES (%s, 'Dự án thử chậm tiến độ',"
        " 'road', 'under_construction', '2020-2022', %s, 'indicative', '002', '2020-01-01',"
        " ST_SetSRID(ST_MakeLine(ST_MakePoint(105.62, 10.01), ST_MakePoint(105.64, 10.02)),"
        " 4326))", (fid, [DISTRICT]))
    for on, value, line in (("2023-06-30", 40, 101), ("2024-06-30", 40, 102),
                            ("2024-10-31", 55, 103)):
        conn.execute(
            "INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, value_text,"
            " unit, valid_on, source_doc, source_line) VALUES ('projects', %s,"
            " 'construction_pct', %s, %s, '%%', %s, '002', %s)",
            (fid, value, str(value), on, line))
    conn.commit()
    yield fid
    conn.execute("DELETE FROM progress_snapshot WHERE feature_id = %s", (fid,))
    conn.execute("DELETE FROM infra_project WHERE id = %s", (fid,))
    conn.commit()


def test_indicators_api_filters(client):
    r = client.get("/indicators")
    assert r.status_code == 200
    every = r.json()["indicators"]
    assert len(every) > 40 and all(i["source_doc"] for i in every)
    targets = client.get("/indicators", params={"kind": "target", "year": 2020}).json()
    values = [v for i in targets["indicators"] for v in i["values"]]
    assert values and all(v["kind"] == "target" and v["year_from"] <= 2020 <= v["year_to"]
                          for v in values)
    grdp = next(i for i in targets["indicators"] if i["id"] == "002-I-2")
    assert [(v["value_text"], v["source_doc"], v["source_line"]) for v in grdp["values"]] == [
        ("97", "001", 28)]  # 001's 2020 target extends 002's row
    group = every[0]["group_name"]
    grouped = client.get("/indicators", params={"group": group}).json()["indicators"]
    assert grouped and {i["group_name"] for i in grouped} == {group}
    for bad in ({"kind": "guess"}, {"year": "năm"}, {"f": "pdf"}):
        r = client.get("/indicators", params=bad)
        assert r.status_code == 400 and r.json()["parameter"] == next(iter(bad))
    assert client.get("/indicators/002-I-1").json()["note"] == "Chưa đạt NQ"
    assert client.get("/indicators/nope").status_code == 404


def test_indicators_csv_xlsx_html(client):
    csv = client.get("/indicators", params={"f": "csv", "kind": "estimate"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("indicator,group,name")
    assert any(line.startswith("002-I-1,") and ',"5,86",5.86,' in line for line in lines)
    xlsx = client.get("/indicators", params={"f": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.cell(1, 1).value == "indicator" and ws.max_row > 100
    html = client.get("/indicators", params={"f": "html", "year": 2024}).text
    assert "Tốc độ tăng trưởng tổng sản phẩm" in html and 'href="/sources/002?line=13#L13"' in html


def test_computed_verdict():
    def v(value=None, low=None, high=None, qualifier="exact"):
        return {"value": None if value is None else Decimal(value), "qualifier": qualifier,
                "value_low": None if low is None else Decimal(low),
                "value_high": None if high is None else Decimal(high)}
    rng = v(low="7.5", high="8.0")
    assert computed_verdict("x", rng, v("5.86")) == "not_met"
    assert computed_verdict("x", rng, v("7.5")) == "met"
    assert computed_verdict("x", rng, v("8.1")) == "exceeded"
    assert computed_verdict("002-I-11", v("0.15"), v("0.09")) == "exceeded"  # less is better
    assert computed_verdict("002-I-11", v("0.15"), v("0.2")) == "not_met"
    assert computed_verdict("x", v("75", qualifier="over"), v("75", qualifier="over")) is None
    assert computed_verdict("x", None, v("1")) is None


def test_dashboard_page(client, conn):
    r = client.get("/dashboard")
    assert r.status_code == 200
    html = r.text
    # report's verdict and the computed one; every number links to its source line
    assert html.count('class="verdict not_met"') >= 2 and "Chưa đạt NQ" in html
    assert 'href="/sources/002?line=13#L13"' in html and "5,86" in html
    row = html[html.index('data-id="002-I-7"'):]
    row = row[:row.index("</tr>")]
    assert " differs" in row and "verdict met" in row and "verdict exceeded" in row
    assert html.count("<canvas data-series=") >= 10
    assert "/maps/vendor/chartjs/chart.umd.js" in html
    assert client.get("/maps/vendor/chartjs/chart.umd.js").status_code == 200
    # the districts side by side; the city counts a project of two districts once
    n_city, n_shared = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE cardinality(districts) > 1)"
        " FROM infra_project").fetchone()
    assert n_shared > 0  # e.g. a road through two districts
    assert f'<td class="num" data-code="city">{n_city}</td>' in html
    assert "Số liệu tiến độ mới nhất" in html and "năm trước" in html


def test_dashboard_xlsx(client):
    r = client.get("/dashboard.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    assert rows["002-I-1"][6] == "7,5-8,0" and rows["002-I-1"][7] == "5,86"
    assert rows["002-I-1"][8] == "Chưa đạt NQ" and rows["002-I-1"][9].startswith("Chưa đạt")
    assert "002:13" in rows["002-I-1"][10]


def test_source_page(client):
    html = client.get("/sources/002", params={"line": 13}).text
    assert 'id="L13" class="hit"' in html
    assert client.get("/sources/nope").status_code == 404


def _stalled_item(html: str, fid: str) -> str:
    item = html[html.index(f'data-id="{fid}"'):]
    return item[:item.index("</li>")]


def test_district_dashboard_stalled(client, stalled_project):
    html = client.get(f"/maps/district/{DISTRICT}", params={"as_of": "2024-12-31"}).text
    item = _stalled_item(html, stalled_project)
    assert 'data-reason="overdue"' in item and "2022" in item
    assert 'data-reason="stale"' not in item  # 2 months old on 31/12/2024 (setting: 12)
    assert 'data-reason="unchanged"' not in item  # 40 -> 55
    assert "Số liệu mới nhất của quận/huyện" in html and "2 tháng trước" in html
    assert 'id="commune-map"' in html and "window.COMMUNES" in html
    # as of 30/06/2024, the last two figures (2023, 2024) are equal: unchanged
    html = client.get(f"/maps/district/{DISTRICT}", params={"as_of": "2024-06-30"}).text
    item = _stalled_item(html, stalled_project)
    assert 'data-reason="unchanged"' in item and "002:101" in item and "002:102" in item
    # not in another district's list
    assert stalled_project not in client.get(f"/maps/district/{OTHER}").text


def test_stale_setting(client, stalled_project, monkeypatch):
    """GIS_DASHBOARD_STALE_MONTHS=1: a figure two months old is stale."""
    from gis import settings

    monkeypatch.setenv("GIS_DASHBOARD_STALE_MONTHS", "1")
    settings.dashboard_settings.cache_clear()
    try:
        html = client.get(f"/maps/district/{DISTRICT}", params={"as_of": "2024-12-31"}).text
    finally:
        monkeypatch.delenv("GIS_DASHBOARD_STALE_MONTHS")
        settings.dashboard_settings.cache_clear()
    item = _stalled_item(html, stalled_project)
    assert 'data-reason="stale"' in item and "31/10/2024" in item


def test_compare_two_dates(client, stalled_project):
    r = client.get("/maps/compare", params={"from": "2024-06-30", "to": "2024-10-31",
                                            "f": "json"})
    assert r.status_code == 200
    mine = [c for c in r.json()["changes"] if c["id"] == stalled_project]
    assert [(c["kind"], c["a_text"], c["a_line"], c["b_text"], c["b_line"]) for c in mine] == [
        ("gain", "40", 102, "55", 103)]
    assert any(f["properties"]["id"] == stalled_project for f in r.json()["map"]["features"])
    # unchanged figures are not changes; nothing after the second date counts
    r = client.get("/maps/compare", params={"from": "2023-06-30", "to": "2024-06-30",
                                            "f": "json"}).json()
    assert not [c for c in r["changes"] if c["id"] == stalled_project]
    # per district
    other = client.get("/maps/compare", params={"from": "2024-06-30", "to": "2024-10-31",
                                                "district": OTHER, "f": "json"}).json()
    assert not [c for c in other["changes"] if c["id"] == stalled_project]
    html = client.get("/maps/compare", params={"from": "2024-06-30", "to": "2024-10-31",
                                               "district": DISTRICT}).text
    assert f'data-id="{stalled_project}"' in html and "30/06/2024" in html
    assert client.get("/maps/compare", params={"from": "30/06/2024"}).status_code == 400
    assert client.get("/maps/compare", params={"district": "999"}).status_code == 404
    ws = load_workbook(io.BytesIO(client.get("/maps/compare", params={
        "from": "2024-06-30", "to": "2024-10-31", "f": "xlsx"}).content)).active
    assert any(row[1] == "Dự án thử chậm tiến độ" for row in ws.iter_rows(values_only=True))


def test_overdue_declaration_is_checked():
    fields = (Field("status", "text", "Tình trạng", "Status"),
              Field("period", "text", "Thời gian", "Period"))
    with pytest.raises(ValueError, match="summary.overdue.status 'status' has no choices"):
        Layer(id="t", table="t", title_vi="t", title_en="t", description_vi="", description_en="",
              geometry_type="Point", fields=fields,
              summary=DistrictSummary(overdue=Overdue("status", ("x",), end_from="perid")))


def test_figure_age_words():
    from maps.staleness import age_words

    assert age_words(date(2024, 11, 15), date(2026, 12, 3)) == ("2 năm trước", "2 years ago")
    assert age_words(date(2026, 10, 1), date(2026, 12, 3)) == ("2 tháng trước",
                                                                "2 months ago")
    assert age_words(None)[0] == "chưa rõ ngày"
