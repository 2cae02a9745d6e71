"""The admin's pages: ``/admin/audit`` (HTML, or JSON with ``?f=json`` / ``Accept:
application/json``; filters user, layer, feature, action, from, to; before and after side
by side) and ``/admin/people`` (users and tokens as a page, over the operations of
:mod:`gis.users` that ``/admin/users`` and the CLI use; forms carry the CSRF token)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api import audit
from api.auth import browser_session, check_csrf, current_user
from api.db import pool
from api.editable import editable_layers
from api.pages import page_session, render
from api.params import typed_day
from gis import users
from gis.errors import GISError, bad_request
from gis.passwords import hash_password
from gis.users import ROLES, arun

router = APIRouter(prefix="/admin", tags=["Admin"])
FILTERS = ("user", "layer", "feature", "action")
PAGE = 200
ISSUED = "gis_issued_token"  # a new token, shown once on the next page


async def _admin(request: Request):
    """The admin of a page (session) or of a JSON request (token or session)."""
    wants_json = request.query_params.get("f") == "json" or \
        "application/json" in request.headers.get("accept", "")
    if wants_json or request.headers.get("authorization"):
        user = await current_user(request)
    else:
        session = await page_session(request)
        if isinstance(session, Response):
            return session, wants_json
        user = session.user
    if not user.manages_users:
        raise GISError(403, f"user {user.name!r} ({user.role}) may not read the audit trail "
                       "or manage users")
    return user, wants_json


@router.get("/audit", summary="The audit trail (HTML or JSON), filtered")
async def audit_page(request: Request):
    user, wants_json = await _admin(request)
    if isinstance(user, Response):
        return user
    q = request.query_params
    given = {k: q.get(k) or None for k in FILTERS}
    since, until = typed_day(q.get("from"), "from"), typed_day(q.get("to"), "to")
    async with pool(request).connection() as conn:
        rows = await (await conn.execute(
            "SELECT id, at, user_name, action, layer_id, feature_id, before, after, status, "
            "reason, detail FROM audit_log WHERE (%(user)s::text IS NULL OR user_name = "
            "%(user)s) AND (%(layer)s::text IS NULL OR layer_id = %(layer)s) AND "
            "(%(feature)s::text IS NULL OR feature_id = %(feature)s) AND (%(action)s::text IS "
            "NULL OR action = %(action)s) AND (%(since)s::date IS NULL OR at >= %(since)s) AND "
            "(%(until)s::date IS NULL OR at < %(until)s) ORDER BY id DESC LIMIT %(n)s",
            {**given, "since": since, "until": until and until + timedelta(days=1),
             "n": PAGE})).fetchall()
        actions = [a for (a,) in await (await conn.execute(
            "SELECT DISTINCT action FROM audit_log ORDER BY 1")).fetchall()]
    entries = [dict(zip(("id", "at", "user", "action", "layer", "feature", "before", "after",
                         "status", "reason", "detail"), r, strict=True)) for r in rows]
    if wants_json:
        return JSONResponse([{**e, "at": e["at"].isoformat()} for e in entries])
    for e in entries:
        keys = sorted(set(e["before"] or {}) | set(e["after"] or {}))
        e["changes"] = [(k, (e["before"] or {}).get(k), (e["after"] or {}).get(k)) for k in keys
                        if (e["before"] or {}).get(k) != (e["after"] or {}).get(k)]
    return render(request, "admin_audit.html", deleted_layers=editable_layers(),
                  entries=entries, given=given, actions=actions,
                  since=q.get("from", ""), until=q.get("to", ""), limit=PAGE)


@router.get("/people", response_class=HTMLResponse, summary="Users and tokens (a page)")
async def people_page(request: Request):
    user, _ = await _admin(request)
    if isinstance(user, Response):
        return user
    async with pool(request).connection() as conn:
        people = await arun(conn, users.list_users())
        tokens = await arun(conn, users.list_tokens())
        districts = await (await conn.execute(
            "SELECT code, name FROM admin_district ORDER BY name")).fetchall()
    session = await browser_session(request)
    response = render(request, "admin_people.html", deleted_layers=editable_layers(),
                      people=people, tokens=tokens, roles=ROLES,
                      districts=districts, csrf=session.csrf if session else "",
                      issued=request.cookies.get(ISSUED))
    response.delete_cookie(ISSUED, path="/admin/people", secure=True, httponly=True)
    return response


async def _form_admin(request: Request, csrf_token: str):
    session = await browser_session(request)
    if session is None:
        raise GISError(401, "sign in (/signin)")
    request.state.user = session.user
    check_csrf(session, csrf_token)
    if not session.user.manages_users:
        raise GISError(403, f"user {session.user.name!r} may not manage users")
    return session.user


@router.post("/people", include_in_schema=False)
async def people_action(request: Request, csrf_token: Annotated[str, Form()] = "",
                        action: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                        role: Annotated[str, Form()] = "", district: Annotated[str, Form()] = "",
                        password: Annotated[str, Form()] = "",
                        label: Annotated[str, Form()] = "", days: Annotated[int, Form()] = 90,
                        token_id: Annotated[str, Form()] = ""):
    admin = await _form_admin(request, csrf_token)
    response = RedirectResponse("/admin/people", status_code=303)
    async with pool(request).connection() as conn, conn.transaction():
        if action == "add":
            after = await arun(conn, users.add_user(
                name.strip(), role, district or None,
                password_hash=hash_password(password) if password else None))
            await audit.record(conn, admin.name, "create", "app_user", name, None, after)
        elif action == "passwd":
            await arun(conn, users.set_password(name, hash_password(password)))
            await audit.record(conn, admin.name, "password", "app_user", name, None, None)
        elif action == "token":
            token, record = await arun(conn, users.issue_token(name, label or None, days))
            await audit.record(conn, admin.name, "create", "api_token", record["id"], None,
                               record)
            # shown once, on the next page only
            response.set_cookie(ISSUED, token, max_age=60, path="/admin/people",
                                secure=True, httponly=True, samesite="strict")
        elif action == "revoke":
            before, after = await arun(conn, users.revoke_token(token_id))
            if after is not before:
                await audit.record(conn, admin.name, "revoke", "api_token", token_id, before,
                                   after)
        else:
            raise bad_request(f"unknown action {action!r}", "action")
    return response
