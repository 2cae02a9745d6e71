"""The coordinate reference systems the API serves (OGC API - Features Part 2).

Geometries are stored in EPSG:4326 with longitude first (PostGIS order); output and
bbox/filter input in another CRS go through ``ST_Transform``; VN-2000 with the official
parameters of Decision 05/2007/QĐ-BTNMT, the same definition as exports and imports
(:mod:`gis.vn2000`), not PROJ's default for the EPSG codes (about 0.8 m away). Axis
order follows the CRS definition (pyproj): EPSG:4326 and EPSG:4756 are latitude first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from psycopg import sql
from pyproj import CRS

from api.errors import bad_request
from gis.vn2000 import sql_from_wgs84, sql_to_wgs84

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
SRIDS = (4326, 3857, 4756, 5897, 3405)


@dataclass(frozen=True)
class CrsInfo:
    uri: str
    srid: int
    lat_first: bool  # the first axis is latitude / northing
    geographic: bool
    name: str

    @property
    def digits(self) -> int:
        return 7 if self.geographic else 3

    def output_geom(self, expr: sql.Composable) -> sql.Composable:
        """``expr`` (EPSG:4326 lon/lat) in this CRS and axis order."""
        if self.srid == 4326 and not self.lat_first:
            return expr
        out = sql_from_wgs84(expr, self.srid)
        return sql.SQL("ST_FlipCoordinates({})").format(out) if self.lat_first else out

    def input_geom(self, expr: sql.Composable) -> sql.Composable:
        """A geometry given in this CRS and axis order (``expr`` without SRID) as 4326."""
        g = sql.SQL("ST_FlipCoordinates({})").format(expr) if self.lat_first else expr
        return sql_to_wgs84(g, self.srid)


@lru_cache
def _info(uri: str, srid: int | None) -> CrsInfo:
    crs = CRS.from_user_input("OGC:CRS84" if srid is None else f"EPSG:{srid}")
    lat_first = crs.axis_info[0].direction in ("north", "south")
    return CrsInfo(uri, srid or 4326, lat_first, crs.is_geographic, crs.name)


def supported() -> list[CrsInfo]:
    return [_info(CRS84, None)] + [_info(EPSG_URI.format(s), s) for s in SRIDS]


def uris() -> list[str]:
    return [c.uri for c in supported()]


def default() -> CrsInfo:
    return _info(CRS84, None)


def parse(value: str | None, parameter: str) -> CrsInfo:
    """A CRS from its URI, ``EPSG:n``, ``[EPSG:n]`` (safe CURIE) or ``CRS84``."""
    if value is None or value == "":
        return default()
    v = value.strip()
    if v.startswith("[") and v.endswith("]"):
        v = v[1:-1]
    key = v.upper()
    if key in ("CRS84", "OGC:CRS84", CRS84.upper(), CRS84H.upper()):
        return default()
    srid = None
    for prefix in ("EPSG:", EPSG_URI.format("").upper(), "HTTPS" + EPSG_URI.format("")[4:].upper()):
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            srid = int(key[len(prefix):])
    if srid not in SRIDS:
        raise bad_request(f"unsupported CRS {value!r}; supported: {', '.join(uris())}", parameter)
    return _info(EPSG_URI.format(srid), srid)
