"""CSV exports neutralise formula injection: a text cell starting with = + - @ is written
with a leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from psycopg import sql

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
    cols = [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'infra_project' AND is_generated = 'NEVER' AND column_name NOT IN ('id', 'name')")]
    copied = sql.SQL(", ").join(map(sql.Identifier, cols))
    conn.execute(sql.SQL("INSERT INTO infra_project (id, name, {c}) SELECT %s, %s, {c} "
                         "FROM infra_project ORDER BY id LIMIT 1").format(c=copied),
                 (fid, PAYLOADS[0]))
    conn.commit()
    yield fid
    conn.execute("DELETE FROM infra_project WHERE id = %s", (fid,))
    conn.commit()


def test_csv_download_neutralises_formulas(client, formula_feature):
    r = client.get("/collections/projects/items", params={"f": "csv", "limit": 10000})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    row = next(x for x in rows if x["id"] == formula_feature)
    assert row["name"] == "'" + PAYLOADS[0]
    for x in rows:
        for v in x.values():
            assert not (v or " ").startswith(("=", "+", "@")), (x["id"], v)
