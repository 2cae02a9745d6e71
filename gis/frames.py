"""The analysts' door into the data: a layer as a GeoDataFrame, and a GeoDataFrame back
into a layer through the import's checks.

``read_layer`` asks the same :class:`gis.query.FeatureQuery` as the API and the exports;
columns are typed from the registry (text, ``Int64``, float, dates, lists for
``text[]``, parsed JSON), the geometry is in EPSG:4326 or the CRS asked for.
"""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pandas as pd
import shapely
from psycopg import sql

from gis.db import connect
from gis.errors import GISError
from gis.export import geom_sql
from gis.queries import PROGRESS_CONFLICTS
from gis.query import FeatureQuery
from layers import METRICS, registry
from layers.base import Layer, metric_column


def column_types(layer: Layer) -> dict[str, str]:
    """Every property a query selects and its type (fields, then the metrics' parts)."""
    types = {f.name: f.type for f in layer.all_fields}
    for m in layer.metrics:
        types[metric_column(m)] = "integer" if METRICS[m].integer else "number"
        types[metric_column(m, "date")] = "date"
        types[metric_column(m, "unit")] = "text"
        types[metric_column(m, "source")] = "text"
    if layer.metrics:
        types[PROGRESS_CONFLICTS] = "json"
    return types


def typed(series: pd.Series, kind: str) -> pd.Series:
    """A column in the pandas type of a registry type."""
    if kind == "integer":
        return pd.to_numeric(series, errors="raise").astype("Int64")
    if kind == "number":
        return pd.to_numeric(series, errors="raise").astype("float64")
    if kind == "date":
        return series.map(lambda v: v if v is None or isinstance(v, date) else
                          date.fromisoformat(str(v)[:10]))
    if kind == "json":
        return series.map(lambda v: json.loads(v) if isinstance(v, str) else v)
    if kind == "text[]":
        return series.map(lambda v: None if v is None else list(v))
    return series.astype("object")


def srid_of(crs) -> int:
    from pyproj import CRS

    epsg = CRS.from_user_input(crs).to_epsg()
    if epsg is None:
        raise GISError(400, f"CRS {crs!r} has no EPSG code", parameter="crs")
    return epsg


def query_frame(query: FeatureQuery, crs=None, url: str | None = None) -> gpd.GeoDataFrame:
    """The rows of ``query`` as a typed GeoDataFrame (``crs``: default EPSG:4326;
    easting/longitude first whatever the CRS's axis order)."""
    srid = 4326 if crs is None else srid_of(crs)
    geom = sql.SQL("ST_AsBinary({})").format(geom_sql(srid))
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(query.rows_sql(geom), query.bind())
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
    df = pd.DataFrame(rows, columns=names)
    types = column_types(query.layer)
    for name in names[1:-1]:
        df[name] = typed(df[name], types.get(name, "text"))
    geoms = shapely.from_wkb([None if g is None else bytes(g) for g in df.pop("geom")])
    return gpd.GeoDataFrame(df, geometry=geoms, crs=f"EPSG:{srid}")


def read_layer(layer: str, as_of: date | None = None, district: str | None = None,
               filter: str | None = None, crs=None, url: str | None = None,
               **choices: str) -> gpd.GeoDataFrame:
    """A layer as a GeoDataFrame: progress ``as_of`` a date, features of one
    ``district`` (GSO code), a CQL2 text ``filter`` as the API's, map filters by name
    (``status="completed"``)."""
    from api.cql import compile_filter
    from api.crs import default
    from gis.filters import parse_choices
    from maps.filters import MapFilter

    if layer not in registry:
        raise GISError(404, f"no layer {layer!r}", parameter="layer")
    lyr = registry.get(layer)
    query = MapFilter(as_of=as_of, district=district,
                      choices=parse_choices(choices) if choices else {}).query(lyr)
    if filter:
        query.filter = compile_filter(lyr, filter, "cql2-text", default())
    return query_frame(query, crs, url)


def write_layer(gdf: gpd.GeoDataFrame, layer: str, dry_run: bool = True, key: str = "id",
                skip_invalid: bool = False, url: str | None = None, user: str = "notebook"):
    """Write a GeoDataFrame into a layer through the import's checks (all or nothing);
    ``dry_run`` (the default) only reports what would change. Returns the import report."""
    from gis.imports.run import import_frame

    return import_frame(gdf, layer, name="GeoDataFrame", digest=None, dry_run=dry_run,
                        key=key, skip_invalid=skip_invalid, url=url, user=user)
