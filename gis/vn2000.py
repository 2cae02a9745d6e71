"""VN-2000 and WGS 84: the official transformation, one definition for exports and imports.

VN-2000 in any of its forms (EPSG:4756 geographic, the TM-3 zones EPSG:5896-5899 and
the provincial meridians 9205-9218, UTM EPSG:3405/3406, or a .prj without an EPSG code
naming the VN-2000 datum) is transformed with the parameters of Decision
05/2007/QĐ-BTNMT (7-parameter Helmert, coordinate-frame rotations; PROJ's "VN-2000 to
WGS 84 (2)"). PROJ's default choice for the EPSG codes is the older "(1)" set, up to a
metre away, so the transformation is spelt out here: a PROJ pipeline for pyproj and,
for PostGIS, the CRS with ``+towgs84`` (position-vector signs) in ``ST_Transform``.
"""

from __future__ import annotations

from functools import lru_cache

from psycopg import sql
from pyproj import CRS, Transformer

# Decision 05/2007/QĐ-BTNMT: VN-2000 -> WGS 84 (metres, arc-seconds, ppm)
VN2000_TO_WGS84 = {"x": -191.90441429, "y": -39.30318279, "z": -111.45032835,
                   "rx": -0.00928836, "ry": 0.01975479, "rz": -0.00427372, "s": 0.252906278}


def is_vn2000(crs: CRS) -> bool:
    datum = (crs.geodetic_crs.datum.name if crs.geodetic_crs else "").lower()
    return "vn-2000" in datum or "vn_2000" in datum or "vietnam 2000" in datum \
        or "vietnam_2000" in datum


def describe(crs: CRS) -> str:
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def _projection_step(crs: CRS) -> str:
    """The PROJ steps from the CRS's coordinates to VN-2000 geographic radians."""
    if crs.is_geographic:
        return "+step +proj=unitconvert +xy_in=deg +xy_out=rad"
    proj = crs.to_proj4() if crs.to_epsg() is None else CRS.from_epsg(crs.to_epsg()).to_proj4()
    keep = [p for p in proj.split() if not p.startswith(("+type", "+no_defs", "+towgs84",
                                                          "+units", "+nadgrids"))]
    return "+step +inv " + " ".join(keep)


def to_wgs84(crs: CRS) -> Transformer:
    """A transformer from ``crs`` (x/easting/longitude first) to EPSG:4326 lon/lat."""
    if crs.to_epsg() == 4326 or (crs.is_geographic and crs.geodetic_crs.datum.name ==
                                 CRS.from_epsg(4326).datum.name):
        return Transformer.from_crs(crs, 4326, always_xy=True)
    if is_vn2000(crs):
        h = " ".join(f"+{k}={v}" for k, v in VN2000_TO_WGS84.items())
        pipeline = (f"+proj=pipeline {_projection_step(crs)} +step +proj=push +v_3 "
                    "+step +proj=cart +ellps=WGS84 "
                    f"+step +proj=helmert {h} +convention=coordinate_frame "
                    "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
                    "+step +proj=unitconvert +xy_in=rad +xy_out=deg")
        return Transformer.from_pipeline(pipeline)
    return Transformer.from_crs(crs, 4326, always_xy=True)


@lru_cache
def postgis_proj(srid: int) -> str | None:
    """The PROJ string PostGIS transforms to for a VN-2000 ``srid`` (official
    parameters), or None for another CRS."""
    crs = CRS.from_epsg(srid)
    if not is_vn2000(crs):
        return None
    p = VN2000_TO_WGS84
    towgs84 = ",".join(str(v) for v in (p["x"], p["y"], p["z"], -p["rx"], -p["ry"], -p["rz"],
                                         p["s"]))
    base = " ".join(t for t in crs.to_proj4().split()
                    if not t.startswith(("+type", "+no_defs", "+towgs84")))
    return f"{base} +towgs84={towgs84} +no_defs"


def sql_from_wgs84(expr: sql.Composable, srid: int) -> sql.Composable:
    """``expr`` (EPSG:4326) in ``srid``, VN-2000 with the official parameters: the one
    definition the API (``crs``), exports and frames use."""
    if srid == 4326:
        return expr
    proj = postgis_proj(srid)
    if proj is None:
        return sql.SQL("ST_Transform({}, {})").format(expr, sql.Literal(srid))
    return sql.SQL("ST_SetSRID(ST_Transform({}, {}), {})").format(expr, sql.Literal(proj),
                                                                   sql.Literal(srid))


def sql_to_wgs84(expr: sql.Composable, srid: int) -> sql.Composable:
    """``expr`` (coordinates in ``srid``, its SRID set or not) in EPSG:4326, VN-2000 with
    the official parameters (the API's ``bbox-crs`` and ``filter-crs``)."""
    if srid == 4326:
        return sql.SQL("ST_SetSRID({}, 4326)").format(expr)
    proj = postgis_proj(srid)
    if proj is None:
        return sql.SQL("ST_Transform(ST_SetSRID({}, {}), 4326)").format(expr, sql.Literal(srid))
    return sql.SQL("ST_Transform(ST_SetSRID({}, 0), {}, 4326)").format(expr, sql.Literal(proj))
