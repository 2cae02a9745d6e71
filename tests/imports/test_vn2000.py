"""VN-2000 -> WGS 84 with the official parameters: a control point checked against an
independent Helmert computation (to within 1 m, in fact millimetres), in every form
VN-2000 comes in."""

from __future__ import annotations

import math

import pytest
from pyproj import CRS, Transformer

from gis.errors import GISError
from gis.imports.crs import decide
from gis.vn2000 import VN2000_TO_WGS84, postgis_proj, to_wgs84

A, F = 6378137.0, 1 / 298.257223563  # VN-2000 uses the WGS 84 ellipsoid
E2 = F * (2 - F)


def _cart(lon, lat, h=0.0):
    lon, lat = math.radians(lon), math.radians(lat)
    n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
    return ((n + h) * math.cos(lat) * math.cos(lon), (n + h) * math.cos(lat) * math.sin(lon),
            (n * (1 - E2) + h) * math.sin(lat))


def _geod(x, y, z):
    lon = math.atan2(y, x)
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1 - E2))
    for _ in range(10):
        n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
        h = p / math.cos(lat) - n
        lat = math.atan2(z, p * (1 - E2 * n / (n + h)))
    return math.degrees(lon), math.degrees(lat)


def _official(lon, lat):
    """Decision 05/2007/QĐ-BTNMT, coordinate-frame rotation, written out by hand."""
    p = VN2000_TO_WGS84
    x, y, z = _cart(lon, lat)
    sec = math.pi / (180 * 3600)
    rx, ry, rz, s = p["rx"] * sec, p["ry"] * sec, p["rz"] * sec, 1 + p["s"] * 1e-6
    xo = p["x"] + s * (x + rz * y - ry * z)
    yo = p["y"] + s * (-rz * x + y + rx * z)
    zo = p["z"] + s * (ry * x - rx * y + z)
    return _geod(xo, yo, zo)


def _metres(a, b):
    dlon = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    return math.hypot(dlon, (a[1] - b[1]) * 110_574)


# a control point in Ninh Kiều, VN-2000 TM-3 105°00' (EPSG:5897)
E, N = 587_000.0, 1_107_000.0


@pytest.mark.parametrize("crs", ["EPSG:5897", "ESRI-WKT"])
def test_tm3_control_point_within_a_metre(crs):
    src = CRS(CRS("EPSG:5897").to_wkt("WKT1_ESRI")) if crs == "ESRI-WKT" else CRS(crs)
    lon_vn, lat_vn = Transformer.from_crs(5897, 4756, always_xy=True).transform(E, N)
    expected = _official(lon_vn, lat_vn)
    got = to_wgs84(src).transform(E, N)
    assert _metres(got, expected) < 0.01  # well within 1 m


def test_geographic_and_utm_and_postgis_use_the_same_parameters():
    lon_vn, lat_vn = 105.78, 10.03
    assert _metres(to_wgs84(CRS("EPSG:4756")).transform(lon_vn, lat_vn),
                   _official(lon_vn, lat_vn)) < 0.01
    x, y = Transformer.from_crs(4756, 3405, always_xy=True).transform(lon_vn, lat_vn)
    assert _metres(to_wgs84(CRS("EPSG:3405")).transform(x, y), _official(lon_vn, lat_vn)) < 0.01
    assert "+towgs84=-191.90441429" in postgis_proj(5897)
    assert postgis_proj(3857) is None


def test_metres_without_a_crs_are_refused_with_the_crs_to_give():
    with pytest.raises(GISError) as exc:
        decide(None, None, (586_000, 1_106_000, 588_000, 1_108_000))
    assert "VN-2000" in exc.value.message and "--crs EPSG:5897" in exc.value.hint
    assert decide(None, None, (105.7, 10.0, 105.8, 10.1)).to_epsg() == 4326
    assert decide(None, "EPSG:5897", (586_000, 1_106_000, 588_000, 1_108_000)).to_epsg() == 5897
