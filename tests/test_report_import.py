"""``gis import report``: the appendices of 002 agree with the curated dataset; .docx and
.xlsx reports made here with the quirks of real ones (renamed, new, missing, reordered and
split rows, page breaks with repeated headers, merged cells, group rows, a wrong printed
percentage, a phrase no pattern knows) are reviewed and applied once, idempotently.

Writes happen in a transaction that each test rolls back: the shared test database is
left as the dataset loaded it.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from report_docs import HEADER, make_docx, make_xlsx

from gis.errors import GISError
from gis.reports.apply import apply_review
from gis.reports.review import build_review
from gis.reports.tables import read_tables
from gis.settings import DataSettings

SEED = next(DataSettings().seeds_dir.glob("002_*.txt"))


@pytest.fixture
def tx(db_url):
    with psycopg.connect(db_url) as c:
        yield c
        c.rollback()


def _figs(review, key):
    row = next(r for r in review.rows if r.row.key == key)
    return row, {(f.metric, f.value_text): (f, state, old) for f, state, old in row.figures}


# --- 002 itself -------------------------------------------------------------------------

def test_002_agrees_with_every_figure_the_dataset_holds_from_it(tx):
    review = build_review(tx, SEED)
    assert review.doc_id == "002" and review.identity.report_no == "320/BC-UBND"
    assert review.identity.issued_on == date(2024, 11, 15)
    got = {(c.layer, c.id, f.metric, f.value, f.valid_on, f.line, f.period, f.qualifier)
           for r in review.rows for c in r.match.features for f, _, _ in r.figures}
    held = set(tx.execute(
        "SELECT layer_id, feature_id, metric, value, valid_on, source_line, period, qualifier"
        " FROM progress_snapshot WHERE source_doc = '002' AND origin = 'dataset'").fetchall())
    assert held, "the dataset holds figures from 002"
    # every curated figure is read: same value, date, line, period and qualifier
    assert held - got == set()
    assert got - held == set()  # and nothing more
    assert review.counts() == {"new": 0, "changed": 0, "unchanged": len(held)}


def test_002_printed_percentage_mismatch_is_flagged_at_line_133(tx):
    data = build_review(tx, SEED).as_json()
    assert [(m["row"], m["line"], m["metric"], m["printed"], m["recomputed"])
            for m in data["mismatches"]] == [("III/5", 133, "disbursement_pct", "27,6", "14,2")]


def test_002_rows_pages_and_numbers(tx):
    tables = read_tables(SEED)
    rows = {r.key: r for r in tables.rows}
    assert rows["III/5"].lines == [130, 133]  # continued after a page break
    assert "bố trí 15 tỷ đồng" in rows["III/5"].status_text
    assert "III/4 và 9" in rows and "III/19.1" in rows and "V/3.10" in rows
    assert rows["III/10"].name.endswith("tuyến Lộ Tẻ - Rạch Sỏi)")
    assert "I" not in tables.appendices or not any(r.appendix == "I" for r in tables.rows)


def test_002_text_no_pattern_knows_is_reported(tx):
    review = build_review(tx, SEED)
    row, _ = _figs(review, "III/12")
    assert ("24,9 tỷ đồng", 144) in {(u.text, u.line) for u in row.unparsed}
    assert review.as_json()["unparsed"] >= 10


def _stored(tx) -> tuple:
    """A digest of every figure and every feature of the layers that track figures."""
    from gis.reports.review import tracking_layers

    out = [tx.execute("SELECT md5(string_agg(to_jsonb(p)::text, '|' ORDER BY id)) FROM "
                      "progress_snapshot p").fetchone()[0]]
    for layer in tracking_layers():
        out.append(tx.execute(f"SELECT md5(string_agg(to_jsonb(t)::text, '|' ORDER BY id)) "
                              f"FROM {layer.table} t").fetchone()[0])
    return tuple(out)


def test_reimport_of_002_changes_nothing(tx):
    review = build_review(tx, SEED)
    before = _stored(tx)
    summary = apply_review(tx, review)
    assert summary["figures_written"] == summary["conflicts_flagged"] == 0
    assert summary["created"] == []
    assert _stored(tx) == before  # no figure, no feature (version, conflicts) changed
    audit = tx.execute("SELECT after FROM audit_log WHERE action = 'report_import' "
                       "ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert audit["sha256"] == review.identity.sha256 and len(audit["sha256"]) == 64
    again = apply_review(tx, build_review(tx, SEED))
    assert again["figures_written"] == again["rows_stored"] == 0 and _stored(tx) == before


def test_002_mismatch_is_a_conflict_of_the_feature_like_the_datasets_others(tx):
    """The dataset flags 002:133 the way it records contradictions (``conflicts``): the
    recomputed value, derived, with its source, beside the printed figure with its own."""
    conflicts, = tx.execute("SELECT conflicts FROM infra_project WHERE id = '002-III-05'"
                            ).fetchone()
    entry = next(c for c in conflicts if c["field"] == "disbursement_pct")
    assert (entry["value"], entry["derived"], entry["valid_on"], entry["source_doc"],
            entry["source_line"]) == ("14,2", True, "2024-11-15", "002", 133)
    printed = tx.execute("SELECT value, source_doc, source_line FROM progress_snapshot WHERE "
                         "feature_id = '002-III-05' AND metric = 'disbursement_pct'").fetchall()
    assert printed == [(Decimal("27.6"), "002", 133)]


# --- documents made here ----------------------------------------------------------------

@pytest.mark.parametrize("make", [make_docx, make_xlsx], ids=["docx", "xlsx"])
def test_made_report_review(tx, tmp_path, make):
    path = make(tmp_path / f"bc45{'.docx' if make is make_docx else '.xlsx'}")
    review = build_review(tx, path)
    assert review.identity.report_no == "45/BC-UBND" and review.doc_id == "45-BC-UBND"
    assert review.identity.issued_on == date(2025, 2, 15)
    by_key = {r.row.key: r for r in review.rows}
    assert by_key["III/I"].row.is_group
    assert by_key["III/1"].row.group == "I. Lĩnh vực giao thông"
    # renamed row (ĐT = Đường tỉnh): matched by name, with a score and a reason
    r1 = by_key["III/1"]
    assert [c.id for c in r1.match.features] == ["002-III-05"], r1.match
    assert r1.match.score >= 88 and "name" in r1.match.reason
    _, figs = _figs(review, "III/1")
    handover, state, old = figs[("site_handover_pct", "55,5")]
    assert state == "changed" and old == Decimal("42.28")
    pct = figs[("disbursement_pct", "30")][0]
    assert pct.check["mismatch"] and pct.check["recomputed"] == "25"
    # the continuation after the page break belongs to row 1; no pattern knows it
    assert {u.text for u in r1.unparsed} == {"900 tỷ đồng"}
    # reordered row: ĐT 917 is row 2 now
    assert [c.id for c in by_key["III/2"].match.features] == ["002-III-06"]
    assert figs_state(review, "III/2", "construction_pct") == "new"
    # a new row is unmatched, listed with its figures not applied
    assert by_key["III/3"].match.status != "matched" and not by_key["III/3"].figures
    # a row split into 19.1 / 19.2 keeps its decimal numbers and matches each part
    assert [c.id for c in by_key["III/19.1"].match.features] == ["002-III-19.1"]
    assert [c.id for c in by_key["III/19.2"].match.features] == ["002-III-19.2"]
    # rows of 002's Phụ lục III missing now are listed, never deleted
    missing = {c.id for c in review.missing}
    assert {"002-III-07", "002-III-08"} <= missing and "002-III-05" not in missing


def figs_state(review, key, metric):
    row = next(r for r in review.rows if r.row.key == key)
    return next(state for f, state, _ in row.figures if f.metric == metric)


def _latest(tx, fid, metric):
    return tx.execute("SELECT value, valid_on, source_doc, source_ref, source_line FROM "
                      "progress_snapshot WHERE feature_id = %s AND metric = %s "
                      "ORDER BY valid_on DESC, id DESC LIMIT 1", (fid, metric)).fetchone()


@pytest.mark.parametrize("make", [make_docx, make_xlsx], ids=["docx", "xlsx"])
def test_apply_is_idempotent_and_an_older_report_adds_history_only(tx, tmp_path, make):
    ext = ".docx" if make is make_docx else ".xlsx"
    features = tx.execute("SELECT count(*) FROM infra_project").fetchone()[0]
    review = build_review(tx, make(tmp_path / f"bc45{ext}"))
    summary = apply_review(tx, review)
    assert summary["figures_written"] == review.counts()["new"] + review.counts()["changed"] > 0
    value, on, doc, ref, line = _latest(tx, "002-III-05", "site_handover_pct")
    assert (value, on, doc, ref) == (Decimal("55.5"), date(2025, 2, 15), "45-BC-UBND",
                                     "Phụ lục III, dòng 1") and line > 0
    assert tx.execute("SELECT report_no, issued_on FROM source_document WHERE id = "
                      "'45-BC-UBND'").fetchone() == ("45/BC-UBND", date(2025, 2, 15))
    # every row is kept with its status text for the report's date (also without figures)
    assert tx.execute("SELECT status_text, valid_on, features FROM report_row WHERE "
                      "source_doc = '45-BC-UBND' AND row_number = '19.1'").fetchone() == (
        "Đang thực hiện.", date(2025, 2, 15), ["projects:002-III-19.1"])
    # rows missing now (002-III-07, -08) are listed, not deleted; no feature was made
    assert tx.execute("SELECT count(*) FROM infra_project").fetchone()[0] == features
    # the wrong printed percentage: kept as printed, flagged on the feature (derived
    # recomputation beside it), each with the report's line
    printed = _latest(tx, "002-III-05", "disbursement_pct")
    assert printed[0] == 30 and printed[2] == "45-BC-UBND"
    flags = [c for c in tx.execute("SELECT conflicts FROM infra_project WHERE id = "
                                   "'002-III-05'").fetchone()[0]
             if c["source_doc"] == "45-BC-UBND"]
    assert [(c["field"], c["value"], c["derived"], c["source_line"], c["valid_on"])
            for c in flags] == [("disbursement_pct", "25", True, printed[4], "2025-02-15")]
    assert "30%" in flags[0]["note"] and "25%" in flags[0]["note"]
    assert summary["conflicts_flagged"] == 1
    # the same file again: nothing new, nothing flagged twice
    before = _stored(tx)
    again = build_review(tx, make(tmp_path / f"bc45{ext}"))
    assert again.counts()["new"] == again.counts()["changed"] == 0
    summary = apply_review(tx, again)
    assert summary["figures_written"] == summary["conflicts_flagged"] == 0
    assert _stored(tx) == before
    # an older report (December 2024) with another figure: history, the current stays
    rows = [("1 (*)", "Nâng cấp, mở rộng Đường tỉnh 923", "Đã bàn giao mặt bằng khoảng 50%.")]
    older = build_review(tx, make(tmp_path / f"bc30{ext}", rows, "30/BC-UBND",
                                  date(2024, 12, 1)))
    assert figs_state(older, "III/1", "site_handover_pct") == "changed"  # against 002
    apply_review(tx, older)
    assert _latest(tx, "002-III-05", "site_handover_pct")[0] == Decimal("55.5")
    assert tx.execute("SELECT count(*) FROM progress_snapshot WHERE feature_id = '002-III-05' "
                      "AND metric = 'site_handover_pct' AND source_doc = '30-BC-UBND' AND "
                      "valid_on = '2024-12-01'").fetchone()[0] == 1


def test_match_option_and_create_new(tx, tmp_path):
    path = make_xlsx(tmp_path / "bc45.xlsx")
    review = build_review(tx, path, matches={"III/3": "002-III-10"})
    row = next(r for r in review.rows if r.row.key == "III/3")
    assert [c.id for c in row.match.features] == ["002-III-10"]
    assert row.match.reason == "given (--match)"
    with pytest.raises(GISError, match="no row"):
        build_review(tx, path, matches={"III/99": "002-III-10"})
    created = build_review(tx, path, create_new=True)
    row = next(r for r in created.rows if r.row.key == "III/3")
    assert row.create and {f.metric for f, _, _ in row.figures} == {"packages_done",
                                                                     "packages_total"}
    with pytest.raises(GISError, match="needs 'kind'"):
        apply_review(tx, created)
    tx.rollback()
    created = build_review(tx, path, create_new=True)
    summary = apply_review(tx, created, new_values={"kind": "other"})
    assert len(summary["created"]) == 1
    layer, fid = summary["created"][0].split(":")
    assert _latest(tx, fid, "packages_done")[0] == 3
    from layers import registry

    table = registry.get(layer).table
    assert tx.execute(f"SELECT geom_quality, geom IS NULL FROM {table} WHERE id = %s",
                      (fid,)).fetchone() == ("unknown", True)


def test_decision_numbers_match_and_ambiguous_rows_wait(tx, tmp_path):
    rows = [("1", "Mở rộng đường Quốc lộ 91, đoạn Km0 - Km7 (giai đoạn 2)", "Dự án phê duyệt "
             "tại Quyết định số 1730/QĐ-UBND. Ước khối lượng thi công đạt 80%"),
            ("2", "Đường Quốc lộ 91 đoạn đầu", "Ước khối lượng thi công đạt 81%")]
    review = build_review(tx, make_docx(tmp_path / "bc60.docx", rows, "60/BC-UBND",
                                        date(2025, 4, 1)))
    by_key = {r.row.key: r for r in review.rows}
    m = by_key["III/1"].match  # a renamed row, found by the decision it cites
    assert [c.id for c in m.features] == ["002-III-11"]
    assert m.reason.startswith("decision 1730/QĐ-UBND") and m.score >= 95
    m = by_key["III/2"].match  # several roads of QL91: candidates with scores, no guess
    assert m.status == "ambiguous" and not m.features and len(m.candidates) >= 2
    assert all(s >= 72 for _, s in m.candidates) and not by_key["III/2"].figures
    applied = apply_review(tx, review)
    assert applied["figures_written"] == 1  # the matched row's 80%, not the ambiguous 81%


def test_unsupported_formats_are_refused_with_advice(tx, tmp_path):
    pdf = tmp_path / "bc.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(GISError) as exc:
        build_review(tx, pdf)
    assert "not supported" in exc.value.message and ".docx or .xlsx" in exc.value.hint


def _plain_text(path: Path, heading: str | None = None) -> Path:
    """A tab-separated appendix (the form of 002's seed), with or without a heading."""
    lines = ["Phụ lục III", *([heading] if heading else []), "\t".join(HEADER),
             "\t".join(["1", "Nâng cấp, mở rộng Đường tỉnh 917", "", "", "", "",
                        "Ước khối lượng thi công đạt 71,5%"]),
             "\t".join(["2", "Cầu Ông Tường mới", "", "", "", "", "Đang lập hồ sơ."])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_identity_from_the_heading_or_the_command_line(tx, tmp_path):
    bare = _plain_text(tmp_path / "bc52.txt")
    with pytest.raises(GISError) as exc:  # no heading, no --date: said, not guessed
        build_review(tx, bare)
    assert "no report date" in exc.value.message and "--date" in exc.value.hint
    review = build_review(tx, bare, report_no="52/BC-UBND", on=date(2025, 5, 1))
    ident = review.identity
    assert (ident.report_no, ident.issued_on, review.doc_id) == (
        "52/BC-UBND", date(2025, 5, 1), "52-BC-UBND")
    assert ident.title == "Báo cáo số 52/BC-UBND ngày 01/05/2025"
    _, figs = _figs(review, "III/1")
    fig, state, old = figs[("construction_pct", "71,5")]
    assert fig.valid_on == date(2025, 5, 1) and state == "new" and fig.line == 3
    apply_review(tx, review)
    assert tx.execute("SELECT title, report_no, issued_on FROM source_document WHERE id = "
                      "'52-BC-UBND'").fetchone() == (ident.title, "52/BC-UBND", date(2025, 5, 1))
    # the heading gives them; the command line wins over it
    headed = _plain_text(tmp_path / "bc53.txt", "(Kèm theo Báo cáo số 53/BC-UBND ngày 2 "
                         "tháng 6 năm 2025 của Ủy ban nhân dân thành phố)")
    ident = build_review(tx, headed).identity
    assert (ident.report_no, ident.issued_on, ident.issuer) == (
        "53/BC-UBND", date(2025, 6, 2), "Ủy ban nhân dân thành phố")
    ident = build_review(tx, headed, on=date(2025, 6, 3)).identity
    assert (ident.report_no, ident.issued_on) == ("53/BC-UBND", date(2025, 6, 3))


def test_cli_applies_with_match_and_audits_the_file_hash(db_url, tmp_path, monkeypatch):
    from gis.cli import main
    from gis.reports.identity import file_hash

    monkeypatch.setenv("DATABASE_URL", db_url)
    path = make_xlsx(tmp_path / "bc46.xlsx", no="46/BC-UBND", on=date(2025, 2, 20))
    try:
        res = CliRunner().invoke(main, ["import", "report", str(path),
                                        "--match", "III/3=002-III-10"])
        assert res.exit_code == 0, res.output
        assert "ĐÃ GHI" in res.output and "KHÔNG KHỚP" in res.output
        assert "[III/3] dòng" in res.output and "002-III-10" in res.output
        with psycopg.connect(db_url) as c:
            assert c.execute("SELECT count(*) FROM progress_snapshot WHERE source_doc = "
                             "'46-BC-UBND' AND feature_id = '002-III-10'").fetchone()[0] == 2
            user, after = c.execute("SELECT user_name, after FROM audit_log WHERE action = "
                                    "'report_import' AND feature_id = '46-BC-UBND'").fetchone()
        assert user == "gis import report" and after["sha256"] == file_hash(path)
        assert after["file"] == "bc46.xlsx" and after["figures_written"] > 0
        again = CliRunner().invoke(main, ["import", "report", str(path), "--json",
                                          "--match", "III/3=002-III-10"])
        data = json.loads(again.output)
        assert data["applied"] and data["figures"]["new"] == data["figures"]["changed"] == 0
    finally:
        from report_docs import forget

        with psycopg.connect(db_url) as c:
            forget(c, "46-BC-UBND")


def test_cli_dry_run_json(db_url, tmp_path, monkeypatch):
    from gis.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    path = make_docx(tmp_path / "bc45.docx")
    res = CliRunner().invoke(main, ["import", "report", str(path), "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"rows", "matched", "unmatched", "figures", "applied"} <= set(data)
    assert data["applied"] is False and data["figures"]["changed"] >= 1
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT count(*) FROM source_document WHERE id = '45-BC-UBND'"
                         ).fetchone()[0] == 0
    res = CliRunner().invoke(main, ["import", "report", str(tmp_path / "x.pdf")])
    assert res.exit_code == 2 and "export the appendix tables" in res.output


def test_phrase_declarations_are_checked():
    from layers.base import Metric
    from layers.checks import phrase_problems
    from layers.phrases import Phrase

    bad = {m.name: m for m in (
        Metric("a_pct", "%", "A", "A", percent=True, phrases=(Phrase(r"đạt {n}\s*%"),)),
        Metric("b", "tỷ đồng", "B", "B", phrases=(
            Phrase(r"giải ngân (?P<value>{n}) {unit}", percent="b"),
            Phrase(r"(?P<value>{n}"),)),
    )}
    problems = "; ".join(phrase_problems(bad))
    assert "metric 'a_pct', phrase 1: no (?P<value>{n})" in problems
    assert "percent 'b' is not a percent metric" in problems
    assert "{unit} in the pattern but no units declared" in problems
    assert "metric 'b', phrase 2: pattern does not compile" in problems


def test_the_issue_wordings():
    from gis.reports.figures import extract

    text = ("- Ước khối lượng thi công đạt 67,05%. - Kế hoạch vốn năm 2025 bố trí 12.700 tỷ "
            "đồng, giải ngân 6.804,269 tỷ đồng, đạt 53,6% kế hoạch. - Đến ngày 31/3/2025 "
            "hoàn thành 12/15 gói thầu, bàn giao mặt bằng đạt 42,28%.")
    got = extract([(7, text)], date(2025, 4, 15))
    figs = {(f.metric, f.value_text, f.valid_on) for f in got.figures}
    assert figs == {
        ("construction_pct", "67,05", date(2025, 4, 15)),
        ("capital_plan_bil_vnd", "12.700", date(2025, 4, 15)),
        ("capital_disbursed_bil_vnd", "6.804,269", date(2025, 4, 15)),
        ("disbursement_pct", "53,6", date(2025, 4, 15)),
        ("packages_done", "12", date(2025, 3, 31)),
        ("packages_total", "15", date(2025, 3, 31)),
        ("site_handover_pct", "42,28", date(2025, 3, 31)),
    }
    pct = next(f for f in got.figures if f.metric == "disbursement_pct")
    assert pct.check == {"printed": "53,6", "recomputed": "53,6", "part": "6.804,269",
                         "part_metric": "capital_disbursed_bil_vnd", "of": "12.700",
                         "of_metric": "capital_plan_bil_vnd", "mismatch": False}
    assert got.unparsed == []
