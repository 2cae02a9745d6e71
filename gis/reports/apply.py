"""Writing a reviewed report: one transaction (the caller's), figures as progress snapshots.

The report becomes a source document (if it is not one yet); each new or changed figure
a snapshot valid on its date, citing the report with appendix, row and line
(``origin = 'report'``: a dataset reload keeps it). Unchanged figures are not written,
so importing the same file again changes nothing; an older report only adds history
(the current figure is the latest snapshot). A printed percentage its own figures
contradict is kept as printed and flagged on the feature: a ``conflicts`` entry with the
recomputed value (derived), as the dataset records its contradictions. Rows marked
``create`` become features without a location (``geom_quality`` unknown) in the first
layer that tracks all their metrics. The import is recorded in ``audit_log`` with the
file's SHA-256.
"""

from __future__ import annotations

import re

from psycopg import sql
from psycopg.types.json import Jsonb

from gis.errors import GISError
from gis.figures import parse_period
from gis.reports.figures import check_words
from gis.reports.review import Review, RowReview, tracking_layers
from layers.common import ADMIN_GEOM_QUALITY

NO_LOCATION = ADMIN_GEOM_QUALITY["none"]


def _note(f) -> str:
    note = f"{f.printed!r}" + (f"; {f.note}" if f.note else "")
    if f.check:
        vi, en = check_words(f.check)
        note += f"; {vi} / {en}"
    return note


def conflict_entry(doc_id: str, ref: str, f) -> dict:
    """A printed percentage that its own figures contradict, as a ``conflicts`` entry of
    the feature (the dataset's contradictions, layers.common): the recomputed value,
    marked derived, beside the printed one the figure holds; both cite the report's line.
    The note in each language apart (``note`` Vietnamese, ``note_en``), as the dataset's."""
    vi, en = check_words(f.check)
    return {"field": f.metric, "value": f.check["recomputed"], "derived": True,
            "valid_on": f.valid_on.isoformat(), "note": f"{vi}.", "note_en": f"{en}.",
            "source_doc": doc_id, "source_line": f.line, "source_ref": ref,
            "origin": "report"}  # kept by a dataset reload (gis.dataset.loader)


def _flag_mismatches(conn, layer_id: str, fid: str, entries: list[dict]) -> int:
    """Add the entries the feature does not hold yet (same metric, document and line):
    flagged once, whatever the note says; the dataset's own entry counts."""
    table = next(la.table for la in tracking_layers() if la.id == layer_id)
    added = 0
    for e in entries:
        key = {k: e[k] for k in ("field", "source_doc", "source_line")}
        cur = conn.execute(sql.SQL(
            "UPDATE {} SET conflicts = coalesce(conflicts, '[]'::jsonb) || %s WHERE id = %s "
            "AND NOT coalesce(conflicts, '[]'::jsonb) @> %s").format(sql.Identifier(table)),
            (Jsonb([e]), fid, Jsonb([key])))
        added += cur.rowcount
    return added


def _ensure_doc(conn, review: Review) -> None:
    ident = review.identity
    conn.execute(
        "INSERT INTO source_document (id, file, title, report_no, issued_on, issuer, date_note)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (review.doc_id, ident.file, ident.title, ident.report_no, ident.issued_on,
         ident.issuer, f"imported by gis import report (sha256 {ident.sha256})"))


def _new_feature(conn, review: Review, rr: RowReview, given: dict[str, str]):
    metrics = {f.metric for f, _, _ in rr.figures}
    layer = next((la for la in tracking_layers() if metrics <= set(la.metrics)), None)
    if layer is None:
        raise GISError(400, f"row {rr.row.key}: no layer tracks all of {sorted(metrics)}",
                       row=rr.row.line)
    values = {"name": rr.row.name, "geom_quality": NO_LOCATION, "source_doc": review.doc_id,
              "source_line": rr.row.line, "source_ref": rr.row.ref,
              "valid_on": review.identity.issued_on,
              "notes": "created by gis import report: location unknown"}
    for name, value in given.items():
        if not layer.has_field(name) or name in values:
            raise GISError(400, f"--set {name}: not a field a new {layer.id} feature takes",
                           parameter="--set", field=name)
        f = layer.field(name)
        if f.choices and f.choice(value) is None:
            raise GISError(400, f"--set {name}={value}: not one of "
                           + ", ".join(c.value for c in f.choices), parameter="--set",
                           field=name)
        values[name] = value
    for f in layer.fields:
        if f.required and f.name not in values:
            if f.missing is None:
                raise GISError(400, f"row {rr.row.key}: a new {layer.id} feature needs "
                               f"{f.name!r}, which the report does not give",
                               field=f.name, hint=f"give it (--set {f.name}=VALUE) or "
                               f"match the row: --match {rr.row.key}=FEATURE_ID")
            values[f.name] = f.missing
    fid = re.sub(r"\W+", "-", f"{review.doc_id}-{rr.row.appendix}-{rr.row.number}").strip("-")
    cols = ["id", *values, "origin"]
    conn.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING").format(
        sql.Identifier(layer.table), sql.SQL(", ").join(map(sql.Identifier, cols)),
        sql.SQL(", ").join(sql.Placeholder() * len(cols))), [fid, *values.values(), "report"])
    from gis.reports.matching import candidate

    return candidate(layer.id, fid, values)


def _store_rows(conn, review: Review) -> int:
    """Each numbered row with its status text as printed, valid on the report's date, and
    what it was matched to (kept also where the text holds no figure)."""
    stored = 0
    for rr in review.rows:
        if rr.row.is_group:
            continue
        m = rr.match
        cur = conn.execute(
            "INSERT INTO report_row (source_doc, appendix, row_number, line, name, status_text,"
            " valid_on, features, match_score, match_reason) VALUES (%s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (review.doc_id, rr.row.appendix, rr.row.number, rr.row.line, rr.row.name,
             rr.row.status_text or None, review.identity.issued_on,
             [f"{c.layer}:{c.id}" for c in m.features],
             round(m.score, 1) if m.features else None, m.reason))
        stored += cur.rowcount
    return stored


def _period(f) -> tuple:
    p = parse_period(f.period)
    return p.kind, p.start, p.end


def apply_review(conn, review: Review, user: str = "gis import report",
                 new_values: dict[str, str] | None = None) -> dict:
    """Write ``review`` on ``conn`` (the caller commits); returns what was written.
    ``new_values``: field values of the features created for unmatched rows."""
    _ensure_doc(conn, review)
    written, flagged, touched, created = 0, 0, set(), []
    for rr in review.rows:
        targets = rr.match.features
        if rr.create:
            c = _new_feature(conn, review, rr, new_values or {})
            targets, rr.match.features = [c], [c]
            created.append(f"{c.layer}:{c.id}")
        for c in targets:
            for f, state, _ in rr.figures:
                if state == "unchanged":
                    continue
                cur = conn.execute(
                    "INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, "
                    "value_text, unit, valid_on, source_doc, source_line, source_ref, note, "
                    "period_kind, period_from, period_to, qualifier, origin) VALUES (%s, %s, "
                    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'report') "
                    "ON CONFLICT DO NOTHING",
                    (c.layer, c.id, f.metric, f.value, f.value_text, f.unit, f.valid_on,
                     review.doc_id, f.line, rr.row.ref, _note(f), *_period(f), f.qualifier))
                written += cur.rowcount
                touched.add((c.layer, c.id))
            mismatches = [conflict_entry(review.doc_id, rr.row.ref, f)
                          for f, _, _ in rr.figures if f.check and f.check["mismatch"]]
            n = _flag_mismatches(conn, c.layer, c.id, mismatches) if mismatches else 0
            if n:
                flagged += n
                touched.add((c.layer, c.id))
    rows = _store_rows(conn, review)
    for layer_id, fid in sorted(touched):
        table = next(la.table for la in tracking_layers() if la.id == layer_id)
        conn.execute(sql.SQL("UPDATE {} SET version = version + 1 WHERE id = %s").format(
            sql.Identifier(table)), (fid,))
    summary = {"file": review.identity.file, "sha256": review.identity.sha256,
               "report_no": review.identity.report_no,
               "date": review.identity.issued_on.isoformat(), "figures_written": written,
               "conflicts_flagged": flagged,
               "features": len(touched), "created": created, "rows_stored": rows,
               **review.counts()}
    conn.execute("INSERT INTO audit_log (user_name, action, layer_id, feature_id, after) "
                 "VALUES (%s, 'report_import', 'source_document', %s, %s)",
                 (user, review.doc_id, Jsonb(summary)))
    review.applied = True
    return summary
