"""What a printed map draws, read from PostGIS through the shared feature queries.

Geometries come as WKB already projected to EPSG:3405 (VN-2000 / UTM zone 48N) by
PostGIS, so the printed maps are drawn in metres and the scale bar is exact (up to the
UTM scale factor, 0.9996).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import psycopg
import shapely
from psycopg import sql
from psycopg.rows import dict_row
from shapely.geometry.base import BaseGeometry

from gis.errors import GISError
from gis.queries import progress_columns
from gis.vn2000 import sql_from_wgs84
from layers.base import Layer, metric_column
from maps.filters import MapFilter

CRS = 3405  # VN-2000 / UTM zone 48N


@dataclass
class LayerData:
    layer: Layer
    features: list[tuple[BaseGeometry, dict]] = field(default_factory=list)
    unlocated: int = 0  # matched, but with no geometry to draw


@dataclass
class District:
    code: str
    name: str
    full_name: str
    geom: BaseGeometry
    label: BaseGeometry


@dataclass
class MapData:
    layers: list[LayerData]
    districts: list[District]
    city: BaseGeometry | None
    focus: District | None
    as_of: date | None
    sources: list[dict]

    @property
    def drawn(self) -> int:
        return sum(len(ld.features) for ld in self.layers)

    @property
    def matched(self) -> int:
        return sum(len(ld.features) + ld.unlocated for ld in self.layers)

    def extent(self) -> tuple[float, float, float, float]:
        geom = self.focus.geom if self.focus else self.city
        if geom is None:
            geom = shapely.union_all([d.geom for d in self.districts])
        return tuple(geom.bounds)


def _geom(wkb) -> BaseGeometry | None:
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def read_districts(conn: psycopg.Connection, crs: int = CRS) -> list[District]:
    rows = conn.execute(sql.SQL(
        "SELECT code, name, full_name, ST_AsBinary({g}), ST_AsBinary({p})"
        " FROM admin_district ORDER BY code").format(
        g=sql_from_wgs84(sql.SQL("geom"), crs),
        p=sql_from_wgs84(sql.SQL("ST_PointOnSurface(geom)"), crs))).fetchall()
    return [District(c, n, fn, _geom(g), _geom(lbl)) for c, n, fn, g, lbl in rows]


def read_layer(conn: psycopg.Connection, layer: Layer, flt: MapFilter,
               crs: int = CRS) -> LayerData:
    q = flt.query(layer, properties=[f.name for f in layer.all_fields if f.type != "json"]
                  + progress_columns(layer))
    geom = sql.SQL("ST_AsBinary({})").format(sql_from_wgs84(sql.SQL("f.geom"), crs))
    data = LayerData(layer)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(q.rows_sql(geom), q.bind())
        for row in cur:
            if not flt.matches_search(layer, row):
                continue
            g = _geom(row.pop("geom"))
            if g is None or g.is_empty:
                data.unlocated += 1
            else:
                data.features.append((g, row))
    return data


def read_sources(conn: psycopg.Connection, layers: list[LayerData]) -> list[dict]:
    """The documents the drawn features and their progress figures come from."""
    ids: set[str] = set()
    for ld in layers:
        for _, props in ld.features:
            if props.get("source_doc"):
                ids.add(props["source_doc"])
            for m in ld.layer.metrics:
                src = props.get(metric_column(m, "source"))
                if src:
                    ids.add(src.split(":")[0].split(" ")[0])
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT id, title, report_no, issued_on FROM source_document"
                    " WHERE id = ANY(%s) OR NOT %s ORDER BY id", (sorted(ids), bool(ids)))
        return cur.fetchall()


def load_map_data(conn: psycopg.Connection, flt: MapFilter, layers: list[Layer],
                  districts: list[District] | None = None,
                  city: BaseGeometry | None = None, crs: int = CRS) -> MapData:
    """What a map of ``layers`` under ``flt`` draws, in ``crs`` (default: metres, EPSG:3405;
    the HTML maps read EPSG:4326)."""
    districts = districts if districts is not None else read_districts(conn, crs)
    focus = None
    if flt.district:
        focus = next((d for d in districts if d.code == flt.district), None)
        if focus is None:
            known = ", ".join(f"{d.code} ({d.name})" for d in districts)
            raise GISError(404, f"no district {flt.district!r}; districts: {known}",
                           parameter="district")
    if city is None:
        row = conn.execute(sql.SQL("SELECT ST_AsBinary({}) FROM admin_city").format(
            sql_from_wgs84(sql.SQL("ST_Union(geom)"), crs))).fetchone()
        city = _geom(row[0]) if row else None
    data = [read_layer(conn, layer, flt, crs) for layer in layers]
    return MapData(data, districts, city, focus, flt.as_of, read_sources(conn, data))
