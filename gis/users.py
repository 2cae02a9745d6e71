"""Users, roles and bearer tokens: who may write what.

Users (``app_user``) have a role:

* ``admin``: manages users and tokens, and writes every editable layer;
* ``planner``: writes every editable layer;
* ``district_officer``: only features whose ``districts`` include the user's district
  (before and after the change) and whose geometry lies in it.

Tokens (``api_token``) are stored as their SHA-256, which is also a token's id; the token
itself is shown once, when it is issued.

Each operation is written once, as a generator of SQL statements that receives each
statement's rows; :func:`run` executes it on a psycopg connection (the CLI, the tests) and
:func:`arun` on an async one (the API), so the CLI and the admin API share every rule.
Problems are :class:`gis.errors.GISError` naming the field (``role``, ``district``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Generator
from dataclasses import dataclass
from typing import TypeVar

from gis.errors import GISError, bad_request, not_found

ROLES = ("admin", "planner", "district_officer")
WRITE_EVERYWHERE = ("admin", "planner")
MANAGES_USERS = "admin"

T = TypeVar("T")
Operation = Generator[tuple[str, tuple], list[tuple], T]

USER_COLUMNS = "name, role, district_code, created_at, password_hash IS NOT NULL"
TOKEN_COLUMNS = "token_sha256, user_name, created_at, revoked_at, name, expires_at"
TOKEN_DAYS = 90  # a token's default lifetime


@dataclass(frozen=True)
class User:
    name: str
    role: str
    district: str | None

    def may_edit(self, districts: list[str] | None) -> bool:
        """The district rule: may this user write a feature naming ``districts``?"""
        return self.refusal(districts) is None

    def refusal(self, districts: list[str] | None) -> str | None:
        """Why this user may not write a feature naming ``districts`` (None: they may).
        A district officer writes features of their district alone; a feature of several
        districts is for planners."""
        if self.role in WRITE_EVERYWHERE:
            return None
        if self.role != "district_officer":
            return f"role {self.role} does not write features"
        if not districts or self.district not in districts:
            return f"the feature is not in district {self.district}"
        if len(set(districts)) > 1:
            return ("the feature lies in several districts (" + ", ".join(districts)
                    + "): only planners change it")
        return None

    @property
    def restricted_to_district(self) -> bool:
        """Must the feature's geometry lie in the user's district too?"""
        return self.role == "district_officer"

    @property
    def manages_users(self) -> bool:
        return self.role == MANAGES_USERS


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "ctg_" + secrets.token_urlsafe(32)


def role_problem(role: str, district: str | None) -> tuple[str, str] | None:
    """``(field, reason)`` when a role and district do not go together (whether the
    district exists is checked against the database by :func:`check_user`)."""
    if role not in ROLES:
        return "role", f"unknown role {role!r} (roles: {', '.join(ROLES)})"
    if role == "district_officer" and not district:
        return "district", "a district_officer needs a district (name or GSO code, e.g. 916)"
    if role != "district_officer" and district:
        return "district", f"a {role} has no district (only a district_officer has one)"
    return None


def _plain(text: str) -> str:
    """A district name compared without case, accents or its unit type."""
    import unicodedata

    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().strip()
    for prefix in ("quan ", "huyen ", "thi xa ", "thanh pho "):
        text = text.removeprefix(prefix)
    return " ".join(text.split())


def user_json(row) -> dict:
    return {"name": row[0], "role": row[1], "district": row[2],
            "created": row[3].isoformat(), "has_password": row[4]}


def token_json(row) -> dict:
    return {"id": row[0], "user": row[1], "created": row[2].isoformat(),
            "revoked": row[3] and row[3].isoformat(), "name": row[4],
            "expires": row[5] and row[5].isoformat()}


# --- operations (generators of statements; run with run() or arun()) -----------------------

def check_user(role: str, district: str | None) -> Operation[str | None]:
    """The district's GSO code (``district`` may be its code or its name, "Phong Điền")."""
    if problem := role_problem(role, district):
        raise bad_request(f"{problem[0]}: {problem[1]}", problem[0], field=problem[0])
    if not district:
        return None
    rows = yield "SELECT code, name FROM admin_district ORDER BY code", ()
    for code, name in rows:
        if district.strip() == code or _plain(district) == _plain(name):
            return code
    raise bad_request(f"district: unknown district {district!r}; the districts are: "
                      + ", ".join(f"{code} {name}" for code, name in rows), "district",
                      field="district")


def get_user(name: str, lock: bool = False) -> Operation[dict]:
    rows = yield (f"SELECT {USER_COLUMNS} FROM app_user WHERE name = %s"
                  + (" FOR UPDATE" if lock else ""), (name,))
    if not rows:
        raise not_found(f"no user {name!r}", field="name", hint="add one with `gis user add`")
    return user_json(rows[0])


def list_users() -> Operation[list[dict]]:
    rows = yield f"SELECT {USER_COLUMNS} FROM app_user ORDER BY name", ()
    return [user_json(r) for r in rows]


def add_user(name: str, role: str, district: str | None, replace: bool = False,
             password_hash: str | None = None) -> Operation[dict]:
    """A new user; an existing one is a 409 unless ``replace`` (``gis user add``)."""
    district = yield from check_user(role, district)
    on_conflict = ("DO UPDATE SET role = EXCLUDED.role, district_code = EXCLUDED.district_code,"
                   " password_hash = coalesce(EXCLUDED.password_hash, app_user.password_hash)"
                   if replace else "DO NOTHING")
    rows = yield (f"INSERT INTO app_user (name, role, district_code, password_hash) "
                  f"VALUES (%s, %s, %s, %s) "
                  f"ON CONFLICT (name) {on_conflict} RETURNING {USER_COLUMNS}",
                  (name, role, district, password_hash))
    if not rows:
        raise GISError(409, f"user {name!r} already exists", field="name")
    return user_json(rows[0])


def change_user(name: str, role: str | None = None, district: str | None = None,
                district_given: bool = False) -> Operation[tuple[dict, dict]]:
    """``(before, after)``: a new role and/or district (``district_given`` with ``None``
    removes the district)."""
    before = yield from get_user(name, lock=True)
    role = before["role"] if role is None else role
    district = district if district_given else before["district"]
    district = yield from check_user(role, district)
    rows = yield (f"UPDATE app_user SET role = %s, district_code = %s WHERE name = %s "
                  f"RETURNING {USER_COLUMNS}", (role, district, name))
    return before, user_json(rows[0])


def set_password(name: str, password_hash: str) -> Operation[dict]:
    """A new password (``gis user passwd``); the user's sessions end with the old one."""
    yield from get_user(name, lock=True)
    rows = yield (f"UPDATE app_user SET password_hash = %s WHERE name = %s "
                  f"RETURNING {USER_COLUMNS}", (password_hash, name))
    yield "DELETE FROM user_session WHERE user_name = %s", (name,)
    return user_json(rows[0])


def issue_token(name: str, label: str | None = None,
                days: int | None = TOKEN_DAYS) -> Operation[tuple[str, dict]]:
    """``(token, its record)``: only the hash is stored, so show the token once. It
    expires after ``days`` (``None``: never)."""
    if days is not None and not 1 <= days <= 3650:
        raise bad_request("days: a token lives 1 to 3650 days", "days", field="days")
    yield from get_user(name)
    token = new_token()
    rows = yield (f"INSERT INTO api_token (token_sha256, user_name, name, expires_at) "
                  f"VALUES (%s, %s, %s, now() + make_interval(days => %s)) "
                  f"RETURNING {TOKEN_COLUMNS}", (token_hash(token), name, label, days))
    return token, token_json(rows[0])


def list_tokens(name: str | None = None) -> Operation[list[dict]]:
    """A user's tokens, or everybody's (``name`` None)."""
    if name is not None:
        yield from get_user(name)
    rows = yield (f"SELECT {TOKEN_COLUMNS} FROM api_token WHERE %s::text IS NULL OR "
                  "user_name = %s ORDER BY user_name, created_at, token_sha256", (name, name))
    return [token_json(r) for r in rows]


def revoke_token(token_id: str) -> Operation[tuple[dict, dict]]:
    """``(before, after)``; revoking a revoked token changes nothing (``before == after``)."""
    rows = yield (f"SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_sha256 = %s "
                  "OR (length(%s) >= 8 AND token_sha256 LIKE %s || '%%') FOR UPDATE",
                  (token_id, token_id, token_id))
    if len(rows) != 1:
        raise not_found(f"no token {token_id!r}" if not rows else
                        f"token id {token_id!r} is ambiguous: give more of it")
    token_id = rows[0][0]
    before = token_json(rows[0])
    if before["revoked"] is not None:
        return before, before
    rows = yield (f"UPDATE api_token SET revoked_at = now() WHERE token_sha256 = %s "
                  f"RETURNING {TOKEN_COLUMNS}", (token_id,))
    return before, token_json(rows[0])


def user_of_token(token: str) -> Operation[User | None]:
    """The user of a bearer token, or ``None`` when it is unknown or revoked."""
    rows = yield ("SELECT u.name, u.role, u.district_code FROM api_token t "
                  "JOIN app_user u ON u.name = t.user_name "
                  "WHERE t.token_sha256 = %s AND t.revoked_at IS NULL "
                  "AND (t.expires_at IS NULL OR t.expires_at > now())",
                  (token_hash(token.strip()),))
    return User(*rows[0]) if rows else None


# --- executors ------------------------------------------------------------------------------

def run(conn, operation: Operation[T]) -> T:
    """Run an operation on a psycopg connection (in the caller's transaction)."""
    try:
        statement = next(operation)
        while True:
            cur = conn.execute(*statement)
            statement = operation.send(cur.fetchall() if cur.description else [])
    except StopIteration as done:
        return done.value


async def arun(conn, operation: Operation[T]) -> T:
    """Run an operation on a psycopg async connection (in the caller's transaction)."""
    try:
        statement = next(operation)
        while True:
            cur = await conn.execute(*statement)
            statement = operation.send(await cur.fetchall() if cur.description else [])
    except StopIteration as done:
        return done.value


def create_user(conn, name: str, role: str, district: str | None,
                password_hash: str | None = None) -> dict:
    """Add or update a user and commit (what ``gis user add`` does)."""
    with conn.transaction():
        return run(conn, add_user(name, role, district, replace=True,
                                  password_hash=password_hash))


def create_token(conn, name: str, label: str | None = None,
                 days: int | None = TOKEN_DAYS) -> str:
    """A new token for user ``name``, committed (what ``gis token create`` prints)."""
    with conn.transaction():
        return run(conn, issue_token(name, label, days))[0]
