"""A project copied from a real one under a new id and name (for tests that need a
feature with a hostile name: XSS, formula injection)."""

from __future__ import annotations

from contextlib import contextmanager

from psycopg import sql


def copy_project(conn, fid: str, name: str) -> None:
    cols = [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'infra_project' AND is_generated = 'NEVER' AND column_name NOT IN ('id', 'name')")]
    copied = sql.SQL(", ").join(map(sql.Identifier, cols))
    conn.execute("DELETE FROM infra_project WHERE id = %s", (fid,))
    conn.execute(sql.SQL("INSERT INTO infra_project (id, name, {c}) SELECT %s, %s, {c} "
                         "FROM infra_project WHERE geom IS NOT NULL ORDER BY id LIMIT 1"
                         ).format(c=copied), (fid, name))
    conn.commit()


@contextmanager
def copied_project(conn, fid: str, name: str):
    """:func:`copy_project`, deleted again at the end."""
    copy_project(conn, fid, name)
    try:
        yield fid
    finally:
        conn.rollback()
        conn.execute("DELETE FROM infra_project WHERE id = %s", (fid,))
        conn.commit()
