"""A layer table rebuilt around a large insert, as a bulk loader would write a new table:
rows first, indexes after, then swapped in for the old one in the same transaction.

Inserting a million rows into the live table keeps its primary key and two GiST indexes
up to date row by row, several times the cost of building them once over the filled
table (PostgreSQL's sorted GiST build). :class:`TableSwap` copies the stored rows into a
new table without indexes (``LIKE … INCLUDING`` defaults, generated columns, checks,
storage, comments), lets the caller add its rows, builds the old table's indexes,
constraints and triggers on it from the catalogue (``pg_get_indexdef``,
``pg_get_constraintdef``, ``pg_get_triggerdef``: whatever migrations gave the table), and
in the end drops the old table and gives the new one its name and its objects' names.

While it runs, readers go on reading the old table (the ``SHARE ROW EXCLUSIVE`` lock lets
them) and writers wait; statements that waited look the name up again once the swap is
committed and find the new table. A transaction rolled back (an error, a ``kill -9``)
leaves the old table as it was: the new one was created in the same transaction.
Tables something depends on (a view, a foreign key pointing at them) are not swapped:
:func:`swappable` says so and the caller inserts into the live table instead. A
repeatable-read transaction that began before the swap and reads the table after it sees
the new table without the rows committed after its snapshot, as with any table rewrite
(``TRUNCATE``, ``CLUSTER``); the API's reads are single statements in read committed.
"""

from __future__ import annotations

import re

from psycopg import AsyncConnection, sql

_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .+)$", re.S)
SUFFIX = "_swap"


async def swappable(conn: AsyncConnection, table: str) -> bool:
    """No view, rule or foreign key depends on ``table`` (they would follow the old one),
    it inherits nothing and the connection's user owns it (the new table is theirs)."""
    row = await (await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
        "WHERE d.refobjid = %(t)s::regclass AND d.classid = 'pg_rewrite'::regclass "
        "AND r.ev_class <> %(t)s::regclass) OR EXISTS (SELECT 1 FROM pg_constraint "
        "WHERE confrelid = %(t)s::regclass) OR EXISTS (SELECT 1 FROM pg_inherits WHERE "
        "inhparent = %(t)s::regclass OR inhrelid = %(t)s::regclass) OR NOT EXISTS (SELECT 1 "
        "FROM pg_class WHERE oid = %(t)s::regclass AND relowner = (SELECT oid FROM pg_roles "
        "WHERE rolname = current_user))",
        {"t": table})).fetchone()
    return not row[0]


async def holds_fewer(conn: AsyncConnection, table: str, rows: int) -> bool:
    """``table`` holds fewer than ``rows`` rows (counted up to ``rows``, no further)."""
    (n,) = await (await conn.execute(sql.SQL(
        "SELECT count(*) FROM (SELECT FROM {} LIMIT %s) x").format(sql.Identifier(table)),
        (rows,))).fetchone()
    return n < rows


class TableSwap:
    """``await swap.begin()``, insert into ``swap.new``, then ``await swap.finish()``."""

    def __init__(self, conn: AsyncConnection, table: str):
        self.conn, self.table = conn, table
        self.new_name = table + SUFFIX
        self.new = sql.Identifier(self.new_name)
        self.old = sql.Identifier(table)

    async def begin(self) -> None:
        conn, t = self.conn, self.old
        await conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(t))
        q = {"t": self.table}
        self.indexes = await (await conn.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
            "ON c.oid = i.indexrelid WHERE i.indrelid = %(t)s::regclass AND NOT EXISTS ("
            "SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
            q)).fetchall()
        self.constraints = await (await conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
            "%(t)s::regclass AND contype IN ('p', 'u', 'x', 'f') ORDER BY contype = 'p' DESC,"
            " 1", q)).fetchall()
        self.triggers = [d for (d,) in await (await conn.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %(t)s::regclass "
            "AND NOT tgisinternal ORDER BY tgname", q)).fetchall()]
        self.comment, self.options, self.grants = await (await conn.execute(
            "SELECT obj_description(c.oid, 'pg_class'), c.reloptions, (SELECT array_agg("
            "format('GRANT %%s ON %%I TO %%s%%s', a.privilege_type, c.relname, CASE WHEN "
            "a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END, "
            "CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)) FROM "
            "aclexplode(c.relacl) a WHERE a.grantee <> c.relowner) FROM pg_class c "
            "WHERE c.oid = %(t)s::regclass", q)).fetchone()
        self.columns = [c for (c,) in await (await conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %(t)s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum", q)).fetchall()]
        await conn.execute(sql.SQL(
            "CREATE TABLE {n} (LIKE {t} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING "
            "CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS INCLUDING IDENTITY)").format(
            n=self.new, t=t))
        cols = sql.SQL(", ").join(map(sql.Identifier, self.columns))
        await conn.execute(sql.SQL("INSERT INTO {n} ({c}) SELECT {c} FROM {t}").format(
            n=self.new, c=cols, t=t))

    async def finish(self) -> None:
        conn, n = self.conn, self.new
        renames = []
        for name, definition in self.constraints:  # the primary key first
            tmp = name + SUFFIX
            await conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                n, sql.Identifier(tmp), sql.SQL(definition)))
            renames.append(sql.SQL("ALTER TABLE {t} RENAME CONSTRAINT {a} TO {b}").format(
                t=self.old, a=sql.Identifier(tmp), b=sql.Identifier(name)))
        for name, definition in self.indexes:
            m = _INDEX.match(definition)
            if m is None:  # pg_get_indexdef always reads so; say what it did not
                raise RuntimeError(f"unexpected index definition: {definition}")
            tmp = name + SUFFIX
            await conn.execute(sql.SQL("CREATE {u}INDEX {i} ON {n} {rest}").format(
                u=sql.SQL(m.group(1) or ""), i=sql.Identifier(tmp), n=n,
                rest=sql.SQL(m.group(2))))
            renames.append(sql.SQL("ALTER INDEX {a} RENAME TO {b}").format(
                a=sql.Identifier(tmp), b=sql.Identifier(name)))
        await conn.execute(sql.SQL("DROP TABLE {}").format(self.old))
        await conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(n, self.old))
        for stmt in renames:
            await conn.execute(stmt)
        for definition in self.triggers:  # they name the table, which is now the new one
            await conn.execute(sql.SQL(definition))
        if self.options:
            await conn.execute(sql.SQL("ALTER TABLE {} SET ({})").format(
                self.old, sql.SQL(", ").join(map(sql.SQL, self.options))))
        for grant in self.grants or []:  # on the name, which is now the new table's
            await conn.execute(sql.SQL(grant))
        if self.comment is not None:
            await conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(
                self.old, sql.Literal(self.comment)))
        await conn.execute(sql.SQL("ANALYZE {}").format(self.old))
        # the triggers were not there when the rows went in: say the layer changed
        await conn.execute("SELECT pg_notify('gis_layer_changed', %s)", (self.table,))
