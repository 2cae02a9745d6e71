"""Tile geometry: where the tile query skips ``ST_AsMVTGeom`` (a feature inside the clip
area whose minimum clearance exceeds two tile units, api.tilesql.tile_geometry), the
tile must hold exactly what ``ST_AsMVTGeom`` gives: the same shapes, valid, rings turned
as MVT wants them. Probed with shapes made to be hard: slivers, spikes, near-touching
parts, holes, sub-pixel specks, many vertices, vertices that fall onto straight edges once
snapped, both ring orientations; lines, points and geometry collections."""

from __future__ import annotations

import dataclasses

import mapbox_vector_tile
import pytest
from psycopg import sql
from shapely import normalize
from shapely.geometry import shape

from api.tilesql import layer_subquery
from gis.schema import layer_ddl
from layers.base import Field, Layer

PROBE = Layer(
    id="tile_probe", table="tile_probe", title_vi="Thử", title_en="Probe",
    description_vi="", description_en="", geometry_type="Geometry",
    fields=(Field("kind", "text", "Loại", "Kind"),), feature_fields=False)

# Around Ninh Kiều, in degrees; each kind many times at random places and sizes.
SHAPES = """
WITH seeds AS (
  SELECT i, 105.70 + random() * 0.12 AS x, 9.98 + random() * 0.10 AS y,
         power(10, -5 + random() * 3) AS r, random() * 2 * pi() AS a
  FROM generate_series(1, 300) i
)
INSERT INTO tile_probe (id, kind, geom)
SELECT 'sq' || i, 'rotated square',
       ST_Multi(ST_Rotate(ST_Expand(ST_Point(x, y, 4326), r), a, ST_Point(x, y, 4326)))
FROM seeds
UNION ALL
SELECT 'sliver' || i, 'sliver', ST_Multi(ST_Rotate(ST_MakeEnvelope(x, y, x + r * 20, y + r / 50,
       4326), a, ST_Point(x, y, 4326)))
FROM seeds
UNION ALL  -- a star: many vertices, spikes, and clockwise rings (reversed)
SELECT 'star' || i, 'star', ST_Multi(ST_Reverse(ST_MakePolygon(ST_MakeLine(ARRAY(
         SELECT ST_Point(x + r * (1 + (k %% 2) * 4) * cos(a + k * pi() / 12),
                         y + r * (1 + (k %% 2) * 4) * sin(a + k * pi() / 12), 4326)
         FROM generate_series(0, 24) k)))))
FROM seeds
UNION ALL  -- a triangle with vertices a little off its edges (straight once snapped)
SELECT 'bumpy' || i, 'bumpy', ST_Multi(ST_MakePolygon(ST_AddPoint(l, ST_StartPoint(l))))
FROM seeds, LATERAL (SELECT ST_MakeLine(ARRAY(
         SELECT ST_Point(x + r * 10 * (t + (random() - 0.5) * 0.00002),
                         y + r * 10 * (CASE WHEN t < 1 THEN t ELSE 2 - t END * 0.7
                                       + (random() - 0.5) * 0.00002), 4326)
         FROM (SELECT k / 10.0 AS t FROM generate_series(0, 20) k) s)) AS l) bumps
UNION ALL  -- a square with a hole, and two parts a hair apart
SELECT 'holed' || i, 'holed', ST_Multi(ST_Difference(ST_Expand(ST_Point(x, y, 4326), r),
       ST_Expand(ST_Point(x, y, 4326), r * 0.9)))
FROM seeds
UNION ALL
SELECT 'pair' || i, 'near parts', ST_Collect(ST_MakeEnvelope(x, y, x + r, y + r, 4326),
       ST_MakeEnvelope(x + r * 1.0001, y, x + r * 2, y + r, 4326))
FROM seeds
UNION ALL  -- lines with vertices that snap onto straight stretches, points, collections
SELECT 'line' || i, 'line', ST_MakeLine(ARRAY(
         SELECT ST_Point(x + r * 10 * t, y + r * (t %% 2 + (random() - 0.5) * 0.0001), 4326)
         FROM generate_series(0, 6) t))
FROM seeds
UNION ALL
SELECT 'points' || i, 'points', ST_Collect(ST_Point(x, y, 4326), ST_Point(x + r, y + r, 4326))
FROM seeds
UNION ALL
SELECT 'gc' || i, 'collection', ST_Collect(ST_Point(x, y, 4326),
       ST_MakeLine(ST_Point(x + r * 3, y, 4326), ST_Point(x + r * 6, y + r, 4326)))
FROM seeds
"""

TILES = [(z, *xy) for z, xys in {
    10: [(812, 483)], 12: [(3250, 1932), (3251, 1933)], 14: [(13002, 7730), (13003, 7731)],
    16: [(52010, 30922), (52013, 30925)], 18: [(208042, 123690)]}.items() for xy in xys]


@pytest.fixture(scope="module")
def probe(db_url):
    import psycopg

    from gis.schema import layer_table

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS tile_probe")
        from sqlalchemy import MetaData, create_engine

        engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
        layer_table(PROBE, MetaData()).create(engine)
        engine.dispose()
        for statement in layer_ddl(PROBE):
            conn.execute(statement)
        conn.execute("SELECT setseed(0.42)")
        conn.execute(SHAPES.replace("%%", "%"))
        assert conn.execute("SELECT count(*) FROM tile_probe WHERE NOT ST_IsValid(geom)"
                            ).fetchone()[0] == 0
        yield conn
        conn.execute("DROP TABLE tile_probe")


def tile(conn, layer: Layer, z: int, x: int, y: int) -> dict:
    query = sql.SQL("SELECT {}").format(layer_subquery(layer)).as_string(None)
    data = conn.execute(query, {"z": z, "x": x, "y": y}).fetchone()[0]
    decoded = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True,
                                                              "geojson": False})
    return {f["properties"]["id"]: f["geometry"]
            for f in decoded.get(layer.id, {"features": []})["features"]}


def signed_area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))


def exterior_signs(geometry: dict) -> list[bool]:
    if geometry["type"] not in ("Polygon", "MultiPolygon"):
        return []
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" \
        else geometry["coordinates"]
    return [signed_area(p[0]) > 0 for p in polys]


def test_fast_tile_geometry_equals_st_asmvtgeom(probe):
    reference = dataclasses.replace(PROBE, managed_table=False)  # always ST_AsMVTGeom
    fast_total = 0
    for z, x, y in TILES:
        unit = 2 * 20037508.342789244 / 2 ** z / 4096
        fast_total += probe.execute(
            "SELECT count(*) FROM tile_probe WHERE geom_3857 @ ST_TileEnvelope(%s, %s, %s, "
            "margin => 64 / 4096.0) AND geom_3857_clearance > 2 * %s",
            (z, x, y, unit)).fetchone()[0]
        ours, ref = tile(probe, PROBE, z, x, y), tile(probe, reference, z, x, y)
        assert ours.keys() == ref.keys(), (z, x, y)
        for fid, geometry in ours.items():
            mine, theirs = shape(geometry), shape(ref[fid])
            assert mine.is_valid, (fid, z, x, y, mine.wkt)
            # the same vertices (rings may start elsewhere)
            assert normalize(mine).equals_exact(normalize(theirs), 0), \
                (fid, z, x, y, mine.wkt, theirs.wkt)
            # MVT: exterior rings turn one way in tile coordinates (y down), holes the other
            assert all(exterior_signs(geometry)) and all(exterior_signs(ref[fid])), fid
    assert fast_total > 500  # the shortcut was taken, and often
