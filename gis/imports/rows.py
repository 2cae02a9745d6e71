"""One imported row at a time, in a savepoint: checked as an API write is, compared with
the stored feature, written (new/update), its new progress figures added, audited."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path as FilePath

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from api import audit
from api.feature_records import (
    check_feature,
    dataset_context,
    geom_param,
    stored,
    to_record,
    vn_figure,
)
from gis.dataset.problems import Collector
from gis.dataset.records import Context, parse_progress
from gis.errors import GISError
from gis.queries import progress_columns
from layers import METRICS
from layers.base import Layer, metric_column

SAME_GEOMETRY_DEG = 1e-7  # about 1 cm: a geometry that moved less is unchanged


_FIELD_IN = re.compile(r"field\(?s?\)? \[?'(\w+)'|missing (?:required field )?'?(\w+)'?|"
                       r"^(geometry)|progress (\w+):|metric '(\w+)'")


def field_named(message: str) -> str | None:
    """The field a loader message is about ("field 'status': ...", "missing valid_on")."""
    m = _FIELD_IN.search(message.split(": ", 1)[-1]) or _FIELD_IN.search(message)
    return next((g for g in m.groups() if g), None) if m else None


class RowWriter:
    def __init__(self, conn, layer: Layer, report, user: str, key: str):
        self.conn, self.layer, self.report, self.user, self.key = conn, layer, report, user, key
        self.doc = f"import-{(report.sha256 or 'frame')[:16]}"
        self.table = sql.Identifier(layer.table)
        self.progress_names = set(progress_columns(layer))

    async def source_document(self) -> None:
        """The file as a source document (its name and SHA-256), cited by rows that name
        no source of their own."""
        r = self.report
        await self.conn.execute(
            "INSERT INTO source_document (id, file, title, title_en, date_note) VALUES "
            "(%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (self.doc, r.file, f"Tệp nhập vào lớp {r.layer}: {r.file}",
             f"File imported into {r.layer}: {r.file}",
             f"SHA-256 {r.sha256 or '-'}; imported {date.today().isoformat()} by {self.user}"))
        r.source_doc = self.doc
        self.ctx = await dataset_context(self.conn)  # read once, with the file's document

    def _context(self) -> Context:
        """The dataset context with a problem list of its own (one per row)."""
        return dataclasses.replace(self.ctx, problems=Collector(FilePath(".")))

    def _problem(self, n: int, fid, fld, message: str, message_vi: str | None = None) -> None:
        from gis.imports.run import Change, Problem

        self.report.problems.append(Problem(n, fld, message, message_vi))
        self.report.changes.append(Change(n, str(fid or ""), "invalid"))

    async def _fid(self, n: int, props: dict):
        if self.key != "id" and props.get(self.key) is not None:
            row = await (await self.conn.execute(sql.SQL(
                "SELECT id FROM {} WHERE {} = %s LIMIT 2").format(
                self.table, sql.Identifier(self.key)), (props[self.key],))).fetchall()
            if len(row) > 1:
                raise GISError(400, f"{self.key} {props[self.key]!r} matches several features",
                               field=self.key)
            if row:
                return row[0][0]
            if props.get("id") is None:
                slug = re.sub(r"[^a-z0-9]+", "-", str(props[self.key]).lower()).strip("-")
                return f"{self.layer.id}-{slug or n}"
        if props.get("id") is None:
            raise GISError(400, "no id" + (f" and no feature with this {self.key}"
                                           if self.key != "id" else ""), field="id")
        return str(props["id"])

    async def row(self, n: int, props: dict, geometry) -> None:
        fid = props.get("id")
        try:
            async with self.conn.transaction():
                fid = await self._fid(n, props)
                await self._write(n, fid, props, geometry)
        except GISError as exc:
            self._problem(n, fid, exc.field or exc.parameter or field_named(exc.message),
                          exc.message, exc.vi)
        except psycopg.Error as exc:  # what PostGIS refuses (e.g. an unreadable geometry)
            self._problem(n, fid, None, str(exc).splitlines()[0])

    async def _write(self, n: int, fid: str, props: dict, geometry) -> None:
        from gis.imports.run import Change

        before = await stored(self.conn, self.layer, fid, lock=True)
        old = None if before is None else {**before[0], "geometry": before[1]}
        record = self.record(n, fid, props, geometry, old)
        vals = await check_feature(self.conn, self.layer, record, self._context())
        await self._in_districts(vals)
        if old is not None and vals.get("geom") is not None and old["geometry"] is not None \
                and await self._same_geometry(vals, fid):
            same_geom = True
        else:
            same_geom = old is not None and vals.get("geom") is None and old["geometry"] is None
        diff = self._diff(old, vals, same_geom)
        figures = await self._figures(n, fid, props)
        action = "new" if old is None else ("update" if diff else "unchanged")
        if action != "unchanged":
            await self._store(fid, vals, action, keep_geom=same_geom)
        for fig in figures:
            await self._add_figure(fid, fig)
        if action == "new":  # the stored feature is its own after-image until changed
            await audit.record(self.conn, self.user, "import new", self.layer.id, fid,
                               None, {"import": self.doc})
        elif action != "unchanged" or figures:
            after = await stored(self.conn, self.layer, fid)
            await audit.record(self.conn, self.user, f"import {action}", self.layer.id, fid,
                               old, {**after[0], "geometry": after[1],
                                     "import": self.doc})
        self.report.changes.append(Change(n, fid, action, diff, [f["metric"] for f in figures]))

    def record(self, n: int, fid: str, props: dict, geometry, old: dict | None) -> dict:
        """The dataset record of row ``n``: the file's fields over the stored feature's,
        citing the file (row ``n``) when the row names no source."""
        fields = {k: v for k, v in props.items() if k not in self.progress_names}
        merged = {**(old or {}), **fields}
        merged.pop("geometry", None)
        if not merged.get("source_doc"):
            merged.update(source_doc=self.doc, source_line=None,
                          source_ref=self.source_ref(n))
        feature = {"type": "Feature", "properties": merged,
                   "geometry": geometry if geometry is not None or old is None
                   else old["geometry"]}
        return to_record(self.layer, feature, fid)

    def source_ref(self, n: int) -> str:
        return f"{self.report.file}, row {n}"

    async def _in_districts(self, vals: dict) -> None:
        if self.layer.geometry_from_admin or not vals.get("districts") or vals.get("geom") is None:
            return
        inside = await (await self.conn.execute(sql.SQL(
            "SELECT EXISTS (SELECT 1 FROM admin_district d WHERE d.code = ANY(%(districts)s) "
            "AND ST_Intersects(d.geom, {}))").format(geom_param(self.layer)),
            {"districts": vals["districts"], "geom": vals["geom"]})).fetchone()
        if not inside[0]:
            raise GISError(400, f"the geometry lies outside the district(s) it names "
                           f"({', '.join(vals['districts'])})", field="districts")

    async def _same_geometry(self, vals: dict, fid: str) -> bool:
        row = await (await self.conn.execute(sql.SQL(
            "SELECT GeometryType(f.geom) = GeometryType({g}) AND "
            "ST_HausdorffDistance(f.geom, {g}) < %(tol)s FROM {t} f WHERE f.id = %(id)s").format(
            g=geom_param(self.layer), t=self.table),
            {"geom": vals["geom"], "tol": SAME_GEOMETRY_DEG, "id": fid})).fetchone()
        return bool(row and row[0])

    def _diff(self, old, vals: dict, same_geom: bool) -> dict:
        from gis.imports.run import _norm

        out = {}
        for f in self.layer.all_fields:
            new = _norm(vals.get(f.name))
            was = None if old is None else _norm(old.get(f.name))
            if new in ([], {}):
                new = None
            if was in ([], {}):
                was = None
            if new != was:
                out[f.name] = [was, new]
        if not same_geom:
            out["geometry"] = ["stored" if old and old["geometry"] else None,
                               "from file" if vals.get("geom") else None]
        return out

    async def _figures(self, n: int, fid: str, props: dict) -> list[dict]:
        """Figures of the row that are not already among the feature's snapshots."""
        items = []
        for m in self.layer.metrics:
            value = props.get(metric_column(m))
            if value is None:
                continue
            when = props.get(metric_column(m, "date"))
            if when is None:
                raise GISError(400, f"{m}: a figure without its date", field=metric_column(
                    m, "date"))
            known = await (await self.conn.execute(
                "SELECT 1 FROM progress_snapshot WHERE layer_id = %s AND feature_id = %s AND "
                "metric = %s AND valid_on = %s AND value = %s::numeric LIMIT 1",
                (self.layer.id, fid, m, when, str(value).replace(",", ".")))).fetchone()
            if known:
                continue
            unit = props.get(metric_column(m, "unit"))
            if unit is not None and unit != METRICS[m].unit:
                raise GISError(400, f"{m}: unit {unit!r}, the metric is in {METRICS[m].unit!r}",
                               field=metric_column(m, "unit"))
            item = {"metric": m, "value": vn_figure(value), "valid_on": when,
                    "source": {"doc": self.doc, "ref": f"{self.report.file}, row {n}"}}
            for part in ("period", "qualifier"):  # what the figure covers, how it is qualified
                if props.get(metric_column(m, part)) is not None:
                    item[part] = props[metric_column(m, part)]
            items.append(item)
        if not items:
            return []
        ctx = self._context()
        rows = parse_progress(self.layer, items, ctx, FilePath(self.report.file), n)
        if ctx.problems.problems:
            found = ctx.problems.problems
            raise GISError(400, "; ".join(p.reason for p in found), field="progress",
                           vi="; ".join(p.reason_vi or p.reason for p in found))
        return [{k: v for k, v in r.items() if k != "_line"} for r in rows]

    async def _add_figure(self, fid: str, fig: dict) -> None:
        cols = ["layer_id", "feature_id", *fig, "origin"]
        vals = {**fig, "layer_id": self.layer.id, "feature_id": fid, "origin": "import"}
        await self.conn.execute(sql.SQL("INSERT INTO progress_snapshot ({}) VALUES ({})").format(
            sql.SQL(", ").join(map(sql.Identifier, cols)),
            sql.SQL(", ").join(map(sql.Placeholder, cols))), vals)

    async def _store(self, fid: str, vals: dict, action: str, keep_geom: bool) -> None:
        cols = ["id", *(f.name for f in self.layer.all_fields)]
        for f in self.layer.all_fields:
            if f.type == "json" and isinstance(vals.get(f.name), str):
                vals[f.name] = Jsonb(json.loads(vals[f.name]))
        if action == "new":
            await self.conn.execute(sql.SQL(
                "INSERT INTO {t} ({cols}, geom, origin, version) VALUES ({vals}, {g}, "
                "'import', 1)").format(t=self.table,
                                       cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
                                       vals=sql.SQL(", ").join(map(sql.Placeholder, cols)),
                                       g=geom_param(self.layer)), vals)
        else:
            assigns = [sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
                       for c in cols[1:]]
            geom = sql.SQL("geom") if keep_geom else geom_param(self.layer)
            await self.conn.execute(sql.SQL(
                "UPDATE {t} SET {a}, geom = {g}, origin = 'import', version = version + 1, "
                "updated_at = now() WHERE id = %(id)s").format(
                t=self.table, a=sql.SQL(", ").join(assigns), g=geom), vals)

    async def finish(self) -> None:
        r = self.report
        await audit.record(self.conn, self.user, "import", r.layer, self.doc, None, {
            "file": r.file, "sha256": r.sha256, "crs": r.crs, "encoding": r.encoding,
            **{a: r.count(a) for a in ("new", "update", "unchanged", "invalid")}})
