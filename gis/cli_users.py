"""``gis user …`` and ``gis token …``: people and API tokens, through the operations of
:mod:`gis.users` (the same rules as the admin API), each action audited as done by
``cli:<system user>``. Also the first admin that ``gis setup`` (``make run``) creates
when there is none."""

from __future__ import annotations

import os
import secrets
import sys

import click

from gis.errors import GISError
from gis.users import ROLES, TOKEN_DAYS

FIRST_ADMIN = "admin"


def _call(fn, *args):
    """Run ``fn(conn, *args)`` in one transaction; a GISError as a usage error."""
    from gis.db import connect, ensure_server

    ensure_server()
    try:
        with connect() as conn, conn.transaction():
            return fn(conn, *args)
    except GISError as exc:
        raise click.UsageError(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None


def audit(conn, action: str, subject: str, key: str, before=None, after=None,
          reason: str | None = None) -> None:
    from api.audit import record_cli

    record_cli(conn, action, subject, key, before, after, reason)


def audit_load(data_dir):
    """``gis load`` / ``gis setup``: the audit row of the load, written in the load's own
    transaction (``gis.dataset.loader.load(audit=...)``): no load without its record."""
    def record(conn, report) -> None:
        counts = {name: {"inserted": c.inserted, "updated": c.updated, "deleted": c.deleted}
                  for name, c in report.counts.items()}
        audit(conn, "load", "dataset", str(data_dir or "data"),
              after={"summary": report.summary(), "counts": counts})
    return record


def _password(stdin: bool, confirm: bool = True) -> str:
    from gis.passwords import hash_password

    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=confirm)
    try:
        return hash_password(password)
    except GISError as exc:
        raise click.UsageError(exc.message) from None


@click.group()
def user() -> None:
    """People who sign in and write (roles: admin, planner, district_officer)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--district", help="district_officer only: name or GSO code, e.g. 'Phong Điền'"
              " or 926")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--no-password", is_flag=True, help="no password (the user only has tokens)")
def user_add(name: str, role: str, district: str | None, password_stdin: bool,
             no_password: bool) -> None:
    """Add (or update) user NAME with a password (prompted unless --password-stdin)."""
    from gis.users import add_user, run

    hashed = None if no_password else _password(password_stdin)

    def go(conn):
        after = run(conn, add_user(name, role, district, replace=True, password_hash=hashed))
        audit(conn, "create", "app_user", name, None, after)
        return after

    after = _call(go)
    click.echo(f"user {name}: {role}" + (f" ({after['district']})" if after["district"] else ""))


@user.command("list")
def user_list() -> None:
    """Users with their role, district and whether they have a password."""
    from gis.users import list_users, run

    for u in _call(lambda conn: run(conn, list_users())):
        click.echo(f"{u['name']}\t{u['role']}\t{u['district'] or '-'}\t"
                   f"{'password' if u['has_password'] else 'no password'}\t{u['created'][:10]}")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def user_passwd(name: str, password_stdin: bool) -> None:
    """Set user NAME's password (their sessions end)."""
    from gis.users import run, set_password

    hashed = _password(password_stdin)

    def go(conn):
        run(conn, set_password(name, hashed))
        audit(conn, "password", "app_user", name)

    _call(go)
    click.echo(f"password of {name} changed")


@click.group()
def token() -> None:
    """API tokens (only their SHA-256 is stored; the SHA-256 is the token's id)."""


@token.command("create")
@click.argument("name")
@click.option("--label", help="what the token is for, e.g. 'QGIS of the district office'")
@click.option("--days", type=int, default=TOKEN_DAYS, show_default=True,
              help="expires after this many days")
def token_create(name: str, label: str | None, days: int) -> None:
    """Create a token for user NAME and print it (once: it cannot be shown again)."""
    from gis.users import issue_token, run

    def go(conn):
        value, record = run(conn, issue_token(name, label, days))
        audit(conn, "create", "api_token", record["id"], None, record)
        return value

    click.echo(_call(go))


@token.command("list")
@click.option("--user", "name", help="only this user's tokens")
def token_list(name: str | None) -> None:
    """Tokens: id (prefix), user, name, created, expires, revoked."""
    from gis.users import list_tokens, run

    for t in _call(lambda conn: run(conn, list_tokens(name))):
        click.echo(f"{t['id'][:16]}\t{t['user']}\t{t['name'] or '-'}\t{t['created'][:10]}\t"
                   f"expires {(t['expires'] or 'never')[:10]}\t"
                   + (f"revoked {t['revoked'][:10]}" if t["revoked"] else "active"))


@token.command("revoke")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    """Revoke a token by its id (or the first 8+ characters of it, as `list` shows)."""
    from gis.users import revoke_token, run

    def go(conn):
        before, after = run(conn, revoke_token(token_id))
        if after is not before:
            audit(conn, "revoke", "api_token", after["id"], before, after)
        return after

    click.echo(f"token {_call(go)['id'][:16]} revoked")


def ensure_first_admin() -> None:
    """No admin with a password yet: create ``admin`` with the password of
    ``GIS_ADMIN_PASSWORD``, else a random one printed once (what `make run` shows)."""
    from gis.passwords import hash_password
    from gis.users import add_user, run

    def go(conn):
        if conn.execute("SELECT 1 FROM app_user WHERE role = 'admin' AND password_hash IS "
                        "NOT NULL").fetchone():
            return None
        password = os.environ.get("GIS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        after = run(conn, add_user(FIRST_ADMIN, "admin", None, replace=True,
                                   password_hash=hash_password(password)))
        audit(conn, "create", "app_user", FIRST_ADMIN, None, after, reason="first admin")
        return password

    password = _call(go)
    if password is not None:
        given = "GIS_ADMIN_PASSWORD" in os.environ
        click.echo(f"first admin: user '{FIRST_ADMIN}', password "
                   f"{'from GIS_ADMIN_PASSWORD' if given else repr(password)} — sign in at "
                   "/signin, then change it with `gis user passwd admin`")
