"""Layer tables brought in line with the registry: the comparison ``gis migrate`` runs
after Alembic's revisions.

Each managed layer's table is compared with the table its declaration describes
(``gis.schema.layer_table``): columns, their types, ``NOT NULL``, and the generated
columns (tile geometry, one value and one date per metric). Safe changes are applied:

- a table for a newly declared layer;
- a column for a newly declared field (``NOT NULL`` only when the table is empty);
- ``progress_current`` and the generated columns of a metric newly added to a layer
  (the layer is then registered for the progress triggers of migration 0003);
- a generated column whose type changed (it holds nothing of its own: it is re-derived);
- ``NOT NULL`` dropped from a field no longer required, or set where no row lacks it.

Anything that could lose or reinterpret data is refused, with a message that names the
layer, the field, the type in the database and the declared type: a column whose type
differs, a column no longer declared, a plain column that became generated (or back).
Those need a revision written by hand (``gis/migrations/versions``), after which the
comparison finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Column, MetaData, Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from gis.errors import GISError
from gis.schema import NOTIFY_FUNCTION, generated_columns, layer_ddl, layer_table
from layers.base import Layer

CREATE_TABLE = "create table"
ADD_COLUMN = "add column"
ADD_GENERATED = "add generated column"
REGENERATE = "re-derive generated column"
DROP_NOT_NULL = "drop not null"
SET_NOT_NULL = "set not null"

_DIALECT = postgresql.dialect()


@dataclass(frozen=True)
class Change:
    """One safe change to a layer table, with the SQL that makes it."""

    layer: str
    table: str
    action: str
    column: str | None = None
    type: str | None = None
    statements: tuple[str, ...] = ()
    new_table: Table | None = field(default=None, compare=False, repr=False)

    def apply(self, conn: Connection) -> None:
        if self.new_table is not None:
            self.new_table.create(conn)
        for statement in self.statements:
            conn.execute(text(statement))

    def __str__(self) -> str:
        if self.column is None:
            return f"layer {self.layer!r}: {self.action} {self.table}"
        typ = f" ({self.type})" if self.type else ""
        return f"layer {self.layer!r}: {self.action} {self.table}.{self.column}{typ}"


@dataclass(frozen=True)
class Refusal:
    """A difference ``gis migrate`` does not resolve by itself."""

    layer: str
    table: str
    column: str
    reason: str
    old: str | None = None  # the column's type in the database
    new: str | None = None  # the declared type

    def __str__(self) -> str:
        return (f"layer {self.layer!r}, field {self.column!r} (table {self.table}): "
                f"{self.reason}")


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


class SchemaChangeRefused(GISError):
    """Differences between registry and database that need a hand-written migration."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = list(refusals)
        lines = "\n".join(f"  - {r}" for r in self.refusals)
        super().__init__(
            409, f"gis migrate does not make these changes by itself:\n{lines}",
            field=self.refusals[0].column if self.refusals else None,
            hint="write a migration (an Alembic revision in gis/migrations/versions/: "
                 "`gis migrate --new-revision 'what it does'` starts one) that changes the "
                 "column and its data, then run `gis migrate` again")


def _sql_type(column: Column) -> str:
    return column.type.compile(dialect=_DIALECT).lower()


def _base_type(typ: str) -> str:
    """``geometry(geometry,3857)`` -> ``geometry``: generated columns are compared by
    their base type (tables of older checkouts hold an unconstrained geometry)."""
    return typ.split("(", 1)[0]


def _actual_columns(conn: Connection, table: str) -> dict[str, tuple[str, bool, bool]] | None:
    """``{name: (type, not null, generated)}`` of an existing table, None if it is missing."""
    if conn.execute(text("SELECT to_regclass(quote_ident(:t))"), {"t": table}).scalar() is None:
        return None
    rows = conn.execute(text(
        "SELECT a.attname, lower(format_type(a.atttypid, a.atttypmod)), a.attnotnull, "
        "a.attgenerated <> '' FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(quote_ident(:t)) AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY a.attnum"), {"t": table})
    return {name: (typ, notnull, generated) for name, typ, notnull, generated in rows}


def _default(col: Column) -> str:
    if col.server_default is None:
        return ""
    arg = col.server_default.arg
    return f" DEFAULT {arg.text if hasattr(arg, 'text') else repr(str(arg))}"


def _field_type(layer: Layer, column: str) -> str:
    """The declared field type, for messages (``number``, ``text[]``, ...)."""
    if layer.has_field(column):
        return f"field type {layer.field(column).type!r}"
    if column == "geom":
        return f"geometry_type {layer.geometry_type!r}"
    return "a column every layer table has"


def _count(conn: Connection, table: str, where: str = "true") -> int:
    q = conn.dialect.identifier_preparer.quote
    return conn.execute(text(f"SELECT count(*) FROM {q(table)} WHERE {where}")).scalar()


def compare_layer(conn: Connection, layer: Layer) -> Plan:
    """What it takes to bring ``layer``'s table in line with its declaration."""
    plan = Plan()
    wanted = layer_table(layer, MetaData())
    actual = _actual_columns(conn, layer.table)
    if actual is None:
        plan.changes.append(Change(layer.id, layer.table, CREATE_TABLE, new_table=wanted))
        return plan
    q = conn.dialect.identifier_preparer.quote
    t = q(layer.table)
    expressions = {name: (typ, expr) for name, typ, expr in generated_columns(layer)}
    added_generated = []
    for col in wanted.columns:
        typ = _sql_type(col)
        c = q(col.name)
        if col.computed is not None:
            gen_typ, expr = expressions[col.name]
            add = f"ALTER TABLE {t} ADD COLUMN {c} {gen_typ} GENERATED ALWAYS AS ({expr}) STORED"
            if col.name not in actual:
                added_generated.append(Change(layer.id, layer.table, ADD_GENERATED, col.name,
                                              gen_typ, (add,)))
            elif not actual[col.name][2]:
                plan.refusals.append(Refusal(
                    layer.id, layer.table, col.name, old=actual[col.name][0], new=gen_typ,
                    reason=f"a plain column ({actual[col.name][0]}) in the database, "
                           "declared as generated from progress: write a migration "
                           "(Alembic revision) that moves its data"))
            elif _base_type(actual[col.name][0]) != _base_type(typ):
                added_generated.append(Change(
                    layer.id, layer.table, REGENERATE, col.name,
                    f"{actual[col.name][0]} -> {gen_typ}",
                    (f"ALTER TABLE {t} DROP COLUMN {c}", add)))
            continue
        if col.name not in actual:
            not_null = not col.nullable and _count(conn, layer.table) == 0
            default = _default(col)
            if not col.nullable and not not_null:
                plan.refusals.append(Refusal(
                    layer.id, layer.table, col.name, new=typ,
                    reason=f"new and required ({typ}), but the table has rows without a "
                           "value: write a migration (Alembic revision) that adds and fills "
                           "it, or declare it not required first"))
                continue
            plan.changes.append(Change(
                layer.id, layer.table, ADD_COLUMN, col.name, typ,
                (f"ALTER TABLE {t} ADD COLUMN {c} {typ}{default}"
                 + (" NOT NULL" if not_null else ""),)))
            continue
        old, notnull, generated = actual[col.name]
        if generated:
            plan.refusals.append(Refusal(
                layer.id, layer.table, col.name, old=old, new=typ,
                reason=f"generated in the database, declared as a plain {typ} column: "
                       "write a migration (Alembic revision) for it"))
        elif old != typ:
            plan.refusals.append(Refusal(
                layer.id, layer.table, col.name, old=old, new=typ,
                reason=f"type {old} in the database, {typ} in the declaration "
                       f"({_field_type(layer, col.name)}); gis migrate does not change "
                       "column types: write a migration (Alembic revision) for it"))
        elif notnull and col.nullable:
            plan.changes.append(Change(layer.id, layer.table, DROP_NOT_NULL, col.name, typ,
                                       (f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL",)))
        elif not notnull and not col.nullable:
            if _count(conn, layer.table, f"{c} IS NULL"):
                plan.refusals.append(Refusal(
                    layer.id, layer.table, col.name, old=old, new=typ,
                    reason="declared required, but rows have no value: write a migration "
                           "(Alembic revision) that fills it"))
            else:
                plan.changes.append(Change(layer.id, layer.table, SET_NOT_NULL, col.name, typ,
                                           (f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL",)))
    for name, (old, _, _) in actual.items():
        if name not in wanted.columns:
            plan.refusals.append(Refusal(
                layer.id, layer.table, name, old=old,
                reason=f"a column ({old}) of the table that the layer no longer declares: "
                       "write a migration (Alembic revision) that drops or renames it, or "
                       "declare it again"))
    plan.changes += added_generated  # after the plain columns (progress_current)
    return plan


def compare(conn: Connection, layers: list[Layer]) -> Plan:
    plan = Plan()
    for layer in layers:
        if layer.managed_table:
            one = compare_layer(conn, layer)
            plan.changes += one.changes
            plan.refusals += one.refusals
    return plan


def register_layer_tables(conn: Connection, layers: list[Layer]) -> None:
    """Record which table holds each layer (the progress triggers need it), make sure
    layer tables have their derived columns, change notification and ``progress_current``
    filled in."""
    conn.execute(text(NOTIFY_FUNCTION))
    for layer in layers:
        if layer.managed_table:
            for statement in layer_ddl(layer):
                conn.execute(text(statement))
        if not layer.metrics:
            continue
        conn.execute(text(
            "INSERT INTO layer_catalog (layer_id, table_name) VALUES (:l, :t) "
            "ON CONFLICT (layer_id) DO UPDATE SET table_name = EXCLUDED.table_name"),
            {"l": layer.id, "t": layer.table})
        if not layer.managed_table:
            continue
        t = conn.dialect.identifier_preparer.quote(layer.table)
        conn.execute(text(
            f"UPDATE {t} f SET progress_current = progress_current_json(:l, f.id) "
            "WHERE f.progress_current IS DISTINCT FROM progress_current_json(:l, f.id)"),
            {"l": layer.id})
