"""Browser sessions and the brake on guessing passwords.

A session is a random cookie value; the database keeps only its SHA-256
(``user_session``), with the session's CSRF token and its last activity: a session
unused for ``IDLE_MINUTES`` has expired (and is deleted when next seen).

Failed sign-ins are counted per ``user:NAME`` and per ``addr:IP`` (``signin_failure``):
from the ``SLOW_AFTER``-th failure on, the next attempt must wait ``SLOW_SECONDS`` times
the failures beyond it; from ``LOCK_AFTER`` failures on, the subject is locked for
``LOCK_MINUTES`` (even the right password is refused). A successful sign-in clears both.

Operations are generators of statements like those of :mod:`gis.users` (run them with
``gis.users.run``/``arun``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from gis.users import Operation, User

COOKIE = "gis_session"
IDLE_MINUTES = 30
SLOW_AFTER = 3
SLOW_SECONDS = 1
LOCK_AFTER = 6
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def subjects(name: str, address: str | None) -> list[str]:
    return [f"user:{name.strip().lower()}", f"addr:{address or 'unknown'}"]


def password_of(name: str) -> Operation[str | None]:
    rows = yield "SELECT password_hash FROM app_user WHERE name = %s", (name,)
    return rows[0][0] if rows else None


def blocked_until(name: str, address: str | None) -> Operation[datetime | None]:
    """When the next attempt for this user and address may be made (``None``: now)."""
    rows = yield ("SELECT max(greatest(locked_until, CASE WHEN failures >= %s THEN "
                  "last_at + make_interval(secs => %s * (failures - %s + 1)) END)) "
                  "FROM signin_failure WHERE subject = ANY(%s) AND greatest(locked_until, "
                  "CASE WHEN failures >= %s THEN last_at + make_interval(secs => "
                  "%s * (failures - %s + 1)) END) > now()",
                  (SLOW_AFTER, SLOW_SECONDS, SLOW_AFTER, subjects(name, address),
                   SLOW_AFTER, SLOW_SECONDS, SLOW_AFTER))
    return rows[0][0] if rows else None


def record_failure(name: str, address: str | None) -> Operation[int]:
    """Count a failed sign-in; the user's count after it."""
    counts = []
    for subject in subjects(name, address):
        rows = yield ("INSERT INTO signin_failure AS s (subject, failures) VALUES (%s, 1) "
                      "ON CONFLICT (subject) DO UPDATE SET failures = CASE WHEN "
                      "s.locked_until IS NOT NULL AND s.locked_until <= now() THEN 1 "
                      "ELSE s.failures + 1 END, last_at = now(), locked_until = CASE WHEN "
                      "s.locked_until IS NOT NULL AND s.locked_until <= now() THEN NULL "
                      "ELSE s.locked_until END RETURNING failures", (subject,))
        failures = rows[0][0]
        if failures >= LOCK_AFTER:
            yield ("UPDATE signin_failure SET locked_until = now() + make_interval(mins => %s)"
                   " WHERE subject = %s AND locked_until IS NULL", (LOCK_MINUTES, subject))
        counts.append(failures)
    return counts[0]


def clear_failures(name: str, address: str | None) -> Operation[None]:
    yield "DELETE FROM signin_failure WHERE subject = ANY(%s)", (subjects(name, address),)


def open_session(name: str, address: str | None) -> Operation[tuple[str, str]]:
    """``(cookie value, CSRF token)`` of a new session for user ``name``."""
    value, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    yield ("INSERT INTO user_session (id_sha256, user_name, csrf_token, address) "
           "VALUES (%s, %s, %s, %s)", (_sha(value), name, csrf, address))
    return value, csrf


def session_of(value: str) -> Operation[Session | None]:
    """The live session of a cookie value (its idle time restarts), else ``None``."""
    yield ("DELETE FROM user_session WHERE last_seen < now() - make_interval(mins => %s)",
           (IDLE_MINUTES,))
    rows = yield ("UPDATE user_session s SET last_seen = now() FROM app_user u "
                  "WHERE s.id_sha256 = %s AND u.name = s.user_name "
                  "RETURNING u.name, u.role, u.district_code, s.csrf_token", (_sha(value),))
    return Session(User(*rows[0][:3]), rows[0][3]) if rows else None


def close_session(value: str) -> Operation[None]:
    yield "DELETE FROM user_session WHERE id_sha256 = %s", (_sha(value),)
