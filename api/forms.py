"""What the browser's edit forms are made from (``maps/static/edit*.js``): a layer's
fields as the registry declares them (labels, units, choices, required, types), its
metrics with their totals, the periods and qualifiers a figure may have, the year the
work starts (no figure before it), the source documents to cite, today's date in Cần Thơ (the
latest a figure may be valid for) and, for the signed-in user, which features they may
change and why not (``…/items/{id}/may-edit``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.staticfiles import StaticFiles

from api import params as p
from api.access import editable, feature_districts
from api.auth import current_user
from api.db import pool
from api.feature_records import stored
from api.history import source_label
from api.items import etag
from api.progress import today
from gis.errors import not_found
from gis.settings import REPO_ROOT
from layers import METRICS
from layers.base import Choice, Field, Layer
from layers.figures import PERIOD_KINDS, QUALIFIERS

router = APIRouter(tags=["Forms"])
router.mount("/maps/vendor/geoman", StaticFiles(
    directory=REPO_ROOT / "node_modules" / "@geoman-io" / "leaflet-geoman-free" / "dist",
    check_dir=False), name="vendor-geoman")
NOT_IN_FORMS = {"json"}  # structured values are written through the API, not a form


def _field(f: Field) -> dict:
    return {"name": f.name, "type": f.type, "label_vi": f.label_vi, "label_en": f.label_en,
            "unit": f.unit, "unit_en": f.unit_en, "required": f.required,
            "max_value": f.max_value,
            "choices": [_choice(c) for c in f.choices]}


def _choice(c: Choice) -> dict:
    return {"value": c.value, "label_vi": c.label_vi, "label_en": c.label_en}


def _metric(layer: Layer, name: str) -> dict:
    m = METRICS[name]
    total = m.total if m.total and (m.total in layer.metrics or layer.has_field(m.total)) \
        else None
    return {"name": name, "label_vi": m.label_vi, "label_en": m.label_en, "unit": m.unit,
            "unit_en": m.unit_en, "percent": m.percent, "integer": m.integer, "total": total,
            "periodic": m.periodic}


@router.get("/collections/{collectionId}/form",
            summary="What the edit forms of a layer are made from (the registry)")
async def form(request: Request, layer: p.LayerDep) -> dict:
    layer = editable(layer)
    async with pool(request).connection() as conn:
        docs = await (await conn.execute(
            "SELECT id, title, report_no, issued_on FROM source_document ORDER BY id"
        )).fetchall()
    return {"layer": layer.id, "title_vi": layer.title_vi, "title_en": layer.title_en,
            "geometry_type": layer.geometry_type,
            "geometry_from_admin": layer.geometry_from_admin,
            "fields": [_field(f) for f in layer.all_fields if f.type not in NOT_IN_FORMS],
            "metrics": [_metric(layer, m) for m in layer.metrics],
            # a figure's period and qualifier (layers/figures.py), the start-year field
            "periods": [{**_choice(k), "years": k.years, "years_required": k.years_required}
                        for k in PERIOD_KINDS],
            "qualifiers": [{**_choice(q), "sign": q.sign} for q in QUALIFIERS],
            "starts_field": layer.starts_field,
            "sources": [{"id": d, "label": source_label(t, r, i, None, None)}
                        for d, t, r, i in docs],
            "today": today().isoformat()}


@router.get("/collections/{collectionId}/items/{featureId}/may-edit",
            summary="May the signed-in user change this feature (and if not, why)?")
async def may_edit(request: Request, featureId: str, layer: p.LayerDep) -> dict:
    user = await current_user(request)
    if not (layer.editable and layer.managed_table):
        return {"may": False, "reason_vi": "Lớp này chỉ để xem.", "reason": "read-only layer"}
    async with pool(request).connection() as conn:
        row = await stored(conn, layer, featureId)
    if row is None:
        raise not_found(f"no feature {featureId!r} in {layer.id}")
    districts = feature_districts(layer, row[0])
    why = user.refusal(districts)
    several = len(set(districts)) > 1
    reason_vi = None if why is None else (
        "Đối tượng nằm ở nhiều quận/huyện: chỉ cán bộ quy hoạch được sửa." if several else
        f"Đối tượng không thuộc quận/huyện của bạn ({user.district}).")
    return {"may": why is None, "reason": why, "reason_vi": reason_vi,
            "etag": etag(row[2]), "user": user.name, "role": user.role,
            "district": user.district}
