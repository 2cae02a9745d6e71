"""Who is asking: an ``Authorization: Bearer`` token (API clients) or the session cookie
of a signed-in browser (:mod:`api.session`), handed to :mod:`gis.users` and
:mod:`gis.sessions` (users, roles, tokens, sessions and the district rule live there).

A write authenticated by the cookie must carry the session's CSRF token in the
``X-CSRF-Token`` header (forms send it as ``csrf_token`` and are checked by their own
route); ``request.state.user`` names the user for the audit of refused writes.
"""

from __future__ import annotations

import secrets

from fastapi import Request

from api.db import pool
from gis.errors import GISError
from gis.sessions import COOKIE, Session, session_of
from gis.users import User, arun, user_of_token

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cantho-gis"'}
SAFE = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"


async def browser_session(request: Request) -> Session | None:
    """The session of the request's cookie, if it is live."""
    if hasattr(request.state, "session"):
        return request.state.session
    value = request.cookies.get(COOKIE)
    session = None
    if value:
        async with pool(request).connection() as conn:
            session = await arun(conn, session_of(value))
    request.state.session = session
    return session


def check_csrf(session: Session, given: str | None) -> None:
    if not given or not secrets.compare_digest(given, session.csrf):
        raise GISError(403, "missing or wrong CSRF token: reload the page and try again",
                       parameter="csrf_token",
                       vi="Phiên biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF): hãy tải lại "
                       "trang rồi thử lại")


def via_cookie(request: Request) -> bool:
    """Was the request authenticated by the session cookie (a browser)?"""
    return getattr(request.state, "via_cookie", False)


async def current_user(request: Request) -> User:
    """The user of the bearer token, else of the session cookie, else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if header:
        if scheme.lower() != "bearer" or not token.strip():
            raise GISError(401, "this operation needs 'Authorization: Bearer <token>'",
                           headers=CHALLENGE,
                           vi="Thao tác này cần 'Authorization: Bearer <token>'")
        async with pool(request).connection() as conn:
            user = await arun(conn, user_of_token(token))
        if user is None:
            raise GISError(401, "unknown, expired or revoked token", headers=CHALLENGE,
                           vi="Mã truy cập (token) không đúng, đã hết hạn hoặc đã bị thu hồi")
        request.state.user = user
        return user
    session = await browser_session(request)
    if session is None:
        raise GISError(401, "sign in (/signin) or send 'Authorization: Bearer <token>'",
                       headers=CHALLENGE, vi="Chưa đăng nhập hoặc phiên đã hết hạn: hãy đăng "
                       "nhập (/signin) hoặc gửi 'Authorization: Bearer <token>'")
    request.state.user = session.user
    request.state.via_cookie = True
    if request.method not in SAFE:
        check_csrf(session, request.headers.get(CSRF_HEADER))
    return session.user
