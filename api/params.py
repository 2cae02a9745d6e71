"""Query parameters of the Features endpoints: one FastAPI dependency each.

Each returns a checked value (or raises a 400 naming the parameter); the items
endpoint combines them into a :class:`gis.queries.FeatureQuery`.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from psycopg import sql

from api import crs as crs_mod
from api.errors import bad_request, not_found
from api.fields import queryables, selectable, sortables
from gis.settings import api_settings
from layers import registry
from layers.base import Layer

_S = api_settings()

RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "properties",
            "sortby", "filter", "filter-lang", "filter-crs", "skipGeometry", "token"}


def collection(collectionId: Annotated[str, Path(description="Layer id")]) -> Layer:
    if collectionId not in registry:
        raise not_found(f"no collection {collectionId!r}; collections: "
                        + ", ".join(layer.id for layer in registry.layers()))
    return registry.get(collectionId)


LayerDep = Annotated[Layer, Depends(collection)]


def limit(limit: Annotated[int, Query(ge=1, le=_S.max_limit, description=(
        f"Number of features per page (default {_S.default_limit}, at most {_S.max_limit})."
        ))] = _S.default_limit) -> int:
    return limit


def offset(offset: Annotated[int, Query(ge=0, le=2**62, description="Features to skip")] = 0
           ) -> int:
    return offset


def crs(crs: Annotated[str | None, Query(description="CRS of the response geometries "
                                          "(URI); see the collection's `crs` list")] = None
        ) -> crs_mod.CrsInfo:
    return crs_mod.parse(crs, "crs")


def bbox_crs(bbox_crs: Annotated[str | None, Query(alias="bbox-crs",
                                                   description="CRS of `bbox`")] = None
             ) -> crs_mod.CrsInfo:
    return crs_mod.parse(bbox_crs, "bbox-crs")


def filter_crs(filter_crs: Annotated[str | None, Query(
        alias="filter-crs", description="CRS of geometry literals in `filter`")] = None
               ) -> crs_mod.CrsInfo:
    return crs_mod.parse(filter_crs, "filter-crs")


def bbox(bbox_crs: Annotated[crs_mod.CrsInfo, Depends(bbox_crs)],
         bbox: Annotated[str | None, Query(description=(
             "minx,miny,maxx,maxy (or 6 numbers with heights) in `bbox-crs` axis order"
         ))] = None) -> sql.Composable | None:
    if bbox is None:
        return None
    try:
        nums = [float(v) for v in bbox.split(",")]
    except ValueError:
        raise bad_request(f"bbox must be 4 or 6 comma-separated numbers, got {bbox!r}",
                          "bbox") from None
    if len(nums) not in (4, 6) or not all(math.isfinite(n) for n in nums):
        raise bad_request(f"bbox must be 4 or 6 comma-separated numbers, got {bbox!r}", "bbox")
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    a1, a2, b1, b2 = nums
    if bbox_crs.lat_first:
        (a1, a2), (b1, b2) = (a2, a1), (b2, b1)
        if not (-90 <= a2 <= 90 and -90 <= b2 <= 90):
            raise bad_request(f"bbox latitude out of range ({bbox_crs.name} is latitude first: "
                              "minlat,minlon,maxlat,maxlon)", "bbox")
    elif bbox_crs.geographic and not (-90 <= a2 <= 90 and -90 <= b2 <= 90):
        raise bad_request("bbox latitude out of range", "bbox")
    if a2 > b2:
        raise bad_request("bbox: the lower corner is above the upper corner", "bbox")
    env = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(
        sql.Literal(a1), sql.Literal(a2), sql.Literal(b1), sql.Literal(b2),
        sql.Literal(bbox_crs.srid))
    if bbox_crs.srid != 4326:
        env = sql.SQL("ST_Transform({}, 4326)").format(env)
    if a1 > b1:  # crosses the antimeridian: not our city
        raise bad_request("bbox crossing the antimeridian is not supported", "bbox")
    return sql.SQL("f.geom && {env} AND ST_Intersects(f.geom, {env})").format(env=env)


def as_of(datetime_: Annotated[str | None, Query(alias="datetime", description=(
        "Show progress as of this date (YYYY-MM-DD, an RFC 3339 date-time, or an interval "
        "whose end is used); default: the latest figures"))] = None) -> date | None:
    if datetime_ is None or datetime_ in ("", ".."):
        return None
    value = datetime_
    if "/" in value:
        start, _, end = value.partition("/")
        if end in ("", ".."):
            if start in ("", ".."):
                return None
            _parse_date(start)
            return None
        if start not in ("", ".."):
            _parse_date(start)
        value = end
    return _parse_date(value)


def _parse_date(value: str) -> date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")).date()
    except ValueError:
        raise bad_request(f"datetime {value!r} is not a date (YYYY-MM-DD) or RFC 3339 "
                          "date-time", "datetime") from None


def properties(layer: LayerDep, properties: Annotated[str | None, Query(description=(
        "Comma-separated property names to return"))] = None) -> list[str] | None:
    if properties is None:
        return None
    names = [p.strip() for p in properties.split(",") if p.strip()]
    allowed = selectable(layer)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise bad_request(f"unknown properties {unknown} for {layer.id}; available: "
                          + ", ".join(allowed), "properties")
    return names


def sortby(layer: LayerDep, sortby: Annotated[str | None, Query(description=(
        "Comma-separated sort keys, `-name` for descending (e.g. `-valid_on,name`)"))] = None
           ) -> list[sql.Composable]:
    if not sortby:
        return []
    keys = sortables(layer)
    order: list[sql.Composable] = []
    for raw in sortby.split(","):
        key = raw.strip()
        desc = key.startswith("-")
        key = key.lstrip("+-").strip()
        if key.upper().endswith(" DESC") or key.upper().endswith(" ASC"):
            desc = key.upper().endswith(" DESC")
            key = key.rsplit(" ", 1)[0].strip()
        if key not in keys:
            raise bad_request(f"cannot sort by {key!r}; sortable: {', '.join(keys)}", "sortby")
        order.append(sql.SQL("{} {} NULLS LAST").format(
            keys[key].expr, sql.SQL("DESC" if desc else "ASC")))
    order.append(sql.SQL("f.id"))
    return order


def filter_lang(filter_lang: Annotated[str, Query(
        alias="filter-lang", pattern="^(cql2-text|cql2-json)$",
        description="cql2-text (default) or cql2-json")] = "cql2-text") -> str:
    return filter_lang


def filter_(lang: Annotated[str, Depends(filter_lang)],
            fcrs: Annotated[crs_mod.CrsInfo, Depends(filter_crs)], layer: LayerDep,
            filter: Annotated[str | None, Query(description=(
                "A CQL2 filter (see /collections/{collectionId}/queryables)"))] = None
            ) -> tuple[sql.Composable, dict] | None:
    if filter is None or not filter.strip():
        return None
    if len(filter) > _S.max_filter_length:
        raise bad_request(f"filter longer than {_S.max_filter_length} characters", "filter")
    from api.cql import compile_filter

    return compile_filter(layer, filter, lang, fcrs)


def property_filters(request: Request, layer: LayerDep
                     ) -> tuple[list[sql.Composable], dict]:
    """``name=value`` for queryables; any other unknown parameter is a 400."""
    q = queryables(layer)
    clauses, params = [], {}
    for i, (name, value) in enumerate(request.query_params.multi_items()):
        if name in RESERVED:
            continue
        if name not in q or q[name].type == "geometry":
            raise bad_request(f"unknown parameter {name!r}; queryables of {layer.id}: "
                              + ", ".join(n for n in q if n != "geometry"), name)
        qq, p = q[name], f"q{i}"
        if qq.type == "text[]":
            clauses.append(sql.SQL("{}::text = ANY({})").format(sql.Placeholder(p), qq.expr))
            params[p] = value
            continue
        params[p] = _coerce(value, qq.type, name)
        cast = {"text": "text", "integer": "numeric", "number": "double precision",
                "date": "date"}[qq.type]
        clauses.append(sql.SQL("{} = {}::{}").format(qq.expr, sql.Placeholder(p),
                                                      sql.SQL(cast)))
    return clauses, params


def _coerce(value: str, t: str, name: str):
    try:
        if t == "integer":
            return int(value)
        if t == "number":
            v = float(value)
            if not math.isfinite(v):
                raise ValueError
            return v
        if t == "date":
            return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name}: {value!r} is not a valid {t}", name) from None
    return value


def output_format(f: Annotated[str | None, Query(
        pattern="^(json|geojson|html|csv|gpkg|shp)$",
        description="json (GeoJSON, default), html, csv, gpkg or shp")] = None) -> str:
    return f or "json"


def skip_geometry(skip_geometry: Annotated[bool, Query(alias="skipGeometry")] = False) -> bool:
    return skip_geometry
