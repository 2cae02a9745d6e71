"""``gis load``: the boundaries and the curated dataset into PostGIS, in one transaction.

Everything is read and checked first; then staged, checked again in PostGIS (validity,
inside Cần Thơ) and merged. Any problem stops the load with file, line and reason, and
the transaction is rolled back, so what was stored before stays as it was.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import sql
from tqdm import tqdm

from gis import admin_geometry
from gis.dataset import boundaries
from gis.dataset.citations import read_citations, store_citations
from gis.dataset.facts import check_facts
from gis.dataset.indicators import read_indicators, store_indicators
from gis.dataset.merge import MergeCount, create_stage, fill_stage, merge_stage
from gis.dataset.problems import Collector, LoadError
from gis.dataset.records import (
    Context,
    FeatureRow,
    apply_extension,
    parse_feature,
)
from gis.dataset.structure import resolve_links
from gis.dataset.yaml_lines import read_yaml
from gis.db import connect
from gis.settings import data_settings
from layers import registry
from layers.base import Layer
from layers.report_fields import PLACE_FIELDS


@dataclass
class LoadReport:
    counts: dict[str, MergeCount] = field(default_factory=dict)
    features: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values())

    def summary(self) -> str:
        lines = [f"{name:<20} +{c.inserted} ~{c.updated} -{c.deleted}"
                 for name, c in self.counts.items()]
        lines.append("no changes" if not self.changed else f"{self.changed} row(s) changed")
        return "\n".join(lines)


def feature_layers() -> list[Layer]:
    return [layer for layer in registry.layers() if layer.managed_table and layer.feature_fields]


def _as_list(data, problems: Collector, path: Path) -> list:
    if data is None:
        return []
    if not isinstance(data, list):
        problems.add(path, 1, "expected a YAML list of records")
        return []
    return data


def read_sources(path: Path, seeds_dir: Path, problems: Collector) -> list[dict]:
    rows = []
    for rec in _as_list(read_yaml(path) if path.exists() else None, problems, path):
        line = getattr(rec, "line", 1)
        if not rec.get("id") or not rec.get("file") or not rec.get("title"):
            problems.add(path, line, "a source needs id, file and title")
            continue
        if not (seeds_dir / rec["file"]).exists():
            problems.add(path, line, f"source file {rec['file']!r} not found in {seeds_dir}")
        issued = rec.get("issued_on")
        rows.append({
            "id": str(rec["id"]), "file": rec["file"], "title": rec["title"],
            "title_en": rec.get("title_en"), "report_no": rec.get("report_no"),
            "issued_on": None if issued is None else str(issued),
            "issuer": rec.get("issuer"), "date_note": rec.get("date_note"),
        })
    if not rows:
        problems.add(path, None, "no source documents declared")
    return rows


def read_features(data_dir: Path, ctx: Context) -> dict[str, list[FeatureRow]]:
    """Parse every layer's files; ``extends:`` records are merged into their feature."""
    layers = {layer.id: layer for layer in feature_layers()}
    features_dir = data_dir / "features"
    if features_dir.exists():
        for sub in sorted(p for p in features_dir.iterdir() if p.is_dir()):
            if sub.name not in layers:
                ctx.problems.add(sub, None, f"no layer {sub.name!r} in the registry "
                                            f"(layers: {', '.join(layers)})")
    result: dict[str, list[FeatureRow]] = {}
    files = [(layer, p) for layer in layers.values()
             for p in sorted((features_dir / layer.id).glob("*.yaml"))]
    extensions = []
    by_id: dict[tuple[str, str], FeatureRow] = {}
    for layer, path in tqdm(files, desc="reading dataset", unit="file", disable=None,
                            file=sys.stderr):
        result.setdefault(layer.id, [])
        for rec in _as_list(read_yaml(path), ctx.problems, path):
            if isinstance(rec, dict) and "extends" in rec:
                extensions.append((layer, path, rec))
                continue
            row = parse_feature(layer, rec, ctx, path)
            if row is None:
                continue
            key = (layer.id, row.values["id"])
            if key in by_id:
                first = by_id[key]
                ctx.problems.add(path, row.line, f"duplicate id {row.values['id']!r} (first at "
                                                 f"{ctx.problems.rel(first.file)}:{first.line})")
                continue
            by_id[key] = row
            result[layer.id].append(row)
    for layer, path, rec in extensions:
        base = by_id.get((layer.id, str(rec["extends"])))
        if base is None:
            ctx.problems.add(path, getattr(rec, "line", 1),
                             f"extends unknown {layer.id} feature {rec['extends']!r}")
            continue
        apply_extension(base, rec, ctx, path)
    resolve_links(result, ctx)
    return result


def _feature_rows(layer: Layer, rows: list[FeatureRow]) -> list[dict]:
    out = []
    for r in rows:
        d = dict(r.values)
        if not layer.geometry_from_admin:
            d["geom"] = r.geometry
        d["_file"], d["_line"] = str(r.file), r.line
        out.append(d)
    return out


# (field, origin): the conflicts a report import flagged (gis.reports.apply) carry
# ``origin: report``; like the import's figures (``origin = 'report'``) a reload keeps them
IMPORTED_CONFLICTS = ("conflicts", "report")


def _keep_imported_conflicts(conn, table: str, stage: str) -> None:
    """Add to the staged rows the conflicts imports flagged on the stored ones, after the
    dataset's own, unless the dataset records the same (metric, document, line) itself."""
    col, origin = IMPORTED_CONFLICTS
    conn.execute(sql.SQL(
        "UPDATE {s} s SET {c} = coalesce(s.{c}, '[]'::jsonb) || coalesce(("
        " SELECT jsonb_agg(x.e ORDER BY x.n) FROM {t} t,"
        "  jsonb_array_elements(t.{c}) WITH ORDINALITY x(e, n)"
        " WHERE t.id = s.id AND x.e->>'origin' = {o} AND NOT coalesce(s.{c}, '[]'::jsonb) @>"
        "  jsonb_build_array(jsonb_build_object('field', x.e->'field', 'source_doc',"
        "   x.e->'source_doc', 'source_line', x.e->'source_line'))), '[]'::jsonb)"
        " WHERE EXISTS (SELECT 1 FROM {t} t WHERE t.id = s.id AND t.{c} @> {pattern})").format(
        s=sql.Identifier(stage), t=sql.Identifier(table), c=sql.Identifier(col),
        o=sql.Literal(origin),
        pattern=sql.Literal(f'[{{"origin": "{origin}"}}]') + sql.SQL("::jsonb")))


def _check_stage(conn, layer: Layer, stage: str, problems: Collector) -> None:
    s = sql.Identifier(stage)
    invalid = conn.execute(sql.SQL(
        "SELECT _file, _line, id, ST_IsValidReason(geom) FROM {s} "
        "WHERE geom IS NOT NULL AND NOT ST_IsValid(geom) ORDER BY _file, _line").format(s=s))
    for file, line, fid, reason in invalid:
        problems.add(file, line, f"feature {fid}: invalid geometry ({reason})")
    outside = conn.execute(sql.SQL(
        "SELECT _file, _line, id FROM {s} x WHERE geom IS NOT NULL AND ST_IsValid(geom) AND "
        "NOT EXISTS (SELECT 1 FROM admin_city c WHERE ST_CoveredBy(x.geom, c.geom)) "
        "ORDER BY _file, _line").format(s=s))
    for file, line, fid in outside:
        problems.add(file, line, f"feature {fid}: geometry lies (partly) outside Cần Thơ",
                     f"đối tượng {fid}: vị trí nằm (một phần) ngoài thành phố Cần Thơ")


def _admin_geometry(conn, layer: Layer, stage: str, problems: Collector) -> None:
    """Geometry of layers such as NTM comes from the admin unit named by a field
    (:mod:`gis.admin_geometry`, the rule API writes follow too)."""
    code = sql.SQL("x.{}").format(sql.Identifier(layer.geometry_from_admin))
    unknown = conn.execute(sql.SQL(
        "SELECT _file, _line, id, {c} FROM {s} x WHERE NOT {known} ORDER BY _file, _line"
    ).format(c=code, s=sql.Identifier(stage), known=admin_geometry.known_unit(code)))
    for file, line, fid, value in unknown:
        problems.add(file, line, admin_geometry.unknown_unit_message(fid, value))
    conn.execute(admin_geometry.fill_stage(layer, stage))


def _check_wards(conn, stage: str, problems: Collector) -> None:
    """Features that name wards must lie in them (within the schematic tolerance)."""
    outside = conn.execute(sql.SQL(
        "SELECT _file, _line, id, wards FROM {s} x WHERE geom IS NOT NULL AND ST_IsValid(geom)"
        " AND {outside} ORDER BY _file, _line").format(
        s=sql.Identifier(stage),
        outside=admin_geometry.outside_wards(sql.SQL("x.geom"), sql.SQL("x.wards"))))
    for file, line, fid, wards in outside:
        problems.add(file, line, admin_geometry.outside_wards_message(fid, wards),
                     admin_geometry.outside_wards_message_vi(fid, wards))


def outside_named_districts(conn) -> list[tuple[str, str, list[str]]]:
    """Features whose geometry is not inside the union of the districts they name."""
    out = []
    for layer in feature_layers():
        if layer.geometry_from_admin:
            continue
        # the districts the text names and those a place is inferred in
        places = sql.SQL(" || ").join(
            sql.SQL("coalesce(f.{}, '{{}}')").format(sql.Identifier(n))
            for n in PLACE_FIELDS if layer.has_field(n))
        rows = conn.execute(sql.SQL(
            "SELECT f.id, {p} FROM {t} f WHERE f.geom IS NOT NULL AND ("
            " cardinality({p}) = 0 OR NOT ST_CoveredBy(f.geom,"
            "  (SELECT ST_Union(d.geom) FROM admin_district d WHERE d.code = ANY({p}))))"
            " ORDER BY f.id").format(t=sql.Identifier(layer.table), p=places)).fetchall()
        out += [(layer.id, fid, districts) for fid, districts in rows]
    return out


def load(data_dir: Path | None = None, boundaries_dir: Path | None = None,
         url: str | None = None, audit=None) -> LoadReport:
    """Check everything, then write it in one transaction; ``audit(conn, report)`` (the
    CLI's record of the load) is written in that transaction too."""
    settings = data_settings()
    data_dir = Path(data_dir or settings.data_dir)
    boundaries_dir = Path(boundaries_dir or settings.boundaries_dir)
    problems = Collector(data_dir.parent)

    city = boundaries.read_city(boundaries_dir, problems)
    districts = boundaries.read_districts(boundaries_dir, problems)
    communes = boundaries.read_communes(boundaries_dir, problems,
                                        settings.commune_polygons_file)
    sources = read_sources(data_dir / "sources.yaml", settings.seeds_dir, problems)
    ctx = Context(
        documents={s["id"] for s in sources},
        districts={d["code"] for d in districts},
        communes={c["code"]: c["district_code"] for c in communes},
        problems=problems,
    )
    features = read_features(data_dir, ctx)
    check_facts(features, ctx)
    indicators = read_indicators(data_dir / "indicators", ctx)
    citations = read_citations(data_dir / "citations", ctx)
    problems.raise_if_any()

    report = LoadReport()
    with connect(url) as conn:
        with conn.transaction():
            _load_admin_and_sources(conn, report, city, districts, communes, sources,
                                    problems)
            progress_rows = []
            for layer in feature_layers():
                rows = features.get(layer.id, [])
                stage = create_stage(conn, layer.table)
                fill_stage(conn, stage, _feature_rows(layer, rows))
                if layer.geometry_from_admin:  # admin boundaries: checked as boundaries
                    _admin_geometry(conn, layer, stage, problems)
                else:
                    _check_stage(conn, layer, stage, problems)
                _check_wards(conn, stage, problems)
                if problems.problems:
                    continue
                if layer.has_field(IMPORTED_CONFLICTS[0]):
                    _keep_imported_conflicts(conn, layer.table, stage)
                columns = ["id", *(f.name for f in layer.all_fields), "geom"]
                report.counts[layer.id] = merge_stage(
                    conn, layer.table, stage, ["id"], columns, bump_version=True,
                    delete_scope="origin = 'dataset'")
                report.features[layer.id] = len(rows)
                for r in rows:
                    for p in r.progress:
                        progress_rows.append({
                            "layer_id": layer.id, "feature_id": r.values["id"],
                            **{k: v for k, v in p.items() if k != "_line"},
                            "_file": str(r.file), "_line": p["_line"]})
            problems.raise_if_any()  # raising rolls the transaction back
            report.counts["progress"] = _merge_progress(conn, progress_rows)
            report.counts.update(store_indicators(conn, indicators))
            report.counts.update(store_citations(conn, citations))
            if audit is not None:
                audit(conn, report)
        report.warnings += [f"{lid} {fid}: geometry not inside its named district(s) {d}"
                            for lid, fid, d in outside_named_districts(conn)]
    return report


def _load_admin_and_sources(conn, report, city, districts, communes, sources,
                            problems: Collector) -> None:
    plan = (
        ("source_document", sources, ["id", "file", "title", "title_en", "report_no",
                                      "issued_on", "issuer", "date_note"], None),
        ("admin_city", city, ["code", "name", "full_name", "name_ascii", "unit_type",
                              "area_km2", "source", "geom"],
         "ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))"),
        ("admin_district", districts, ["code", "name", "full_name", "name_ascii", "unit_type",
                                       "unit_type_en", "area_km2", "source", "geom"],
         "ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))"),
        ("admin_commune", communes, ["code", "name", "full_name", "name_ascii", "unit_type",
                                     "district_code", "in_2019_12", "in_2024_09", "in_2025_03",
                                     "first_listed", "last_listed", "geom", "geom_source",
                                     "geom_note"],
         "ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))"),
    )
    for table, rows, columns, geom_expr in plan:
        stage = create_stage(conn, table)
        fill_stage(conn, stage, rows, geom_expr)
        if table == "admin_commune":
            boundaries.check_commune_polygons(conn, stage, problems)
        key = ["id"] if table == "source_document" else ["code"]
        # Units and documents that disappear from the inputs are kept (features refer to them).
        report.counts[table] = merge_stage(conn, table, stage, key, columns, delete_scope=None)


# the period a figure covers and its qualifier (gis.dataset.records.period_and_qualifier)
FIGURE_COLUMNS = ["period_kind", "period_from", "period_to", "qualifier"]
PROGRESS_KEY = ["layer_id", "feature_id", "metric", "valid_on", "source_doc", "source_line",
                "note"]


def _merge_progress(conn, rows: list[dict]) -> MergeCount:
    stage = create_stage(conn, "progress_snapshot")
    fill_stage(conn, stage, rows)
    target = sql.SQL(
        "layer_id, feature_id, metric, valid_on, coalesce(source_doc, ''), "
        "coalesce(source_line, -1), coalesce(note, '')")
    return merge_stage(
        conn, "progress_snapshot", stage, PROGRESS_KEY,
        [*PROGRESS_KEY, "value", "value_text", "unit", "source_ref", *FIGURE_COLUMNS],
        conflict_target=target, delete_scope="origin = 'dataset'")


__all__ = ["LoadError", "LoadReport", "load", "outside_named_districts"]
