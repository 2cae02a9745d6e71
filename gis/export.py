"""Exporting a layer: GeoJSON and CSV streamed from PostGIS; GeoPackage and zipped
Shapefile through GDAL's ``ogr2ogr`` reading the same SQL."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import ClientCursor, sql

from gis.cell_safety import safe_row
from gis.db import connect, database_url
from gis.query import FeatureQuery

FORMATS = {
    "geojson": ("application/geo+json", ".geojson"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
    "shp": ("application/zip", ".shp.zip"),
}


def iter_geojson(conn: psycopg.Connection, query: FeatureQuery,
                 batch: int = 1000) -> Iterator[bytes]:
    """A FeatureCollection, feature by feature, from a server-side cursor."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    with conn.cursor(name="export_geojson") as cur:
        cur.itersize = batch
        cur.execute(query.geojson_sql(), query.bind())
        for (feature,) in cur:
            yield (b"" if first else b",") + feature.encode()
            first = False
    yield b"]}\n"


def iter_csv(conn: psycopg.Connection, query: FeatureQuery, batch: int = 1000) -> Iterator[bytes]:
    """CSV with a header, the geometry as WKT in the last column (UTF-8 with BOM for Excel)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    names = ["id", *(n for n, _ in query.selected()), "geometry_wkt"]
    writer.writerow(names)
    yield ("\ufeff" + buf.getvalue()).encode()
    with conn.cursor(name="export_csv") as cur:
        cur.itersize = batch
        cur.execute(query.rows_sql(sql.SQL("ST_AsText(f.geom)")), query.bind())
        for row in cur:
            buf.seek(0)
            buf.truncate()
            writer.writerow(safe_row("" if v is None else v for v in row))
            yield buf.getvalue().encode()


def _literal_sql(query: FeatureQuery, url: str) -> str:
    with connect(url) as conn:
        return ClientCursor(conn).mogrify(query.rows_sql(), query.bind())


def export_ogr(query: FeatureQuery, fmt: str, dest: Path, url: str | None = None) -> Path:
    """GeoPackage or zipped Shapefile of the query's rows in the database at ``url``
    (default ``DATABASE_URL``); needs ``ogr2ogr``."""
    url = url or database_url()
    ogr2ogr = shutil.which("ogr2ogr")
    if not ogr2ogr:
        raise RuntimeError("ogr2ogr not found: install GDAL (apt-get install gdal-bin)")
    layer_name = query.layer.id
    with tempfile.TemporaryDirectory() as tmp:
        if fmt == "gpkg":
            out = Path(tmp) / f"{layer_name}.gpkg"
            args = ["-f", "GPKG", str(out)]
        elif fmt == "shp":
            out = Path(tmp) / layer_name
            args = ["-f", "ESRI Shapefile", str(out), "-lco", "ENCODING=UTF-8"]
        else:
            raise ValueError(f"unknown format {fmt!r}")
        cmd = [ogr2ogr, *args, "PG:" + url, "-sql", _literal_sql(query, url),
               "-nln", layer_name, "-a_srs", "EPSG:4326"]
        if fmt == "shp":
            # A shapefile holds one geometry type: split into point/line/polygon files.
            cmd += ["-nlt", "PROMOTE_TO_MULTI"]
        env = {**os.environ, "PGCLIENTENCODING": "UTF8"}
        if fmt == "shp":
            _shapefiles_by_type(cmd, query, out, env, url)
        else:
            subprocess.run(cmd, check=True, capture_output=True, env=env)
        if fmt == "shp":
            with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
                for p in sorted(out.rglob("*")):
                    zf.write(p, p.relative_to(out))
        else:
            shutil.move(out, dest)
    return dest


def _shapefiles_by_type(base_cmd: list[str], query: FeatureQuery, out: Path, env,
                        url: str) -> None:
    sql_text = _literal_sql(query, url)
    out.mkdir(parents=True, exist_ok=True)
    for suffix, types in (("points", "'ST_Point','ST_MultiPoint'"),
                          ("lines", "'ST_LineString','ST_MultiLineString'"),
                          ("polygons", "'ST_Polygon','ST_MultiPolygon'")):
        typed = f"SELECT * FROM ({sql_text}) q WHERE ST_GeometryType(q.geom) IN ({types})"
        cmd = list(base_cmd)
        cmd[cmd.index("-sql") + 1] = typed
        cmd[cmd.index("-nln") + 1] = f"{query.layer.id}_{suffix}"
        proc = subprocess.run(cmd, capture_output=True, env=env, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ogr2ogr failed: {proc.stderr}")


def export_layer(query: FeatureQuery, fmt: str, dest: Path, url: str | None = None) -> Path:
    if fmt in ("gpkg", "shp"):
        return export_ogr(query, fmt, dest, url)
    producer = {"geojson": iter_geojson, "csv": iter_csv}.get(fmt)
    if producer is None:
        raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    with connect(url) as conn, open(dest, "wb") as fh:
        for chunk in producer(conn, query):
            fh.write(chunk)
    return dest
