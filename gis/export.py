"""Exporting a layer: GeoJSON and CSV streamed from PostGIS; GeoPackage, Shapefile and
XLSX written from the same query's GeoDataFrame (:mod:`gis.export_files`,
:mod:`gis.export_xlsx`). Every format honours the CRS asked for (EPSG code, VN-2000
included; coordinates easting/longitude first) and says it in the file.

Nothing is lost: lists stay lists where the format has them (GeoJSON, GeoPackage JSON)
and read "916, 926" where it has not (CSV, XLSX, Shapefile); see docs/exports.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from gis.cell_safety import safe_row
from gis.db import connect
from gis.query import FeatureQuery
from gis.vn2000 import sql_from_wgs84

FORMATS = {
    "geojson": ("application/geo+json", ".geojson"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
    "shp": ("application/zip", ".shp.zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
LIST_SEPARATOR = ", "
WKT_COLUMN = "geometry_wkt"


def wkt_column(srid: int = 4326) -> str:
    """The CSV's geometry column, naming its CRS when it is not EPSG:4326 (lon/lat)."""
    return WKT_COLUMN if srid == 4326 else f"{WKT_COLUMN} (EPSG:{srid})"


def geom_sql(srid: int = 4326) -> sql.Composable:
    """The feature's geometry in ``srid`` (VN-2000 with the official parameters)."""
    return sql_from_wgs84(sql.SQL("f.geom"), srid)


def export_filename(query: FeatureQuery, fmt: str, srid: int = 4326) -> str:
    """What the file holds: layer, filter values, as-of date, CRS, e.g.
    ``projects_918_2024-06-30.gpkg``."""
    parts = [query.layer.id]
    if query.district:
        parts.append(query.district)
    parts += [str(v) for _, v in query.equals]
    if query.filter is not None:
        parts.append("filtered")
    if query.bbox is not None:
        parts.append("bbox")
    if query.as_of:
        parts.append(query.as_of.isoformat())
    if srid != 4326:
        parts.append(f"epsg{srid}")
    name = "_".join(p.replace("/", "-").replace(" ", "-") for p in parts)
    return name + FORMATS[fmt][1]


def iter_geojson(conn: psycopg.Connection, query: FeatureQuery, batch: int = 1000,
                 srid: int = 4326) -> Iterator[bytes]:
    """A FeatureCollection, feature by feature, from a server-side cursor; another CRS
    than EPSG:4326 is named in a ``crs`` member (read by GDAL and QGIS)."""
    head = {"type": "FeatureCollection"}
    if srid != 4326:
        head["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}
    yield json.dumps(head).encode()[:-1] + b',"features":['
    first = True
    with conn.cursor(name="export_geojson") as cur:
        cur.itersize = batch
        cur.execute(query.geojson_sql(geom_sql(srid), 7 if srid in (4326, 4756) else 3),
                    query.bind())
        for (feature,) in cur:
            yield (b"" if first else b",") + feature.encode()
            first = False
    yield b"]}\n"


def csv_value(value) -> object:
    """A value as a CSV or spreadsheet cell shows it: lists as "916, 926", JSON as JSON."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def iter_csv(conn: psycopg.Connection, query: FeatureQuery, batch: int = 1000,
             srid: int = 4326) -> Iterator[bytes]:
    """CSV with a header, the geometry as WKT in the last column (its CRS in its name
    unless EPSG:4326), UTF-8 with BOM for Excel."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    names = ["id", *(n for n, _ in query.selected()), wkt_column(srid)]
    writer.writerow(names)
    yield ("\ufeff" + buf.getvalue()).encode()
    json_cols = {i + 1 for i, (n, _) in enumerate(query.selected())
                 if _is_json(query, n)}
    with conn.cursor(name="export_csv") as cur:
        cur.itersize = batch
        cur.execute(query.rows_sql(sql.SQL("ST_AsText({})").format(geom_sql(srid))),
                    query.bind())
        for row in cur:
            buf.seek(0)
            buf.truncate()
            writer.writerow(safe_row(json.dumps(v, ensure_ascii=False, default=str)
                                     if i in json_cols and v is not None else csv_value(v)
                                     for i, v in enumerate(row)))
            yield buf.getvalue().encode()


def _is_json(query: FeatureQuery, name: str) -> bool:
    from gis.frames import column_types

    return column_types(query.layer).get(name) == "json"


def export_layer(query: FeatureQuery, fmt: str, dest: Path, url: str | None = None,
                 srid: int = 4326) -> Path:
    """Write the query's features to ``dest`` in ``fmt`` (see :data:`FORMATS`)."""
    if fmt in ("gpkg", "shp", "xlsx"):
        from gis.export_files import write_file

        return write_file(query, fmt, dest, url, srid)
    producer = {"geojson": iter_geojson, "csv": iter_csv}.get(fmt)
    if producer is None:
        raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    with connect(url) as conn, open(dest, "wb") as fh:
        for chunk in producer(conn, query, srid=srid):
            fh.write(chunk)
    return dest
