"""Backups of the whole database (layers, progress history, users, tokens, audit trail)
with ``pg_dump``/``pg_restore`` in PostgreSQL's custom format.

A restore never half-writes: the dump is restored into a new database in one
transaction and checked; only then is it renamed into place, and the database it
replaces is kept under another name (``<name>_before_restore_<time>``) until you drop
it. :func:`table_checksums` gives the row count and a checksum of every table, so a
backup can be compared with what it was made from.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from gis.errors import GISError
from gis.settings import cluster_settings


def _tool(name: str) -> str:
    path = cluster_settings().bin_dir / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise GISError(500, f"{name} not found", hint="install PostgreSQL 15 client tools "
                       "(apt-get install postgresql-client-15)")
    return found


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def table_checksums(url: str) -> dict[str, tuple[int, str]]:
    """``{table: (rows, md5 of the rows in a stable order)}`` for every table of the
    public schema (PostGIS's own catalogue excepted)."""
    out = {}
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'spatial_ref_sys' ORDER BY tablename")]
        for t in tables:
            rows, digest = conn.execute(sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '')"
                " FROM (SELECT t::text AS r FROM {} t) x").format(sql.Identifier(t))).fetchone()
            out[t] = (rows, digest)
    return out


def backup(url: str, dest: Path) -> Path:
    """Dump the database at ``url`` to ``dest`` (custom format, compressed)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    proc = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner",
                           f"--file={tmp}", url], capture_output=True, text=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise GISError(500, f"pg_dump failed: {proc.stderr.strip()}",
                       hint="check that the database is running (gis db status)")
    tmp.replace(dest)  # a file named dest is always a complete dump
    return dest


def _restore_into(url: str, src: Path) -> None:
    proc = subprocess.run([_tool("pg_restore"), "--no-owner", "--single-transaction",
                           "--exit-on-error", f"--dbname={url}", str(src)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise GISError(400, f"{src} could not be restored: {proc.stderr.strip()[:2000]}",
                       hint="is it a file made by `gis backup`?")


def restore(src: Path, url: str) -> str | None:
    """Restore ``src`` as the database of ``url``. Returns the name the database it
    replaced was kept under (None when there was none)."""
    src = Path(src)
    if not src.is_file():
        raise GISError(400, f"no backup file {src}", hint="give the file `gis backup` made")
    name = _db_name(url)
    stamp = time.strftime("%Y%m%d%H%M%S")
    staging = f"{name}_restoring_{stamp}"
    admin = _with_db(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(staging)))
    try:
        _restore_into(_with_db(url, staging), src)
    except BaseException:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(staging)))
        raise
    kept = None
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            kept = f"{name}_before_restore_{stamp}"
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(name), sql.Identifier(kept)))
        conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
            sql.Identifier(staging), sql.Identifier(name)))
    return kept
