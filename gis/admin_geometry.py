"""Where a feature is, from the admin units: one rule for ``gis load`` and the API writes.

* A layer placed by an admin unit (``Layer.geometry_from_admin``, e.g. New Rural records
  by ``unit_code``) takes the unit's polygon: a district's (``geom_quality`` from
  ``ADMIN_GEOM_QUALITY["district"]``), else a commune's schematic polygon
  (``ADMIN_GEOM_QUALITY["commune"]``); the city's code, or a commune without a polygon,
  gives no geometry (``ADMIN_GEOM_QUALITY["none"]``): a count about the whole city is not
  a place. ``districts``, when the record names none, become the unit's district; a code
  that is no admin unit at all is refused.
* A feature that names ``wards`` must lie in them, within ``GIS_WARD_TOLERANCE_M`` (the
  ward polygons are schematic); nothing is filled in from the geometry.

The rules are SQL expressions over a code, a districts array and a geometry, so the
loader applies them to its staging table and the API to one request's values.
"""

from __future__ import annotations

from psycopg import sql

from gis.settings import data_settings
from layers.base import Layer
from layers.common import ADMIN_GEOM_QUALITY

METRIC_CRS = 32648  # WGS 84 / UTM 48N: metres around Cần Thơ, for the ward tolerance


def known_unit(code: sql.Composable) -> sql.Composable:
    """True when ``code`` names the city, a district or a commune."""
    return sql.SQL(
        "EXISTS (SELECT 1 FROM admin_city WHERE code = {c} UNION ALL "
        "SELECT 1 FROM admin_district WHERE code = {c} UNION ALL "
        "SELECT 1 FROM admin_commune WHERE code = {c})").format(c=code)


def unknown_unit_message(fid: str, code) -> str:
    return f"feature {fid}: unknown admin unit code {code!r}"


def place(code: sql.Composable, districts: sql.Composable) -> sql.Composable:
    """A one-row query: ``(geom, geom_quality, districts)`` of a feature placed by the
    admin unit ``code`` and naming ``districts``."""
    q = {k: sql.Literal(v) for k, v in ADMIN_GEOM_QUALITY.items()}
    return sql.SQL(
        "SELECT u.geom, COALESCE(u.quality, {none}), "
        "CASE WHEN COALESCE(cardinality({d}::text[]), 0) = 0 "
        "THEN COALESCE(u.districts, '{{}}'::text[]) ELSE {d}::text[] END "
        "FROM (SELECT 1) one LEFT JOIN LATERAL ("
        " SELECT geom, {district}::text AS quality, ARRAY[code] AS districts"
        "  FROM admin_district WHERE code = {c}"
        " UNION ALL"
        " SELECT geom, CASE WHEN geom IS NULL THEN {none} ELSE {commune} END,"
        "  ARRAY[district_code] FROM admin_commune WHERE code = {c}"
        " LIMIT 1) u ON true").format(c=code, d=districts, none=q["none"],
                                      district=q["district"], commune=q["commune"])


def fill_stage(layer: Layer, stage: str) -> sql.Composable:
    """The loader's form of :func:`place`: every row of a staging table placed."""
    code = sql.SQL("x.{}").format(sql.Identifier(layer.geometry_from_admin))
    return sql.SQL("UPDATE {s} x SET (geom, geom_quality, districts) = ({p})").format(
        s=sql.Identifier(stage), p=place(code, sql.SQL("x.districts")))


def outside_wards(geom: sql.Composable, wards: sql.Composable) -> sql.Composable:
    """True when ``geom`` reaches further than the tolerance beyond the union of the
    ``wards`` it names (false without geometry, without wards, or when none of the named
    wards has a polygon)."""
    return sql.SQL(
        "COALESCE(NOT ST_CoveredBy(ST_Transform({g}, {crs}), (SELECT ST_Buffer(ST_Transform("
        "ST_Union(c.geom), {crs}), {tol}) FROM admin_commune c WHERE c.code = ANY({w}::text[])"
        " AND c.geom IS NOT NULL)), false)").format(
        g=geom, w=wards, crs=sql.Literal(METRIC_CRS),
        tol=sql.Literal(data_settings().ward_tolerance_m))


def outside_wards_message_vi(fid: str, wards) -> str:
    return (f"đối tượng {fid}: vị trí nằm ngoài phường/xã được ghi {list(wards)} "
            f"(xa hơn {data_settings().ward_tolerance_m:g} m so với ranh giới sơ đồ)")


def outside_wards_message(fid: str, wards) -> str:
    return (f"feature {fid}: geometry lies outside the ward(s) it names {list(wards)} "
            f"(beyond {data_settings().ward_tolerance_m:g} m of their schematic polygons)")
