"""Checking dataset records against the layer registry and turning them into rows.

Each check that fails adds a problem naming file, line and reason; nothing is written
here (see :mod:`gis.dataset.loader` for the database side).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from shapely.geometry import shape

from gis.dataset.problems import Collector
from gis.figures import FigureError, parse_period, parse_vn_number
from layers import METRICS
from layers.base import Field, Layer
from layers.figures import qualifier

SOURCE_KEYS = {"doc", "line", "ref"}
EXTENSION_KEYS = {"extends", "progress", "conflicts", "notes", "source", "valid_on"}


@dataclass
class Context:
    """What records are checked against: known documents and admin codes."""

    documents: set[str]
    districts: set[str]
    communes: dict[str, str]  # commune code -> district code
    problems: Collector


@dataclass
class FeatureRow:
    layer: Layer
    file: Path
    line: int
    values: dict
    geometry: str | None  # GeoJSON text
    progress: list[dict] = field(default_factory=list)


def _line(record, default: int) -> int:
    return getattr(record, "line", 0) or default


def parse_date(value, ctx: Context, file: Path, line: int, what: str) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    ctx.problems.add(file, line, f"{what}: {value!r} is not a date (YYYY-MM-DD)",
                     f"{what}: {value!r} không phải là ngày (YYYY-MM-DD)")
    return None


def parse_source(record, ctx: Context, file: Path, line: int, what: str) -> dict | None:
    src = record.get("source")
    if not isinstance(src, dict) or not src.get("doc"):
        ctx.problems.add(file, line, f"{what}: missing source (source: {{doc, line, ref}})")
        return None
    unknown = set(src) - SOURCE_KEYS
    if unknown:
        ctx.problems.add(file, line, f"{what}: unknown source keys {sorted(unknown)}")
    doc = str(src["doc"])
    if doc not in ctx.documents:
        ctx.problems.add(file, line, f"{what}: unknown source document {doc!r} "
                                     f"(known: {', '.join(sorted(ctx.documents))})")
        return None
    src_line = src.get("line")
    if src_line is not None and (not isinstance(src_line, int) or isinstance(src_line, bool)
                                 or src_line < 1):
        ctx.problems.add(file, line, f"{what}: source line {src_line!r} is not a line number")
        return None
    if src.get("ref") is not None and not isinstance(src["ref"], str):
        ctx.problems.add(file, line, f"{what}: source ref {src['ref']!r} is not text")
        return None
    if src_line is None and not src.get("ref"):
        ctx.problems.add(file, line, f"{what}: source needs a line or a ref")
        return None
    return {"source_doc": doc, "source_line": src_line, "source_ref": src.get("ref")}


def parse_value(f: Field, value, ctx: Context, file: Path, line: int):
    """Convert one field value to its column value (None when invalid)."""
    if value is None:
        return None
    where = f"field {f.name!r}"
    if f.type == "text":
        if isinstance(value, (dict, list)):
            ctx.problems.add(file, line, f"{where}: expected text, got {type(value).__name__}",
                             f"trường {f.label_vi}: cần văn bản, nhận được "
                             f"{type(value).__name__}")
            return None
        value = str(value)
        if f.choices and f.choice(value) is None:
            allowed = ", ".join(c.value for c in f.choices)
            ctx.problems.add(file, line, f"{where}: {value!r} is not one of: {allowed}",
                             f"trường {f.label_vi}: {value!r} không phải một trong các giá "
                             f"trị: {', '.join(c.label_vi for c in f.choices)}")
            return None
        return value
    if f.type in ("number", "integer"):
        try:
            number = parse_vn_number(value)
        except FigureError as exc:
            ctx.problems.add(file, line, f"{where}: {exc}",
                             f"trường {f.label_vi}: {value!r} không phải là số")
            return None
        if f.type == "integer":
            if number != number.to_integral():
                ctx.problems.add(file, line, f"{where}: {value!r} is not a whole number",
                                 f"trường {f.label_vi}: {value!r} không phải số nguyên")
                return None
            return int(number)
        if f.max_value is not None and number > f.max_value:
            ctx.problems.add(file, line, f"{where}: {value!r} is above {f.max_value}",
                             f"trường {f.label_vi}: {value!r} lớn hơn {f.max_value}")
            return None
        return number
    if f.type == "date":
        return parse_date(value, ctx, file, line, where)
    if f.type == "text[]":
        if not isinstance(value, list):
            ctx.problems.add(file, line, f"{where}: expected a list",
                             f"trường {f.label_vi}: cần một danh sách")
            return None
        return [str(v) for v in value]
    if f.type == "json":
        return json.dumps(value, default=str, ensure_ascii=False)
    raise AssertionError(f.type)


MAX_INTEGER = 2**31 - 1  # integer metrics are read as PostgreSQL integers
MAX_FIGURE = 10**15  # larger than any figure a report gives; read as double precision


def parse_progress(layer: Layer, items, ctx: Context, file: Path, line: int,
                   require_source: bool = True) -> list[dict]:
    """Progress figures of a feature. ``require_source=False`` (figures entered through
    the API): a figure may come without a source document, but then its ``note`` must
    say where it comes from."""
    if items is None:
        return []
    if not isinstance(items, list):
        ctx.problems.add(file, line, "progress: expected a list")
        return []
    out = []
    for item in items:
        iline = _line(item, line)
        if not isinstance(item, dict):
            ctx.problems.add(file, iline, "progress: each figure must be a mapping")
            continue
        unknown = set(item) - {"metric", "value", "valid_on", "source", "note", "period",
                               "qualifier"}
        if unknown:
            ctx.problems.add(file, iline, f"progress: unknown keys {sorted(unknown)}")
        metric = item.get("metric")
        if metric not in layer.metrics:
            ctx.problems.add(file, iline, f"progress: metric {metric!r} is not tracked by layer "
                                          f"{layer.id!r} (tracked: {', '.join(layer.metrics)})")
            continue
        m = METRICS[metric]
        try:
            value = parse_vn_number(item.get("value"))
        except FigureError as exc:
            ctx.problems.add(file, iline, f"progress {metric}: {exc}")
            continue
        if m.percent and not 0 <= value <= 100:
            ctx.problems.add(file, iline, f"progress {metric}: percentage {item.get('value')!r} "
                                          "is outside 0-100")
            continue
        if m.integer and value != value.to_integral():
            ctx.problems.add(file, iline, f"progress {metric}: {item.get('value')!r} is not a "
                                          "whole number")
            continue
        if abs(value) > (MAX_INTEGER if m.integer else MAX_FIGURE):
            ctx.problems.add(file, iline, f"progress {metric}: {item.get('value')!r} is too "
                                          "large")
            continue
        if item.get("valid_on") is None:
            ctx.problems.add(file, iline, f"progress {metric}: missing valid_on")
            continue
        figure = period_and_qualifier(m, item, ctx, file, iline)
        if figure is None:
            continue
        valid_on = parse_date(item.get("valid_on"), ctx, file, iline, f"progress {metric}")
        if not require_source and item.get("source") is None:
            note = item.get("note")
            if not isinstance(note, str) or not note.strip():
                ctx.problems.add(file, iline, f"progress {metric}: without a source "
                                              "({doc, line, ref}), a note must say where the "
                                              "figure comes from")
                continue
            src = {"source_doc": None, "source_line": None, "source_ref": None}
        else:
            src = parse_source(item, ctx, file, iline, f"progress {metric}")
        if valid_on is None or src is None:
            continue
        out.append({
            "metric": metric, "value": value, "value_text": str(item.get("value")),
            "unit": m.unit, "valid_on": valid_on, "note": item.get("note"), **src, **figure,
            "_line": iline,
        })
    return out


def period_and_qualifier(m, item, ctx: Context, file: Path, line: int) -> dict | None:
    """The period a figure covers and its qualifier. Amounts over a period (money,
    disbursement) must name it; a state (%, counts) is at a point in time unless said."""
    raw = item.get("period")
    if raw is None and m.periodic:
        ctx.problems.add(file, line, f"progress {m.name}: missing period (an amount over a "
                                     "period: year:YYYY, multi_year:YYYY-YYYY or cumulative)")
        return None
    try:
        period = parse_period("point" if raw is None else raw)
        q = qualifier(item.get("qualifier"))
    except (FigureError, ValueError) as exc:
        ctx.problems.add(file, line, f"progress {m.name}: {exc}")
        return None
    return {"period_kind": period.kind, "period_from": period.start,
            "period_to": period.end, "qualifier": q.value}


def parse_conflicts(items, ctx: Context, file: Path, line: int) -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list):
        ctx.problems.add(file, line, "conflicts: expected a list")
        return []
    out = []
    for item in items:
        iline = _line(item, line)
        if not isinstance(item, dict) or "field" not in item:
            ctx.problems.add(file, iline, "conflicts: each entry needs field, value and source")
            continue
        src = parse_source(item, ctx, file, iline, f"conflict on {item.get('field')!r}")
        if src is None:
            continue
        entry = {"field": item["field"], "value": item.get("value"), "note": item.get("note"),
                 **src}
        # the note in English where it is given in both languages (``note``: Vietnamese)
        if item.get("note_en") is not None:
            if not isinstance(item["note_en"], str):
                ctx.problems.add(file, iline, "conflicts: note_en is a text")
            else:
                entry["note_en"] = item["note_en"]
        # a value worked out from printed ones (a percentage recomputed), for a figure's date
        if item.get("derived") is not None:
            if not isinstance(item["derived"], bool):
                ctx.problems.add(file, iline, "conflicts: derived is true or false")
            entry["derived"] = bool(item["derived"])
        if item.get("valid_on") is not None:
            entry["valid_on"] = str(item["valid_on"])
        if item.get("origin") == "report":  # flagged by a report import: kept by reloads
            entry["origin"] = "report"
        out.append(entry)
    return out


def check_places(values: dict, ctx: Context, file: Path, line: int) -> None:
    for code in values.get("districts") or []:
        if code not in ctx.districts:
            known = ", ".join(sorted(ctx.districts))
            ctx.problems.add(file, line, f"unknown district {code!r} (known: {known})",
                             f"không có quận/huyện mã {code!r} (các mã hợp lệ: {known})")
    for code in values.get("wards") or []:
        if code not in ctx.communes:
            ctx.problems.add(file, line, f"unknown ward/commune code {code!r}",
                             f"không có phường/xã mã {code!r}")


def ring_problems(geom, where: str = "geometry") -> list[str]:
    """What RFC 7946 forbids that shapely would quietly mend: linear rings that are not
    closed or have fewer than four positions, lines of fewer than two."""
    if not isinstance(geom, dict):
        return []
    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "GeometryCollection":
        return [p for i, g in enumerate(geom.get("geometries") or [])
                for p in ring_problems(g, f"{where} part {i + 1}")]
    if kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        return [f"{where}: line {i + 1} has fewer than 2 positions"
                for i, ln in enumerate(lines or []) if isinstance(ln, list) and len(ln) < 2]
    if kind not in ("Polygon", "MultiPolygon"):
        return []
    polygons = [coords] if kind == "Polygon" else coords
    out = []
    for p, rings in enumerate(polygons or []):
        for r, ring in enumerate(rings or []):
            if not isinstance(ring, list):
                continue
            name = f"{where}: polygon {p + 1} ring {r + 1}" if kind == "MultiPolygon" \
                else f"{where}: ring {r + 1}"
            if len(ring) < 4:
                out.append(f"{name} has {len(ring)} positions (a linear ring needs at least 4)")
            elif ring[0] != ring[-1]:
                out.append(f"{name} is not closed (its first and last positions differ)")
    return out


def parse_geometry(record, ctx: Context, file: Path, line: int) -> str | None:
    geom = record.get("geometry")
    if geom is None:
        return None
    try:
        shp = shape(geom)
    except Exception as exc:  # shapely raises several kinds for bad GeoJSON
        ctx.problems.add(file, line, f"geometry: not a valid GeoJSON geometry ({exc})")
        return None
    problems = ring_problems(geom)
    for problem in problems:
        ctx.problems.add(file, line, problem)
    if problems:
        return None
    if shp.is_empty:
        ctx.problems.add(file, line, "geometry: empty")
        return None
    return json.dumps(geom)


def parse_feature(layer: Layer, record, ctx: Context, file: Path) -> FeatureRow | None:
    line = _line(record, 1)
    if not isinstance(record, dict):
        ctx.problems.add(file, line, "each item must be a mapping")
        return None
    fid = record.get("id")
    if not fid or not isinstance(fid, (str, int)):
        ctx.problems.add(file, line, "missing id")
        return None
    known = {f.name for f in layer.all_fields} | {"id", "geometry", "source", "progress"}
    if layer.geometry_from_admin:
        known.discard("geometry")
    unknown = set(record) - known
    if unknown:
        ctx.problems.add(file, line, f"feature {fid}: unknown field(s) {sorted(unknown)}",
                         f"đối tượng {fid}: trường không có trong lớp {sorted(unknown)}")
    values: dict = {"id": str(fid)}
    src = parse_source(record, ctx, file, line, f"feature {fid}")
    if src:
        values.update(src)
    for f in layer.all_fields:
        if f.name in ("source_doc", "source_line", "source_ref"):
            continue
        raw = record.get(f.name)
        if f.name == "conflicts":
            values[f.name] = json.dumps(parse_conflicts(raw, ctx, file, line), default=str,
                                        ensure_ascii=False)
            continue
        if raw is None and f.required and f.name != "geom_quality":
            ctx.problems.add(file, line, f"feature {fid}: missing required field {f.name!r}",
                             f"đối tượng {fid}: thiếu trường bắt buộc {f.label_vi}")
        values[f.name] = parse_value(f, raw, ctx, file, line)
    geometry = None if layer.geometry_from_admin else parse_geometry(record, ctx, file, line)
    if layer.feature_fields:
        if layer.geometry_from_admin:
            values["geom_quality"] = "admin_boundary"  # set to 'unknown' where no geometry
        elif values.get("geom_quality") is None:
            if geometry is None:
                values["geom_quality"] = "unknown"
            else:
                ctx.problems.add(file, line, f"feature {fid}: missing geom_quality")
        elif geometry is not None and values["geom_quality"] == "unknown":
            ctx.problems.add(file, line, f"feature {fid}: has a geometry but geom_quality "
                                         "is 'unknown'")
        elif geometry is None and values["geom_quality"] != "unknown":
            ctx.problems.add(file, line, f"feature {fid}: no geometry but geom_quality is "
                                         f"{values['geom_quality']!r}")
        check_places(values, ctx, file, line)
    from gis.dataset.structure import parse_structure_fields  # (it builds on this module)

    parse_structure_fields(layer, record, values, ctx, file, line)
    progress = parse_progress(layer, record.get("progress"), ctx, file, line)
    return FeatureRow(layer, file, line, values, geometry, progress)


def apply_extension(base: FeatureRow, record, ctx: Context, file: Path) -> None:
    """Merge an ``extends:`` record (another document on the same feature) into ``base``."""
    line = _line(record, 1)
    unknown = set(record) - EXTENSION_KEYS
    if unknown:
        ctx.problems.add(file, line, f"extends {record['extends']}: only progress, conflicts "
                                     f"and notes may be added (found {sorted(unknown)})")
    base.progress += parse_progress(base.layer, record.get("progress"), ctx, file, line)
    conflicts = json.loads(base.values.get("conflicts") or "[]")
    conflicts += parse_conflicts(record.get("conflicts"), ctx, file, line)
    base.values["conflicts"] = json.dumps(conflicts, default=str, ensure_ascii=False)
    if record.get("notes"):
        src = record.get("source") or {}
        tag = f"[{src.get('doc', '?')}:{src.get('line', '')}] " if src else ""
        base.values["notes"] = "\n".join(
            n for n in (base.values.get("notes"), f"{tag}{record['notes']}") if n
        )
