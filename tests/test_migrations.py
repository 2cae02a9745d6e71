"""Schema changes are migrations: revisions are frozen, ``gis migrate`` brings registry
changes to existing layer tables (or refuses them with a message)."""

from __future__ import annotations

import ast
import dataclasses
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import MetaData, text

from gis.cli import main as cli
from gis.db import engine
from gis.errors import GISError
from gis.layer_sync import SchemaChangeRefused
from gis.migrate import MIGRATIONS, alembic_config, migrate, new_revision, run
from gis.schema import CORE_TABLES
from layers import registry
from layers.base import Field, Layer

CONTRACTOR = Field("contractor_test", "text", "Nhà thầu (thử)", "Contractor (test)")


@contextmanager
def swapped(layer: Layer):
    """``layer`` in the registry in place of the declaration of the same id."""
    original = registry.get(layer.id)
    registry.remove(layer.id)
    registry.add(layer)
    try:
        yield layer
    finally:
        registry.remove(layer.id)
        registry.add(original)


PROJECTS = "projects"


@pytest.fixture
def added(db_url, conn):
    """Columns a test adds, as ``(table, column)``: dropped afterwards, with the test's
    progress figures, catalogue rows and records of changes."""
    columns: list[tuple[str, str]] = []
    yield columns
    conn.execute("DELETE FROM progress_snapshot WHERE origin = 'test_migrations'")
    for table, column in reversed(columns):
        conn.execute(f'ALTER TABLE {table} DROP COLUMN IF EXISTS "{column}"')
    tracked = [x.id for x in registry.layers() if x.metrics]
    conn.execute("DELETE FROM layer_catalog WHERE NOT layer_id = ANY(%s)", (tracked,))
    conn.execute("DELETE FROM schema_change")
    conn.commit()


def _columns(conn, table: str) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
        (table,)).fetchall())


def _a_feature(conn, table: str) -> str:
    return conn.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 1").fetchone()[0]


def test_a_new_field_reaches_the_table_the_item_and_the_queryables(conn, added, client):
    layer = registry.get(PROJECTS)
    added.append((layer.table, CONTRACTOR.name))
    with swapped(dataclasses.replace(layer, fields=layer.fields + (CONTRACTOR,))):
        report = run()
        assert [str(c) for c in report.changes] == [
            "layer 'projects': add column infra_project.contractor_test (text)"]
        assert _columns(conn, layer.table)[CONTRACTOR.name] == "text"
        fid = _a_feature(conn, layer.table)
        conn.execute(f"UPDATE {layer.table} SET {CONTRACTOR.name} = 'Công ty A' WHERE id = %s",
                     (fid,))
        conn.commit()
        item = client.get(f"/collections/projects/items/{fid}").json()
        assert item["properties"][CONTRACTOR.name] == "Công ty A"
        queryables = client.get("/collections/projects/queryables").json()
        assert queryables["properties"][CONTRACTOR.name]["type"] == "string"
        recorded = conn.execute(
            "SELECT action, column_name, column_type, statements FROM schema_change "
            "WHERE layer_id = 'projects'").fetchall()
        assert recorded == [("add column", CONTRACTOR.name, "text",
                             [f"ALTER TABLE infra_project ADD COLUMN {CONTRACTOR.name} text"])]
        assert migrate() == [] and not run().changes  # nothing left to do
    assert CONTRACTOR.name not in client.get("/collections/projects/queryables").json()[
        "properties"]


def test_a_type_change_is_refused_and_nothing_is_applied(conn, added):
    layer = registry.get(PROJECTS)
    added.append((layer.table, CONTRACTOR.name))
    fields = tuple(dataclasses.replace(f, type="integer")
                   if f.name == "total_investment_bil_vnd" else f for f in layer.fields)
    with swapped(dataclasses.replace(layer, fields=fields + (CONTRACTOR,))):
        with pytest.raises(SchemaChangeRefused) as refused:
            run()
    message = str(refused.value)
    assert ("layer 'projects', field 'total_investment_bil_vnd' (table infra_project): "
            "type numeric in the database, integer in the declaration") in message
    assert "write a migration (Alembic revision)" in message
    assert refused.value.hint.startswith("write a migration")
    assert CONTRACTOR.name not in _columns(conn, layer.table)  # all or nothing


def test_a_geometry_type_change_is_refused(added):
    layer = registry.get(PROJECTS)
    with swapped(dataclasses.replace(layer, geometry_type="Point")):
        with pytest.raises(SchemaChangeRefused) as refused:
            run()
    assert ("field 'geom' (table infra_project): type geometry(geometry,4326) in the "
            "database, geometry(point,4326) in the declaration (geometry_type 'Point')"
            ) in str(refused.value)


def test_no_revision_imports_the_registry_or_the_current_schema():
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        live = [m for m in names if m.split(".")[0] == "layers"
                or m.startswith(("gis.schema", "gis.layer_sync", "gis.migrate"))]
        assert not live, f"{path.name} imports {live}: freeze what it needs instead"


def test_a_field_no_longer_declared_is_refused(conn, added):
    layer = registry.get(PROJECTS)
    fields = tuple(f for f in layer.fields if f.name != "funding_source")
    with swapped(dataclasses.replace(layer, fields=fields)):
        with pytest.raises(SchemaChangeRefused, match="funding_source.*no longer declares"):
            run()
    assert "funding_source" in _columns(conn, layer.table)


@pytest.mark.parametrize("layer_id, metric, extra", [
    (PROJECTS, "occupancy_pct", []),  # one more metric
    ("ntm", "projects_count", ["progress_current"]),  # the first metric of a layer
])
def test_a_new_metric_gets_its_generated_columns_and_shows_progress(
        conn, added, client, layer_id, metric, extra):
    layer = registry.get(layer_id)
    assert metric not in layer.metrics
    added += [(layer.table, c) for c in extra + [metric, f"{metric}_date"]]
    with swapped(dataclasses.replace(layer, metrics=layer.metrics + (metric,))):
        report = run()
        assert [(c.action, c.column) for c in report.changes] == (
            [("add column", c) for c in extra]
            + [("add generated column", metric), ("add generated column", f"{metric}_date")])
        cols = _columns(conn, layer.table)
        assert cols[f"{metric}_date"] == "date" and cols[metric] in ("double precision",
                                                                      "integer")
        fid = _a_feature(conn, layer.table)
        conn.execute(
            "INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, value_text, "
            "unit, valid_on, source_ref, origin) VALUES (%s, %s, %s, 37, '37', 'x', "
            "'2024-06-30', 'test', 'test_migrations')", (layer.id, fid, metric))
        conn.commit()  # the progress triggers (revision 0003) fill progress_current
        props = client.get(f"/collections/{layer.id}/items/{fid}").json()["properties"]
        assert props[metric] == 37
        assert props[f"{metric}_date"] == "2024-06-30"
        assert props[f"{metric}_unit"] == "x"


def test_dry_run_and_check_list_changes_and_change_nothing(conn, added):
    layer = registry.get(PROJECTS)
    added.append((layer.table, CONTRACTOR.name))
    with swapped(dataclasses.replace(layer, fields=layer.fields + (CONTRACTOR,))):
        result = CliRunner().invoke(cli, ["migrate", "--check"])
        assert result.exit_code == 1, result.output
        assert "add column infra_project.contractor_test (text)" in result.output
        assert "nothing was changed" in result.output
        assert CONTRACTOR.name not in _columns(conn, layer.table)
    result = CliRunner().invoke(cli, ["migrate", "--check"])
    assert result.exit_code == 0, result.output
    assert "layer tables match the registry" in result.output


def test_the_cli_names_a_refused_change(added):
    layer = registry.get(PROJECTS)
    fields = tuple(dataclasses.replace(f, type="date") if f.name == "lead_agency" else f
                   for f in layer.fields)
    with swapped(dataclasses.replace(layer, fields=fields)):
        result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code == 2
    assert "field 'lead_agency'" in result.output
    assert "type text in the database, date in the declaration" in result.output
    assert "hint: write a migration" in result.output


def test_a_new_required_field_is_refused_on_a_table_with_rows(conn, added):
    layer = registry.get(PROJECTS)
    added.append((layer.table, CONTRACTOR.name))
    required = dataclasses.replace(CONTRACTOR, required=True)
    with swapped(dataclasses.replace(layer, fields=layer.fields + (required,))):
        with pytest.raises(SchemaChangeRefused, match="new and required .*rows without a value"):
            run()
    assert CONTRACTOR.name not in _columns(conn, layer.table)


def test_new_revision_starts_a_revision_after_the_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) > 1:  # revisions of parallel branches not chained yet
        with pytest.raises(GISError, match="heads"):
            new_revision("Change a type by hand")
        return
    path = new_revision("Change a type by hand")
    try:
        body = path.read_text(encoding="utf-8")
        assert path.parent.name == "versions" and path.name.endswith("_change_a_type_by_hand.py")
        assert f"down_revision = {heads[0]!r}" in body
        assert "from layers" not in body and "gis.schema import" not in body
    finally:
        path.unlink()


def _schema(url: str) -> dict:
    """Tables, columns, indexes, triggers and views of a database, for comparison."""
    with engine(url).connect() as c:
        def rows(q):
            return sorted(tuple(r) for r in c.execute(text(q)))
        return {
            "columns": rows("SELECT table_name, column_name, data_type, is_nullable, "
                            "column_default, generation_expression, ordinal_position "
                            "FROM information_schema.columns WHERE table_schema = 'public'"),
            "indexes": rows("SELECT tablename, indexdef FROM pg_indexes "
                            "WHERE schemaname = 'public'"),
            "triggers": rows("SELECT event_object_table, trigger_name, action_statement "
                             "FROM information_schema.triggers"),
            "views": rows("SELECT table_name, view_definition FROM information_schema.views "
                          "WHERE table_schema = 'public'"),
            "catalog": rows("SELECT layer_id, table_name FROM layer_catalog"),
        }


@contextmanager
def _fresh_database(db_url: str, suffix: str):
    """An empty database of this test run's own (``<test database>_<suffix>``)."""
    parts = urlsplit(db_url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))

    def drop():
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        engine(url).dispose()
        drop()


def _revisions_only(url: str) -> dict:
    cfg = alembic_config()
    with engine(url).begin() as c:
        cfg.attributes["connection"] = c
        command.upgrade(cfg, "heads")
    return _schema(url)


def test_revisions_do_the_same_whatever_the_registry_says(db_url):
    layer = registry.get("projects")
    extra = dataclasses.replace(registry.get("flood_works"), id="extra_test", table="extra_test")
    with _fresh_database(db_url, "plain") as plain, _fresh_database(db_url, "changed") as other:
        expected = _revisions_only(plain)
        with swapped(dataclasses.replace(layer, fields=layer.fields + (CONTRACTOR,),
                                         metrics=layer.metrics + ("occupancy_pct",))):
            registry.add(extra)
            try:
                changed = _revisions_only(other)
            finally:
                registry.remove(extra.id)
        assert changed == expected
        tables = {t for t, *_ in changed["columns"]}
        assert {"infra_project", "progress_snapshot", "admin_commune"} <= tables
        assert "extra_test" not in tables
        assert not any(c == CONTRACTOR.name for _, c, *_ in changed["columns"])
        # and gis migrate on top of them gives the columns the session database has
        migrate(plain)
        assert _column_types(plain) == _column_types(db_url)


def _column_types(url: str) -> set[tuple]:
    return {c[:6] for c in _schema(url)["columns"]}  # (positions differ after drops)


def test_gis_schema_core_tables_match_what_the_revisions_make(db_url):
    meta = MetaData()
    for table in CORE_TABLES:
        table.to_metadata(meta)
    names = {t.name for t in CORE_TABLES}
    with engine(db_url).connect() as c:
        ctx = MigrationContext.configure(c, opts={
            "compare_type": True,
            "include_name": lambda name, kind, _: kind != "table" or name in names})
        assert compare_metadata(ctx, meta) == []
