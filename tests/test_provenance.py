"""Every progress figure can be found, as printed, on the line of the document it cites."""

from __future__ import annotations

import re

import pytest

from gis.settings import data_settings


def _seed_lines(conn) -> dict[str, list[str]]:
    seeds = data_settings().seeds_dir
    return {doc: (seeds / file).read_text(encoding="utf-8").splitlines()
            for doc, file in conn.execute("SELECT id, file FROM source_document")}


def _digits(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_progress_figures_are_on_their_cited_lines(conn):
    lines = _seed_lines(conn)
    rows = conn.execute(
        "SELECT layer_id, feature_id, metric, value_text, source_doc, source_line, note"
        " FROM progress_snapshot WHERE origin = 'dataset' AND source_line IS NOT NULL"
    ).fetchall()
    assert rows
    missing = []
    for layer, fid, metric, text, doc, line, note in rows:
        cited = lines[doc][line - 1] if line <= len(lines[doc]) else ""
        # An exact unit conversion says what was printed: "printed as '620 triệu đồng'".
        printed = re.search(r"printed as '([^']+)'", note or "")
        if printed:
            text = printed.group(1)
        if _digits(text) not in _digits(cited):
            missing.append(f"{layer}/{fid} {metric}={text!r} not on {doc}:{line}")
    assert missing == []


@pytest.mark.parametrize("table", ["infra_project", "industrial_zone", "flood_work",
                                   "ntm_status"])
def test_feature_source_lines_exist(conn, table):
    lines = _seed_lines(conn)
    bad = [(fid, doc, line) for fid, doc, line in conn.execute(
        f"SELECT id, source_doc, source_line FROM {table} WHERE source_line IS NOT NULL")
        if line > len(lines[doc]) or not lines[doc][line - 1].strip()]
    assert bad == []
