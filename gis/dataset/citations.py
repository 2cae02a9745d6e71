"""Decisions cited for tasks rather than for works (``data/citations/*.yaml``): each
decision with every citation of it, read, checked and stored in ``decision_citation``.

Where the citations of one decision give different numbers, all are kept and each row
is flagged ``differs`` (the documents disagree; nothing is corrected). Problems name
file and line; nothing is stored unless everything is right.
"""

from __future__ import annotations

from pathlib import Path

from gis.dataset.merge import MergeCount, store_rows
from gis.dataset.records import Context, parse_date, parse_source
from gis.dataset.yaml_lines import read_yaml
from layers.report_fields import DECISION_KINDS

DECISION_KEYS = {"id", "subject", "issuer", "kind", "citations"}
CITATION_KEYS = {"number", "date", "source"}
COLUMNS = ["decision_id", "ord", "subject", "issuer", "kind", "number", "cited_date",
           "source_doc", "source_line", "source_ref", "differs"]


def _citations(item, rec_line: int, ctx: Context, file: Path) -> list[dict]:
    out = []
    for c in item.get("citations") or []:
        line = getattr(c, "line", 0) or rec_line
        if not isinstance(c, dict) or set(c) - CITATION_KEYS or not c.get("number"):
            ctx.problems.add(file, line, f"decision {item.get('id')!r}: a citation has "
                             f"number, date and source ({sorted(CITATION_KEYS)})")
            continue
        src = parse_source(c, ctx, file, line, f"decision {item.get('id')!r}")
        when = parse_date(c["date"], ctx, file, line, "date") if c.get("date") else None
        if src:
            out.append({"number": str(c["number"]), "cited_date": when, **src,
                        "_file": str(file), "_line": line})
    return out


def read_citations(directory: Path, ctx: Context) -> list[dict]:
    rows: list[dict] = []
    seen: set[str] = set()
    kinds = {k.value for k in DECISION_KINDS}
    for file in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        for item in read_yaml(file) or []:
            line = getattr(item, "line", 0) or 1
            what = f"decision {item.get('id')!r}" if isinstance(item, dict) else "item"
            if not isinstance(item, dict) or set(item) - DECISION_KEYS or not item.get("id"):
                ctx.problems.add(file, line, f"{what}: keys are {sorted(DECISION_KEYS)}")
                continue
            if item["id"] in seen:
                ctx.problems.add(file, line, f"{what} is listed twice")
            seen.add(item["id"])
            if item.get("kind") not in kinds:
                ctx.problems.add(file, line, f"{what}: kind {item.get('kind')!r} is not one "
                                 f"of {', '.join(sorted(kinds))}")
            cites = _citations(item, line, ctx, file)
            if not item.get("citations"):
                ctx.problems.add(file, line, f"{what}: no citation")
            differs = len({c["number"] for c in cites}) > 1
            rows += [{**c, "decision_id": item["id"], "ord": i,
                      "subject": " ".join(str(item.get("subject") or "").split()),
                      "issuer": item.get("issuer"), "kind": item.get("kind"),
                      "differs": differs} for i, c in enumerate(cites, 1)]
    return rows


def store_citations(conn, rows: list[dict]) -> dict[str, MergeCount]:
    return {"decision_citation": store_rows(conn, "decision_citation", rows,
                                            ["decision_id", "ord"], COLUMNS)}
