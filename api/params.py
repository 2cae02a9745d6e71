"""Query parameters of the Features endpoints: one FastAPI dependency each.

Each returns a checked value, never SQL (or raises a 400 naming the parameter): a
:class:`gis.expr.BBox`, sort keys, a property list, the CQL2 filter compiled to an
:class:`gis.expr.Expr`, a CRS, the ``as_of`` date, (queryable, value) pairs. The items
endpoint gives them to a :class:`gis.query.FeatureQuery`, which writes the SQL.

They are ``async def`` although none of them waits for anything: FastAPI runs a plain
``def`` dependency in its thread pool, a thread hop per parameter per request, which was
a good part of an items page's time outside the database (benchmarks/dbonly.py).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from api import crs as crs_mod
from gis.errors import bad_request, not_found
from gis.expr import BBox, Expr, SortKey, parse_as_of
from gis.queries import queryables, selectable, sortables
from gis.settings import api_settings
from layers import registry
from layers.base import Layer

_S = api_settings()

RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "as_of",
            "properties", "sortby", "filter", "filter-lang", "filter-crs", "skipGeometry", "token"}


async def collection(collectionId: Annotated[str, Path(description="Layer id")]) -> Layer:
    if collectionId not in registry:
        raise not_found(f"no collection {collectionId!r}; collections: "
                        + ", ".join(layer.id for layer in registry.layers()))
    return registry.get(collectionId)


LayerDep = Annotated[Layer, Depends(collection)]


async def limit(limit: Annotated[int, Query(ge=1, le=_S.max_limit, description=(
        f"Number of features per page (default {_S.default_limit}, at most {_S.max_limit})."
        ))] = _S.default_limit) -> int:
    return limit


MAX_OFFSET = 2**62


async def offset(offset: Annotated[int, Query(ge=0, le=MAX_OFFSET,
                                              description="Features to skip")] = 0) -> int:
    return offset


async def crs(crs: Annotated[str | None, Query(description="CRS of the response geometries "
                                          "(URI); see the collection's `crs` list")] = None
        ) -> crs_mod.CrsInfo:
    return crs_mod.parse(crs, "crs")


async def bbox_crs(bbox_crs: Annotated[str | None, Query(alias="bbox-crs",
                                                   description="CRS of `bbox`")] = None
             ) -> crs_mod.CrsInfo:
    return crs_mod.parse(bbox_crs, "bbox-crs")


async def filter_crs(filter_crs: Annotated[str | None, Query(
        alias="filter-crs", description="CRS of geometry literals in `filter`")] = None
               ) -> crs_mod.CrsInfo:
    return crs_mod.parse(filter_crs, "filter-crs")


async def bbox(bbox_crs: Annotated[crs_mod.CrsInfo, Depends(bbox_crs)],
               bbox: Annotated[str | None, Query(description=(
                   "minx,miny,maxx,maxy (or 6 numbers with heights) in `bbox-crs` axis order"
               ))] = None) -> BBox | None:
    return parse_bbox(bbox_crs, bbox)


def parse_bbox(bbox_crs: crs_mod.CrsInfo, bbox: str | None) -> BBox | None:
    """The ``bbox`` parameter as a value (also for the CLI's ``--bbox``)."""
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
    if a1 > b1:  # crosses the antimeridian: not our city
        raise bad_request("bbox crossing the antimeridian is not supported", "bbox")
    return BBox(a1, a2, b1, b2, bbox_crs.srid)


async def as_of(as_of: Annotated[str | None, Query(description=(
        "Show progress as it stood on this date (YYYY-MM-DD); default: the latest figures"
        ))] = None) -> date | None:
    return parse_as_of(as_of)


async def no_datetime(datetime_: Annotated[str | None, Query(alias="datetime", description=(
        "Not supported: features carry no temporal property to filter by. For progress "
        "as it stood on a date use `as_of`."))] = None) -> None:
    if datetime_ is not None:
        raise bad_request(f"datetime={datetime_!r}: these collections are not filtered by "
                          "time; to show progress as it stood on a date use "
                          "as_of=YYYY-MM-DD", "datetime",
                          hint="as_of=YYYY-MM-DD")


async def properties(layer: LayerDep, properties: Annotated[str | None, Query(description=(
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


async def sortby(layer: LayerDep, sortby: Annotated[str | None, Query(description=(
        "Comma-separated sort keys, `-name` for descending (e.g. `-valid_on,name`)"))] = None
           ) -> list[SortKey]:
    if not sortby:
        return []
    keys = sortables(layer)
    order: list[SortKey] = []
    for raw in sortby.split(","):
        key = raw.strip()
        desc = key.startswith("-")
        key = key.lstrip("+-").strip()
        if key.upper().endswith(" DESC") or key.upper().endswith(" ASC"):
            desc = key.upper().endswith(" DESC")
            key = key.rsplit(" ", 1)[0].strip()
        if key not in keys:
            raise bad_request(f"cannot sort by {key!r}; sortable: {', '.join(keys)}", "sortby")
        order.append(SortKey(key, desc))
    return order


async def filter_lang(filter_lang: Annotated[str, Query(
        alias="filter-lang", pattern="^(cql2-text|cql2-json)$",
        description="cql2-text (default) or cql2-json")] = "cql2-text") -> str:
    return filter_lang


async def filter_(lang: Annotated[str, Depends(filter_lang)],
            fcrs: Annotated[crs_mod.CrsInfo, Depends(filter_crs)], layer: LayerDep,
            filter: Annotated[str | None, Query(description=(
                "A CQL2 filter (see /collections/{collectionId}/queryables)"))] = None
            ) -> Expr | None:
    if filter is None or not filter.strip():
        return None
    if len(filter) > _S.max_filter_length:
        raise bad_request(f"filter longer than {_S.max_filter_length} characters", "filter")
    from api.cql import compile_filter

    return compile_filter(layer, filter, lang, fcrs)


async def property_filters(request: Request, layer: LayerDep) -> list[tuple[str, object]]:
    """``name=value`` for queryables, as (queryable, typed value) pairs; any other unknown
    parameter is a 400."""
    q = queryables(layer)
    pairs: list[tuple[str, object]] = []
    for name, value in request.query_params.multi_items():
        if name in RESERVED:
            continue
        if name not in q or q[name].type == "geometry":
            raise bad_request(f"unknown parameter {name!r}; queryables of {layer.id}: "
                              + ", ".join(n for n in q if n != "geometry"), name)
        pairs.append((name, value if q[name].type == "text[]"
                      else _coerce(value, q[name].type, name)))
    return pairs


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


async def output_format(f: Annotated[str | None, Query(
        pattern="^(json|geojson|html|csv|gpkg|shp|xlsx)$",
        description="json (GeoJSON, default), html, csv, gpkg, shp or xlsx")] = None) -> str:
    return f or "json"


async def skip_geometry(skip_geometry: Annotated[bool, Query(alias="skipGeometry")] = False
                        ) -> bool:
    return skip_geometry


# -- the items query string in one pass (api.items.ItemsRoute) ---------------------------
# Values FastAPI's validation reads exactly so; anything else is left to FastAPI.
FORMATS = frozenset({"json", "geojson", "html", "csv", "gpkg", "shp", "xlsx"})
FILTER_LANGS = frozenset({"cql2-text", "cql2-json"})
_BOOLS = {None: False, "true": True, "false": False}
_PLAIN_INT = re.compile(r"0|[1-9][0-9]{0,18}")


def _plain_int(value: str | None, low: int, high: int, default: int) -> int | None:
    """``value`` as FastAPI reads an ``int`` parameter between ``low`` and ``high`` when
    it is plain digits within them (``default`` when absent); None for anything else."""
    if value is None:
        return default
    if _PLAIN_INT.fullmatch(value) and low <= (n := int(value)) <= high:
        return n
    return None


def plain_limit(value: str | None) -> int | None:
    """``limit`` as :func:`limit` gets it, or None (see :func:`_plain_int`)."""
    return _plain_int(value, 1, _S.max_limit, _S.default_limit)


def plain_offset(value: str | None) -> int | None:
    return _plain_int(value, 0, MAX_OFFSET, 0)


def plain_bool(value: str | None) -> bool | None:
    """``skipGeometry``: absent, ``true`` or ``false``; None for anything else."""
    return _BOOLS.get(value)


def typed_day(value: str | None, name: str) -> date | None:
    """A date a person typed in a page's field: dd/mm/yyyy (or YYYY-MM-DD); None if empty."""
    if not value or not value.strip():
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            pass
    raise bad_request(f"{name}: {value!r} is not a date (dd/mm/yyyy)", name,
                      hint="e.g. 15/11/2024", vi=f"{name}: {value!r} không phải ngày (dd/mm/yyyy)")
