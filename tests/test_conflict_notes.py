"""A conflict's note is kept in each language apart (``note`` Vietnamese, ``note_en``):
the dataset's 002:133, a report import's flag, old joined notes split by migration
0013_leftovers, and the item page showing the one of its language."""

from __future__ import annotations

import importlib.util
import json
from datetime import date

import psycopg
import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from gis.db import sqlalchemy_url
from gis.migrate import MIGRATIONS

REVISION = next((MIGRATIONS / "versions").glob("0013_leftovers_conflict_notes.py"))
JOINED_REPORT = ("tính lại giải ngân 2,136 tỷ đồng / kế hoạch vốn 15 tỷ đồng = 14,2%; báo cáo "
                 "in 27,6% — không khớp, giữ cả hai giá trị. / recomputed disbursed 2,136 "
                 "billion VND / capital plan 15 billion VND = 14,2%; the report prints 27,6% "
                 "— they disagree, both values kept.")


def _revision():
    spec = importlib.util.spec_from_file_location("rev_0013_leftovers", REVISION)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def tx(db_url):
    with psycopg.connect(db_url) as c:
        yield c
        c.rollback()


def _entry(conn, fid="002-III-05", field="disbursement_pct"):
    conflicts, = conn.execute("SELECT conflicts FROM infra_project WHERE id = %s",
                              (fid,)).fetchone()
    return next(c for c in conflicts if c["field"] == field)


def test_the_dataset_keeps_002_133s_note_in_each_language_apart(tx):
    e = _entry(tx)
    assert e["note"].startswith("Tính lại: giải ngân 2,136 tỷ đồng")
    assert e["note"].endswith("giữ cả hai.") and "Recomputed" not in e["note"]
    assert e["note_en"].startswith("Recomputed: 2,136 of a 15 billion VND plan is 14,2%")
    assert "Tính lại" not in e["note_en"]


def test_a_report_flag_has_note_and_note_en():
    from gis.reports.apply import conflict_entry

    class F:  # a figure of the review whose printed % its own figures contradict
        metric, line, valid_on = "disbursement_pct", 5, date(2025, 2, 15)
        check = {"part": "2,136", "of": "15", "part_metric": "capital_disbursed_bil_vnd",
                 "of_metric": "capital_plan_bil_vnd", "recomputed": "14,2",
                 "printed": "27,6", "mismatch": True}
    e = conflict_entry("45-BC-UBND", "Phụ lục III, dòng 1", F())
    assert e["note"].startswith("tính lại ") and "recomputed" not in e["note"]
    assert e["note_en"].startswith("recomputed ") and "tính lại" not in e["note_en"]
    assert "billion" not in e["note"] and "tỷ đồng" not in e["note_en"]


def test_the_revision_splits_old_joined_notes_and_leaves_one_language_notes(tx, db_url):
    mod = _revision()
    assert mod.split_note({"note": JOINED_REPORT}) == {
        "note": "tính lại giải ngân 2,136 tỷ đồng / kế hoạch vốn 15 tỷ đồng = 14,2%; báo cáo "
                "in 27,6% — không khớp, giữ cả hai giá trị.",
        "note_en": "recomputed disbursed 2,136 billion VND / capital plan 15 billion VND = "
                   "14,2%; the report prints 27,6% — they disagree, both values kept."}
    english = {"note": "Phụ lục V dòng 6.2 gives 2023 - 2030. / Phụ lục III dòng 17 differs."}
    assert mod.split_note(english) == english  # no Vietnamese part before the separator
    plain = {"note": "004 Mục I (undated, older text)."}
    assert mod.split_note(plain) == plain
    # in the database: an old row (joined note) is split, the others are untouched
    stored, = tx.execute("SELECT conflicts FROM infra_project WHERE id = '002-III-05'"
                         ).fetchone()
    old = {**_entry(tx), "note": JOINED_REPORT}
    old.pop("note_en")
    others = [c for c in tx.execute("SELECT conflicts FROM infra_project WHERE id = "
                                    "'002-III-05'").fetchone()[0]
              if c["field"] != "disbursement_pct"]
    tx.execute("UPDATE infra_project SET conflicts = %s::jsonb WHERE id = '002-III-05'",
               (json.dumps(others + [old], ensure_ascii=False),))
    untouched = tx.execute("SELECT id, conflicts FROM infra_project WHERE id <> '002-III-05'"
                           " AND conflicts IS NOT NULL ORDER BY id").fetchall()
    tx.commit()
    try:
        engine = create_engine(sqlalchemy_url(db_url))
        with engine.begin() as sa:
            with Operations.context(MigrationContext.configure(sa)):
                mod.upgrade()
        e = _entry(tx)
        assert e["note"].endswith("giữ cả hai giá trị.") and "recomputed" not in e["note"]
        assert e["note_en"].startswith("recomputed disbursed 2,136")
        assert tx.execute("SELECT id, conflicts FROM infra_project WHERE id <> '002-III-05'"
                          " AND conflicts IS NOT NULL ORDER BY id").fetchall() == untouched
        with engine.begin() as sa:  # and back: joined again
            with Operations.context(MigrationContext.configure(sa)):
                mod.downgrade()
        assert "note_en" not in _entry(tx) and " / recomputed" in _entry(tx)["note"]
    finally:  # the dataset's entries as they were
        tx.rollback()
        tx.execute("UPDATE infra_project SET conflicts = %s::jsonb WHERE id = '002-III-05'",
                   (json.dumps(stored, ensure_ascii=False),))
        tx.commit()
    assert _entry(tx)["note_en"].startswith("Recomputed")


def test_the_item_page_shows_the_note_of_its_language(client):
    url = "/collections/projects/items/002-III-05?f=html"
    vi = client.get(url + "&lang=vi").text
    assert "Hai giá trị không khớp, giữ cả hai." in vi and "They disagree" not in vi
    en = client.get(url + "&lang=en").text
    assert "They disagree; both kept." in en
    assert "Hai giá trị không khớp" not in en
    both = client.get(url).text  # no language asked: both, each on its own, Vietnamese first
    assert both.index("Hai giá trị không khớp") < both.index("disagree; both kept")
