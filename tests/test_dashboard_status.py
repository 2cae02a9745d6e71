"""Status over time: the progress history holds numbers only, so a status changes where
the imported reports print it (report_row: the status text, dated by the report, matched
to features) or where the API edited it (audit_log). Two dates compared and the stalled
list read both."""

from __future__ import annotations

import pytest
from test_dashboard import DISTRICT, _stalled_item, stalled_project  # noqa: F401  (fixture)

SAME = "Đang thi công, vướng mặt bằng đoạn cuối tuyến"
LATER = "Đã thông xe kỹ thuật"


@pytest.fixture
def reported(conn, stalled_project):  # noqa: F811
    """Three imported report rows on the stalled project: the same status text on
    30/06/2024 (002:501) and 31/10/2024 (002:502), another on 31/03/2025 (002:503)."""
    for row, line, on, text in (("T1", 501, "2024-06-30", SAME), ("T2", 502, "2024-10-31", SAME),
                                ("T3", 503, "2025-03-31", LATER)):
        conn.execute(
            "INSERT INTO report_row (source_doc, appendix, row_number, line, name, status_text,"
            " valid_on, features) VALUES ('002', 'test', %s, %s, 'Dự án thử', %s, %s, %s)",
            (row, line, text, on, [f"projects:{stalled_project}"]))
    conn.commit()
    yield stalled_project
    conn.execute("DELETE FROM report_row WHERE appendix = 'test'")
    conn.commit()


def test_stalled_when_the_last_two_reports_say_the_same(client, reported):
    html = client.get(f"/maps/district/{DISTRICT}", params={"as_of": "2024-12-31"}).text
    item = _stalled_item(html, reported)
    assert 'data-reason="same_report"' in item and SAME in item
    assert "30/06/2024 002:501" in item and "31/10/2024 002:502" in item
    # once a later report says something else, the reason goes
    html = client.get(f"/maps/district/{DISTRICT}", params={"as_of": "2025-06-30"}).text
    assert 'data-reason="same_report"' not in _stalled_item(html, reported)
    # before the second report there is only one: nothing to compare
    html = client.get(f"/maps/district/{DISTRICT}", params={"as_of": "2024-07-31"}).text
    assert 'data-reason="same_report"' not in _stalled_item(html, reported)


def test_compare_reads_the_reported_status(client, reported):
    changes = client.get("/maps/compare", params={"from": "2024-10-31", "to": "2025-03-31",
                                                  "f": "json"}).json()["changes"]
    mine = [c for c in changes if c["id"] == reported and c["kind"] == "status_reported"]
    assert [(c["a_text"], c["a_line"], c["a_date"], c["b_text"], c["b_line"], c["b_date"])
            for c in mine] == [(SAME, 502, "2024-10-31", LATER, 503, "2025-03-31")]
    # the same text in two reports is no change
    changes = client.get("/maps/compare", params={"from": "2024-06-30", "to": "2024-10-31",
                                                  "f": "json"}).json()["changes"]
    assert not [c for c in changes if c["id"] == reported and c["kind"] == "status_reported"]
    html = client.get("/maps/compare", params={"from": "2024-10-31", "to": "2025-03-31",
                                               "district": DISTRICT}).text
    row = html[html.index(f'<tr data-kind="status_reported" data-layer="projects" '
                          f'data-id="{reported}"'):]
    row = row[:row.index("</tr>")]
    assert LATER in row and 'href="/sources/002?line=503#L503"' in row


def test_compare_reads_status_edits_from_the_audit_log(client, conn, reported):
    """A status edited through the API (audit_log) is a change too, with who made it."""
    conn.execute(
        "INSERT INTO audit_log (layer_id, feature_id, action, user_name, before, after, at)"
        " VALUES ('projects', %s, 'update', 'test-officer', %s, %s, '2025-01-15')",
        (reported, '{"status": "under_construction"}', '{"status": "completed"}'))
    conn.commit()
    try:
        changes = client.get("/maps/compare", params={
            "from": "2024-10-31", "to": "2025-03-31", "f": "json"}).json()["changes"]
    finally:
        conn.execute("DELETE FROM audit_log WHERE user_name = 'test-officer'")
        conn.commit()
    mine = [c for c in changes if c["id"] == reported and c["kind"] == "field_changed"]
    assert [(c["a_text"], c["b_text"], c["b_ref"]) for c in mine] == [
        ("Đang thi công", "Hoàn thành", "audit_log: test-officer")]
