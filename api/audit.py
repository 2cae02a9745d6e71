"""The audit trail: one ``audit_log`` row per change made through the API or the CLI
(who, when, what, the state before and after, a reason), and per refused write (its
status and message). Item and progress writes name a layer and a feature; admin actions
name ``app_user`` or ``api_token`` and the user or token; sign-ins name ``session``;
CLI actions are done by ``cli:<system user>``."""

from __future__ import annotations

import getpass
import logging

from fastapi import Request
from psycopg.types.json import Jsonb

from gis.errors import GISError

log = logging.getLogger("gis.audit")
REFUSED = (401, 403, 412, 428)
SAFE = {"GET", "HEAD", "OPTIONS"}
INSERT = ("INSERT INTO audit_log (user_name, action, layer_id, feature_id, before, after, "
          "status, reason, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")


def _json(value):
    return None if value is None else Jsonb(value)


def _params(user_name, action, subject, key, before, after, status, reason, detail):
    return (user_name, action, subject, key, _json(before), _json(after), status, reason,
            _json(detail))


async def record(conn, user_name: str, action: str, subject: str, key: str,
                 before, after, *, status: int | None = None, reason: str | None = None,
                 detail=None) -> None:
    """Written in the caller's transaction, so a change and its record land together."""
    await conn.execute(INSERT, _params(user_name, action, subject, key, before, after,
                                       status, reason, detail))


def cli_user() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def record_cli(conn, action: str, subject: str, key: str, before=None, after=None,
               reason: str | None = None) -> None:
    """A CLI action (``gis user …``, ``gis token …``, ``gis load``), on a sync connection."""
    conn.execute(INSERT, _params(cli_user(), action, subject, key, before, after, None,
                                 reason, None))


def _subject(path: str) -> tuple[str, str]:
    """(layer or area, feature or rest) of a refused request's path."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "collections":
        return parts[1], parts[3] if len(parts) > 3 else ""
    return (parts[0] if parts else "/"), "/".join(parts[1:])


async def refused(request: Request, exc: GISError) -> None:
    """Record a refused write (401/403/412/428) in a transaction of its own."""
    if exc.status not in REFUSED or request.method in SAFE:
        return
    from api.db import pool

    user = getattr(request.state, "user", None)
    subject, key = _subject(request.url.path)
    try:
        async with pool(request).connection() as conn, conn.transaction():
            await record(conn, user.name if user else "anonymous",
                         f"refused_{request.method.lower()}", subject, key, None, None,
                         status=exc.status, reason=exc.message,
                         detail={"path": request.url.path,
                                 "address": request.client.host if request.client else None})
    except Exception:  # the refusal is answered whatever happens to its record
        log.exception("could not record a refused write")
