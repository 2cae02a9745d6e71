"""Features and figures of a request as dataset records, checked by the loader's own rules.

A GeoJSON Feature becomes the record ``gis.dataset.records.parse_feature`` reads (field
types, choices, figures, source document, district and ward codes); then PostGIS checks
what the loader checks in its staging tables: a valid geometry inside Cần Thơ of the
layer's type, the admin-unit geometry of layers placed by a unit code and the wards a
feature names (one rule with the loader: :mod:`gis.admin_geometry`). Also the stored
feature as it was written (``stored``), which writes start from.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path as FilePath

from psycopg import sql
from psycopg.types.json import Jsonb

from gis import admin_geometry
from gis.dataset.problems import Collector
from gis.dataset.records import Context, parse_feature
from gis.errors import GISError, bad_request
from gis.queries import progress_columns
from gis.schema import derived_columns
from layers.base import Layer

READ_ONLY = {"id", "version", "origin", "updated_at", "progress_conflicts"}
SOURCE_PARTS = ("doc", "line", "ref")


def row_json(layer: Layer) -> sql.Composable:
    """A stored feature as written: its fields (not the columns the database derives),
    its GeoJSON geometry and its version."""
    hidden = ["geom", "version", "origin", "updated_at", *derived_columns(layer)]
    return sql.SQL("SELECT to_jsonb(f) - {hidden}::text[], ST_AsGeoJSON(f.geom)::jsonb, "
                   "f.version FROM {t} f WHERE f.id = %s").format(
        hidden=sql.Literal(hidden), t=sql.Identifier(layer.table))


async def stored(conn, layer: Layer, fid: str, lock: bool = False):
    """``(properties, GeoJSON geometry, version)`` of a stored feature, or None; ``lock``
    holds it until the end of the transaction."""
    query = row_json(layer) + (sql.SQL(" FOR UPDATE") if lock else sql.SQL(""))
    return await (await conn.execute(query, (fid,))).fetchone()


def vn_figure(value):
    """JSON numbers as the loader's Vietnamese-notation figures (exact)."""
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return format(Decimal(repr(value)) if isinstance(value, float) else value,
                      "f").replace(".", ",")
    return value


def _conflict(c):
    if isinstance(c, dict) and "source" not in c and "source_doc" in c:
        c = {**c, "source": {k: c.pop(f"source_{k}") for k in SOURCE_PARTS
                             if c.get(f"source_{k}") is not None}}
        for k in SOURCE_PARTS:
            c.pop(f"source_{k}", None)
    return c


def to_record(layer: Layer, feature: dict, fid: str) -> dict:
    """A GeoJSON Feature as a dataset record (the shape ``parse_feature`` reads)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise bad_request("the body must be a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise bad_request("properties must be an object")
    skip = READ_ONLY | set(progress_columns(layer)) | {f"source_{k}" for k in SOURCE_PARTS}
    rec = {k: vn_figure(v) for k, v in props.items() if k not in skip}
    if isinstance(rec.get("conflicts"), list):
        rec["conflicts"] = [_conflict(dict(c)) if isinstance(c, dict) else c
                            for c in rec["conflicts"]]
    rec["id"] = fid
    src = {k: props.get(f"source_{k}") for k in SOURCE_PARTS}
    rec["source"] = {k: v for k, v in src.items() if v is not None}
    if not layer.geometry_from_admin:
        rec["geometry"] = feature.get("geometry")
    return rec


async def dataset_context(conn) -> Context:
    """What records are checked against, read from the database."""
    docs = {r[0] for r in await (await conn.execute("SELECT id FROM source_document")).fetchall()}
    dists = {r[0] for r in await (await conn.execute("SELECT code FROM admin_district"))
             .fetchall()}
    communes = dict(await (await conn.execute("SELECT code, district_code FROM admin_commune"))
                    .fetchall())
    return Context(docs, dists, communes, Collector(FilePath(".")))


def geom_param(layer: Layer) -> sql.Composable:
    """The SQL of the ``geom`` value :func:`check_feature` returns."""
    if layer.geometry_from_admin:  # the admin unit's own geometry, as PostGIS gave it
        return sql.SQL("%(geom)s::geometry")
    g = sql.SQL("ST_SetSRID(ST_GeomFromGeoJSON(%(geom)s), 4326)")
    return sql.SQL("ST_Multi({})").format(g) if layer.geometry_type.startswith("Multi") else g


def parsed_values(layer: Layer, record: dict, ctx: Context) -> dict:
    """The column values of a record by the loader's rules, before the database's checks
    (``geom``: GeoJSON text), or a 400 naming the problems."""
    row = parse_feature(layer, record, ctx, FilePath("request"))
    if ctx.problems.problems or row is None:
        raise bad_request("; ".join(pr.reason for pr in ctx.problems.problems) or "invalid",
                          vi=ctx.problems.reasons_vi())
    vals = dict(row.values)
    for f in layer.all_fields:
        if f.type == "json" and vals.get(f.name) is not None:
            vals[f.name] = Jsonb(json.loads(vals[f.name]))
    if not layer.geometry_from_admin:
        vals["geom"] = row.geometry
    return vals


async def check_feature(conn, layer: Layer, record: dict, ctx: Context | None = None) -> dict:
    """The column values of a record (``geom`` for :func:`geom_param`), or a 400 naming the
    first problem; ``ctx``: the dataset context when the caller keeps one (imports)."""
    ctx = ctx or await dataset_context(conn)
    vals = parsed_values(layer, record, ctx)
    await check_start_after_figures(conn, layer, vals)
    if layer.geometry_from_admin:
        await _place(conn, layer, vals)
    elif vals["geom"] is not None:
        await _check_geometry(conn, layer, vals["geom"])
    wards = layer.role_field("wards")
    if wards and vals.get(wards) and vals["geom"] is not None:
        outside = await (await conn.execute(sql.SQL("SELECT {}").format(
            admin_geometry.outside_wards(geom_param(layer), sql.SQL("%(wards)s"))),
            {"geom": vals["geom"], "wards": vals[wards]})).fetchone()
        if outside[0]:
            raise bad_request(admin_geometry.outside_wards_message(vals["id"], vals[wards]),
                              wards, field=wards,
                              vi=admin_geometry.outside_wards_message_vi(vals["id"], vals[wards]))
    return vals


async def check_start_after_figures(conn, layer: Layer, vals: dict) -> None:
    """422 for a start year (``Layer.starts_field``) after the year of the feature's
    earliest stored progress figure: the reverse of a figure dated before the start
    (api.progress). Only a changed start is checked (a stored one stays writable)."""
    name = layer.starts_field
    start = vals.get(name) if name else None
    if not isinstance(start, int) or isinstance(start, bool):
        return
    stored_start, earliest = await (await conn.execute(sql.SQL(
        "SELECT (SELECT f.{c} FROM {t} f WHERE f.id = %(id)s),"
        " (SELECT min(valid_on) FROM progress_snapshot WHERE layer_id = %(layer)s"
        "  AND feature_id = %(id)s)").format(c=sql.Identifier(name),
                                             t=sql.Identifier(layer.table)),
        {"id": vals["id"], "layer": layer.id})).fetchone()
    if earliest is None or start == stored_start or earliest.year >= start:
        return
    label = layer.field(name)
    raise GISError(
        422, f"{name}: {start} is after the feature's earliest progress figure, valid on "
        f"{earliest:%d/%m/%Y} ({label.label_en}): the work cannot start after a figure of "
        f"it; the start year is {earliest.year} or earlier", parameter=name, field=name,
        feature=vals["id"],
        hint=f"correct or delete the figures dated before 01/01/{start} first (the "
        "feature's progress history), or give an earlier start year",
        vi=f"{label.label_vi} = {start} sau số liệu tiến độ sớm nhất của đối tượng (ngày "
        f"{earliest:%d/%m/%Y}): công trình không thể bắt đầu sau một số liệu của nó; năm bắt "
        f"đầu phải từ {earliest.year} trở về trước",
        hint_vi=f"hãy sửa hoặc xóa các số liệu trước ngày 01/01/{start} trước (lịch sử tiến "
        "độ của đối tượng), hoặc ghi năm bắt đầu sớm hơn")


async def _place(conn, layer: Layer, vals: dict) -> None:
    """Geometry, geom_quality and districts from the admin unit the record names."""
    code = vals.get(layer.geometry_from_admin)
    known, geom, quality, districts = await (await conn.execute(sql.SQL(
        "SELECT {known}, p.* FROM ({place}) p").format(
        known=admin_geometry.known_unit(sql.SQL("%(code)s")),
        place=admin_geometry.place(sql.SQL("%(code)s"), sql.SQL("%(districts)s"))),
        {"code": code, "districts": vals.get(layer.role_field("districts") or "") or []}
    )).fetchone()
    if not known:
        raise bad_request(admin_geometry.unknown_unit_message(vals["id"], code),
                          layer.geometry_from_admin, field=layer.geometry_from_admin)
    vals.update({"geom": geom, layer.role_field("quality"): quality,
                 layer.role_field("districts"): districts})


async def _check_geometry(conn, layer: Layer, geometry: str) -> None:
    ok, reason, inside, gtype = await (await conn.execute(
        "SELECT ST_IsValid(g), ST_IsValidReason(g), EXISTS (SELECT 1 FROM admin_city c "
        "WHERE ST_CoveredBy(g, c.geom)), GeometryType(g) FROM (SELECT ST_SetSRID("
        "ST_GeomFromGeoJSON(%s), 4326) g) x", (geometry,))).fetchone()
    if not ok:
        raise bad_request(f"geometry: invalid ({reason})", "geometry")
    if not inside:
        raise bad_request("geometry: lies (partly) outside Cần Thơ", "geometry",
                          vi="Vị trí nằm (một phần) ngoài thành phố Cần Thơ")
    want = layer.geometry_type.upper()
    if want != "GEOMETRY" and gtype not in (want, want.removeprefix("MULTI")):
        raise bad_request(f"geometry: a {gtype} in a {layer.geometry_type} layer", "geometry")
