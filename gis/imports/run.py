"""``gis import features``: rows of a file into a layer, checked like the dataset
loader, all or nothing.

Each row becomes the record the loader reads (:func:`api.feature_records.to_record`)
and goes through the same checks as an API write (:func:`check_feature`: field types,
choices, figures, source, district and ward codes, a valid geometry of the layer's type
inside Cần Thơ, the admin-unit rule), plus: inside the districts it names. Every problem
names its row and field. Nothing is written unless every row passes (``skip_invalid``
writes the good ones). Rows are matched to stored features by ``id`` or a chosen key
field (update) or added (new); an unchanged row changes nothing, a geometry within 1 cm
of the stored one counts as unchanged. Progress figures in the file that differ from the
current ones become new snapshots. The file is a source document (name, SHA-256),
cited by rows that name no source; every change is in ``audit_log``. A dry run does all
of it in a transaction and rolls it back.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import shapely

from gis.db import database_url
from gis.errors import GISError
from gis.frames import column_types
from layers import METRICS, registry
from layers.base import METRIC_PARTS, Layer, metric_column


@dataclass
class Change:
    row: int
    id: str
    action: str  # new, update, unchanged, invalid
    fields: dict = field(default_factory=dict)  # field -> [old, new]
    figures: list = field(default_factory=list)  # metrics given new figures


@dataclass
class Problem:
    row: int
    field: str | None
    message: str
    message_vi: str | None = None  # the same in Vietnamese, where the check says it


class Changes:
    """The report's lines, in the file's row order: those the row path wrote, kept as
    they come, and those of the set-based path, made when they are read (a million new
    features are a million lines only for whoever lists them all)."""

    def __init__(self, kept: list[Change] | None = None):
        self.kept = list(kept or [])
        self.made: list[tuple[int, str, object]] = []  # (rows, action, row index -> Change)

    def append(self, change: Change) -> None:
        self.kept.append(change)

    def extend_made(self, rows: int, action: str, make) -> None:
        """``rows`` lines of ``action``, line ``k`` being ``make(k)``, in row order."""
        self.made.append((rows, action, make))

    def __len__(self) -> int:
        return len(self.kept) + sum(n for n, _, _ in self.made)

    def count(self, action: str) -> int:
        return (sum(c.action == action for c in self.kept)
                + sum(n for n, a, _ in self.made if a == action))

    def __iter__(self):
        made = ((make(k) for k in range(n)) for n, _, make in self.made)
        return heapq.merge(sorted(self.kept, key=lambda c: c.row), *made,
                           key=lambda c: c.row)

    def __getitem__(self, i: int) -> Change:
        return next(itertools.islice(iter(self), i, None))


@dataclass(repr=False)
class ImportReport:
    layer: str
    file: str
    sha256: str | None
    crs: str = "EPSG:4326"
    encoding: str = "utf-8"
    dry_run: bool = True
    written: bool = False
    source_doc: str | None = None
    ignored_columns: list = field(default_factory=list)
    mapping: dict = field(default_factory=dict)  # column of the file -> field
    changes: Changes = field(default_factory=Changes)
    problems: list[Problem] = field(default_factory=list)
    # lines the summary lists before it says how many more there are (--json: all)
    SHOWN = 200

    def count(self, action: str) -> int:
        return self.changes.count(action)

    def __repr__(self) -> str:  # short: a report may hold a million lines
        return f"<ImportReport {self.head()}>"

    def head(self) -> str:
        verb = "would change" if self.dry_run or not self.written else "changed"
        return (f"{self.file} -> {self.layer} ({self.crs}, text {self.encoding}): "
                f"{self.count('new')} new, {self.count('update')} updated, "
                f"{self.count('unchanged')} unchanged, {len(self.problems)} problem(s); {verb}")

    def summary(self) -> str:
        lines = [self.head()]
        listed = (c for c in self.changes if c.action in ("new", "update"))
        for c in itertools.islice(listed, self.SHOWN):
            what = ", ".join(f"{k}: {_show(o)} -> {_show(n)}" for k, (o, n) in c.fields.items())
            figs = f" figures: {', '.join(c.figures)}" if c.figures else ""
            lines.append(f"  row {c.row} {c.action} {c.id}: {what}{figs}")
        more = self.count("new") + self.count("update") - self.SHOWN
        if more > 0:
            vi = f"{more:,}".replace(",", ".")
            lines.append(f"  … {more:,} more (--json lists every row) "
                         f"(còn {vi} dòng nữa: --json liệt kê tất cả)")
        for p in self.problems:
            lines.append(f"  row {p.row}" + (f" field {p.field}" if p.field else "")
                         + f": {p.message}" + (f" (dòng {p.row}: {p.message_vi})"
                                                if p.message_vi else ""))
        if self.ignored_columns:
            lines.append(f"  columns not imported: {', '.join(self.ignored_columns)}")
        return "\n".join(lines)

    def as_json(self) -> str:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "changes"}
        out = {**asdict(ImportReport(**out)), "changes": [asdict(c) for c in self.changes]}
        return json.dumps(out, ensure_ascii=False, default=str, indent=1)


def _show(v) -> str:
    text = "∅" if v is None else str(v)
    return text if len(text) <= 60 else text[:57] + "…"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _plain(v, kind: str | None):
    """A cell as the record's value: lists, numbers in Vietnamese notation, ISO dates."""
    from api.feature_records import vn_figure

    if v is None or (isinstance(v, float) and v != v) or str(v) in ("<NA>", "NaT", ""):
        return None
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        v = v.tolist()
    if kind == "text[]":
        if isinstance(v, str) and v.strip().startswith("["):
            try:
                v = json.loads(v)
            except ValueError:
                raise GISError(400, f"not a list: {v[:80]!r}") from None
        elif isinstance(v, str):
            v = [p.strip() for p in v.split(",") if p.strip()]
        return [str(x) for x in v] or None
    if kind == "json":
        try:
            return json.loads(v) if isinstance(v, str) else v
        except ValueError:
            raise GISError(400, f"not JSON: {v[:80]!r}") from None
    if kind == "date":
        if isinstance(v, datetime):
            return v.date().isoformat()
        return v.isoformat() if isinstance(v, date) else str(v)[:10]
    if kind in ("number", "integer"):
        if isinstance(v, str):
            try:
                v = float(v) if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", v.strip()) else v
            except ValueError:
                pass
        if isinstance(v, float) and v.is_integer() and kind == "integer":
            return int(v)
        return vn_figure(v)
    return v


def _norm(v):
    from decimal import Decimal

    from psycopg.types.json import Jsonb

    if isinstance(v, Jsonb):
        v = v.obj
    if isinstance(v, Decimal | int) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return [_norm(x) for x in v]
    if isinstance(v, str) and v.startswith(("[", "{")):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def import_frame(frame: gpd.GeoDataFrame, layer_id: str, name: str, digest: str | None,
                 dry_run: bool = True, key: str = "id", skip_invalid: bool = False,
                 url: str | None = None, user: str = "import", columns: dict | None = None,
                 long_text: dict | None = None, crs: str = "EPSG:4326",
                 encoding: str = "utf-8") -> ImportReport:
    """Check and write ``frame`` (geometries in EPSG:4326 unless its CRS says) into
    ``layer_id``; see the module doc."""
    from gis.imports.mapping import column_fields

    if layer_id not in registry:
        raise GISError(404, f"no layer {layer_id!r}", parameter="layer")
    layer = registry.get(layer_id)
    if not (layer.editable and layer.managed_table):
        raise GISError(400, f"layer {layer_id} is not written by imports", parameter="layer")
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        from gis.imports.crs import describe, to_wgs84

        crs = describe(frame.crs)
        t = to_wgs84(frame.crs)
        frame = frame.set_geometry(shapely.transform(
            frame.geometry.values, lambda xy: __import__("numpy").column_stack(
                t.transform(xy[:, 0], xy[:, 1]))), crs="EPSG:4326")
    cols = [c for c in frame.columns if c != frame.geometry.name]
    mapped, ignored = column_fields(layer, cols, {}, columns or {})
    if key != "id" and key not in mapped.values():
        raise GISError(400, f"--key {key}: no column of the file is field {key!r}",
                       parameter="key", field=key)
    report = ImportReport(layer_id, name, digest, crs, encoding, dry_run,
                          ignored_columns=[str(c) for c in ignored],
                          mapping={str(c): f for c, f in mapped.items()})
    asyncio.run(_run(layer, frame, mapped, report, key, skip_invalid,
                     url or database_url(), user, long_text or {}))
    return report


def import_file(path: Path, layer_id: str, crs: str | None = None,
                encoding: str | None = None, maps: dict | None = None, gpkg_layer=None,
                **kw) -> ImportReport:
    from gis.imports.readers import read_file

    read = read_file(Path(path), crs, encoding, gpkg_layer)
    columns = dict(read.columns)
    columns.update({col: fld for fld, col in (maps or {}).items()})
    if maps:  # checked against the layer and the file's columns
        from gis.imports.mapping import column_fields

        column_fields(registry.get(layer_id), list(read.frame.columns), maps, {})
    return import_frame(read.frame, layer_id, Path(path).name, sha256(Path(path)),
                        columns=columns, long_text=read.long_text, crs=read.crs,
                        encoding=read.encoding, **kw)


async def _run(layer: Layer, frame, mapped: dict, report: ImportReport, key: str,
               skip_invalid: bool, url: str, user: str, long_text: dict) -> None:
    from gis.imports.bulk import Bulk
    from gis.imports.rows import RowWriter

    async with await psycopg.AsyncConnection.connect(url) as conn:
        async with conn.transaction(force_rollback=True) as outer:
            writer = RowWriter(conn, layer, report, user, key)
            await writer.source_document()
            kinds = column_types(layer)
            geom_name = frame.geometry.name
            frame = _with_long_text(frame, mapped, long_text)
            bulk = Bulk(writer, frame, mapped, kinds)
            if bulk.usable():
                bulk.classify(_plain)
                await bulk.stage()
            else:
                bulk.slow[:] = True
            for n in (np.flatnonzero(bulk.slow) + 1).tolist():  # rows the set-based path left
                row = frame.iloc[n - 1]
                raw = {fld: row[col] for col, fld in mapped.items()}
                try:
                    props = {fld: _plain(v, kinds.get(fld)) for fld, v in raw.items()}
                except GISError as exc:
                    bad = next(f for f, v in raw.items() if _fails(v, kinds.get(f)))
                    report.problems.append(Problem(n, bad, exc.message, exc.vi))
                    report.changes.append(Change(n, str(raw.get("id") or ""), "invalid"))
                    continue
                geom = row[geom_name]
                gj = None if not isinstance(geom, shapely.Geometry) or geom.is_empty \
                    else shapely.geometry.mapping(geom)
                await writer.row(n, props, gj)
            ok = not report.problems or skip_invalid
            if ok and not bulk.slow.all():
                await bulk.write(user)
            if not bulk.slow.all():
                bulk.add_changes(report.changes)
            report.problems.sort(key=lambda p: p.row)
            if ok and not report.dry_run:
                await writer.finish()
                report.written = True
            if report.written:
                outer.force_rollback = False  # commit


def _with_long_text(frame, mapped: dict, long_text: dict):
    """``frame`` with the long texts a DBF could not hold, from the shapefile's sidecar."""
    if not long_text:
        return frame
    id_col = next((c for c, f in mapped.items() if f == "id"), None)
    by_field = {f: c for c, f in mapped.items()}
    frame = frame.copy()
    for i, fid in enumerate(frame[id_col] if id_col is not None else []):
        for (lid, fname), text in long_text.items():
            if lid == str(fid) and fname in by_field:
                frame.iat[i, frame.columns.get_loc(by_field[fname])] = text
    return frame


def _fails(v, kind) -> bool:
    try:
        _plain(v, kind)
        return False
    except GISError:
        return True


def metric_of(name: str) -> tuple[str, str | None] | None:
    """(metric, part) of a progress property name, or None."""
    for m in METRICS:
        for part in (None, *METRIC_PARTS):
            if metric_column(m, part) == name:
                return m, part
    return None
