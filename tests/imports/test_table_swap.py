"""An import adding more features than the layer holds rebuilds the layer's table around
them (gis.table_swap): the same stored features and audit rows as inserting into the live
table, the same indexes, constraints, triggers, comment and grants afterwards, the change
announced, and nothing changed when it fails halfway."""

from __future__ import annotations

import geopandas as gpd
import psycopg
import pytest
import shapely

from gis import table_swap
from gis.imports import bulk as bulk_mod
from gis.imports.run import import_file
from imports.conftest import remove_imports

TABLE = "infra_project"
CATALOGUE = """
SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'infra_project'::regclass
UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
  WHERE conrelid = 'infra_project'::regclass
UNION ALL SELECT 'trigger', tgname, pg_get_triggerdef(oid) FROM pg_trigger
  WHERE tgrelid = 'infra_project'::regclass AND NOT tgisinternal
UNION ALL SELECT 'column', attname, format_type(atttypid, atttypmod) || ' ' || attnotnull
  || ' ' || attgenerated::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  || ' ' || coalesce(col_description(a.attrelid, a.attnum), '')
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attrelid = 'infra_project'::regclass AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL SELECT 'table', relname, coalesce(obj_description(oid, 'pg_class'), '') || ' '
  || coalesce(relacl::text, '') FROM pg_class WHERE oid = 'infra_project'::regclass
ORDER BY 1, 2"""


@pytest.fixture
def many_points(conn, tmp_path):
    """More new features than the layer holds, in Ninh Kiều."""
    (stored,) = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
    rows = conn.execute(
        "SELECT ST_AsBinary((ST_Dump(ST_GeneratePoints(geom, %s, 7))).geom) FROM "
        "admin_district WHERE code = '916'", (stored + 40,)).fetchall()
    frame = gpd.GeoDataFrame({
        "id": [f"imp-s-{i}" for i in range(len(rows))],
        "name": [f"Điểm {i}" for i in range(len(rows))],
        "districts": ["916"] * len(rows), "geom_quality": ["indicative"] * len(rows),
        "valid_on": ["2024-06-30"] * len(rows), "kind": ["drainage"] * len(rows)},
        geometry=[shapely.from_wkb(bytes(g)) for (g,) in rows], crs="EPSG:4326")
    path = tmp_path / "many.gpkg"
    frame.to_file(path, driver="GPKG")
    return path


def _state(conn):
    feats = conn.execute(f"SELECT id, to_jsonb(f) - 'updated_at', ST_AsEWKB(geom) FROM "
                         f"{TABLE} f ORDER BY id").fetchall()
    audit = conn.execute("SELECT action, feature_id, before, after FROM audit_log WHERE "
                         "user_name = 'test-swap' ORDER BY feature_id").fetchall()
    return feats, audit


def _import(conn, db_url, path, listener=None):
    report = import_file(path, "projects", dry_run=False, user="test-swap", url=db_url)
    conn.commit()
    if listener is not None:  # what the import announced, before the clean-up's own
        report.notes = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    state = _state(conn)
    remove_imports(db_url, "imp-s-%")
    conn.execute("DELETE FROM audit_log WHERE user_name = 'test-swap'")
    conn.commit()
    return report, state


def test_a_large_import_rebuilds_the_table_and_stores_the_same(conn, db_url, many_points,
                                                                monkeypatch):
    conn.execute(f"GRANT SELECT ON {TABLE} TO PUBLIC")
    conn.execute(f"COMMENT ON TABLE {TABLE} IS 'Dự án hạ tầng'")
    conn.commit()
    try:
        _swap_and_compare(conn, db_url, many_points, monkeypatch)
    finally:
        conn.rollback()
        conn.execute(f"REVOKE SELECT ON {TABLE} FROM PUBLIC")
        conn.execute(f"COMMENT ON TABLE {TABLE} IS NULL")
        conn.commit()


def _swap_and_compare(conn, db_url, many_points, monkeypatch):
    catalogue = conn.execute(CATALOGUE).fetchall()
    oid = conn.execute("SELECT %s::regclass::oid", (TABLE,)).fetchone()[0]
    monkeypatch.setattr(bulk_mod, "SWAP_MIN_ROWS", 10)
    swaps = []
    real_finish = table_swap.TableSwap.finish

    async def finish(self):
        swaps.append(self.table)
        await real_finish(self)

    monkeypatch.setattr(table_swap.TableSwap, "finish", finish)
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("LISTEN gis_layer_changed")
        swapped, swapped_state = _import(conn, db_url, many_points, listener)
    assert swaps == [TABLE]
    assert swapped.notes == [TABLE]
    assert conn.execute("SELECT %s::regclass::oid", (TABLE,)).fetchone()[0] != oid
    assert conn.execute(CATALOGUE).fetchall() == catalogue  # indexes, triggers, grants …
    assert not conn.execute("SELECT 1 FROM pg_class WHERE relname LIKE %s",
                            (f"%{table_swap.SUFFIX}",)).fetchall()
    (reltuples,) = conn.execute("SELECT reltuples FROM pg_class WHERE relname = %s",
                                (TABLE,)).fetchone()
    assert reltuples > 0  # analysed: the API's row estimate knows the new rows

    monkeypatch.setattr(bulk_mod, "SWAP_MIN_ROWS", 10**9)  # the live table, as before
    inserted, inserted_state = _import(conn, db_url, many_points)
    assert len(swaps) == 1
    assert swapped.count("new") == inserted.count("new") > 100
    assert [c.row for c in swapped.changes] == [c.row for c in inserted.changes]
    assert swapped_state[0] == inserted_state[0]  # every stored feature, column by column
    assert swapped_state[1] == inserted_state[1]  # one audit row per new feature
    assert swapped_state[1][0][3] == {"import": swapped.source_doc}


def test_a_swap_that_fails_halfway_leaves_the_table_as_it_was(conn, db_url, many_points,
                                                              monkeypatch):
    before = conn.execute(CATALOGUE).fetchall(), _state(conn)[0]
    monkeypatch.setattr(bulk_mod, "SWAP_MIN_ROWS", 10)

    async def broken(self):
        await self.conn.execute(f"CREATE INDEX ON {self.new_name} (name)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(table_swap.TableSwap, "finish", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(many_points, "projects", dry_run=False, user="test-swap", url=db_url)
    conn.rollback()
    assert (conn.execute(CATALOGUE).fetchall(), _state(conn)[0]) == before
    assert not conn.execute("SELECT 1 FROM pg_class WHERE relname LIKE %s",
                            (f"%{table_swap.SUFFIX}%",)).fetchall()


def test_a_table_a_view_reads_is_not_swapped(conn, db_url, many_points, monkeypatch):
    conn.execute(f"CREATE VIEW imp_swap_view AS SELECT id FROM {TABLE}")
    conn.commit()
    try:
        monkeypatch.setattr(bulk_mod, "SWAP_MIN_ROWS", 10)
        oid = conn.execute("SELECT %s::regclass::oid", (TABLE,)).fetchone()[0]
        report, _ = _import(conn, db_url, many_points)
        assert report.count("new") > 100
        assert conn.execute("SELECT %s::regclass::oid", (TABLE,)).fetchone()[0] == oid
    finally:
        conn.execute("DROP VIEW imp_swap_view")
        conn.commit()


def test_the_summary_lists_the_first_lines_and_counts_the_rest(conn, db_url, many_points,
                                                               monkeypatch):
    from gis.imports.run import ImportReport

    monkeypatch.setattr(ImportReport, "SHOWN", 5)
    monkeypatch.setattr(bulk_mod, "SWAP_MIN_ROWS", 10)
    began = []
    monkeypatch.setattr(table_swap.TableSwap, "begin", lambda self: began.append(1))
    report = import_file(many_points, "projects", dry_run=True, user="test-swap", url=db_url)
    assert not began  # a dry run does not rebuild the table (other writers would wait)
    lines = report.summary().splitlines()
    more = report.count("new") - 5
    assert [line.split()[1] for line in lines[1:6]] == ["1", "2", "3", "4", "5"]
    assert lines[6].startswith(f"  … {more:,} more") and f"còn {more:,}".replace(",", ".") \
        in lines[6]
    assert len(report.as_json().split('"row":')) - 1 == report.count("new")


def test_readers_go_on_reading_while_the_table_is_rebuilt(conn, db_url, many_points,
                                                          monkeypatch):
    (stored,) = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
    conn.commit()
    monkeypatch.setattr(bulk_mod, "SWAP_MIN_ROWS", 10)
    seen = []
    real_finish = table_swap.TableSwap.finish

    async def finish(self):  # the new rows are in the new table, not yet swapped in
        with psycopg.connect(db_url) as reader:
            reader.execute("SET lock_timeout = '2s'")
            seen.append(reader.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0])
        await real_finish(self)

    monkeypatch.setattr(table_swap.TableSwap, "finish", finish)
    report, state = _import(conn, db_url, many_points)
    assert seen == [stored]  # not blocked (lock_timeout), the table as it was
    assert len(state[0]) == stored + report.count("new")
