"""Bearer tokens and roles.

Tokens are stored as their SHA-256 (``api_token``); users (``app_user``) have a role:

* ``admin`` and ``planner``: may write every editable layer;
* ``district_officer``: only features whose ``districts`` include the user's district
  (before and after the change), else 403.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from fastapi import Request

from api.db import pool
from api.errors import APIError

ROLES = ("admin", "planner", "district_officer")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cantho-gis"'}


@dataclass(frozen=True)
class User:
    name: str
    role: str
    district: str | None

    def may_edit(self, districts: list[str] | None) -> bool:
        if self.role in ("admin", "planner"):
            return True
        return self.role == "district_officer" and bool(districts) \
            and self.district in districts


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "ctg_" + secrets.token_urlsafe(32)


async def current_user(request: Request) -> User:
    """The user of the request's ``Authorization: Bearer`` token, else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(401, "this operation needs 'Authorization: Bearer <token>'",
                       headers=CHALLENGE)
    async with pool(request).connection() as conn:
        row = await (await conn.execute(
            "SELECT u.name, u.role, u.district_code FROM api_token t "
            "JOIN app_user u ON u.name = t.user_name "
            "WHERE t.token_sha256 = %s AND t.revoked_at IS NULL",
            (token_hash(token.strip()),))).fetchone()
    if row is None:
        raise APIError(401, "unknown or revoked token", headers=CHALLENGE)
    return User(*row)


def role_problem(role: str, district: str | None) -> tuple[str, str] | None:
    """``(field, reason)`` when a role and district do not go together (the district's
    existence is checked against the database by the callers)."""
    if role not in ROLES:
        return "role", f"unknown role {role!r} (roles: {', '.join(ROLES)})"
    if role == "district_officer" and not district:
        return "district", "a district_officer needs a district (GSO code, e.g. 916)"
    return None


def create_user(conn, name: str, role: str, district: str | None) -> None:
    if problem := role_problem(role, district):
        raise ValueError(problem[1])
    if district and conn.execute("SELECT 1 FROM admin_district WHERE code = %s",
                                 (district,)).fetchone() is None:
        raise ValueError(f"unknown district {district!r}")
    conn.execute("INSERT INTO app_user (name, role, district_code) VALUES (%s, %s, %s) "
                 "ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, "
                 "district_code = EXCLUDED.district_code", (name, role, district))


def create_token(conn, name: str) -> str:
    """A new token for user ``name``; only its hash is stored, so show it once."""
    if conn.execute("SELECT 1 FROM app_user WHERE name = %s", (name,)).fetchone() is None:
        raise ValueError(f"no user {name!r} (add one with `gis user add`)")
    token = new_token()
    conn.execute("INSERT INTO api_token (token_sha256, user_name) VALUES (%s, %s)",
                 (token_hash(token), name))
    return token
