"""``/collections/{id}/items``, one item and its progress history.

PostgreSQL builds the GeoJSON (``FeatureQuery.geojson_sql``); Python only wraps the
features' text with the collection's members and links. Large pages are streamed from
a server-side cursor.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.routing import APIRoute
from psycopg import sql

from api import downloads
from api import params as p
from api.counts import check_download_size, known_count, number_matched
from api.crs import CrsInfo
from api.db import bytes_cursor, pool
from api.html import HTML, columns, labels, negotiate, render
from api.links import GEOJSON, JSON, base, link, with_param, without_param
from gis.errors import not_found
from gis.export import export_filename
from gis.expr import BBox, Expr, SortKey
from gis.query import FeatureQuery, StatementCache
from layers.base import Layer

router = APIRouter(tags=["Features"])
STREAM_ABOVE = 2000  # pages larger than this are streamed


async def feature_query(layer: p.LayerDep, limit: Annotated[int, Depends(p.limit)],
                        offset: Annotated[int, Depends(p.offset)],
                        bbox: Annotated[BBox | None, Depends(p.bbox)],
                        as_of: Annotated[date | None, Depends(p.as_of)],
                        _: Annotated[None, Depends(p.no_datetime)],
                        props: Annotated[list[str] | None, Depends(p.properties)],
                        sortby: Annotated[list[SortKey], Depends(p.sortby)],
                        filt: Annotated[Expr | None, Depends(p.filter_)],
                        equals: Annotated[list, Depends(p.property_filters)]
                        ) -> FeatureQuery:
    return FeatureQuery(layer, bbox=bbox, filter=filt, equals=equals, sortby=sortby,
                        properties=props, limit=limit, offset=offset, as_of=as_of)


async def items_arguments(request: Request) -> dict | None:
    """:func:`get_items`' arguments from one pass over the query string: the same
    dependency functions called in the order FastAPI's solving calls them (so the same
    value, or the same error first). None when a value is one FastAPI's validation might
    refuse or read otherwise (a limit that is not plain digits in range, an unknown
    ``f``...): then FastAPI solves the dependencies and answers as it always has."""
    qp = request.query_params
    limit, offset = p.plain_limit(qp.get("limit")), p.plain_offset(qp.get("offset"))
    lang, fmt = qp.get("filter-lang", "cql2-text"), qp.get("f")
    skip = p.plain_bool(qp.get("skipGeometry"))
    if (limit is None or offset is None or skip is None or lang not in p.FILTER_LANGS
            or (fmt is not None and fmt not in p.FORMATS)):
        return None
    layer = await p.collection(request.path_params["collectionId"])
    q = await feature_query(
        layer, limit, offset, await p.bbox(await p.bbox_crs(qp.get("bbox-crs")), qp.get("bbox")),
        await p.as_of(qp.get("as_of")), await p.no_datetime(qp.get("datetime")),
        await p.properties(layer, qp.get("properties")), await p.sortby(layer, qp.get("sortby")),
        await p.filter_(lang, await p.filter_crs(qp.get("filter-crs")), layer, qp.get("filter")),
        await p.property_filters(request, layer))
    return {"q": q, "out_crs": await p.crs(qp.get("crs")), "fmt": await p.output_format(fmt),
            "skip_geometry": skip}


class ItemsRoute(APIRoute):
    """The items route as FastAPI declares it (the same OpenAPI parameters, the same
    validation errors), its common requests parsed by :func:`items_arguments` without
    FastAPI's dependency solving: about fifteen dependencies a page, a third of the
    Python time of a 100-feature page."""

    def get_route_handler(self):
        solved = super().get_route_handler()
        endpoint = self.endpoint

        async def handler(request: Request):
            args = await items_arguments(request)
            if args is None:
                return await solved(request)
            return await endpoint(request, **args)

        return handler


def _self_links(request: Request, html: bool, what: str) -> list[dict]:
    """``self`` and ``alternate`` (GeoJSON and HTML) of this resource."""
    url = str(request.url)
    as_json = without_param(url, "f") if request.query_params.get("f") == "html" else url
    as_html = with_param(url, "f", "html")
    if html:
        return [link(as_html, "self", HTML, f"{what} (HTML)"),
                link(as_json, "alternate", GEOJSON, what)]
    return [link(as_json, "self", GEOJSON, what),
            link(as_html, "alternate", HTML, f"{what} (HTML)")]


def _page_links(request: Request, q: FeatureQuery, returned: int, matched: int,
                exact: bool = True, html: bool = False) -> list[dict]:
    url, kind = str(request.url), HTML if html else GEOJSON
    out = _self_links(request, html, "This page") + [
        link(f"{base(request)}/collections/{q.layer.id}", "collection", JSON, q.layer.title_vi)]
    more = q.offset + returned < matched or (not exact and returned == q.limit)
    if more and returned > 0:
        out.append(link(with_param(url, "offset", str(q.offset + returned)), "next", kind,
                        "Next page"))
    if q.offset > 0:
        prev = max(0, q.offset - (q.limit or 0))
        out.append(link(with_param(url, "offset", str(prev)), "prev", kind, "Previous page"))
    return out


def _head(matched: int, returned: int | None, links: list[dict]) -> bytes:
    head = {"type": "FeatureCollection", "numberMatched": matched}
    if returned is not None:
        head["numberReturned"] = returned
    head["timeStamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    head["links"] = links
    return orjson.dumps(head)[:-1] + b',"features":['


async def get_items(request: Request, q: Annotated[FeatureQuery, Depends(feature_query)],
                    out_crs: Annotated[CrsInfo, Depends(p.crs)],
                    fmt: Annotated[str, Depends(p.output_format)],
                    skip_geometry: Annotated[bool, Depends(p.skip_geometry)]):
    if fmt in ("csv", "gpkg", "shp", "xlsx"):
        return await downloads.download(request, q, fmt, out_crs)
    download = fmt == "geojson" and not {"limit", "offset"} & set(request.query_params)
    if download:  # f=geojson without paging: every matching feature, streamed
        q.limit, q.offset = None, 0
    html = negotiate(request, request.query_params.get("f")) == "html"
    skip_geometry = skip_geometry or html  # the HTML table shows no geometry
    headers = {"Content-Crs": f"<{out_crs.uri}>", "Vary": "Accept"}
    if download:
        headers["Content-Disposition"] = \
            f'attachment; filename="{export_filename(q, "geojson", out_crs.srid)}"'
    if (download or (q.limit or 0) > STREAM_ABOVE) and not html:
        return await _stream(request, q, features_sql(q, out_crs, skip_geometry), headers,
                             download)
    (matched, exact), (text, returned) = await _count_and_page(
        request, q, page_statement(q, out_crs, skip_geometry))
    links = _page_links(request, q, returned, matched, exact, html)
    body = b"".join((_head(matched, returned, links), text, b"]}"))
    if html:
        doc = orjson.loads(body)
        return render(request, "items.html", title=q.layer.title_vi, doc=doc,
                      links=doc["links"], layer=q.layer, cols=columns(q.layer),
                      labels=labels(q.layer), base=base(request))
    return Response(body, media_type=GEOJSON, headers=headers)


router.add_api_route("/collections/{collectionId}/items", get_items, methods=["GET"],
                     summary="Features of a layer", response_class=Response,
                     responses={200: {"content": {GEOJSON: {}}}},
                     route_class_override=ItemsRoute)


def features_sql(q: FeatureQuery, out_crs: CrsInfo, skip_geometry: bool = False
                 ) -> sql.Composable:
    """One GeoJSON Feature (text) per row, geometry in the output CRS."""
    geom = sql.SQL("NULL::geometry") if skip_geometry else out_crs.output_geom(sql.SQL("f.geom"))
    return q.geojson_sql(geom, out_crs.digits)


def page_sql(features: sql.Composable) -> sql.Composable:
    """A page of features as one text (the members of ``features``) and its length;
    benchmarks/dbonly.py runs the same statement without HTTP."""
    # OFFSET 0: the planner would otherwise copy the ARRAY sub-query into both uses of
    # ``a`` and build the page twice.
    return sql.SQL("SELECT array_to_string(a, ','), cardinality(a) "
                   "FROM (SELECT ARRAY({}) a OFFSET 0) s").format(features)


_PAGES = StatementCache()


def page_statement(q: FeatureQuery, out_crs: CrsInfo, skip_geometry: bool = False) -> str:
    """The text of :func:`page_sql` for this query, composed once per shape of request
    (``FeatureQuery.sql_key``, the output CRS, with or without geometry) and kept: the
    values that vary within a shape are parameters (``q.bind()``)."""
    key = q.sql_key()
    return _PAGES.get(None if key is None else (key, out_crs, skip_geometry),
                      lambda: page_sql(features_sql(q, out_crs, skip_geometry)))


async def _count_and_page(request: Request, q: FeatureQuery, stmt: str):
    """numberMatched and the page. A count known without the database (a large table's
    estimate, a kept filtered count) takes no connection; a filtered request runs the
    two on two connections at once (both cost a scan); an unfiltered count is a
    catalogue look-up, done first."""
    async def count():
        async with pool(request).connection() as conn:
            return await number_matched(conn, q, request.app.state.count_cache)

    async def page():  # the features as UTF-8 bytes (api.db.Utf8Text)
        async with pool(request).connection() as conn:
            cur = bytes_cursor(conn)
            await cur.execute(stmt, q.bind())
            return await cur.fetchone()

    known = known_count(q, request.app.state.count_cache)
    if known is not None:
        return known, await page()
    if not q.filtered:
        return await count(), await page()
    return await asyncio.gather(count(), page())


async def _stream(request: Request, q: FeatureQuery, features: sql.Composable,
                  headers: dict, download: bool = False) -> StreamingResponse:
    """A large page or a download: count first (a download larger than the limit is
    refused), then features from a server-side cursor."""
    cm = pool(request).connection()
    conn = await cm.__aenter__()
    try:
        matched, exact = await number_matched(conn, q)
        if download:
            check_download_size(q, matched)
        # Known in advance only when the count is exact.
        returned = max(0, min(q.limit or matched, matched - q.offset)) if exact else None
        links = _page_links(request, q, returned or 0, matched, exact)
        tx = conn.transaction()
        await tx.__aenter__()
        cur = bytes_cursor(conn, name="items_stream")
        await cur.execute(features, q.bind())
        first = await cur.fetchmany(500)
    except BaseException:
        await cm.__aexit__(None, None, None)
        raise

    async def gen():
        try:
            yield _head(matched, returned, links)
            batch, sep = first, b""
            while batch:
                yield sep + b",".join(r[0] for r in batch)
                sep = b","
                batch = await cur.fetchmany(2000)
            yield b"]}"
        finally:
            await cur.close()
            await tx.__aexit__(None, None, None)
            await cm.__aexit__(None, None, None)

    return StreamingResponse(gen(), media_type=GEOJSON, headers=headers)


def etag(version) -> str | None:
    return None if version is None else f'"{version}"'


async def fetch_feature(conn, layer: Layer, fid: str, out_crs: CrsInfo,
                        as_of: date | None = None, props=None) -> tuple[str | None, int | None]:
    q = FeatureQuery(layer, ids=(fid,), as_of=as_of, properties=props)
    features = q.geojson_sql(out_crs.output_geom(sql.SQL("f.geom")), out_crs.digits)
    version = (sql.SQL("f.version") if layer.managed_table else sql.SQL("NULL::integer"))
    stmt = sql.SQL("SELECT ({features}), (SELECT {v} FROM {t} f WHERE f.id = %(fid)s)").format(
        features=features, v=version, t=sql.Identifier(layer.table))
    row = await (await conn.execute(stmt, {**q.bind(), "fid": fid})).fetchone()
    return row[0], row[1]


@router.get("/collections/{collectionId}/items/{featureId}", summary="One feature",
            response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
async def get_item(request: Request, featureId: str, layer: p.LayerDep,
                   out_crs: Annotated[CrsInfo, Depends(p.crs)],
                   as_of: Annotated[date | None, Depends(p.as_of)],
                   _: Annotated[None, Depends(p.no_datetime)],
                   props: Annotated[list[str] | None, Depends(p.properties)],
                   f: Annotated[str | None, Query(
                       pattern="^(json|geojson|html)$",
                       description="json (GeoJSON, default) or html")] = None):
    async with pool(request).connection() as conn:
        text, version = await fetch_feature(conn, layer, featureId, out_crs, as_of, props)
    if text is None:
        raise not_found(f"no feature {featureId!r} in {layer.id}")
    c = f"{base(request)}/collections/{layer.id}"
    html = negotiate(request, f) == "html"
    links = _self_links(request, html, "This feature") + [
        link(c, "collection", JSON, layer.title_vi),
        link(f"{c}/items/{featureId}/progress", "related", JSON, "Progress history"),
    ]
    headers = {"Content-Crs": f"<{out_crs.uri}>", "Vary": "Accept"}
    if version is not None:
        headers["ETag"] = etag(version)
    if html:
        resp = render(request, "item.html", title=featureId, feature=orjson.loads(text),
                      links=links, layer=layer, labels=labels(layer), base=base(request))
        resp.headers.update(headers)
        return resp
    body = text.encode()[:-1] + b', "links": ' + orjson.dumps(links) + b"}"
    return Response(body, media_type=GEOJSON, headers=headers)


PROGRESS_SQL = sql.SQL(
    "SELECT coalesce(json_agg(json_build_object("
    " 'id', id, 'metric', metric, 'value', value::double precision, 'value_text', value_text,"
    " 'unit', unit, 'valid_on', valid_on, 'source_doc', source_doc,"
    " 'source_line', source_line, 'source_ref', source_ref, 'note', note, 'origin', origin,"
    " 'period', period, 'qualifier', qualifier)"
    " ORDER BY metric, valid_on, source_doc NULLS FIRST, source_line NULLS FIRST), '[]')::text"
    " FROM progress_snapshot WHERE layer_id = %(lid)s AND feature_id = %(fid)s")


@router.get("/collections/{collectionId}/items/{featureId}/progress",
            summary="The feature's progress history (every figure with its source)")
async def get_progress(request: Request, featureId: str, layer: p.LayerDep):
    stmt = sql.SQL("SELECT EXISTS (SELECT 1 FROM {t} WHERE id = %(fid)s), ({p})").format(
        t=sql.Identifier(layer.table), p=PROGRESS_SQL)
    async with pool(request).connection() as conn:
        exists, history = await (await conn.execute(
            stmt, {"lid": layer.id, "fid": featureId})).fetchone()
    if not exists:
        raise not_found(f"no feature {featureId!r} in {layer.id}")
    c = f"{base(request)}/collections/{layer.id}/items/{featureId}"
    head = orjson.dumps({"layer": layer.id, "feature": featureId,
                         "links": [link(str(request.url), "self", JSON),
                                   link(c, "describes", GEOJSON, "The feature")]})
    return Response(head[:-1] + b',"progress":' + history.encode() + b"}",
                    media_type=JSON)
