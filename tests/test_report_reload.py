"""What a report import wrote outlives a dataset reload (``gis load``): its figures
(``origin = 'report'``) and the contradictions it flagged on features (``conflicts``
entries with ``origin: report``), after the dataset's own; the reload changes nothing
else."""

from __future__ import annotations

from datetime import date

import psycopg
from report_docs import forget, make_docx

from gis.dataset.loader import load
from gis.reports.apply import apply_review
from gis.reports.review import build_review

DOC = "47-BC-UBND"


def _state(c):
    conflicts, version = c.execute("SELECT conflicts, version FROM infra_project WHERE id = "
                                   "'002-III-05'").fetchone()
    flags = [(e["value"], e["source_doc"], e.get("origin")) for e in conflicts
             if e["field"] == "disbursement_pct"]
    figures = c.execute("SELECT count(*) FROM progress_snapshot WHERE source_doc = %s",
                        (DOC,)).fetchone()[0]
    return flags, version, figures


def test_a_reload_keeps_the_figures_and_flags_of_an_import(db_url, tmp_path):
    path = make_docx(tmp_path / "bc47.docx", no="47/BC-UBND", on=date(2025, 2, 16))
    try:
        with psycopg.connect(db_url) as c:
            apply_review(c, build_review(c, path))
            c.commit()
            flags, version, figures = _state(c)
        # the dataset's own flag of 002:133 first, then the import's (5 of 20 is 25%)
        assert flags == [("14,2", "002", None), ("25", DOC, "report")] and figures > 0
        report = load(url=db_url)
        assert report.changed == 0, report.summary()
        with psycopg.connect(db_url) as c:
            assert _state(c) == (flags, version, figures)
    finally:
        with psycopg.connect(db_url) as c:
            forget(c, DOC)


def test_an_edit_keeps_what_a_flag_says():
    """A feature written back through the API (its record parsed again) keeps a flag's
    recomputed value, its date, that it is derived and that an import made it."""
    from pathlib import Path

    from gis.dataset.problems import Collector
    from gis.dataset.records import Context, parse_conflicts

    ctx = Context({"002", DOC}, set(), {}, Collector(Path(".")))
    entry = {"field": "disbursement_pct", "value": "25", "derived": True,
             "valid_on": "2025-02-16", "origin": "report", "note": "…",
             "source": {"doc": DOC, "line": 5, "ref": "Phụ lục III, dòng 1"}}
    assert parse_conflicts([entry], ctx, Path("x.yaml"), 1) == [{
        "field": "disbursement_pct", "value": "25", "note": "…", "source_doc": DOC,
        "source_line": 5, "source_ref": "Phụ lục III, dòng 1", "derived": True,
        "valid_on": "2025-02-16", "origin": "report"}]
    parse_conflicts([{**entry, "derived": "yes"}], ctx, Path("x.yaml"), 1)
    assert "derived is true or false" in str(ctx.problems.problems)
