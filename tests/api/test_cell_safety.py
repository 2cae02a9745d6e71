"""CSV exports neutralise formula injection: a text cell starting with = + - @ is written
with a leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from copied_feature import copied_project

from gis.cell_safety import safe_cell, safe_row

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1", "\r=1"]


@pytest.mark.parametrize("value", PAYLOADS)
def test_formula_starts_are_neutralised(value):
    assert safe_cell(value) == "'" + value


def test_other_values_are_untouched():
    assert safe_row(["Cầu Trần Hoàng Na", -12.5, 0, None, "", "a=b"]) == [
        "Cầu Trần Hoàng Na", -12.5, 0, None, "", "a=b"]


@pytest.fixture
def formula_feature(conn):
    fid = "t-formula-1"
    with copied_project(conn, fid, PAYLOADS[0]):
        yield fid


def test_csv_download_neutralises_formulas(client, formula_feature):
    r = client.get("/collections/projects/items", params={"f": "csv", "limit": 10000})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    row = next(x for x in rows if x["id"] == formula_feature)
    assert row["name"] == "'" + PAYLOADS[0]
    for x in rows:
        for v in x.values():
            assert not (v or " ").startswith(("=", "+", "@")), (x["id"], v)
