"""GDAL as a client: the OAPIF driver over the live API, the MVT driver on its tiles."""

from __future__ import annotations

import os
import re
import subprocess

import httpx
import pytest
from pyproj import Transformer
from test_tiles import tile_of

from layers import METRICS, registry

OGR_TYPES = {"integer": "Integer", "number": "Real", "date": "Date", "text": "String",
             "text[]": "StringList"}


def ogrinfo(*args: str) -> str:
    r = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    assert r.returncode == 0, f"ogrinfo {' '.join(args)}:\n{r.stdout}\n{r.stderr}"
    assert "ERROR" not in r.stderr, r.stderr
    return r.stdout


def field_types(out: str) -> dict[str, str]:
    return dict(re.findall(r"^(\w+): (\w+)(?:\(\w+\))? \(\d", out, re.M))


def test_ogrinfo_lists_every_collection(live_server):
    out = ogrinfo("-so", f"OAPIF:{live_server}")
    assert re.findall(r"^\d+: (\w+)", out, re.M) == [lyr.id for lyr in registry.layers()]


@pytest.mark.parametrize("layer_id", [lyr.id for lyr in registry.layers()])
def test_ogrinfo_types_fields_from_the_registry(live_server, layer_id, count):
    layer = registry.get(layer_id)
    out = ogrinfo("-so", f"OAPIF:{live_server}", layer_id)
    n = count(f'SELECT count(*) FROM "{layer.table}"')
    assert re.search(r"^Feature Count: (\d+)$", out, re.M).group(1) == str(n)  # numberMatched
    types = field_types(out)
    for f in layer.all_fields:
        if f.type in OGR_TYPES:
            assert types[f.name] == OGR_TYPES[f.type], (f.name, types)
    for m in layer.metrics:
        assert types[m] == ("Integer" if METRICS[m].integer else "Real"), (m, types)
        assert types[f"{m}_date"] == "Date"


def test_ogrinfo_projects_progress_typed_numbers(live_server):
    types = field_types(ogrinfo("-so", f"OAPIF:{live_server}", "projects"))
    assert types["compensation_pct"] == "Real" and types["packages_done"] == "Integer"
    assert types["construction_pct"] == "Real" and types["length_done_m"] == "Real"


def test_ogrinfo_reads_every_feature_through_the_pages(live_server, conn, count):
    n = count("SELECT count(*) FROM infra_project")
    out = ogrinfo("-al", "-oo", "PAGE_SIZE=7", f"OAPIF:{live_server}", "projects")
    ids = re.findall(r"^  id \(String\) = (.+)$", out, re.M)
    assert len(ids) == len(set(ids)) == n  # paging by next links: none lost, none twice
    fid, metric, value = conn.execute(
        "SELECT id, m, (progress_current->>m)::numeric FROM infra_project, "
        "unnest(ARRAY['compensation_pct', 'construction_pct', 'site_handover_pct']) m "
        "WHERE progress_current ? m ORDER BY id, m LIMIT 1").fetchone()
    block = out.split(f"  id (String) = {fid}\n", 1)[1].split("OGRFeature(", 1)[0]
    got = re.search(rf"^  {metric} \(Real\) = (\S+)$", block, re.M).group(1)
    assert float(got) == pytest.approx(float(value))


def test_ogrinfo_spatial_filter_is_the_bbox(live_server, one_point_project, count):
    _, x, y = one_point_project
    d = 0.01
    n = count("SELECT count(*) FROM infra_project WHERE ST_Intersects(geom, "
              "ST_MakeEnvelope(%s, %s, %s, %s, 4326))", x - d, y - d, x + d, y + d)
    out = ogrinfo("-al", "-q", "-spat", *map(str, (x - d, y - d, x + d, y + d)),
                  f"OAPIF:{live_server}", "projects")
    assert len(re.findall(r"^OGRFeature\(projects\)", out, re.M)) == n >= 1


def test_gdal_mvt_driver_reads_a_tile(live_server, tmp_path, conn, one_point_project):
    fid, lon, lat = one_point_project
    z, y, x = tile_of(lon, lat, 13)
    r = httpx.get(f"{live_server}/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}",
                  trust_env=False)
    assert r.status_code == 200 and r.headers["content-type"].endswith("vector-tile")
    path = tmp_path / "tile.mvt"
    path.write_bytes(r.content)
    out = ogrinfo("-al", "-oo", f"Z={z}", "-oo", f"X={x}", "-oo", f"Y={y}", str(path))
    assert "Layer name: projects" in out and 'ID["EPSG",3857]' in out
    block = out.split(f"  id (String) = {fid}\n", 1)[1].split("OGRFeature(", 1)[0]
    px, py = map(float, re.search(r"POINT \((\S+) (\S+)\)", block).groups())
    ex, ey = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    assert abs(px - ex) < 5 and abs(py - ey) < 5  # within a few tile units at zoom 13


def test_gdal_mvt_progress_is_numeric(live_server, tmp_path, conn):
    row = conn.execute(
        "SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)), "
        "(progress_current->>'construction_pct')::numeric FROM infra_project "
        "WHERE geom IS NOT NULL AND progress_current ? 'construction_pct' "
        "ORDER BY id LIMIT 1").fetchone()
    if row is None:
        pytest.skip("no located project with construction progress")
    fid, lon, lat, value = row
    z, y, x = tile_of(lon, lat, 14)
    r = httpx.get(f"{live_server}/tiles/WebMercatorQuad/{z}/{y}/{x}", trust_env=False)
    path = tmp_path / "all.pbf"
    path.write_bytes(r.content)
    out = ogrinfo("-al", "-oo", f"Z={z}", "-oo", f"X={x}", "-oo", f"Y={y}", str(path),
                  "projects")
    assert field_types(out)["construction_pct"] == "Real"
    block = out.split(f"  id (String) = {fid}\n", 1)[1].split("OGRFeature(", 1)[0]
    got = re.search(r"^  construction_pct \(Real\) = (\S+)$", block, re.M).group(1)
    assert float(got) == pytest.approx(float(value))


def _gdal_version() -> tuple[int, ...]:
    out = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True).stdout
    return tuple(int(n) for n in re.findall(r"\d+", out)[:2]) or (0,)


@pytest.mark.xfail(_gdal_version() < (3, 7), strict=True,
                   reason="GDAL before 3.7 reads no TMS 2.0 document (OSGeo/gdal#7656) and its "
                          "OGCAPI driver builds no vector tile layers (OSGeo/gdal#6894)")
def test_gdal_ogcapi_driver_reads_vector_tiles(live_server):
    """The OGC link relations lead GDAL's OGC API driver to the tiles. Debian 12's GDAL 3.6
    cannot follow them (a GDAL limitation: the test fails there, as declared, and is
    expected to pass once GDAL 3.7 or newer is installed)."""
    out = ogrinfo("-so", "-oo", "API=TILES", f"OGCAPI:{live_server}/collections/projects")
    assert "projects" in out or "Zoom level" in out, out
