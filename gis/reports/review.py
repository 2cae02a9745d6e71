"""What importing a report would change: rows, matches, figures new / changed / unchanged.

The review reads the database (features of every layer that tracks metrics, their
figures, earlier reports) and changes nothing; :mod:`gis.reports.apply` writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from psycopg import sql

from gis.errors import GISError
from gis.reports.figures import Figure, extract
from gis.reports.identity import Identity, find_identity
from gis.reports.matching import Candidate, Match, Matcher, candidate
from gis.reports.tables import Row, parse_tables, read_lines
from layers import METRICS, registry


@dataclass
class RowReview:
    row: Row
    match: Match
    figures: list[tuple[Figure, str, Decimal | None]] = field(default_factory=list)
    unparsed: list = field(default_factory=list)
    create: bool = False  # becomes a new feature (--create-new)

    def as_json(self) -> dict:
        feats = [f"{c.layer}:{c.id}" for c in self.match.features]
        return {
            "row": self.row.key, "ref": self.row.ref, "line": self.row.line,
            "name": self.row.name, "group": self.row.group, "match": self.match.status,
            "features": feats, "feature_names": [c.name for c in self.match.features],
            "score": round(self.match.score, 1),
            "reason": self.match.reason, "create": self.create,
            "candidates": [{"feature": f"{c.layer}:{c.id}", "name": c.name,
                            "score": round(s, 1)} for c, s in self.match.candidates],
            "figures": [{"metric": f.metric, "value": f.value_text, "unit": f.unit,
                         "valid_on": f.valid_on.isoformat(), "line": f.line, "state": state,
                         "old": None if old is None else _num(old), "printed": f.printed,
                         "check": f.check} for f, state, old in self.figures],
            "unparsed": [{"text": u.text, "line": u.line} for u in self.unparsed],
            "status_text": self.row.status_text,
        }


@dataclass
class Review:
    path: Path
    identity: Identity
    doc_id: str
    doc_exists: bool
    rows: list[RowReview]
    missing: list[Candidate]
    applied: bool = False

    def counts(self) -> dict:
        states = [s for r in self.rows for _, s, _ in r.figures]
        return {k: states.count(k) for k in ("new", "changed", "unchanged")}

    def as_json(self) -> dict:
        rows = [r for r in self.rows if not r.row.is_group]
        return {
            "report": {"id": self.doc_id, "report_no": self.identity.report_no,
                       "date": self.identity.issued_on.isoformat(),
                       "title": self.identity.title, "file": self.identity.file,
                       "sha256": self.identity.sha256, "known": self.doc_exists},
            "rows": len(rows),
            "matched": sum(r.match.status == "matched" for r in rows),
            "unmatched": [r.as_json() for r in rows if r.match.status != "matched"],
            "missing": [{"feature": f"{c.layer}:{c.id}", "name": c.name,
                         "ref": c.props.get("source_ref")} for c in self.missing],
            "figures": self.counts(),
            "mismatches": [{"row": r.row.key, "line": f.line, "metric": f.metric, **f.check}
                           for r in rows for f, _, _ in r.figures
                           if f.check and f.check["mismatch"]],
            "unparsed": sum(len(r.unparsed) for r in rows),
            "applied": self.applied,
            "details": [r.as_json() for r in rows],
        }


def _num(v: Decimal) -> str:
    from gis.reports.figures import vn_text

    return vn_text(Decimal(v))


def tracking_layers():
    return [la for la in registry.layers() if la.metrics and la.feature_fields]


def _features(conn) -> list[Candidate]:
    out = []
    for layer in tracking_layers():
        q = sql.SQL("SELECT id, to_jsonb(t) - 'geom' FROM {} t").format(
            sql.Identifier(layer.table))
        out += [candidate(layer.id, fid, props) for fid, props in conn.execute(q)]
    return out


def _doc(conn, ident: Identity) -> tuple[str, bool]:
    if ident.report_no:
        row = conn.execute("SELECT id FROM source_document WHERE report_no = %s ORDER BY id "
                           "LIMIT 1", (ident.report_no,)).fetchone()
        if row:
            return row[0], True
        doc_id = ident.report_no.replace("/", "-")
    else:
        doc_id = f"report-{ident.sha256[:12]}"
    exists = conn.execute("SELECT 1 FROM source_document WHERE id = %s", (doc_id,)).fetchone()
    return doc_id, exists is not None


def _refs(conn, features: list[Candidate]) -> dict:
    """(doc, row ref) -> the features citing that report row. Where some of them hold
    figures from the row, those are the row's features (a parent's parts cite the parent's
    row as their own source, but its figures belong to whichever feature held them)."""
    by_feature: dict[tuple[str, str], set] = {}
    by_figure: dict[tuple[str, str], set] = {}
    for c in features:
        doc, ref = c.props.get("source_doc"), c.props.get("source_ref")
        if doc and ref:
            by_feature.setdefault((doc, ref), set()).add((c.layer, c.id))
    for layer, fid, doc, ref in conn.execute(
            "SELECT DISTINCT layer_id, feature_id, source_doc, source_ref FROM progress_snapshot"
            " WHERE source_doc IS NOT NULL AND source_ref LIKE 'Phụ lục %%'"):
        by_figure.setdefault((doc, ref), set()).add((layer, fid))
    return {**by_feature, **by_figure}


def _earlier_doc(conn, doc_id: str, on: date) -> str | None:
    row = conn.execute(
        "SELECT d.id FROM source_document d WHERE d.id <> %s AND d.issued_on < %s AND ("
        "EXISTS (SELECT 1 FROM progress_snapshot p WHERE p.source_doc = d.id AND p.source_ref "
        "LIKE 'Phụ lục %%') OR EXISTS (SELECT 1 FROM report_row r WHERE r.source_doc = d.id))"
        " ORDER BY d.issued_on DESC LIMIT 1", (doc_id, on)).fetchone()
    return row[0] if row else None


def _history(conn) -> dict:
    hist: dict[tuple[str, str, str], list[tuple[date, Decimal]]] = {}
    for layer, fid, metric, period, on, value in conn.execute(
            "SELECT layer_id, feature_id, metric, period, valid_on, value FROM progress_snapshot "
            "ORDER BY valid_on"):
        hist.setdefault((layer, fid, metric, period), []).append((on, value))
    return hist


def _state(hist, c: Candidate, f: Figure) -> tuple[str, Decimal | None]:
    """New, changed or unchanged against the figures of the same metric and period."""
    past = hist.get((c.layer, c.id, f.metric, f.period), [])
    if any(on == f.valid_on and v == f.value for on, v in past):
        return "unchanged", f.value
    before = [v for on, v in past if on <= f.valid_on]
    if before:
        return "changed", before[-1]
    return "new", None


def build_review(conn, path: Path, report_no: str | None = None, on: date | None = None,
                 matches: dict[str, str] | None = None, create_new: bool = False,
                 progress: Callable[[int], None] | None = None) -> Review:
    lines = read_lines(path)
    ident = find_identity(path, lines, report_no, on)
    tables = parse_tables(lines)
    if not tables.rows:
        raise GISError(400, f"{path.name}: no appendix rows found", parameter="FILE",
                       hint="the tables need an appendix heading (\"Phụ lục III\") and a "
                       "header row starting with TT/STT")
    doc_id, exists = _doc(conn, ident)
    features = _features(conn)
    refs = _refs(conn, features)
    earlier = _earlier_doc(conn, doc_id, ident.issued_on)
    places: dict[str, set] = {}
    for (doc, ref), keys in refs.items():
        if doc == earlier and ", dòng " in ref:
            app, _, num = ref.removeprefix("Phụ lục ").partition(", dòng ")
            places.setdefault(f"{app}/{num}", set()).update(keys)
    if earlier:
        for app, num, feats in conn.execute(
                "SELECT appendix, row_number, features FROM report_row WHERE source_doc = %s",
                (earlier,)):
            places.setdefault(f"{app}/{num}", set()).update(
                tuple(f.split(":", 1)) for f in feats)
    matcher = Matcher(features, doc_id, refs, places)
    given = dict(matches or {})
    unknown_rows = set(given) - {r.key for r in tables.rows} - {r.number for r in tables.rows}
    if unknown_rows:
        raise GISError(400, f"--match: no row {sorted(unknown_rows)[0]!r} in {path.name}",
                       parameter="--match", hint="rows are APPENDIX/NUMBER, e.g. III/5")
    hist = _history(conn)
    reviews = []
    for i, row in enumerate(tables.rows):
        if progress:
            progress(i)
        if row.is_group:
            reviews.append(RowReview(row, Match("group", reason="group row")))
            continue
        forced = given.get(row.key, given.get(row.number))
        if forced is not None:
            c = matcher.resolve(forced)
            if c is None:
                raise GISError(400, f"--match {row.key}={forced}: no single feature {forced!r}",
                               parameter="--match", hint="give LAYER:ID where ids repeat")
            match = Match("matched", [c], 100, "given (--match)")
        else:
            match = matcher.match(row)
        rf = extract(row.segments, ident.issued_on)
        rr = RowReview(row, match, unparsed=rf.unparsed)
        layer_metrics = None
        if match.status == "matched":
            for c in match.features:
                layer_metrics = registry.get(c.layer).metrics
                for f in rf.figures:
                    if f.metric in layer_metrics:
                        rr.figures.append((f, *_state(hist, c, f)))
                    else:
                        rr.unparsed.append(_not_tracked(f, c.layer))
        elif create_new and rf.figures:
            rr.create = True
            rr.figures = [(f, "new", None) for f in rf.figures]
        reviews.append(rr)
    matched = {(c.layer, c.id) for r in reviews for c in r.match.features}
    apps = set(tables.appendices)
    prior = earlier if earlier else None
    missing = []
    for (doc, ref), keys in refs.items():
        app = ref.removeprefix("Phụ lục ").partition(",")[0]
        if doc in {prior, doc_id} and app in apps:
            missing += [matcher.by_key[k] for k in sorted(keys - matched) if k in matcher.by_key]
    seen = set()
    missing = [c for c in missing if not ((c.layer, c.id) in seen or seen.add((c.layer, c.id)))]
    return Review(path, ident, doc_id, exists, reviews, missing)


def _not_tracked(f: Figure, layer: str):
    from gis.reports.figures import Unparsed

    return Unparsed(f"{f.printed} ({METRICS[f.metric].label_vi}: not tracked by {layer})",
                    f.line)
