"""Staging tables and set-based merges: a second load of the same data changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import Connection, sql


@dataclass
class MergeCount:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


def create_stage(conn: Connection, table: str) -> str:
    stage = f"stage_{table}"
    conn.execute(sql.SQL(
        "CREATE TEMP TABLE {s} (LIKE {t} INCLUDING DEFAULTS) ON COMMIT DROP"
    ).format(s=sql.Identifier(stage), t=sql.Identifier(table)))
    conn.execute(sql.SQL("ALTER TABLE {s} ADD COLUMN _file text, ADD COLUMN _line integer")
                 .format(s=sql.Identifier(stage)))
    return stage


def fill_stage(conn: Connection, stage: str, rows: list[dict], geom_expr: str | None = None):
    """Insert ``rows`` (dicts with the same keys) into ``stage``; ``geom`` is GeoJSON text."""
    if not rows:
        return
    cols = [c for c in rows[0] if c != "geom"]
    has_geom = "geom" in rows[0]
    placeholders = [sql.Placeholder()] * len(cols)
    names = [sql.Identifier(c) for c in cols]
    if has_geom:
        names.append(sql.Identifier("geom"))
        placeholders.append(sql.SQL(geom_expr or "ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)"))
    query = sql.SQL("INSERT INTO {s} ({c}) VALUES ({v})").format(
        s=sql.Identifier(stage), c=sql.SQL(", ").join(names), v=sql.SQL(", ").join(placeholders)
    )
    with conn.cursor() as cur:
        cur.executemany(query, [[r[c] for c in cols] + ([r["geom"]] if has_geom else [])
                                for r in rows])


def merge_stage(
    conn: Connection,
    table: str,
    stage: str,
    key: list[str],
    columns: list[str],
    *,
    conflict_target: sql.Composable | None = None,
    bump_version: bool = False,
    delete_scope: str | None = "TRUE",
) -> MergeCount:
    """Upsert ``stage`` into ``table`` changing only rows that differ; delete rows of
    ``delete_scope`` that are no longer staged."""
    t, s = sql.Identifier(table), sql.Identifier(stage)
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    value_cols = [c for c in columns if c not in key]
    sets = [sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in value_cols]
    if bump_version:
        sets += [sql.SQL("version = {t}.version + 1").format(t=t),
                 sql.SQL("updated_at = now()")]
    old = sql.SQL(", ").join(sql.SQL("{t}.{c}").format(t=t, c=sql.Identifier(c))
                             for c in value_cols)
    new = sql.SQL(", ").join(sql.SQL("EXCLUDED.{c}").format(c=sql.Identifier(c))
                             for c in value_cols)
    target = conflict_target or sql.SQL(", ").join(sql.Identifier(c) for c in key)
    upsert = sql.SQL(
        "WITH up AS (INSERT INTO {t} ({cols}) SELECT {cols} FROM {s} "
        "ON CONFLICT ({target}) DO UPDATE SET {sets} WHERE ROW({old}) IS DISTINCT FROM ROW({new}) "
        "RETURNING (xmax = 0) AS inserted) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"
    ).format(t=t, s=s, cols=cols, target=target, sets=sql.SQL(", ").join(sets), old=old, new=new)
    inserted, updated = conn.execute(upsert).fetchone()
    deleted = 0
    if delete_scope is not None:
        match = sql.SQL(" AND ").join(
            sql.SQL("{s}.{c} IS NOT DISTINCT FROM {t}.{c}").format(s=s, t=t, c=sql.Identifier(c))
            for c in key
        )
        cur = conn.execute(sql.SQL(
            "DELETE FROM {t} WHERE ({scope}) AND NOT EXISTS (SELECT 1 FROM {s} WHERE {match})"
        ).format(t=t, s=s, match=match, scope=sql.SQL(delete_scope)))
        deleted = cur.rowcount
    return MergeCount(inserted, updated, deleted)


def store_rows(conn: Connection, table: str, rows: list[dict], key: list[str],
               columns: list[str]) -> MergeCount:
    """Merge ``rows`` (dicts with ``columns`` and the ``_file``/``_line`` they come from)
    into ``table`` by ``key``, through a staging table."""
    stage = create_stage(conn, table)
    fill_stage(conn, stage, [{c: r[c] for c in columns} | {"_file": r["_file"],
                                                           "_line": r["_line"]}
                             for r in rows])
    counts = merge_stage(conn, table, stage, key, columns)
    conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(stage)))
    return counts
