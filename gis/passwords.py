"""Passwords: argon2id hashes (argon2-cffi), and what a new password must be."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gis.errors import bad_request

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when a user has no password, so an unknown user costs as much time
# as a wrong password (no user enumeration by timing).
_DUMMY = _hasher.hash("not a password of anybody")


def check_new(password: str) -> None:
    """A new password: at least MIN_LENGTH characters, not all the same character."""
    if len(password) < MIN_LENGTH or len(set(password)) < 4:
        raise bad_request(f"password: at least {MIN_LENGTH} characters, not a repetition",
                          "password", field="password")


def hash_password(password: str) -> str:
    check_new(password)
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Does ``password`` match the stored hash? (``None``: no password set: never.)"""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
