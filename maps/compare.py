"""Two dates compared (``/maps/compare?from=…&to=…&district=…``): what changed between
them, for the city or one district, on a map and in a table with both values and sources.

Changes, for every layer with metrics, in SQL over the progress history: a figure that is
new (none on the first date), progress gained or lost (the latest figure on or before each
date differs); features first known in between (``valid_on``); status changes, from the
two places that keep a status over time (the progress history holds numbers only,
maps/status_history.py): the status text of the imported reports (``report_row``: the
latest report on or before each date, both printed texts with their lines) and the
changes of the layer's filter fields (status, kind, …) written through the API
(``audit_log``); the dataset's YAML keeps one status per feature, no history, which the
page says. ``f=json`` gives the same as JSON with the GeoJSON of the changed features,
``f=xlsx`` the table.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from api.db import pool
from gis.errors import GISError, bad_request
from gis.expr import parse_as_of
from gis.tables import XLSX, xlsx_bytes
from layers import METRICS, registry
from layers.base import Layer
from maps import district as district_sql
from maps.staleness import vn_date
from maps.status_history import reported_changes
from maps.templating import templates

router = APIRouter(tags=["maps"])

CHANGE_KINDS = {  # kind -> (vi, en, colour); a feature is drawn in its first kind's colour
    "gain": ("Tiến độ tăng", "Progress gained", "#2e7d32"),
    "loss": ("Tiến độ giảm", "Progress lost", "#c62828"),
    "field_changed": ("Thay đổi thuộc tính", "Field changed", "#ef6c00"),
    "status_reported": ("Tình hình báo cáo thay đổi", "Reported status changed", "#f9a825"),
    "new_figure": ("Số liệu mới", "New figure", "#1565c0"),
    "new_feature": ("Đối tượng mới", "New feature", "#6a1b9a"),
}

_LATEST = ("SELECT DISTINCT ON (p.feature_id, p.metric) p.feature_id, p.metric, p.value,"
           " p.value_text, p.unit, p.valid_on, p.source_doc, p.source_line, p.source_ref"
           " FROM progress_snapshot p WHERE p.layer_id = %(layer)s AND p.valid_on <= {on}"
           " ORDER BY p.feature_id, p.metric, p.valid_on DESC")


def _where_district(layer: Layer) -> sql.Composable:
    if (name := layer.role_field("districts")):
        return sql.SQL("(%(district)s::text IS NULL OR %(district)s = ANY(f.{}))").format(
            sql.Identifier(name))
    return sql.SQL("%(district)s::text IS NULL")


async def _progress_changes(cur, layer: Layer, params: dict) -> list[dict]:
    query = sql.SQL(
        "WITH a AS ({a}), b AS ({b})"
        " SELECT f.id, f.name, b.metric, a.value AS a_value, a.value_text AS a_text,"
        " a.valid_on AS a_date, a.source_doc AS a_doc, a.source_line AS a_line,"
        " b.value AS b_value, b.value_text AS b_text, b.unit, b.valid_on AS b_date,"
        " b.source_doc AS b_doc, b.source_line AS b_line, b.source_ref AS b_ref"
        " FROM b JOIN {table} f ON f.id = b.feature_id"
        " LEFT JOIN a ON a.feature_id = b.feature_id AND a.metric = b.metric"
        " WHERE b.valid_on > %(a)s AND (a.feature_id IS NULL OR a.value <> b.value)"
        " AND {district} ORDER BY f.name, b.metric").format(
            a=sql.SQL(_LATEST).format(on=sql.SQL("%(a)s")),
            b=sql.SQL(_LATEST).format(on=sql.SQL("%(b)s")),
            table=sql.Identifier(layer.table), district=_where_district(layer))
    await cur.execute(query, params)
    out = []
    for r in await cur.fetchall():
        kind = ("new_figure" if r["a_value"] is None else
                "gain" if r["b_value"] > r["a_value"] else "loss")
        m = METRICS[r["metric"]]
        out.append({**r, "kind": kind, "what_vi": m.label_vi, "what_en": m.label_en})
    return out


async def _new_features(cur, layer: Layer, params: dict) -> list[dict]:
    if not layer.feature_fields:
        return []
    await cur.execute(sql.SQL(
        "SELECT f.id, f.name, f.valid_on AS b_date, f.source_doc AS b_doc,"
        " f.source_line AS b_line, f.source_ref AS b_ref FROM {table} f"
        " WHERE f.valid_on > %(a)s AND f.valid_on <= %(b)s AND {district}"
        " ORDER BY f.name").format(table=sql.Identifier(layer.table),
                                   district=_where_district(layer)), params)
    return [{**r, "kind": "new_feature", "what_vi": "Có trong dữ liệu từ",
             "what_en": "Known from", "b_text": vn_date(r["b_date"])}
            for r in await cur.fetchall()]


async def _field_changes(cur, layer: Layer, params: dict) -> list[dict]:
    fields = [f for f in layer.all_fields if f.filter]
    if not fields or not layer.feature_fields:
        return []
    out = []
    for fld in fields:
        await cur.execute(sql.SQL(
            "SELECT f.id, f.name, l.before ->> {c} AS a_value, l.after ->> {c} AS b_value,"
            " l.at::date AS b_date, l.user_name FROM audit_log l JOIN {table} f"
            " ON f.id = l.feature_id WHERE l.layer_id = %(layer)s AND l.at::date > %(a)s"
            " AND l.at::date <= %(b)s AND l.before ->> {c} IS DISTINCT FROM l.after ->> {c}"
            " AND l.before IS NOT NULL AND {district} ORDER BY l.at").format(
                c=sql.Literal(fld.name), table=sql.Identifier(layer.table),
                district=_where_district(layer)), params)
        for r in await cur.fetchall():
            a, b = fld.choice(r["a_value"]), fld.choice(r["b_value"])
            out.append({**r, "kind": "field_changed", "what_vi": fld.label_vi,
                        "what_en": fld.label_en, "a_text": a.label_vi if a else r["a_value"],
                        "b_text": b.label_vi if b else r["b_value"],
                        "b_doc": None, "b_line": None, "b_ref": f"audit_log: {r['user_name']}"})
    return out


async def changes(conn: AsyncConnection, a: date, b: date, district: str | None) -> list[dict]:
    """Every change between ``a`` and ``b`` (after a, up to b), layer by layer."""
    cur = conn.cursor(row_factory=dict_row)
    out = []
    for layer in registry.layers():
        if not layer.feature_fields:
            continue
        params = {"layer": layer.id, "a": a, "b": b, "district": district}
        rows = []
        if layer.metrics:
            rows += await _progress_changes(cur, layer, params)
        rows += await _new_features(cur, layer, params)
        rows += await _field_changes(cur, layer, params)
        rows += await reported_changes(cur, layer, params, _where_district(layer))
        out += [{**r, "layer": layer} for r in rows]
    return out


async def geometries(conn: AsyncConnection, rows: list[dict]) -> dict:
    """GeoJSON of the changed features (one feature per changed feature, its change kinds)."""
    by_layer: dict[str, set[str]] = {}
    for r in rows:
        by_layer.setdefault(r["layer"].id, set()).add(r["id"])
    features = []
    for layer_id, ids in by_layer.items():
        layer = registry.get(layer_id)
        cur = await conn.execute(sql.SQL(
            "SELECT id, name, ST_AsGeoJSON(geom, 6)::json FROM {t} WHERE id = ANY(%s)"
            " AND geom IS NOT NULL").format(t=sql.Identifier(layer.table)), (list(ids),))
        for fid, name, geom in await cur.fetchall():
            mine = {r["kind"] for r in rows if r["id"] == fid and r["layer"].id == layer_id}
            kinds = [k for k in CHANGE_KINDS if k in mine]
            features.append({"type": "Feature", "geometry": geom, "properties": {
                "layer": layer_id, "id": fid, "name": name, "kinds": kinds,
                "color": CHANGE_KINDS[kinds[0]][2]}})
    return {"type": "FeatureCollection", "features": features}


async def _default_dates(conn: AsyncConnection) -> tuple[date, date]:
    """The two latest dates of progress figures (the last two reports)."""
    cur = await conn.execute("SELECT DISTINCT valid_on FROM progress_snapshot"
                             " ORDER BY valid_on DESC LIMIT 2")
    days = [r[0] for r in await cur.fetchall()]
    if not days:
        return date.today(), date.today()
    return (days[-1], days[0])


def _date(value: str | None, name: str) -> date | None:
    try:
        return parse_as_of(value)
    except GISError as exc:
        raise bad_request(exc.message.replace("as_of", name), name) from None


def _json_rows(rows: list[dict]) -> list[dict]:
    def plain(v):
        return float(v) if hasattr(v, "as_tuple") else (v.isoformat() if isinstance(v, date)
                                                        else v)
    return [{**{k: plain(v) for k, v in r.items() if k != "layer"}, "layer": r["layer"].id}
            for r in rows]


def _xlsx(rows: list[dict], a: date, b: date) -> bytes:
    header = ["Lớp / Layer", "Đối tượng / Feature", "Thay đổi / Change", "Chỉ số / What",
              f"Giá trị {vn_date(a)} / value", "Ngày / date", "Nguồn / source",
              f"Giá trị {vn_date(b)} / value", "Ngày / date", "Nguồn / source"]
    body = [[r["layer"].title_vi, r["name"], CHANGE_KINDS[r["kind"]][0], r["what_vi"],
             r.get("a_text"), r.get("a_date"), _src(r, "a"), r.get("b_text"), r.get("b_date"),
             _src(r, "b")] for r in rows]
    return xlsx_bytes("So sánh", header, body)


def _src(r: dict, side: str) -> str | None:
    doc = r.get(f"{side}_doc")
    line = r.get(f"{side}_line")
    return f"{doc}:{line}" if doc and line else doc or r.get(f"{side}_ref")


@router.get("/maps/compare", response_class=HTMLResponse,
            summary="Two dates compared: what changed between them (map and table)")
async def compare_page(request: Request, district: str | None = None, f: str = "html",
                       from_: str | None = Query(None, alias="from"), to: str | None = None
                       ) -> Response:
    if f not in ("html", "json", "xlsx"):
        raise bad_request(f"f={f!r}: use html, json or xlsx", "f")
    a, b = _date(from_, "from"), _date(to, "to")
    async with pool(request).connection() as conn:
        da, db = await _default_dates(conn)
        a, b = a or da, b or db
        if a > b:
            a, b = b, a
        row = await district_sql.district_row(conn, district) if district else None
        if district and row is None:
            raise GISError(404, f"no district {district!r}", parameter="district")
        rows = await changes(conn, a, b, district or None)
        geo = await geometries(conn, rows)
        districts = await district_sql.district_list(conn)
    if f == "json":
        return JSONResponse({"from": a.isoformat(), "to": b.isoformat(), "district": district,
                             "changes": _json_rows(rows), "map": geo})
    if f == "xlsx":
        return Response(_xlsx(rows, a, b), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="compare_{a}_{b}.xlsx"'})
    return templates.TemplateResponse(request, "compare.html", {
        "a": a, "b": b, "district": row, "districts": districts, "rows": rows, "geo": geo,
        "kinds": CHANGE_KINDS, "outlines": [f"/maps/data/{layer.id}.geojson"
                                            for layer in registry.layers() if layer.view_of]})
