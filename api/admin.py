"""Users and tokens for the ``admin`` role (what ``gis user add`` / ``gis token create`` do,
through the same operations of :mod:`gis.users`).

A token is shown once, when issued; only its SHA-256 is stored (``api_token``), and that
hash is the token's id. Every change is audited like item writes (``audit_log``, with
``layer_id`` ``app_user`` or ``api_token``); no token secret ever reaches the audit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api import audit
from api.auth import current_user
from api.db import pool
from gis import users
from gis.errors import GISError
from gis.passwords import hash_password
from gis.users import ROLES, User, arun

router = APIRouter(prefix="/admin", tags=["Admin"])


async def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.manages_users:
        raise GISError(403, f"user {user.name!r} ({user.role}) may not manage users and tokens")
    return user


AdminDep = Annotated[User, Depends(admin_user)]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    role: str = Field(description=", ".join(ROLES))
    district: str | None = Field(None, description="district officers: the district's name "
                                 "or GSO code")
    password: str | None = Field(None, max_length=1024, description="to sign in in the browser")


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200, description="what the token is for")
    days: int | None = Field(users.TOKEN_DAYS, description="expires after (null: never)")


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    district: str | None = None


@router.get("/users", summary="List users with their role and district")
async def list_users(request: Request, admin: AdminDep) -> list[dict]:
    async with pool(request).connection() as conn:
        return await arun(conn, users.list_users())


@router.post("/users", status_code=201, summary="Add a user")
async def add_user(request: Request, admin: AdminDep, new: NewUser) -> dict:
    async with pool(request).connection() as conn, conn.transaction():
        hashed = None if new.password is None else hash_password(new.password)
        after = await arun(conn, users.add_user(new.name, new.role, new.district,
                                                password_hash=hashed))
        await audit.record(conn, admin.name, "create", "app_user", new.name, None, after)
    return after


@router.patch("/users/{name}", summary="Change a user's role and/or district")
async def change_user(request: Request, name: str, admin: AdminDep, change: UserChange) -> dict:
    async with pool(request).connection() as conn, conn.transaction():
        before, after = await arun(conn, users.change_user(
            name, change.role, change.district, "district" in change.model_fields_set))
        await audit.record(conn, admin.name, "update", "app_user", name, before, after)
    return after


@router.post("/users/{name}/tokens", status_code=201,
             summary="Issue a token (shown only in this response)")
async def issue_token(request: Request, name: str, admin: AdminDep,
                      new: NewToken | None = None) -> dict:
    new = new or NewToken()
    async with pool(request).connection() as conn, conn.transaction():
        token, record = await arun(conn, users.issue_token(name, new.name, new.days))
        await audit.record(conn, admin.name, "create", "api_token", record["id"], None, record)
    return {**record, "token": token}


@router.get("/users/{name}/tokens", summary="A user's tokens (ids and dates, no secrets)")
async def list_tokens(request: Request, name: str, admin: AdminDep) -> list[dict]:
    async with pool(request).connection() as conn:
        return await arun(conn, users.list_tokens(name))


@router.delete("/tokens/{token_id}", summary="Revoke a token (its id is its SHA-256)")
async def revoke_token(request: Request, token_id: str, admin: AdminDep) -> dict:
    async with pool(request).connection() as conn, conn.transaction():
        before, after = await arun(conn, users.revoke_token(token_id))
        if after is not before:  # already revoked: nothing changes, nothing to audit
            await audit.record(conn, admin.name, "revoke", "api_token", token_id, before,
                               after)
    return after
