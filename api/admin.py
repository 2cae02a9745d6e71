"""Users and tokens for the ``admin`` role (what ``gis user add`` / ``gis token create`` do).

A token is shown once, when issued; only its SHA-256 is stored (``api_token``), and that
hash is the token's id. Every change is audited like item writes (``audit_log``, with
``layer_id`` ``app_user`` or ``api_token``); no token secret ever reaches the audit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api import audit
from api.auth import ROLES, User, current_user, new_token, role_problem, token_hash
from api.db import pool
from api.errors import APIError, bad_request, not_found

router = APIRouter(prefix="/admin", tags=["Admin"])
USER_SQL = "SELECT name, role, district_code, created_at FROM app_user"
TOKEN_SQL = "SELECT token_sha256, user_name, created_at, revoked_at FROM api_token"


async def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role != "admin":
        raise APIError(403, f"user {user.name!r} ({user.role}) may not manage users and tokens")
    return user


AdminDep = Annotated[User, Depends(admin_user)]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    role: str = Field(description=", ".join(ROLES))
    district: str | None = Field(None, description="GSO district code (district officers)")


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    district: str | None = None


def _user(row) -> dict:
    return {"name": row[0], "role": row[1], "district": row[2], "created": row[3].isoformat()}


def _token(row) -> dict:
    return {"id": row[0], "user": row[1], "created": row[2].isoformat(),
            "revoked": row[3] and row[3].isoformat()}


async def _check(conn, role: str, district: str | None) -> None:
    if problem := role_problem(role, district):
        raise bad_request(f"{problem[0]}: {problem[1]}", problem[0])
    if district and await (await conn.execute(
            "SELECT 1 FROM admin_district WHERE code = %s", (district,))).fetchone() is None:
        raise bad_request(f"district: unknown district {district!r}", "district")


async def _get_user(conn, name: str, lock: bool = False) -> dict:
    lock_sql = " FOR UPDATE" if lock else ""
    row = await (await conn.execute(USER_SQL + " WHERE name = %s" + lock_sql,
                                    (name,))).fetchone()
    if row is None:
        raise not_found(f"no user {name!r}")
    return _user(row)


@router.get("/users", summary="List users with their role and district")
async def list_users(request: Request, admin: AdminDep) -> list[dict]:
    async with pool(request).connection() as conn:
        return [_user(r) for r in await (await conn.execute(USER_SQL + " ORDER BY name"))
                .fetchall()]


@router.post("/users", status_code=201, summary="Add a user")
async def add_user(request: Request, admin: AdminDep, new: NewUser) -> dict:
    async with pool(request).connection() as conn, conn.transaction():
        await _check(conn, new.role, new.district)
        row = await (await conn.execute(
            "INSERT INTO app_user (name, role, district_code) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO NOTHING RETURNING name, role, district_code, created_at",
            (new.name, new.role, new.district))).fetchone()
        if row is None:
            raise APIError(409, f"user {new.name!r} already exists")
        await audit.record(conn, admin.name, "create", "app_user", new.name, None, _user(row))
    return _user(row)


@router.patch("/users/{name}", summary="Change a user's role and/or district")
async def change_user(request: Request, name: str, admin: AdminDep, change: UserChange) -> dict:
    async with pool(request).connection() as conn, conn.transaction():
        before = await _get_user(conn, name, lock=True)
        role = change.role if change.role is not None else before["role"]
        district = change.district if "district" in change.model_fields_set \
            else before["district"]
        await _check(conn, role, district)
        row = await (await conn.execute(
            "UPDATE app_user SET role = %s, district_code = %s WHERE name = %s "
            "RETURNING name, role, district_code, created_at", (role, district, name))).fetchone()
        await audit.record(conn, admin.name, "update", "app_user", name, before, _user(row))
    return _user(row)


@router.post("/users/{name}/tokens", status_code=201,
             summary="Issue a token (shown only in this response)")
async def issue_token(request: Request, name: str, admin: AdminDep) -> dict:
    token = new_token()
    async with pool(request).connection() as conn, conn.transaction():
        await _get_user(conn, name)
        row = await (await conn.execute(
            "INSERT INTO api_token (token_sha256, user_name) VALUES (%s, %s) "
            "RETURNING token_sha256, user_name, created_at, revoked_at",
            (token_hash(token), name))).fetchone()
        await audit.record(conn, admin.name, "create", "api_token", row[0], None, _token(row))
    return {**_token(row), "token": token}


@router.get("/users/{name}/tokens", summary="A user's tokens (ids and dates, no secrets)")
async def list_tokens(request: Request, name: str, admin: AdminDep) -> list[dict]:
    async with pool(request).connection() as conn:
        await _get_user(conn, name)
        rows = await (await conn.execute(TOKEN_SQL + " WHERE user_name = %s ORDER BY "
                                         "created_at, token_sha256", (name,))).fetchall()
    return [_token(r) for r in rows]


@router.delete("/tokens/{token_id}", summary="Revoke a token (its id is its SHA-256)")
async def revoke_token(request: Request, token_id: str, admin: AdminDep) -> dict:
    async with pool(request).connection() as conn, conn.transaction():
        row = await (await conn.execute(TOKEN_SQL + " WHERE token_sha256 = %s FOR UPDATE",
                                        (token_id,))).fetchone()
        if row is None:
            raise not_found(f"no token {token_id!r}")
        if row[3] is not None:  # already revoked: nothing changes
            return _token(row)
        after = await (await conn.execute(
            "UPDATE api_token SET revoked_at = now() WHERE token_sha256 = %s "
            "RETURNING token_sha256, user_name, created_at, revoked_at", (token_id,))).fetchone()
        await audit.record(conn, admin.name, "revoke", "api_token", token_id, _token(row),
                           _token(after))
    return _token(after)
