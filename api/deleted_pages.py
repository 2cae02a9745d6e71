"""Deleted features of a layer, for planners: ``GET /collections/{id}/deleted`` as JSON
(API clients) or, for a browser (``f=html`` or its ``Accept``), as a page with the name,
who deleted the feature, when and why, and a Restore button; the button posts the form
(``POST /collections/{id}/deleted``, with the session's CSRF token) that restores it
through :func:`api.restore.restore_feature` (the same checks and audit as the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api import audit, changes
from api import params as p
from api.access import editable
from api.auth import browser_session, check_csrf, current_user
from api.db import pool
from api.editable import editable_layers
from api.html import FormatParam, negotiate
from api.pages import lang, page_session, render
from api.restore import deleted_list, deleted_rows, planner, restore_feature
from gis.errors import GISError
from gis.users import WRITE_EVERYWHERE
from maps.web import error_page

router = APIRouter(tags=["Transactions"])
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def _when(at: datetime) -> str:
    return at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")


@router.get("/collections/{collectionId}/deleted",
            summary="Deleted features (planners): who deleted them, when and why "
            "(JSON, or a page with Restore buttons for a browser)")
async def list_deleted(request: Request, layer: p.LayerDep, f: FormatParam = None):
    layer = editable(layer)
    if negotiate(request, f) != "html":
        user = await current_user(request)
        planner(user)
        async with pool(request).connection() as conn:
            return JSONResponse(deleted_list(layer, await deleted_rows(conn, layer)))
    session = await page_session(request)
    if isinstance(session, Response):
        return session
    if session.user.role not in WRITE_EVERYWHERE:  # said on the page, in the person's language
        return render(request, "deleted.html", 403, layer=layer, entries=[], refused=True,
                      layers=editable_layers(), user=session.user)
    async with pool(request).connection() as conn:
        rows = await deleted_rows(conn, layer)
    rows.sort(key=lambda r: r[1], reverse=True)  # the latest first
    entries = [{**e, "name": e["name"] or e["id"], "when": _when(r[1])}
               for r, e in zip(rows, deleted_list(layer, rows), strict=True)]
    response = render(request, "deleted.html", layer=layer, entries=entries,
                      csrf=session.csrf, layers=editable_layers(),
                      restored=request.query_params.get("restored"))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/collections/{collectionId}/deleted", include_in_schema=False)
async def restore_form(request: Request, layer: p.LayerDep,
                       csrf_token: Annotated[str, Form()] = "",
                       feature: Annotated[str, Form(max_length=200)] = "",
                       reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    try:
        return await _restore(request, layer, csrf_token, feature, reason)
    except GISError as exc:  # a browser form: an error page, Vietnamese then English
        await audit.refused(request, exc)
        return error_page(request, exc.status, exc.message, exc.vi)


async def _restore(request: Request, layer, csrf_token: str, feature: str,
                   reason: str) -> Response:
    layer = editable(layer)
    session = await browser_session(request)
    if session is None:
        raise GISError(401, "sign in (/signin)", vi="Hãy đăng nhập (/signin)")
    request.state.user = session.user
    check_csrf(session, csrf_token)
    planner(session.user)
    async with pool(request).connection() as conn, conn.transaction():
        await restore_feature(conn, layer, feature, session.user, reason.strip() or None)
    changes.invalidate(request.app, layer)
    back = f"/collections/{layer.id}/deleted?f=html&restored={quote(feature)}"
    return RedirectResponse(back + ("&lang=en" if lang(request) == "en" else ""),
                            status_code=303)
