"""The API's ``crs`` and ``bbox-crs`` in VN-2000 use the official parameters (Decision
05/2007/QĐ-BTNMT, :mod:`gis.vn2000`), as exports and imports do: a control point within
1 m of the official transformation, and the API and a GeoPackage export agree."""

from __future__ import annotations

import math

import pyogrio
import pytest
from pyproj import CRS, Transformer

from gis.export import export_layer
from gis.query import FeatureQuery
from gis.vn2000 import to_wgs84
from layers import registry

URI = "http://www.opengis.net/def/crs/EPSG/0/{}"


def _official_from_wgs84(srid: int, lon: float, lat: float) -> tuple[float, float]:
    """lon/lat (EPSG:4326) in ``srid`` (x/easting first) by the official pipeline."""
    return to_wgs84(CRS.from_epsg(srid)).transform(lon, lat, direction="INVERSE")


@pytest.mark.parametrize("srid", [5897, 3405])
def test_api_crs_is_the_official_vn2000_within_a_metre(client, one_point_project, srid):
    fid, lon, lat = one_point_project
    r = client.get(f"/collections/projects/items/{fid}", params={"crs": URI.format(srid)})
    assert r.status_code == 200, r.text
    got = r.json()["geometry"]["coordinates"]
    official = _official_from_wgs84(srid, lon, lat)
    assert math.dist(got, official) < 0.01  # millimetres; well within 1 m
    # PROJ's default for the EPSG code is the older parameter set, measurably elsewhere
    default = Transformer.from_crs(4326, srid, always_xy=True).transform(lon, lat)
    assert math.dist(got, default) > 0.3


def test_api_geographic_vn2000_is_official(client, one_point_project):
    fid, lon, lat = one_point_project
    r = client.get(f"/collections/projects/items/{fid}", params={"crs": URI.format(4756)})
    glat, glon = r.json()["geometry"]["coordinates"]  # EPSG:4756 is latitude first
    olon, olat = _official_from_wgs84(4756, lon, lat)
    assert math.dist((glon * 109_000, glat * 110_600), (olon * 109_000, olat * 110_600)) < 0.05


def test_bbox_crs_uses_the_official_parameters(client, one_point_project):
    """A 1 m box around the point's official VN-2000 position finds it."""
    fid, lon, lat = one_point_project
    x, y = _official_from_wgs84(5897, lon, lat)
    r = client.get("/collections/projects/items", params={
        "bbox": f"{x - 0.5},{y - 0.5},{x + 0.5},{y + 0.5}", "bbox-crs": URI.format(5897),
        "limit": 1000})
    assert r.status_code == 200, r.text
    assert fid in {f["id"] for f in r.json()["features"]}


def test_api_and_export_agree(client, one_point_project, tmp_path):
    fid, _, _ = one_point_project
    api = client.get(f"/collections/projects/items/{fid}",
                     params={"crs": URI.format(5897)}).json()["geometry"]["coordinates"]
    out = export_layer(FeatureQuery(registry.get("projects")), "gpkg", tmp_path / "p.gpkg",
                       srid=5897)
    frame = pyogrio.read_dataframe(out)
    geom = frame.loc[frame["id"] == fid, "geometry"].iloc[0]
    assert math.dist(api, (geom.x, geom.y)) < 0.002  # the API rounds to millimetres
