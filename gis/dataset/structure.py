"""What the reports say about a project beyond its figures: decisions and milestones,
the source of each figure field, parts (phases, components) and the same work in
another layer. Checked as the dataset is read; links are resolved across all layers.

The fields are declared in :mod:`layers.report_fields`; a layer without them is not
affected.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from gis.dataset.records import Context, FeatureRow, parse_date, parse_source
from layers.base import Layer
from layers.report_fields import (
    DECISION_KEYS,
    DECISION_KINDS,
    DECISIONS,
    DERIVED_FIELDS,
    PARENT,
    PARTS,
    SAME_AS,
    figure_fields,
)


def _line(record, default: int) -> int:
    return getattr(record, "line", 0) or default


def parse_decisions(items, ctx: Context, file: Path, line: int) -> list[dict]:
    """Decisions and milestones: each a mapping of ``DECISION_KEYS`` with a kind and a
    source; ``differs_from`` (another document's citation of the same decision, with its
    own number/date and source) flags a disagreement, and both are kept."""
    if items is None:
        return []
    if not isinstance(items, list):
        ctx.problems.add(file, line, f"{DECISIONS.name}: expected a list")
        return []
    kinds = {c.value for c in DECISION_KINDS}
    out = []
    for item in items:
        iline = _line(item, line)
        if not isinstance(item, dict):
            ctx.problems.add(file, iline, f"{DECISIONS.name}: each entry must be a mapping")
            continue
        # "flagged" is what the loader derives (below): a record read back from an export
        # carries it
        unknown = set(item) - set(DECISION_KEYS) - {"flagged"}
        if unknown:
            ctx.problems.add(file, iline, f"{DECISIONS.name}: unknown keys {sorted(unknown)} "
                                          f"(known: {', '.join(DECISION_KEYS)})")
        if item.get("kind") not in kinds:
            ctx.problems.add(file, iline, f"{DECISIONS.name}: kind {item.get('kind')!r} is not "
                                          f"one of: {', '.join(sorted(kinds))}")
            continue
        rec = _decision(item, ctx, file, iline)
        if rec is None:
            continue
        other = item.get("differs_from")
        if other is not None:
            if not isinstance(other, dict) or not (other.get("number") or other.get("date")):
                ctx.problems.add(file, iline, f"{DECISIONS.name}: differs_from needs the other "
                                              "number or date and its source")
                continue
            theirs = _decision(other, ctx, file, iline)
            if theirs is None:
                continue
            rec["differs_from"] = theirs
            rec["flagged"] = True
        out.append(rec)
    return out


def _decision(item: dict, ctx: Context, file: Path, line: int) -> dict | None:
    what = f"{DECISIONS.name} {item.get('number') or item.get('kind')}"
    src = parse_source(item, ctx, file, line, what)
    if src is None:
        return None
    rec = {k: item[k] for k in ("kind", "number", "date_text", "issuer", "subject")
           if item.get(k) is not None}
    if item.get("date") is not None:
        day = parse_date(item["date"], ctx, file, line, f"{what}: date")
        if day is None:
            return None
        rec["date"] = day.isoformat()
    rec["source"] = {"doc": src["source_doc"], "line": src["source_line"],
                     "ref": src["source_ref"]}
    return rec


def parse_field_sources(layer: Layer, items, ctx: Context, file: Path, line: int) -> dict:
    """``{field: source}`` for figure fields printed on another line than the feature's;
    ``printed`` (optional) is the text as printed where the value is an exact conversion
    ("3.8 Km" -> ``length_m: "3.800"``)."""
    if items is None:
        return {}
    if not isinstance(items, dict):
        ctx.problems.add(file, line, "field_sources: expected a mapping of field to source")
        return {}
    figures = set(figure_fields(layer))
    out = {}
    for name, src in items.items():
        if name not in figures:
            ctx.problems.add(file, line, f"field_sources: {name!r} is not a figure field of "
                                         f"layer {layer.id!r} ({', '.join(sorted(figures))})")
            continue
        printed = src.pop("printed", None) if isinstance(src, dict) else None
        parsed = parse_source({"source": src}, ctx, file, line, f"field_sources {name}")
        if parsed is not None:
            out[name] = {"doc": parsed["source_doc"], "line": parsed["source_line"],
                         "ref": parsed["source_ref"]}
            if printed is not None:  # the text as printed, where the value is converted
                out[name]["printed"] = str(printed)
    return out


def check_structure(layer: Layer, record, values: dict, ctx: Context, file: Path,
                    line: int) -> None:
    """Rules within one feature: the implementation period runs forward, inferred
    districts say why. (``parts``, derived, is checked with the links: a list written by
    hand, or sent back by an API client, must be the one the parts' ``parent`` gives.)"""
    fid = values.get("id")
    start, end = values.get("period_start"), values.get("period_end")
    if start is not None and end is not None and end < start:
        ctx.problems.add(file, line, f"feature {fid}: period_end {end} is before "
                                     f"period_start {start}")
    for year in (start, end):
        if year is not None and not 1990 <= year <= 2100:
            ctx.problems.add(file, line, f"feature {fid}: {year} is not a year")
    printed = [int(y) for y in re.findall(r"\b(?:19|20)\d{2}\b",
                                           str(values.get("implementation_period") or ""))]
    if start is not None and len(printed) >= 2 and (start, end) != tuple(printed[:2]):
        ctx.problems.add(file, line, f"feature {fid}: period_start/period_end {start}-{end} "
                                     "differ from the printed implementation_period "
                                     f"{values.get('implementation_period')!r}")
    inferred = values.get("districts_inferred") or []
    if inferred and not values.get("districts_inferred_reason"):
        ctx.problems.add(file, line, f"feature {fid}: districts_inferred needs "
                                     "districts_inferred_reason")
    # 'indicative' is at a place the text names (its district may still be inferred from
    # where that place is); 'inferred' is a place the text does not name
    if values.get("geom_quality") == "inferred" and not inferred:
        ctx.problems.add(file, line, f"feature {fid}: geom_quality 'inferred' needs "
                                     "districts_inferred (where, and why)")
    for code in inferred:
        if code not in ctx.districts:
            ctx.problems.add(file, line, f"unknown district {code!r} in districts_inferred")


def resolve_links(features: dict[str, list[FeatureRow]], ctx: Context) -> None:
    """Parts name their parent in the same layer (the parent's ``parts`` lists them);
    ``same_as: "<layer>/<id>"`` names the same work in another layer, which must exist
    and carry no ``same_as`` of its own (it is the record that counts in totals)."""
    index = {(layer_id, r.values["id"]): r for layer_id, rows in features.items() for r in rows}
    written = {key: r.values.get(name) for key, r in index.items() for name in DERIVED_FIELDS
               if r.layer.has_field(name)}
    for key in written:
        index[key].values[PARTS] = []
    for layer_id, rows in features.items():
        for r in rows:
            parent_id = r.values.get(PARENT)
            if parent_id is not None:
                parent = index.get((layer_id, parent_id))
                if parent is None or parent is r:
                    ctx.problems.add(r.file, r.line, f"feature {r.values['id']}: parent "
                                                     f"{parent_id!r} is not another "
                                                     f"{layer_id} feature")
                elif parent.values.get(PARENT) is not None:
                    ctx.problems.add(r.file, r.line, f"feature {r.values['id']}: parent "
                                                     f"{parent_id!r} is itself a part")
                else:
                    parent.values[PARTS] = sorted([*(parent.values.get(PARTS) or []),
                                                     r.values["id"]])
            same = r.values.get(SAME_AS)
            if same is not None:
                target_layer, _, target_id = str(same).partition("/")
                target = index.get((target_layer, target_id))
                if target is None or target_layer == layer_id:
                    ctx.problems.add(r.file, r.line, f"feature {r.values['id']}: same_as "
                                                     f"{same!r} is not a feature of another "
                                                     "layer (write <layer>/<id>)")
                elif target.values.get(SAME_AS) is not None:
                    ctx.problems.add(r.file, r.line, f"feature {r.values['id']}: same_as "
                                                     f"{same!r} points back; only one of the "
                                                     "two records carries same_as")
    for key, given in written.items():  # a hand-written list must match the parts' parents
        r = index[key]
        if given and sorted(given) != r.values[PARTS]:
            ctx.problems.add(r.file, r.line, f"feature {key[1]}: parts {sorted(given)} is derived "
                                             "from the parts' parent (found "
                                             f"{r.values['parts']}); leave it out")


def parse_structure_fields(layer: Layer, record, values: dict, ctx: Context, file: Path,
                           line: int) -> None:
    """The json fields of this module, checked and stored as JSON text."""
    if layer.has_field(DECISIONS.name):
        values[DECISIONS.name] = json.dumps(
            parse_decisions(record.get(DECISIONS.name), ctx, file, line), ensure_ascii=False)
    if layer.has_field("field_sources"):
        values["field_sources"] = json.dumps(
            parse_field_sources(layer, record.get("field_sources"), ctx, file, line),
            ensure_ascii=False)
    check_structure(layer, record, values, ctx, file, line)
    for name in (*DERIVED_FIELDS, "districts_inferred"):  # lists: empty, not unknown
        if layer.has_field(name) and values.get(name) is None:
            values[name] = []
