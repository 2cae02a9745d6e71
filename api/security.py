"""What the API lets browsers and clients do: security headers, CORS for the read API,
request body limits and rate limits on writes (settings: :class:`gis.settings.SecuritySettings`).

- Every response carries a Content-Security-Policy that allows only our own origin
  (scripts, styles, images, fonts, connections), with a per-request nonce for the few
  inline ``<script>``/``<style>`` blocks of our templates (``{{ csp_nonce(request) }}``),
  style attributes allowed (they cannot run script),
  ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``.
- CORS: browsers on the configured origins may read (GET/HEAD), never write or send cookies.
- A body larger than the limit (announced or streamed) is refused with 413 before the
  route reads it; the routes that take a file have a limit of their own, and check that
  its bytes are what its name says (:mod:`gis.uploads`).
- Writes per user (bearer token or session cookie, else client address) and sign-in
  attempts per client address are counted in a sliding window kept in the database, the
  same for every worker process and host: above the limit, 429 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from html import escape
from urllib.parse import parse_qs

import orjson
import psycopg
from psycopg_pool import PoolTimeout
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import cookie_parser

from api.db import recheck, unavailable
from gis.errors import GISError
from gis.sessions import COOKIE as SESSION_COOKIE
from gis.settings import SecuritySettings, security_settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
NONCE_KEY = "csp_nonce"
log = logging.getLogger(__name__)


def csp(nonce: str) -> str:
    own = "'self'"
    return "; ".join([
        f"default-src {own}",
        f"script-src {own} 'nonce-{nonce}'",
        f"style-src {own} 'nonce-{nonce}'",
        # style attributes (bar widths, swatch colours) cannot run script, and what they
        # could fetch (url()) is held to our origin by img-src and font-src
        "style-src-attr 'unsafe-inline'",
        f"img-src {own} data: blob:",  # Leaflet's canvas and icons
        f"font-src {own}",
        f"connect-src {own}",
        f"worker-src {own} blob:",
        "object-src 'none'",
        f"base-uri {own}",
        f"form-action {own}",
        "frame-ancestors 'none'",
    ])


def csp_nonce(request) -> str:
    """The nonce of this request's Content-Security-Policy (for inline blocks)."""
    return request.scope.get("state", {}).get(NONCE_KEY, "")


def _error_html(err: GISError) -> bytes:
    """A browser form refused before its route (the sign-in page rate-limited): a short
    page, Vietnamese first, English under it, and the way back."""
    back = "/signin" if err.status == 429 else "/maps"
    return (f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{err.status} – '
            f'{escape(err.message_vi)}</title><main><h1>{err.status} – '
            f'{escape(err.message_vi)}</h1><p lang="en">{escape(err.message)}</p>'
            f'<p><a href="{back}">← Quay lại / Back</a></p></main></html>').encode()


async def _send_error(send, err: GISError, scope=None) -> None:
    accept = dict((scope or {}).get("headers") or []).get(b"accept", b"")
    html = b"text/html" in accept  # a browser's navigation (a form post)
    body = _error_html(err) if html else orjson.dumps(err.body())
    headers = [(b"content-type", b"text/html; charset=utf-8" if html else b"application/json"),
               (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), str(v).encode()) for k, v in (err.headers or {}).items()]
    await send({"type": "http.response.start", "status": err.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        extra = [(b"content-security-policy", csp(nonce).encode()),
                 (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"strict-origin-when-cross-origin"),
                 (b"x-frame-options", b"DENY")]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The routes that take a file (multipart or the raw body), the only ones allowed a body
# above GIS_SECURITY_MAX_BODY_BYTES: the report import and the feature import. Each
# checks the file's bytes against its type itself (gis.uploads).
UPLOAD_PATHS = ("/reports/review", "/import/features/")


class BodyLimitMiddleware:
    """413 for a body above the limit, whether announced by Content-Length or streamed;
    uploads (``UPLOAD_PATHS``) have a limit of their own."""

    def __init__(self, app, max_body: int, max_upload: int):
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        upload = scope["path"].startswith(UPLOAD_PATHS)
        limit = self.max_upload if upload else self.max_body
        setting = "MAX_UPLOAD_BYTES" if upload else "MAX_BODY_BYTES"
        named = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("filename")
        error = GISError(413, (f"{named[0]}: " if named else "") +
                         f"request body larger than {limit} bytes", parameter="file" if
                         upload else None,
                         hint=f"send less, or raise GIS_SECURITY_{setting} on the server",
                         vi=(f"{named[0]}: " if named else "") + f"dữ liệu gửi lớn hơn "
                         f"{limit} byte", hint_vi=f"hãy gửi ít hơn, hoặc tăng "
                         f"GIS_SECURITY_{setting} trên máy chủ")
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                return await _send_error(send, GISError(400, "invalid Content-Length"), scope)
            if too_big:
                return await _send_error(send, error, scope)
        # no Content-Length (chunked): read up to the limit before the route sees any
        chunks, received, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > limit:
                return await _send_error(send, error, scope)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def client_key(scope) -> str:
    """Who writes: the bearer token or the session cookie's value (hashed, never kept;
    other cookies do not count, so that adding one makes no new writer), else the client
    address."""
    headers = dict(scope["headers"])
    credential = headers.get(b"authorization")
    if credential is None and b"cookie" in headers:  # read as the app reads it
        session = cookie_parser(headers[b"cookie"].decode("latin-1")).get(SESSION_COOKIE)
        credential = session.encode() if session else None
    if credential:
        return "u:" + hashlib.sha256(credential).hexdigest()
    client = scope.get("client") or ("?", 0)
    return f"ip:{client[0]}"


class SharedWindow:
    """At most ``rate`` events per ``window`` seconds per key, counted in the database
    (``rate_limit_hit``, migration 0012): every worker process and host counts the same
    events, under an advisory lock of the key."""

    def __init__(self, name: str, rate: int, window: float):
        self.name, self.rate, self.window = name, rate, window

    async def hit(self, pool, key: str) -> float:
        """Count an event; 0 if allowed, else the seconds until one is allowed again.
        Raises what the pool raises when the database is away."""
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT rate_limit_hit(%s, %s, %s)",
                                     (f"{self.name}:{key}", self.rate, self.window))
            return float((await cur.fetchone())[0])


class RateLimitMiddleware:
    """429 with ``Retry-After`` above the limits, counted in the database for all workers;
    a database that cannot count is a 503 (the write could not be stored either)."""

    def __init__(self, app, cfg: SecuritySettings):
        self.app = app
        self.writes = SharedWindow("write", cfg.write_rate, cfg.write_window)
        self.address_writes = SharedWindow("write-address", cfg.address_write_rate,
                                           cfg.write_window)
        self.signins = SharedWindow("signin", cfg.signin_rate, cfg.write_window)
        self.signin_paths = tuple(p.strip() for p in cfg.signin_paths.split(",") if p.strip())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            return await self.app(scope, receive, send)
        path = scope["path"]
        client = scope.get("client") or ("?", 0)
        address = f"ip:{client[0]}"
        if path.startswith(self.signin_paths):
            counted = [(self.signins, address)]
            what, what_vi = "sign-in attempts", "lần đăng nhập"
        else:
            key = client_key(scope)
            counted = [(self.writes, key)] + (
                [(self.address_writes, address)] if key != address else [])
            what, what_vi = "writes", "lần ghi"
        pool = getattr(scope["app"].state, "pool", None)
        if pool is None:  # no lifespan, no database: the route cannot write either
            return await self.app(scope, receive, send)
        try:
            wait = 0.0
            for window, key in counted:
                wait = max(wait, await window.hit(pool, key))
        except (psycopg.Error, PoolTimeout) as exc:
            log.warning("rate limit not counted: %s", exc)
            recheck(scope["app"])
            return await _send_error(send, unavailable("the database is unavailable"), scope)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            return await _send_error(send, GISError(
                429, f"too many {what}: try again in {retry} s", headers={"Retry-After": retry},
                vi=f"Quá nhiều {what_vi}: hãy thử lại sau {retry} giây"), scope)
        await self.app(scope, receive, send)


def cors_origins(cfg: SecuritySettings) -> list[str]:
    return [o.strip() for o in cfg.cors_origins.split(",") if o.strip()]


def install(app) -> None:
    """Add the middlewares (call after the app's own, so that these run first)."""
    cfg = security_settings()
    app.add_middleware(RateLimitMiddleware, cfg=cfg)
    app.add_middleware(BodyLimitMiddleware, max_body=cfg.max_body_bytes,
                       max_upload=cfg.max_upload_bytes)
    app.add_middleware(CORSMiddleware, allow_origins=cors_origins(cfg),
                       allow_methods=["GET", "HEAD"], allow_credentials=False,
                       allow_headers=["Accept", "Accept-Language", "If-None-Match"],
                       expose_headers=["ETag", "Link", "Content-Crs", "Retry-After"],
                       max_age=600)
    app.add_middleware(SecurityHeadersMiddleware)
