"""The district dashboard's lists are paged with their totals said (never cut silently),
and money is added up per period (one counter per period, with the features it covers
and those without a figure)."""

from __future__ import annotations

import re

import pytest

from maps.district import PAGE

DISTRICT = "924"  # Vĩnh Thạnh: no capital figure of its own in the dataset
N = PAGE + 7


@pytest.fixture
def many_projects(conn):
    """N projects suspended in DISTRICT (a group of more than one page); three carry a
    capital plan: two for 2024 (100 and 20,5), one for 2021-2025 (1000); one of those
    for 2024 also its disbursement (30) of 2024."""
    ids = [f"test-page-{i:03d}" for i in range(N)]
    for fid in ids:
        conn.execute(
            "INSERT INTO infra_project (id, name, kind, status, districts, geom_quality,"
            " source_doc, valid_on) VALUES (%s, %s, 'road', 'suspended', %s, 'district', '002',"
            " '2024-01-01')", (fid, f"Dự án phân trang {fid[-3:]}", [DISTRICT]))
    for fid, metric, value, kind, start, end in (
            (ids[0], "capital_plan_bil_vnd", 100, "year", 2024, None),
            (ids[1], "capital_plan_bil_vnd", 20.5, "year", 2024, None),
            (ids[2], "capital_plan_bil_vnd", 1000, "multi_year", 2021, 2025),
            (ids[0], "capital_disbursed_bil_vnd", 30, "year", 2024, None)):
        conn.execute(
            "INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, value_text,"
            " unit, valid_on, source_doc, source_line, period_kind, period_from, period_to)"
            " VALUES ('projects', %s, %s, %s, %s, 'tỷ đồng', '2024-10-31', '002', 1, %s, %s,"
            " %s)", (fid, metric, value, str(value), kind, start, end))
    conn.commit()
    yield ids
    conn.execute("DELETE FROM progress_snapshot WHERE feature_id LIKE 'test-page-%'")
    conn.execute("DELETE FROM infra_project WHERE id LIKE 'test-page-%'")
    conn.commit()


def _group(html: str, value: str) -> str:
    start = html.index(f'<tbody data-group="{value}"')
    return html[start:html.index("</tbody>", start)]


def _text(html: str) -> str:
    """The Vietnamese text (the English spans dropped)."""
    return re.sub(r"<[^>]+>", "", re.sub(r'<span class="en">.*?</span>', "", html))


def test_district_list_is_paged_with_its_total(client, many_projects):
    html = client.get(f"/maps/district/{DISTRICT}").text
    group = _group(html, "suspended")
    listed = re.findall(r'data-id="(test-page-\d+)"', group)
    assert listed == many_projects[:PAGE]  # by name, the first page
    assert f'data-n="{N}"' in group and f"Đang hiện 1–{PAGE} trên {N}" in _text(group)
    assert "show=projects&amp;group=suspended&offset=50" in group
    # the next page, then all of them
    nxt = _group(client.get(f"/maps/district/{DISTRICT}", params={
        "show": "projects", "group": "suspended", "offset": PAGE}).text, "suspended")
    assert re.findall(r'data-id="(test-page-\d+)"', nxt) == many_projects[PAGE:]
    assert f"Đang hiện {PAGE + 1}–{N} trên {N}" in _text(nxt) and 'class="prev"' in nxt
    every = _group(client.get(f"/maps/district/{DISTRICT}", params={
        "show": "projects", "group": "suspended", "limit": "all"}).text, "suspended")
    assert re.findall(r'data-id="(test-page-\d+)"', every) == many_projects
    assert 'class="more"' not in every
    for bad in ({"show": "nope"}, {"show": "projects", "offset": "-1"},
                {"show": "projects", "limit": "10"}):
        r = client.get(f"/maps/district/{DISTRICT}", params=bad)
        assert r.status_code == 400, bad


def test_money_is_summed_per_period(client, conn, many_projects):
    html = client.get(f"/maps/district/{DISTRICT}").text

    def cell(metric: str, period: str | None) -> str:
        row = (f'data-metric="{metric}" data-period="{period}"' if period
               else f'class="sub period missing" data-metric="{metric}"')
        tr = html[html.index(row):]
        tr = tr[:tr.index("</tr>")]
        td = tr[tr.index(f'data-code="{DISTRICT}">') + len(f'data-code="{DISTRICT}">'):]
        return _text(td[:td.index("</td>")]).strip()

    assert cell("capital_plan_bil_vnd", "year:2024").startswith("120,5 (2 dự án có số liệu năm")
    assert cell("capital_plan_bil_vnd", "multi_year:2021-2025").startswith(
        "1.000,0 (1 dự án có số liệu giai đoạn 2021–2025")
    # the disbursement of 2024 against the plan of 2024 of the same projects
    disbursed = cell("capital_disbursed_bil_vnd", "year:2024")
    assert disbursed.startswith("30,0 (1 dự án") and "cùng kỳ: 100,0 (1 có cả hai)" in disbursed
    # projects without a figure are counted as such, never as zero
    n_without = conn.execute(
        "SELECT count(*) FROM infra_project WHERE (%s = ANY(districts)"
        " OR %s = ANY(districts_inferred)) AND capital_plan_bil_vnd IS NULL",
        (DISTRICT, DISTRICT)).fetchone()[0]
    assert n_without >= N - 3
    assert cell("capital_plan_bil_vnd", None).startswith(f"{n_without} dự án")
    # the city dashboard has the same counters per district and for the city
    city = client.get("/dashboard").text
    assert 'data-metric="capital_plan_bil_vnd" data-period="multi_year:2021-2025"' in city


@pytest.fixture
def many_overdue(conn):
    """STALLED_SHOWN + 5 projects under construction in DISTRICT, planned to end in 2020."""
    from maps.coverage import STALLED_SHOWN

    ids = [f"test-overdue-{i:03d}" for i in range(STALLED_SHOWN + 5)]
    for fid in ids:
        conn.execute(
            "INSERT INTO infra_project (id, name, kind, status, districts, geom_quality,"
            " source_doc, valid_on, implementation_period) VALUES (%s, %s, 'road',"
            " 'under_construction', %s, 'district', '002', '2019-01-01', '2018-2020')",
            (fid, f"Dự án quá hạn {fid[-3:]}", [DISTRICT]))
    conn.commit()
    yield ids
    conn.execute("DELETE FROM infra_project WHERE id LIKE 'test-overdue-%'")
    conn.commit()


def test_stalled_list_is_paged_with_its_total(client, conn, many_overdue):
    from maps.coverage import STALLED_SHOWN

    def listed(html: str) -> list[str]:
        return re.findall(r'<li data-layer="projects" data-id="(test-overdue-\d+)"', html)

    html = client.get(f"/maps/district/{DISTRICT}").text
    pages = html[html.index('class="meta stalled-pages"'):]
    pages = pages[:pages.index("</p>")]
    total = int(re.search(r'data-layer="projects" data-total="(\d+)"', pages).group(1))
    assert total >= len(many_overdue)
    assert f'data-shown="{STALLED_SHOWN}"' in pages and 'class="next"' in pages
    assert f"stalled_offset={STALLED_SHOWN}#stalled" in pages
    first = listed(html)
    rest = listed(client.get(f"/maps/district/{DISTRICT}",
                             params={"stalled_offset": STALLED_SHOWN}).text)
    assert not set(first) & set(rest) and set(first) | set(rest) == set(many_overdue)
    every = client.get(f"/maps/district/{DISTRICT}", params={"stalled_limit": "all"}).text
    assert set(listed(every)) == set(many_overdue)
    # past the end: nothing listed, the total still said
    past = client.get(f"/maps/district/{DISTRICT}", params={"stalled_offset": 10_000}).text
    assert f'data-total="{total}" data-shown="0"' in past and not listed(past)
    # the city's dashboard pages the same way
    city = client.get("/dashboard", params={"stalled_offset": 0}).text
    assert 'class="meta stalled-pages"' in city
    for bad in ({"stalled_offset": "-1"}, {"stalled_limit": "5"}):
        assert client.get(f"/maps/district/{DISTRICT}", params=bad).status_code == 400
        assert client.get("/dashboard", params=bad).status_code == 400


def test_counters_agree_with_the_lists(client, conn):
    """A project whose district is only inferred (districts_inferred) is in the district's
    list and in its counter alike."""
    code, n = conn.execute(
        "SELECT u.code, count(*) FROM infra_project p, unnest(p.districts_inferred) u(code)"
        " WHERE p.districts = '{}' GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    assert n > 0  # the dataset has such projects
    html = client.get(f"/maps/district/{code}").text
    listed = re.search(r'<h2 id="sec-projects">[^<]*<small>\((\d+)\)</small>', html).group(1)
    row = html[html.index('<tr class="total" data-layer="projects">'):]
    counted = re.search(rf'data-code="{code}">(\d+)</td>', row).group(1)
    assert listed == counted
