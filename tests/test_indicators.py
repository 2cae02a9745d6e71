"""Indicators and New Rural records: every value as printed on its cited line, derived
values and records with their rule and lines, contradictions kept as data, and the
loader refusing a bad basis, a duplicate record or a malformed value (file:line)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from gis.dataset.loader import LoadError, load
from gis.dataset.seeds import seed_lines, squash
from gis.settings import data_settings
from layers import registry
from layers.basis import BASIS_FIELDS, line_refs


def test_every_printed_indicator_value_is_on_its_cited_line(conn):
    lines = seed_lines()
    rows = conn.execute(
        "SELECT indicator_id, value_text, source_doc, source_line FROM indicator_value"
        " WHERE basis = 'named'").fetchall()
    assert len(rows) > 200
    missing = [f"{ind} {text!r} not on {doc}:{line}" for ind, text, doc, line in rows
               if line is None or line > len(lines[doc])
               or squash(text) not in squash(lines[doc][line - 1])]
    assert missing == []


def test_derived_values_say_how_and_their_inputs_are_on_the_lines_named(conn):
    lines = seed_lines()
    rows = conn.execute(
        "SELECT indicator_id, value_text, basis_rule, derived_from FROM indicator_value"
        " WHERE basis = 'derived'").fetchall()
    assert {(r[0], r[1]) for r in rows} >= {("002-I-2", "110,50"), ("002-I-3", "97,01")}
    for ind, text, rule, derived_from in rows:
        assert rule and derived_from, ind
        cited = "".join(squash(lines[doc][i - 1]) for doc, first, last in line_refs(
            derived_from) for i in range(first, last + 1))
        inputs = re.findall(r"\d+(?:[.,]\d+)*", rule.split("=")[0])
        assert inputs and all(n in cited for n in inputs), (ind, rule, derived_from)
        assert text in rule


@pytest.mark.parametrize("lines_apart", [
    ("002-I-2-ratio-2024", {("002", 19)}),
    ("002-I-3-shares-2023", {("002", 20), ("002", 21)}),
    ("004-kv1-share-2022", {("004", 37), ("004", 63)}),
    ("004-commune-units", {("004", 14), ("004", 87)}),
    ("004-health-stations", {("004", 100), ("004", 106)}),
])
def test_the_documents_contradictions_are_kept_with_both_values_and_lines(conn, lines_apart):
    cid, expected = lines_apart
    row = conn.execute("SELECT note, sides FROM indicator_contradiction WHERE id = %s",
                       (cid,)).fetchone()
    assert row is not None, cid
    note, sides = row
    assert note and len(sides) == 2 and len({s["value"] for s in sides}) == 2
    assert {(s["source_doc"], s["source_line"]) for s in sides} == expected
    for s in sides:  # each side is a stored value
        assert conn.execute("SELECT 1 FROM indicator_value WHERE indicator_id = %s AND key = %s",
                            (s["indicator"], s["key"])).fetchone()


def test_indicator_values_carry_period_kind_and_qualifier(conn):
    def value(ind, text):
        return conn.execute(
            "SELECT year_from, year_to, period_kind, kind, measure, qualifier, value, value_low,"
            " value_high, valid_on::text FROM indicator_value WHERE indicator_id = %s"
            " AND value_text = %s", (ind, text)).fetchall()

    # 002 Phụ lục I: a range target, an estimate against the year before, ">75"
    assert value("002-I-1", "7,5-8,0") == [(2024, 2024, "year", "target", "level", "exact",
                                           None, 7.5, 8.0, "2024-12-31")]
    assert value("002-I-2", "110,20")[0][3:5] == ("estimate", "pct_of_previous")
    assert {r[5] for r in value("002-I-17", ">75")} == {"over"}
    # 001: a 2016-2020 average target; 004: a period total and an "hơn" figure
    assert value("002-I-1", "7,5% - 8%")[0][:4] == (2016, 2020, "multi_year", "target")
    assert value("004-investment", "466.468")[0][:4] == (2012, 2022, "multi_year", "actual")
    assert value("004-grdp", "120.000")[0][5:7] == ("over", 120000)
    # New Rural: new within a year (002) versus cumulative (004)
    assert value("002-I-14.b", "3")[0][2:4] == ("year", "estimate")
    assert value("ntm-xa-nang-cao", "22")[0][2:4] == ("cumulative", "actual")
    assert value("ntm-xa-kieu-mau", "08")[0][:4] == (2025, 2025, "cumulative", "target")


def test_every_indicator_group_of_the_seeds_is_loaded(conn):
    def count(where):
        return conn.execute(f"SELECT count(*) FROM indicator WHERE {where}").fetchone()[0]

    assert count("id LIKE '002-I-%'") == 43  # every row of 002 Phụ lục I (002:13-64)
    assert count("id LIKE '000-PL2-%'") == 23  # every indicator printed in 000 Phụ lục 2
    assert conn.execute("SELECT unit, reporting_period, agency FROM indicator"
                        " WHERE id = '000-PL2-3.10'").fetchone() == (
        "Người/100.000 dân/năm", "Năm", "Công an thành phố; Ban an toàn giao thông thành phố")
    targets_001 = conn.execute("SELECT count(*) FROM indicator_value WHERE source_doc = '001'"
                               " AND kind = 'target'").fetchone()[0]
    lines_001 = {r[0] for r in conn.execute(
        "SELECT DISTINCT source_line FROM indicator_value WHERE source_doc = '001'")}
    assert targets_001 >= 25 and lines_001 == set(range(27, 41))  # (1)-(13), 001:27-40
    assert conn.execute("SELECT count(*) FROM indicator_value WHERE source_doc = '004'"
                        ).fetchone()[0] >= 70
    # NTM counts and targets of the whole city are indicators with the city's code
    assert conn.execute("SELECT array_agg(DISTINCT unit_code) FROM indicator"
                        " WHERE group_name = 'Nông thôn mới'").fetchone()[0] == ["92"]


def test_new_rural_records_are_one_per_unit_and_level_and_say_their_basis(conn):
    dup = conn.execute("SELECT unit_code, ntm_level FROM ntm_status GROUP BY 1, 2"
                       " HAVING count(*) > 1").fetchall()
    assert dup == []
    rows = conn.execute("SELECT id, unit_level, basis, basis_rule, derived_from, source_doc,"
                        " source_line FROM ntm_status").fetchall()
    by_basis = {b: [r for r in rows if r[2] == b] for b in ("named", "derived")}
    assert len(by_basis["named"]) == 4 and len(by_basis["derived"]) == 36
    assert {r[1] for r in rows} == {"district", "commune"}  # city counts are indicators now
    for fid, _, _, rule, derived_from, doc, line in by_basis["derived"]:
        assert rule and ("36/36" in rule or "4/4" in rule), fid
        assert derived_from.startswith("004:72") and (doc, line) == ("004", 72), fid
    assert all(r[3] is None and r[4] is None for r in by_basis["named"])


def test_api_properties_and_queryables_carry_the_basis(client):
    queryables = client.get("/collections/ntm/queryables").json()["properties"]
    for f in BASIS_FIELDS:
        if f.queryable:
            assert f.name in queryables, f.name
    items = client.get("/collections/ntm/items", params={"limit": 100}).json()["features"]
    derived = [f["properties"] for f in items if f["properties"]["basis"] == "derived"]
    assert derived and all(p["derived_from"].startswith("004:72") and p["basis_rule"]
                           for p in derived)
    named = next(f["properties"] for f in items if f["id"] == "ntm-926-ntm")
    assert named["basis"] == "named" and named["derived_from"] is None


def test_the_web_map_config_labels_the_basis_fields(client):
    config = client.get("/maps/config.json").json()
    text = json.dumps(config, ensure_ascii=False)
    assert "Suy ra từ" in text and registry.get("ntm").has_field("derived_from")


@pytest.fixture
def data_copy(tmp_path) -> Path:
    dest = tmp_path / "data"
    shutil.copytree(data_settings().data_dir, dest)
    return dest


def _ntm_record(extra: str) -> str:
    return f"""
- id: test-ntm
  name: "Xã Nhơn Ái"
  unit_code: "31300"
  unit_level: commune
  ntm_level: ntm_nang_cao
  valid_on: 2022-12-31
  source: {{doc: "004", line: 72}}
{extra}"""


NTM_CASES = {
    "bad basis": (_ntm_record("  basis: guessed\n"), "'guessed' is not one of: named, derived"),
    "derived without rule": (_ntm_record('  basis: derived\n  derived_from: "004:72"\n'),
                             "a derived record needs basis_rule"),
    "derived without line": (_ntm_record("  basis: derived\n  basis_rule: from 22/36\n"),
                             "a derived record needs derived_from"),
    "bad line reference": (_ntm_record(
        '  basis: derived\n  basis_rule: from 22/36\n  derived_from: "line 72"\n'),
        "'line 72' is not a line reference"),
    "named with a rule": (_ntm_record("  basis: named\n  basis_rule: from 22/36\n"),
                          "a named record has no basis_rule"),
}


@pytest.mark.parametrize("case", list(NTM_CASES))
def test_loader_refuses_a_bad_basis_naming_file_and_line(db_url, data_copy, case):
    text, reason = NTM_CASES[case]
    (data_copy / "features" / "ntm" / "zz_bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as err:
        load(data_dir=data_copy, url=db_url)
    assert any(p.file.endswith("features/ntm/zz_bad.yaml") and p.line == 2
               and reason in p.reason for p in err.value.problems), str(err.value)


def test_loader_refuses_a_duplicate_record_for_the_same_unit_and_level(db_url, data_copy):
    text = _ntm_record("  basis: named\n").replace("ntm_nang_cao", "ntm")
    (data_copy / "features" / "ntm" / "zz_dup.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match=(
            r"features/ntm/zz_dup.yaml:2: feature test-ntm: duplicate record for "
            r"unit_code='31300', ntm_level='ntm' \(first: ntm-31300-ntm-004-all at "
            r"data/features/ntm/ntm.yaml:\d+\)")):
        load(data_dir=data_copy, url=db_url)


INDICATOR_CASES = {
    "malformed qualifier": ('qualifier: roughly', "unknown qualifier 'roughly'"),
    "sign and qualifier disagree": ('qualifier: under', "qualifier 'over', not 'under'"),
    "unknown kind": ('kind: hope', "kind 'hope' is not one of: target, plan, actual"),
    "malformed number": ('value: "1.50"', "malformed number '1.50'"),
    "bad period": ('period: "2022-2012"', "is not \"YYYY-YYYY\""),
    "derived without rule": ('basis: derived', "a derived record needs basis_rule"),
}


@pytest.mark.parametrize("case", list(INDICATOR_CASES))
def test_loader_refuses_a_malformed_indicator_value(db_url, data_copy, case):
    change, reason = INDICATOR_CASES[case]
    key = change.split(":")[0]
    value = {"year": 2024, "kind": "estimate", "value": '">75"', "qualifier": "over"}
    value[key] = change.split(": ", 1)[1]
    if key == "period":
        del value["year"]
    flow = ", ".join(f"{k}: {v}" for k, v in value.items())
    (data_copy / "indicators" / "zz_bad.yaml").write_text(
        f'\n- extends: "002-I-17"\n  values:\n    - {{{flow}}}\n', encoding="utf-8")
    with pytest.raises(LoadError) as err:
        load(data_dir=data_copy, url=db_url)
    assert any(p.file.endswith("indicators/zz_bad.yaml") and p.line == 4
               and reason in p.reason for p in err.value.problems), str(err.value)


def test_a_contradiction_must_name_stored_values(db_url, data_copy):
    (data_copy / "indicators" / "zz_bad.yaml").write_text(
        '\n- contradiction: nothing\n  note: "two values"\n  values:\n'
        '    - {indicator: "002-I-2", value: "110,20"}\n'
        '    - {indicator: "002-I-2", value: "999"}\n', encoding="utf-8")
    with pytest.raises(LoadError, match=r"zz_bad.yaml:6: contradiction nothing: 0 values"):
        load(data_dir=data_copy, url=db_url)


def test_migration_0006_brings_the_old_shape_up_and_back(db_url):
    """Down to 0004 (the wide indicator table, NTM without basis) and up again, in one
    transaction that is rolled back: the old rows' basis is classified from their notes."""
    from alembic import command
    from sqlalchemy import text

    from gis.db import engine
    from gis.migrate import alembic_config

    def columns(conn, table):
        return {r[0] for r in conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
            {"t": table})}

    cfg = alembic_config()
    with engine(db_url).connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
            assert {"actual_2023", "pct_vs_2023"} <= columns(conn, "indicator")
            assert "basis" not in columns(conn, "ntm_status")
            assert not columns(conn, "indicator_value")
            conn.execute(text("UPDATE ntm_status SET notes = 'Derived: 36/36 xã'"
                              " WHERE id = 'ntm-31300-ntm-004-all'"))
            command.upgrade(cfg, "0006")
            assert {"unit_code", "reporting_period", "agency"} <= columns(conn, "indicator")
            assert "actual_2023" not in columns(conn, "indicator")
            assert {"period_kind", "qualifier", "basis_rule"} <= columns(conn, "indicator_value")
            basis = dict(conn.execute(text("SELECT id, basis FROM ntm_status")).fetchall())
            assert basis["ntm-31300-ntm-004-all"] == "derived"
            assert basis["ntm-926-ntm"] == "named"
        finally:
            trans.rollback()
