"""Decisions cited for tasks (data/citations/): every citation kept, each number on its
line, a decision cited with different numbers flagged, bad records refused."""

from __future__ import annotations

import shutil

import pytest

from gis.dataset.loader import LoadError, load
from gis.dataset.seeds import seed_lines, squash
from gis.dataset.yaml_lines import read_yaml
from gis.settings import data_settings


def _citations():
    for path in sorted((data_settings().data_dir / "citations").glob("*.yaml")):
        for item in read_yaml(path):
            for c in item["citations"]:
                yield item["id"], c


def test_every_cited_number_is_on_its_line():
    lines = seed_lines()
    checked = 0
    for decision, c in _citations():
        text = lines[c["source"]["doc"]][c["source"]["line"] - 1]
        assert squash(c["number"]) in squash(text), (decision, c)
        checked += 1
    assert checked >= 5


def test_differing_citations_are_kept_and_flagged(conn):
    rows = conn.execute("SELECT decision_id, number, source_line, differs"
                        " FROM decision_citation ORDER BY decision_id, ord").fetchall()
    by = {}
    for decision, number, line, differs in rows:
        by.setdefault(decision, []).append((number, line, differs))
    climate = by["ke-hoach-bdkh-2021-2030"]
    assert [(n, ln) for n, ln, _ in climate] == [("1160/QĐ-UBND", 108), ("1116/QĐ-UBND", 287),
                                                 ("1116/QĐ-UBND", 354)]
    assert all(d for *_, d in climate)
    assert {n for n, *_ in by["nq-thi-diem-can-tho"]} == {"45/2022/QH15", "45/2020/QH15"}


@pytest.mark.parametrize("bad, message", [
    ("  kind: law\n", "kind 'law' is not one of"),
    ("  citations:\n    - {number: '1/QĐ', source: {doc: '009', line: 1}}\n",
     "unknown source document '009'"),
])
def test_a_bad_decision_is_refused_with_file_and_line(db_url, tmp_path, bad, message):
    data = tmp_path / "data"
    shutil.copytree(data_settings().data_dir, data)
    base = "- id: x\n  subject: S\n"
    if "kind" not in bad:
        base += "  kind: other_decision\n"
    else:
        base += "  citations:\n    - {number: '1/QĐ', source: {doc: '002', line: 1}}\n"
    (data / "citations" / "zz.yaml").write_text(base + bad, encoding="utf-8")
    with pytest.raises(LoadError, match=rf"zz.yaml:\d+: decision 'x'.*{message}"):
        load(data_dir=data, url=db_url)
