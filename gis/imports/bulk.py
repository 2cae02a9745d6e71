"""The set-based path of ``gis import features``: new features checked and written by
the thousand, with the row path's checks and messages.

Rows are sorted by what the loader's record checks can see (:func:`parsed_values`, the
same code as the row path). A field whose check looks at one value alone, free text
(no choices) and numbers, is checked column-wide; every other field (choices, codes,
dates, lists, JSON, whole numbers) and whether each free field and the geometry are
given make the row's *signature*, and one row of each signature is checked by the row
path's own code. What the database checks (a valid geometry of the layer's type inside
Cần Thơ, inside the districts and wards the row names, the id new and once in the file)
runs as SQL over a staging table the rows are COPYed into. Rows that pass are written by
one ``INSERT … SELECT`` with their audit rows; every other row (a problem found, an id
already stored, a figure, a source of its own) goes through the row path
(:class:`gis.imports.rows.RowWriter`), which names the row, the field and the problem
exactly as before. It all happens in the import's transaction.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from psycopg import sql

from api.feature_records import READ_ONLY, SOURCE_PARTS, parsed_values
from gis.errors import GISError
from gis.table_swap import TableSwap, holds_fewer, swappable

FREE_TEXT, FREE_NUMBER = "text", "number"
NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
CHUNK = 100_000
# an import adding at least this many features, and more than the layer holds, rebuilds
# the layer's table around them (gis.table_swap) instead of inserting into it
SWAP_MIN_ROWS = 20_000


def _nulls(col: pd.Series) -> np.ndarray:
    """Cells the import reads as unknown (:func:`gis.imports.run._plain`)."""
    isna = np.array(col.isna(), dtype=bool)
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        isna |= np.array(col.astype(str).isin(["<NA>", "NaT", ""]), dtype=bool)
    return isna


def _hashable(v):
    if isinstance(v, np.ndarray):
        return ("[]", *map(_hashable, v.tolist()))
    if isinstance(v, list | tuple):
        return ("[]", *map(_hashable, v))
    if isinstance(v, dict):
        return ("{}", repr(sorted(v.items(), key=str)))
    return (type(v).__name__, v)


def _codes(cells: pd.Series) -> np.ndarray:
    """The same number for the same cell value (lists and mappings too)."""
    if cells.dtype != object or pd.api.types.infer_dtype(cells, skipna=True) in (
            "string", "integer", "floating", "boolean"):
        return pd.factorize(cells)[0].astype(np.int64)
    return pd.factorize(pd.Series([_hashable(v) for v in cells.to_numpy()], dtype=object)
                        )[0].astype(np.int64)


class Bulk:
    """The rows of a frame sorted into those written set-based and those left to the row
    path (``slow``, numbers of rows from 1)."""

    def __init__(self, writer, frame, mapped: dict, kinds: dict):
        self.w, self.layer = writer, writer.layer
        self.frame, self.mapped, self.kinds = frame, mapped, kinds
        self.n = len(frame)
        self.fields = {f.name: f for f in self.layer.all_fields}
        self.free: dict[str, str] = {}  # field -> FREE_TEXT | FREE_NUMBER
        self.values: dict[str, np.ndarray] = {}  # free field -> per-row value (None unknown)
        self.ids = np.empty(self.n, dtype=object)
        self.slow = np.zeros(self.n, dtype=bool)
        self.sig = np.zeros(self.n, dtype=np.int64)
        self.sig_vals: dict[int, dict] = {}
        self.geoms = frame.geometry.to_numpy()
        self.has_geom = ~(shapely.is_missing(self.geoms) | shapely.is_empty(self.geoms))

    def usable(self) -> bool:
        return (self.w.key == "id" and not self.layer.geometry_from_admin and self.n > 0
                and "id" in self.mapped.values())

    # -- what Python can see ------------------------------------------------------------
    def classify(self, plain) -> None:
        """Free fields column-wide; one record check per signature (``plain``: the row
        path's cell reader)."""
        codes = [self.has_geom.astype(np.int64)]
        source_fields = {f"source_{k}" for k in SOURCE_PARTS}
        integer_given = np.zeros(self.n, dtype=bool)
        free_text = []
        for col, fld in self.mapped.items():
            cells = self.frame[col]
            null = _nulls(cells)
            f = self.fields.get(fld)
            if fld == "id":
                self.slow |= null
                self.ids = np.array([None if z else str(v.tolist() if hasattr(v, "tolist")
                                                        else v)
                                     for v, z in zip(cells.to_numpy(), null, strict=True)],
                                    dtype=object)
            elif f is None or fld in source_fields or fld in READ_ONLY:
                self.slow |= ~null  # figures, sources of its own: the row path
            elif f.type == "text" and not f.choices:
                self._free_text(fld, cells, null)
                free_text.append(fld)
                codes.append(null.astype(np.int64))
            elif f.type == "number":
                self._free_number(f, cells, null)
                codes.append(null.astype(np.int64))
            else:
                code = _codes(cells)
                code[null] = -1
                codes.append(code.astype(np.int64))
                if f.type == "integer":
                    integer_given |= ~null
        for fld in free_text:  # rules that compare a text with whole numbers (years)
            code, _ = pd.factorize(pd.Series(self.values[fld], dtype=object))
            codes.append(np.where(integer_given, code, -2).astype(np.int64))
        # signatures of the rows still in the running, each checked on one of them (a row
        # already left to the row path must not stand for the others)
        cand = np.flatnonzero(~self.slow)
        if not len(cand):
            return
        _, first, inverse = np.unique(np.column_stack(codes)[cand], axis=0,
                                      return_index=True, return_inverse=True)
        self.sig[:] = -1
        self.sig[cand] = inverse.reshape(-1)
        bad = [s for s, r in enumerate(cand[first])
               if not self._check_signature(s, int(r), plain)]
        self.slow |= np.isin(self.sig, bad)

    def _free_text(self, fld: str, cells: pd.Series, null: np.ndarray) -> None:
        vals = cells.to_numpy(dtype=object)
        is_str = np.fromiter((isinstance(v, str) for v in vals), bool, self.n)
        self.slow |= ~null & ~is_str  # a number or a list in a text field: the row path
        self.free[fld] = FREE_TEXT
        self.values[fld] = np.where(null | ~is_str, None, vals)

    def _free_number(self, f, cells: pd.Series, null: np.ndarray) -> None:
        if pd.api.types.is_float_dtype(cells) or pd.api.types.is_integer_dtype(cells):
            num = cells.to_numpy(dtype=float, na_value=np.nan)
            vals = [float(v) for v in num] if pd.api.types.is_float_dtype(cells) else \
                [None if z else int(v) for v, z in zip(cells.to_numpy(), null, strict=True)]
        else:
            vals, num = [], np.full(self.n, np.nan)
            for i, (v, z) in enumerate(zip(cells.to_numpy(dtype=object), null, strict=True)):
                if hasattr(v, "tolist"):
                    v = v.tolist()
                if z:
                    vals.append(None)
                elif isinstance(v, str) and NUMBER_TEXT.fullmatch(v.strip()):
                    vals.append(float(v))
                elif isinstance(v, int | float) and not isinstance(v, bool):
                    vals.append(v)
                else:  # Vietnamese notation, a unit, a list: the row path reads it
                    vals.append(None)
                    self.slow[i] = True
                    continue
                num[i] = vals[-1]
        bad = ~null & ~np.isfinite(num)
        if f.max_value is not None:
            bad |= ~null & (num > f.max_value)
        self.slow |= bad
        self.free[f.name] = FREE_NUMBER
        self.values[f.name] = np.array([None if z else v for v, z in zip(vals, null,
                                                                            strict=True)],
                                       dtype=object)

    def _check_signature(self, s: int, r: int, plain) -> bool:
        """Row ``r`` of signature ``s`` through the row path's record checks."""
        row = self.frame.iloc[r]
        try:
            props = {fld: plain(row[col], self.kinds.get(fld)) for col, fld in
                     self.mapped.items()}
        except GISError:
            return False
        if props.get("id") is None:
            return False
        gj = shapely.geometry.mapping(self.geoms[r]) if self.has_geom[r] else None
        record = self.w.record(r + 1, str(props["id"]), props, gj, None)
        try:
            self.sig_vals[s] = parsed_values(self.layer, record, self.w._context())
        except GISError:
            return False
        return True

    # -- what the database sees ---------------------------------------------------------
    async def stage(self) -> None:
        """COPY the candidates into a staging table; the database's checks mark the rows
        the row path must read."""
        conn, layer = self.w.conn, self.layer
        cand = np.flatnonzero(~self.slow)
        self.columns = dict(await (await conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
            "attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (layer.table,))).fetchall())
        free = list(self.free)
        # the import's hash joins and sorts, and a swapped table's index builds, in memory
        await conn.execute("SET LOCAL work_mem = '64MB'")
        await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        await conn.execute(sql.SQL(
            "CREATE TEMP TABLE import_stage (n integer, id text, sig integer, g geometry{}) "
            "ON COMMIT DROP").format(sql.SQL("").join(
                sql.SQL(", {} text").format(sql.Identifier(f)) for f in free)))
        wkb = np.full(self.n, None, dtype=object)
        wkb[self.has_geom] = shapely.to_wkb(self.geoms[self.has_geom], hex=True)
        cols = sql.SQL(", ").join(map(sql.Identifier, ["n", "id", "sig", "g", *free]))
        async with conn.cursor().copy(sql.SQL("COPY import_stage ({}) FROM STDIN (FORMAT csv)")
                                      .format(cols)) as copy:
            for start in range(0, len(cand), CHUNK):
                idx = cand[start:start + CHUNK]
                part = pa.table({"n": idx + 1, "id": pa.array(self.ids[idx], pa.string()),
                                 "sig": self.sig[idx], "g": pa.array(wkb[idx], pa.string()),
                                 **{f: pa.array(self._text(f, idx), pa.string())
                                    for f in free}})
                buf = pa.BufferOutputStream()  # unknown: unquoted, empty text: quoted
                pa_csv.write_csv(part, buf, pa_csv.WriteOptions(
                    include_header=False, quoting_style="all_valid"))
                await copy.write(buf.getvalue().to_pybytes())
        await self._signatures()
        flagged = await (await conn.execute(self._checks_sql())).fetchall()
        self.slow[[n - 1 for (n,) in flagged]] = True
        if flagged:
            await conn.execute("DELETE FROM import_stage WHERE n = ANY(%s)",
                               ([n for (n,) in flagged],))

    def _text(self, fld: str, idx: np.ndarray) -> list:
        vals = self.values[fld][idx]
        if self.free[fld] == FREE_NUMBER:
            return [None if v is None else repr(v) for v in vals]
        return list(vals)

    async def _signatures(self) -> None:
        cols = [c for c in self.fields if c in self.columns]
        await self.w.conn.execute(sql.SQL(
            "CREATE TEMP TABLE import_sig ON COMMIT DROP AS SELECT 0 AS sig, {} FROM {} "
            "LIMIT 0").format(sql.SQL(", ").join(map(sql.Identifier, cols)), self.w.table))
        insert = sql.SQL("INSERT INTO import_sig (sig, {}) VALUES (%s, {})").format(
            sql.SQL(", ").join(map(sql.Identifier, cols)),
            sql.SQL(", ").join(sql.Placeholder() * len(cols)))
        async with self.w.conn.cursor() as cur:
            await cur.executemany(insert, [(s, *(v.get(c) for c in cols))
                                           for s, v in self.sig_vals.items()])

    def _checks_sql(self) -> sql.Composable:
        """The rows the database refuses, as the row path checks them (one statement)."""
        from gis import admin_geometry

        layer = self.layer
        want = layer.geometry_type.upper()
        gtype = sql.SQL("false") if want == "GEOMETRY" else sql.SQL(
            "GeometryType(s.g) NOT IN ({}, {})").format(sql.Literal(want),
                                                       sql.Literal(want.removeprefix("MULTI")))
        g = sql.SQL("ST_SetSRID(s.g, 4326)")
        gm = sql.SQL("ST_Multi({})").format(g) if want.startswith("MULTI") else g
        d_name, w_name = layer.role_field("districts"), layer.role_field("wards")
        districts = sql.SQL("v.{}").format(sql.Identifier(d_name)) \
            if d_name in self.columns else None
        wards = sql.SQL("v.{}").format(sql.Identifier(w_name)) if w_name in self.columns else None
        given = "WHEN COALESCE(cardinality({c}), 0) > 0 AND "  # (NULL AND x evaluates x)
        place = [sql.SQL(given + "NOT EXISTS (SELECT 1 FROM admin_district d WHERE d.code = "
                         "ANY({c}) AND ST_Intersects(d.geom, {g})) THEN true").format(
            c=districts, g=gm)] if districts else []
        if wards:
            place.append(sql.SQL(given + "{out} THEN true").format(
                c=wards, out=admin_geometry.outside_wards(gm, wards)))
        return sql.SQL(
            "SELECT s.n FROM import_stage s JOIN import_sig v ON v.sig = s.sig WHERE "
            "EXISTS (SELECT 1 FROM {t} f WHERE f.id = s.id) "
            "OR s.id IN (SELECT id FROM import_stage GROUP BY id HAVING count(*) > 1) "
            "OR (s.g IS NOT NULL AND CASE WHEN NOT ST_IsValid({g}) THEN true "
            "WHEN {gtype} THEN true "
            "WHEN NOT EXISTS (SELECT 1 FROM admin_city c WHERE ST_CoveredBy({g}, c.geom)) "
            "THEN true {place} ELSE false END)").format(
            t=self.w.table, g=g, gtype=gtype, place=sql.SQL(" ").join(place))

    async def write(self, user: str) -> None:
        """The staged rows into the layer and one audit row each, in one statement.

        A new feature's audit row names the import (its source document: the file, its
        hash); the stored feature is its own after-image until it is next changed, whose
        audit row holds it as ``before`` (the row path records new features alike)."""
        names = [c for c in self.fields if c in self.columns]
        source_ref, source_doc = "source_ref", "source_doc"

        def value(c: str) -> sql.Composable:
            if c == source_ref and source_ref in self.columns:
                return sql.SQL("CASE WHEN v.{d} = %(doc)s THEN %(file)s || ', row ' || s.n "
                               "ELSE v.{r} END").format(d=sql.Identifier(source_doc),
                                                        r=sql.Identifier(c))
            if c in self.free:
                return sql.SQL("s.{}::{}").format(sql.Identifier(c), sql.SQL(self.columns[c]))
            return sql.SQL("v.{}").format(sql.Identifier(c))

        want = self.layer.geometry_type.upper()
        g = sql.SQL("ST_SetSRID(s.g, 4326)")
        g = sql.SQL("ST_Multi({})").format(g) if want.startswith("MULTI") else g
        rows = int((~self.slow).sum())
        swap = None
        # (not for a dry run: it rolls back anyway, and a swap makes other writers wait)
        if rows >= SWAP_MIN_ROWS and not self.w.report.dry_run \
                and await holds_fewer(self.w.conn, self.layer.table, rows) \
                and await swappable(self.w.conn, self.layer.table):
            swap = TableSwap(self.w.conn, self.layer.table)
            await swap.begin()
        # in the geometries' (Hilbert) order: the spatial indexes are filled place by place
        # (a swapped table builds them afterwards, sorted by itself)
        await self.w.conn.execute(sql.SQL(
            "WITH ins AS (INSERT INTO {t} (id, {cols}, geom, origin, version) "
            "SELECT s.id, {vals}, {g}, 'import', 1 FROM import_stage s "
            "JOIN import_sig v ON v.sig = s.sig {order} RETURNING id) "
            "INSERT INTO audit_log (user_name, action, layer_id, feature_id, before, after) "
            "SELECT %(user)s, 'import new', %(layer)s, ins.id, NULL, "
            "jsonb_build_object('import', %(doc)s) FROM ins").format(
            t=swap.new if swap else self.w.table,
            cols=sql.SQL(", ").join(map(sql.Identifier, names)),
            vals=sql.SQL(", ").join(value(c) for c in names), g=g,
            order=sql.SQL("" if swap else "ORDER BY s.g")),
            {"user": user, "layer": self.layer.id, "doc": self.w.doc,
             "file": self.w.report.file})
        if swap:
            await swap.finish()

    def add_changes(self, changes) -> None:
        """The report's line of each row written here, as the row path writes it, made
        when the report is read (:class:`gis.imports.run.Changes`)."""
        from gis.imports.run import Change, _norm

        rows = np.flatnonzero(~self.slow)
        base = {s: self.w._diff(None, v, False) for s, v in self.sig_vals.items()}
        cited = {s for s, v in self.sig_vals.items() if v.get("source_doc") == self.w.doc}
        order = {f: i for i, f in enumerate(self.fields)}
        own = [(f, self.free[f] == FREE_NUMBER, self.values[f][rows]) for f in self.free]
        prefix = self.w.source_ref(0)[:-1]  # "<file>, row "
        sigs, ids = self.sig[rows], self.ids[rows]

        def change(k: int) -> Change:
            r, s = int(rows[k]), int(sigs[k])
            fields = base[s].copy()
            added = False
            for f, number, vals in own:
                v = vals[k]
                if v is None:
                    fields.pop(f, None)
                    continue
                added = added or f not in fields
                fields[f] = [None, float(v) if number else
                             (_norm(v) if v[:1] in "[{" else v)]
            if added:  # in the order of the layer's fields, as the row path lists them
                fields = dict(sorted(fields.items(), key=lambda kv: order.get(kv[0], 1e9)))
            if s in cited and "source_ref" in fields:
                fields["source_ref"] = [None, f"{prefix}{r + 1}"]
            return Change(r + 1, ids[k], "new", fields, [])

        changes.extend_made(len(rows), "new", change)
