"""Geodata in and out against GDAL's ogr2ogr, measured in the same run
(``python -m benchmarks.geodata_bench [--import-features N] [--export-features M]``):

- import: N points from a GeoPackage into the projects layer with every check on
  (``gis import features``) vs ``ogr2ogr -f PostgreSQL`` of the same file into a plain
  table (no checks);
- export: M features of the projects layer to GeoPackage (``gis export``) vs ``ogr2ogr``
  running the same query's SQL.

It works in a database of its own (``cantho_bench_geodata``: migrated, dataset loaded,
synthetic features added and removed). Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import psycopg
import shapely
from psycopg import ClientCursor

from gis.db import database_url, ensure_server

DB = "cantho_bench_geodata"
PREFIX = "bench-geo-"


def _url() -> str:
    parts = urlsplit(database_url())
    url = urlunsplit(parts._replace(path=f"/{DB}"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')
            from gis.dataset.loader import load
            from gis.migrate import migrate

            migrate(url)
            load(url=url)
    return url


def _points(url: str, n: int, path: Path) -> None:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT d.code, ST_AsBinary((ST_Dump(ST_GeneratePoints(d.geom, "
                            "%s, 1))).geom) FROM admin_district d WHERE d.code = '919'",
                            (n,)).fetchall()
    frame = gpd.GeoDataFrame({
        "id": [f"{PREFIX}{i}" for i in range(len(rows))],
        "name": [f"Điểm thử {i}" for i in range(len(rows))],
        "districts": ['["919"]'] * len(rows), "geom_quality": ["surveyed"] * len(rows),
        "valid_on": ["2024-06-30"] * len(rows), "kind": ["drainage"] * len(rows)},
        geometry=[shapely.from_wkb(bytes(g)) for _, g in rows], crs="EPSG:4326")
    frame.to_file(path, driver="GPKG", layer="points")


def _clean(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM infra_project WHERE id LIKE %s", (PREFIX + "%",))
        conn.execute("DROP TABLE IF EXISTS bench_plain")
        # what the timed import recorded: its audit rows and the file as a source document
        conn.execute("DELETE FROM audit_log WHERE user_name = 'bench'")
        conn.execute("DELETE FROM source_document s WHERE s.id LIKE 'import-%' AND NOT "
                     "EXISTS (SELECT 1 FROM infra_project f WHERE f.source_doc = s.id)")
    # what the deletes left behind is vacuumed away, so that runs do not measure the
    # bloat of the runs before them (ogr2ogr -overwrite writes a new table each time)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM infra_project, audit_log, source_document")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_import(url: str, n: int, tmp: Path) -> dict:
    from gis.imports.run import import_file

    gpkg = tmp / "points.gpkg"
    _points(url, n, gpkg)
    _clean(url)
    env = {**os.environ, "PGCLIENTENCODING": "UTF8"}
    ogr = _timed(lambda: subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", "PG:" + url, str(gpkg), "-nln", "bench_plain",
         "-overwrite"], check=True, env=env, capture_output=True))
    ours = _timed(lambda: import_file(gpkg, "projects", dry_run=False, user="bench", url=url))
    _clean(url)
    return {"features": n, "ours_s": ours, "ogr2ogr_s": ogr, "ratio": ours / ogr}


def bench_export(url: str, m: int, tmp: Path) -> dict:
    from gis.export import export_layer
    from gis.query import FeatureQuery
    from layers import registry

    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO infra_project (id, name, districts, geom_quality, source_doc, "
            "source_ref, valid_on, kind, geom) SELECT %s || g, 'Điểm thử ' || g, "
            "ARRAY['919'], 'surveyed', (SELECT id FROM source_document LIMIT 1), 'bench', "
            "'2024-06-30', 'drainage', ST_SetSRID(ST_Point(105.75 + random() * 0.05, "
            "10.0 + random() * 0.03), 4326) FROM generate_series(1, %s) g", (PREFIX, m))
    query = FeatureQuery(registry.get("projects"))
    try:
        ours = _timed(lambda: export_layer(query, "gpkg", tmp / "ours.gpkg", url))
        with psycopg.connect(url) as conn:
            text = ClientCursor(conn).mogrify(query.rows_sql(), query.bind())
        env = {**os.environ, "PGCLIENTENCODING": "UTF8"}
        ogr = _timed(lambda: subprocess.run(
            ["ogr2ogr", "-f", "GPKG", str(tmp / "ogr.gpkg"), "PG:" + url, "-sql", text,
             "-nln", "projects"], check=True, env=env, capture_output=True))
    finally:
        _clean(url)
    return {"features": m, "ours_s": ours, "ogr2ogr_s": ogr, "ratio": ours / ogr}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.geodata_bench")
    parser.add_argument("--import-features", type=int, default=1_000_000)
    parser.add_argument("--export-features", type=int, default=100_000)
    args = parser.parse_args()
    ensure_server()
    url = _url()
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        imp = bench_import(url, args.import_features, Path(tmp))
        load.append(os.getloadavg()[0])
        exp = bench_export(url, args.export_features, Path(tmp))
        load.append(os.getloadavg()[0])
    print(f"load average (1 min) at start, after the import, after the export: "
          f"{', '.join(f'{x:.1f}' for x in load)} on {os.cpu_count()} CPUs")
    print("| what | features | ours (s) | ogr2ogr (s) | ours / ogr2ogr |\n|---|---|---|---|---|")
    for name, r in (("import GeoPackage → layer (all checks)", imp),
                    ("export layer → GeoPackage", exp)):
        print(f"| {name} | {r['features']:,} | {r['ours_s']:.2f} | {r['ogr2ogr_s']:.2f} | "
              f"{r['ratio']:.2f}× |")


if __name__ == "__main__":
    main()
