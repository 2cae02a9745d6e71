"""Signing in and out in the browser.

``GET /signin`` shows the form; ``POST /signin`` checks the password (argon2, through
:mod:`gis.passwords`), slows and then locks repeated failures per user and per address
(:mod:`gis.sessions`), logs and audits every attempt, and opens a session: a cookie that
is ``Secure``, ``HttpOnly`` and ``SameSite=Lax``, which ends when unused for
``gis.sessions.IDLE_MINUTES``. The sign-in form itself is protected against CSRF by a
double-submit cookie; once signed in, the session's own CSRF token protects every form
(``csrf_token``) and every cookie-authenticated write (``X-CSRF-Token``, see
:mod:`api.auth`). ``GET /session`` tells scripts who is signed in and the CSRF token;
``POST /signout`` ends the session.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api import audit
from api.auth import browser_session, check_csrf
from api.db import pool
from api.pages import render, safe_next
from gis import sessions
from gis.passwords import verify
from gis.users import arun

router = APIRouter(tags=["Session"])
log = logging.getLogger("gis.signin")
PRE_CSRF = "gis_signin_csrf"


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _cookie(response: Response, name: str, value: str, path: str = "/") -> None:
    response.set_cookie(name, value, path=path, secure=True, httponly=True, samesite="lax")


def _form(request: Request, status: int = 200, error: str | None = None,
          next_: str | None = None, username: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", status, csrf=token, error=error,
                      next=safe_next(next_ or request.query_params.get("next")),
                      username=username)
    _cookie(response, PRE_CSRF, token, path="/signin")
    return response


@router.get("/signin", response_class=HTMLResponse, summary="The sign-in page")
async def signin_page(request: Request) -> HTMLResponse:
    return _form(request)


@router.post("/signin", response_class=HTMLResponse, summary="Sign in (form)")
async def signin(request: Request, username: Annotated[str, Form(max_length=64)],
                 password: Annotated[str, Form(max_length=1024)],
                 csrf_token: Annotated[str, Form()] = "",
                 next: Annotated[str, Form()] = "/maps") -> Response:
    pre = request.cookies.get(PRE_CSRF, "")
    if not pre or not secrets.compare_digest(pre, csrf_token):
        return _form(request, 403, "csrf", next, username)
    name, address = username.strip(), _address(request)
    async with pool(request).connection() as conn, conn.transaction():
        until = await arun(conn, sessions.blocked_until(name, address))
        if until is not None:
            log.warning("sign-in refused for %r from %s: locked until %s", name, address,
                        until.isoformat())
            await audit.record(conn, name, "signin_blocked", "session", name, None, None,
                               status=429, reason=f"locked until {until.isoformat()}",
                               detail={"address": address})
        stored = None if until else await arun(conn, sessions.password_of(name))
    if until is not None:
        wait = max(1, int((until - until.now(until.tzinfo)).total_seconds()) + 1)
        response = _form(request, 429, "locked", next, name)
        response.headers["Retry-After"] = str(wait)
        return response
    ok = await asyncio.to_thread(verify, stored, password)
    async with pool(request).connection() as conn, conn.transaction():
        if not ok:
            failures = await arun(conn, sessions.record_failure(name, address))
            log.warning("failed sign-in for %r from %s (%d in a row)", name, address, failures)
            await audit.record(conn, name, "signin_failed", "session", name, None, None,
                               status=401, reason=f"wrong user name or password "
                               f"({failures} in a row)", detail={"address": address})
        else:
            await arun(conn, sessions.clear_failures(name, address))
            value, _ = await arun(conn, sessions.open_session(name, address))
            await audit.record(conn, name, "signin", "session", name, None, None,
                               detail={"address": address})
    if not ok:
        return _form(request, 401, "wrong", next, name)
    log.info("%r signed in from %s", name, address)
    response = RedirectResponse(safe_next(next), status_code=303)
    _cookie(response, sessions.COOKIE, value)
    response.delete_cookie(PRE_CSRF, path="/signin")
    return response


@router.get("/session", summary="Who is signed in (and the CSRF token for writes)")
async def whoami(request: Request) -> JSONResponse:
    session = await browser_session(request)
    if session is None:
        return JSONResponse({"user": None}, headers={"Cache-Control": "no-store"})
    u = session.user
    return JSONResponse({"user": u.name, "role": u.role, "district": u.district,
                         "csrf": session.csrf, "idle_minutes": sessions.IDLE_MINUTES},
                        headers={"Cache-Control": "no-store"})


@router.post("/signout", summary="Sign out (form with csrf_token, or X-CSRF-Token)")
async def signout(request: Request,
                  csrf_token: Annotated[str | None, Form()] = None) -> Response:
    session = await browser_session(request)
    if session is not None:
        check_csrf(session, csrf_token or request.headers.get("x-csrf-token"))
        async with pool(request).connection() as conn, conn.transaction():
            await arun(conn, sessions.close_session(request.cookies[sessions.COOKIE]))
            await audit.record(conn, session.user.name, "signout", "session",
                               session.user.name, None, None)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", secure=True, httponly=True,
                           samesite="lax")
    return response
