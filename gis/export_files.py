"""GeoPackage and Shapefile exports from the query's GeoDataFrame (pyogrio), XLSX
through :mod:`gis.export_xlsx`.

GeoPackage: lists and JSON as JSON text (``gpkg_data_columns`` says
``application/json``), the layer's description and every column's Vietnamese label,
English label and unit in ``gpkg_contents``/``gpkg_data_columns``.

Shapefile (zipped): one ``.shp`` per geometry type present (points, multipoints, lines, polygons;
features without a geometry in a ``.dbf`` of their own), a ``.cpg`` (UTF-8), names of
more than 10 characters shortened by :func:`short_name` and listed in ``fields.csv``
(short name, full name, Vietnamese and English label, type, unit); a text longer than a
DBF field holds (254 bytes) keeps its beginning and " […]" in the DBF and is written in
full to ``long_text.csv`` (file, id, field, text), which the import reads back.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from gis.errors import GISError
from gis.export import LIST_SEPARATOR
from gis.frames import column_types, query_frame
from gis.query import FeatureQuery
from layers import METRICS
from layers.base import Layer

DBF_TEXT_BYTES = 254
CUT_MARK = " […]"
FIELDS_CSV = "fields.csv"
LONG_TEXT_CSV = "long_text.csv"
SHAPE_GROUPS = (("points", ("Point",)), ("multipoints", ("MultiPoint",)),
                ("lines", ("LineString", "MultiLineString")),
                ("polygons", ("Polygon", "MultiPolygon")))


def labels(layer: Layer) -> dict[str, tuple[str, str, str | None]]:
    """(Vietnamese label, English label, unit) of every exported column."""
    out = {f.name: (f.label_vi, f.label_en, f.unit) for f in layer.all_fields}
    from layers.base import metric_column

    for m in layer.metrics:
        met = METRICS[m]
        out[metric_column(m)] = (met.label_vi, met.label_en, met.unit)
        out[metric_column(m, "date")] = (f"{met.label_vi} - ngày số liệu",
                                         f"{met.label_en} - as of", None)
        out[metric_column(m, "unit")] = (f"{met.label_vi} - đơn vị", f"{met.label_en} - unit",
                                         None)
        out[metric_column(m, "source")] = (f"{met.label_vi} - nguồn",
                                           f"{met.label_en} - source", None)
    out.setdefault("progress_conflicts", ("Số liệu tiến độ khác", "Other progress figures",
                                          None))
    out["id"] = ("Mã", "Identifier", None)
    return out


def _flat(frame: gpd.GeoDataFrame, layer: Layer, lists: str) -> gpd.GeoDataFrame:
    """Lists and JSON as text: ``lists="json"`` (GeoPackage) or "916, 926"."""
    out = frame.copy()
    for name, kind in column_types(layer).items():
        if name not in out:
            continue
        if kind == "text[]":
            out[name] = out[name].map(lambda v: None if v is None else (
                json.dumps(v, ensure_ascii=False) if lists == "json" else LIST_SEPARATOR.join(v)))
        elif kind == "json":
            out[name] = out[name].map(lambda v: None if v is None else
                                      json.dumps(v, ensure_ascii=False, default=str))
        elif kind == "date":  # a GeoPackage date; a DBF date field ("D")
            out[name] = pd.to_datetime(out[name]) if lists == "json" else _dates(out[name])
    return out


def _dates(col: pd.Series) -> pd.Series:
    """A column of dates as Arrow ``date32``: written as a DBF date field (with
    ``use_arrow``), even when every value is unknown (null)."""
    import pyarrow as pa

    values = [None if v is None or v is pd.NaT or (isinstance(v, float) and v != v)
              else (v.date() if hasattr(v, "date") else v) for v in col]
    return pd.Series(pa.array(values, type=pa.date32()), dtype=pd.ArrowDtype(pa.date32()),
                     index=col.index)


def write_gpkg(frame: gpd.GeoDataFrame, layer: Layer, dest: Path) -> Path:
    flat = _flat(frame, layer, "json")
    pyogrio.write_dataframe(flat, dest, layer=layer.id, driver="GPKG", use_arrow=True,
                            layer_options={"DESCRIPTION": layer.description_vi,
                                           "IDENTIFIER": layer.title_vi})
    kinds = column_types(layer)
    with sqlite3.connect(dest) as db:
        db.execute("CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, "
                   "column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, "
                   "mime_type TEXT, constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY "
                   "(table_name, column_name))")
        db.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name "
                   "TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT "
                   "NOT NULL)")
        db.execute("INSERT INTO gpkg_extensions SELECT 'gpkg_data_columns', NULL, "
                   "'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', "
                   "'read-write' WHERE NOT EXISTS (SELECT 1 FROM gpkg_extensions WHERE "
                   "table_name = 'gpkg_data_columns')")
        for name, (vi, en, unit) in labels(layer).items():
            if name not in flat.columns:
                continue
            mime = "application/json" if kinds.get(name) in ("text[]", "json") else None
            db.execute("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, "
                       "name, title, description, mime_type) VALUES (?, ?, ?, ?, ?, ?)",
                       (layer.id, name, vi, vi, en + (f" ({unit})" if unit else ""), mime))
    return dest


def short_name(name: str) -> str:
    """A DBF field name (10 characters at most) for ``name``: names that fit are kept;
    longer ones are their first 6 characters, "_" and 3 base-36 digits of the CRC-32 of
    the full name, the same in every export whatever else is in it."""
    if len(name) <= 10:
        return name
    n = zlib.crc32(name.encode()) % 36 ** 3
    digits = ""
    for _ in range(3):
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return f"{name[:6]}_{digits}"


def _cut(text: str) -> str:
    room = DBF_TEXT_BYTES - len(CUT_MARK.encode())
    return text.encode()[:room].decode(errors="ignore") + CUT_MARK


def write_shapefiles(frame: gpd.GeoDataFrame, layer: Layer, dest: Path) -> Path:
    flat = _flat(frame, layer, "text")
    names = {c: short_name(c) for c in flat.columns if c != "geometry"}
    if len(set(names.values())) != len(names):
        raise GISError(500, f"layer {layer.id}: two fields share a shapefile name")
    long_rows = []
    for col in names:
        if not (flat[col].dtype == object or pd.api.types.is_string_dtype(flat[col])):
            continue
        for i, v in flat[col].items():
            if isinstance(v, str) and len(v.encode()) > DBF_TEXT_BYTES:
                long_rows.append((flat.at[i, "id"], col, v))
                flat.at[i, col] = _cut(v)
    flat = flat.rename(columns=names)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        gtype = flat.geometry.geom_type
        for suffix, types in SHAPE_GROUPS:
            part = flat[gtype.isin(types)]
            if len(part):
                pyogrio.write_dataframe(part, base / f"{layer.id}_{suffix}.shp",
                                        driver="ESRI Shapefile", encoding="UTF-8",
                                        use_arrow=True)
        bare = flat[flat.geometry.isna()]
        if len(bare):
            pyogrio.write_dataframe(pd.DataFrame(bare.drop(columns="geometry")),
                                    base / f"{layer.id}_no_geometry.dbf",
                                    driver="ESRI Shapefile", encoding="UTF-8", use_arrow=True)
        lab = labels(layer)
        kinds = column_types(layer)
        with open(base / FIELDS_CSV, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["short_name", "full_name", "label_vi", "label_en", "type", "unit"])
            for full, short in names.items():
                vi, en, unit = lab.get(full, (full, full, None))
                w.writerow([short, full, vi, en, kinds.get(full, "text"), unit or ""])
        if long_rows:
            with open(base / LONG_TEXT_CSV, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["id", "field", "text"])
                w.writerows(long_rows)
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(base.iterdir()):
                zf.write(p, p.name)
    return dest


def write_file(query: FeatureQuery, fmt: str, dest: Path, url: str | None = None,
               srid: int = 4326) -> Path:
    frame = query_frame(query, f"EPSG:{srid}", url)
    Path(dest).unlink(missing_ok=True)  # GDAL would add to an existing file
    if fmt == "gpkg":
        return write_gpkg(frame, query.layer, dest)
    if fmt == "shp":
        return write_shapefiles(frame, query.layer, dest)
    if fmt == "xlsx":
        from gis.export_xlsx import write_xlsx

        return write_xlsx(frame, query, dest, url, srid)
    raise ValueError(f"unknown format {fmt!r}")
