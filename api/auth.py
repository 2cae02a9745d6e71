"""Who is asking: the ``Authorization: Bearer`` header read and handed to :mod:`gis.users`
(users, roles, tokens and the district rule live there)."""

from __future__ import annotations

from fastapi import Request

from api.db import pool
from gis.errors import GISError
from gis.users import User, arun, user_of_token

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cantho-gis"'}


async def current_user(request: Request) -> User:
    """The user of the request's ``Authorization: Bearer`` token, else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise GISError(401, "this operation needs 'Authorization: Bearer <token>'",
                       headers=CHALLENGE)
    async with pool(request).connection() as conn:
        user = await arun(conn, user_of_token(token))
    if user is None:
        raise GISError(401, "unknown or revoked token", headers=CHALLENGE)
    return user
