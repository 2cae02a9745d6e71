"""Progress figures written through the API: add one to a feature, delete one.

``POST /collections/{id}/items/{featureId}/progress`` takes one figure, checked by the
dataset loader's own rules (``parse_progress``: a metric the layer tracks, a number in
Vietnamese notation or a JSON number, a percentage within 0-100, a whole number for
counts, a known source document). A figure from the API may come without a source, but
then its ``note`` must say where it comes from. Figures are stored with
``origin = 'api'`` (a dataset reload keeps them), audited, and the layer's tiles are
dropped from the cache; the feature's current progress follows from the triggers of
migration 0003, and its version (ETag) is bumped since its properties changed.

``DELETE …/progress/{snapshotId}`` removes a figure entered through the API; figures of
the dataset are corrected in ``data/`` (a reload would bring them back).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path as FilePath
from typing import Annotated
from zoneinfo import ZoneInfo

import orjson
import psycopg
from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import Response
from psycopg import sql

from api import audit, changes
from api import params as p
from api.access import UserDep, check_allowed, check_located, editable
from api.db import pool
from api.feature_records import dataset_context, stored, vn_figure
from api.links import JSON, base
from gis.dataset.records import parse_progress
from gis.errors import GISError, bad_request, not_found
from layers.base import Layer

router = APIRouter(tags=["Progress"])

SNAPSHOT_JSON = sql.SQL(
    "json_build_object('id', id, 'metric', metric, 'value', value::double precision,"
    " 'value_text', value_text, 'unit', unit, 'valid_on', valid_on,"
    " 'source_doc', source_doc, 'source_line', source_line, 'source_ref', source_ref,"
    " 'note', note, 'origin', origin, 'period', period, 'qualifier', qualifier)")

EXAMPLE = {"metric": "construction_pct", "value": "45,5", "valid_on": "2025-03-31",
           "source": {"doc": "002", "line": 120}}
FigureBody = Annotated[dict, Body(
    description="One figure: `metric` (tracked by the layer), `value` (a JSON number or "
    "Vietnamese notation such as \"6.804,269\"), `valid_on` (YYYY-MM-DD), `period` "
    "(`point`, `year:2024`, `multi_year:2021-2025`, `cumulative`; required for amounts "
    "of money), `qualifier` (`exact`, `about`, `over`, `under`), `source` {doc, line, ref} "
    "(optional) and `note` (required without a source).",
    openapi_examples={"with a source": {"value": EXAMPLE},
                      "with a note": {"value": {
                          "metric": "compensation_pct", "value": 80, "valid_on": "2025-03-31",
                          "note": "Site visit by the district office, 31/3/2025"}}})]
SnapshotId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of the figure "
                                 "(`id` in the progress history)")]


def _tracking(layer: Layer) -> Layer:
    editable(layer)
    if not layer.metrics:
        raise GISError(405, f"layer {layer.id!r} tracks no progress", headers={"Allow": "GET"})
    return layer


async def _feature(conn, layer: Layer, fid: str) -> dict:
    """The feature's stored properties, locked until the end of the transaction."""
    row = await stored(conn, layer, fid, lock=True)
    if row is None:
        raise not_found(f"no feature {fid!r} in {layer.id}")
    return row[0]


async def _check(conn, layer: Layer, figure, props: dict) -> dict:
    if not isinstance(figure, dict):
        raise bad_request("the body must be a JSON object {metric, value, valid_on, "
                          "source?, note?}")
    if figure.get("note") is not None and not isinstance(figure["note"], str):
        raise bad_request("note must be text", "note")
    if isinstance(figure.get("valid_on"), str) and len(figure["valid_on"]) != 10:
        raise bad_request(f"valid_on {figure['valid_on']!r} is not a date (YYYY-MM-DD)",
                          "valid_on", vi=f"Ngày số liệu {figure['valid_on']!r} không phải "
                          "là ngày (YYYY-MM-DD)")
    item = {k: vn_figure(v) if k == "value" else v for k, v in figure.items()}
    ctx = await dataset_context(conn)
    rows = parse_progress(layer, [item], ctx, FilePath("request"), 0, require_source=False)
    if ctx.problems.problems or not rows:
        raise bad_request("; ".join(pr.reason for pr in ctx.problems.problems) or "invalid",
                          vi=ctx.problems.reasons_vi())
    row = {k: v for k, v in rows[0].items() if k != "_line"}
    valid_on = row["valid_on"]
    if isinstance(valid_on, str):
        valid_on = date.fromisoformat(valid_on)
    if valid_on > today():
        raise GISError(400, f"valid_on: {valid_on:%d/%m/%Y} is in the future (today is "
                       f"{today():%d/%m/%Y} in Cần Thơ): a figure is valid for a day that "
                       "has been", parameter="valid_on", field="valid_on",
                       vi=f"Ngày số liệu {valid_on:%d/%m/%Y} là ngày trong tương lai (hôm nay "
                       f"là {today():%d/%m/%Y} ở Cần Thơ): số liệu chỉ có thể có hiệu lực "
                       "cho ngày đã qua")
    _check_started(layer, props, valid_on)
    return row


def _check_started(layer: Layer, props: dict, valid_on: date) -> None:
    """422 for a figure valid before the year the work starts (``Layer.starts_field``)."""
    name = layer.starts_field
    start = props.get(name) if name else None
    if isinstance(start, int) and valid_on.year < start:
        label = layer.field(name)
        raise GISError(422, f"valid_on: {valid_on:%d/%m/%Y} is before the start of the work "
                       f"({name} = {start}, {label.label_vi}): a progress figure is valid "
                       f"on 01/01/{start} or later", parameter="valid_on", field="valid_on",
                       hint=f"if the work started earlier, correct {name} "
                       f"({label.label_en}) first",
                       vi=f"Ngày số liệu {valid_on:%d/%m/%Y} trước năm bắt đầu công trình "
                       f"({label.label_vi} = {start}): số liệu tiến độ phải từ ngày "
                       f"01/01/{start} trở đi",
                       hint_vi=f"nếu công trình bắt đầu sớm hơn, hãy sửa {label.label_vi} trước")


def today() -> date:
    """Today in Cần Thơ (UTC+7), the latest day a figure can be valid for."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


async def _touch(conn, layer: Layer, fid: str) -> None:
    """The feature's representation changed (its current progress): a new ETag."""
    await conn.execute(sql.SQL("UPDATE {} SET version = version + 1 WHERE id = %s").format(
        sql.Identifier(layer.table)), (fid,))


@router.post("/collections/{collectionId}/items/{featureId}/progress", status_code=201,
             summary="Add a progress figure to a feature", response_class=Response,
             responses={201: {"description": "The figure as stored", "content": {JSON: {}}}})
async def add_progress(request: Request, featureId: str, layer: p.LayerDep, user: UserDep,
                       figure: FigureBody) -> Response:
    layer = _tracking(layer)
    async with pool(request).connection() as conn, conn.transaction():
        props = await _feature(conn, layer, featureId)
        check_allowed(user, layer, props)
        await check_located(conn, user, layer, featureId)
        row = await _check(conn, layer, figure, props)
        cols = ["layer_id", "feature_id", *row, "origin"]
        vals = {**row, "layer_id": layer.id, "feature_id": featureId, "origin": "api"}
        try:
            cur = await conn.execute(sql.SQL(
                "INSERT INTO progress_snapshot ({cols}) VALUES ({vals}) "
                "RETURNING {obj}::text, to_jsonb(progress_snapshot)").format(
                cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
                vals=sql.SQL(", ").join(map(sql.Placeholder, cols)), obj=SNAPSHOT_JSON), vals)
        except psycopg.errors.UniqueViolation:
            raise GISError(409, f"{featureId} already has a {row['metric']} figure for "
                           f"{row['valid_on']} from the same source and note") from None
        text, stored = await cur.fetchone()
        await _touch(conn, layer, featureId)
        await audit.record(conn, user.name, "progress_create", layer.id, featureId, None, stored)
    changes.invalidate(request.app, layer)
    sid = orjson.loads(text)["id"]
    return Response(text, status_code=201, media_type=JSON, headers={
        "Location": f"{base(request)}/collections/{layer.id}/items/{featureId}/progress/{sid}"})


@router.delete("/collections/{collectionId}/items/{featureId}/progress/{snapshotId}",
               status_code=204, summary="Delete a progress figure entered through the API",
               response_class=Response)
async def delete_progress(request: Request, featureId: str, snapshotId: SnapshotId,
                          layer: p.LayerDep, user: UserDep) -> Response:
    layer = _tracking(layer)
    async with pool(request).connection() as conn, conn.transaction():
        props = await _feature(conn, layer, featureId)
        check_allowed(user, layer, props)
        await check_located(conn, user, layer, featureId)
        row = await (await conn.execute(
            "SELECT to_jsonb(ps), origin FROM progress_snapshot ps WHERE id = %s AND "
            "layer_id = %s AND feature_id = %s FOR UPDATE",
            (snapshotId, layer.id, featureId))).fetchone()
        if row is None:
            raise not_found(f"no progress figure {snapshotId} on {featureId} in {layer.id}")
        before, origin = row
        if origin != "api":
            raise GISError(409, f"figure {snapshotId} comes from the dataset ({origin}); "
                           "correct it in data/ (a reload would restore it)")
        await conn.execute("DELETE FROM progress_snapshot WHERE id = %s", (snapshotId,))
        await _touch(conn, layer, featureId)
        await audit.record(conn, user.name, "progress_delete", layer.id, featureId, before, None)
    changes.invalidate(request.app, layer)
    return Response(status_code=204)


@router.options("/collections/{collectionId}/items/{featureId}/progress",
                summary="Allowed methods")
async def options_progress(layer: p.LayerDep, featureId: str) -> Response:
    writable = layer.editable and layer.managed_table and bool(layer.metrics)
    return Response(status_code=204,
                    headers={"Allow": "GET, HEAD, OPTIONS" + (", POST" if writable else "")})
