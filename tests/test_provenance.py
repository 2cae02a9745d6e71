"""Every progress figure can be found, as printed, on the line of the document it cites."""

from __future__ import annotations

import re

import pytest

from gis.settings import data_settings
from layers.report_fields import figure_fields


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


def _dataset_records():
    """Every feature record of the dataset files, with its layer and file."""
    from gis.dataset.loader import feature_layers
    from gis.dataset.yaml_lines import read_yaml

    for layer in feature_layers():
        for path in sorted((data_settings().data_dir / "features" / layer.id).glob("*.yaml")):
            for rec in read_yaml(path) or []:
                yield layer, path, rec


def _cited_values(layer, rec):
    """(what, printed value, source) of every value in a record that cites a line: figure
    fields (their own ``field_sources`` entry, else the feature's source), conflicts,
    decisions (their number)."""
    own = rec.get("field_sources") or {}
    figures = set(figure_fields(layer))
    for name in figures:
        if rec.get(name) is not None:
            src = own.get(name) or rec.get("source")
            # an exact unit conversion says what was printed ("3.8 Km" -> 3.800 m)
            yield name, str(src.get("printed") or rec[name]), src
    for c in rec.get("conflicts") or []:
        if c.get("field") in figures:  # (other conflicts hold codes: status, districts)
            yield f"conflict {c.get('field')}", str(c.get("value")), c.get("source")
    for d in rec.get("decisions") or []:
        for item in (d, d.get("differs_from") or {}):
            if item.get("number"):
                yield f"decision {item['number']}", str(item["number"]), item.get("source")


def test_every_cited_value_is_on_its_line(conn):
    """A figure field, a conflicting value or a decision number that cites a line is
    printed on that line (so a wrong line, as 002-III-22 citing 163 for 196,763 printed
    on 166, is caught)."""
    lines = _seed_lines(conn)
    missing, checked = [], 0
    for layer, path, rec in _dataset_records():
        for what, text, src in _cited_values(layer, rec):
            if not src or not src.get("line"):
                continue
            checked += 1
            doc, line = str(src["doc"]), src["line"]
            cited = lines[doc][line - 1] if line <= len(lines[doc]) else ""
            if _digits(text) not in _digits(cited):
                missing.append(f"{path.name} {rec.get('id') or rec.get('extends')} {what}="
                               f"{text!r} not on {doc}:{line}")
    assert checked > 40
    assert missing == []


QUALIFIER_WORDS = {"khoảng": "about", "trên": "over", "hơn": "over", "gần": "under",
                   "dưới": "under"}


def test_printed_qualifiers_are_kept(conn):
    """Where the cited line prints "khoảng 100", "trên 129" or "gần 50" right before the
    value, the figure (progress or field) carries that qualifier, not 'exact'."""
    lines = _seed_lines(conn)
    words = "|".join(QUALIFIER_WORDS)
    wrong = []
    for layer, path, rec in _dataset_records():
        own = rec.get("field_sources") or {}
        items = [(name, rec[name], own.get(name) or rec.get("source"),
                  rec.get(f"{name}_qualifier"))
                 for name in figure_fields(layer) if rec.get(name) is not None]
        items += [(p["metric"], p["value"], p.get("source"), p.get("qualifier"))
                  for p in rec.get("progress") or []]
        for name, value, src, q in items:
            if not src or not src.get("line"):
                continue
            cited = lines[str(src["doc"])][src["line"] - 1]
            pattern = rf"({words})\s+(?:đạt\s+)?{re.escape(str(value))}(?![\d.,])"
            for m in re.finditer(pattern, cited, re.IGNORECASE):
                if QUALIFIER_WORDS[m.group(1).lower()] != (q or "exact"):
                    wrong.append(f"{path.name} {rec.get('id') or rec.get('extends')} {name}: "
                                 f"{m.group(0)!r} but qualifier {q or 'exact'!r}")
    assert wrong == []
