"""Bring a database to the current schema, in one transaction:

1. Alembic revisions (``gis/migrations/versions``, hand-written, self-contained);
2. layer tables compared with the registry and the safe differences applied
   (gis.layer_sync; anything else refused: write a revision for it);
3. layers registered for the progress triggers, derived columns and notifications;
4. views derived from the declarations;
5. the changes of step 2 recorded in ``schema_change`` (revision 0008).

``dry_run`` does all of it and rolls back, so it reports exactly what would happen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from gis.db import engine
from gis.errors import GISError
from gis.layer_sync import CREATE_TABLE, Change, SchemaChangeRefused, compare, register_layer_tables
from gis.layer_views import create_layer_views
from layers import registry

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@dataclass
class MigrationReport:
    revisions: list[str] = field(default_factory=list)  # "0004: Derived columns ..."
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False

    @property
    def created(self) -> list[str]:
        return [c.table for c in self.changes if c.action == CREATE_TABLE]

    @property
    def pending(self) -> bool:
        return bool(self.revisions or self.changes)


def _revisions(cfg: Config, conn: Connection, echo: Callable[[str], None]) -> list[str]:
    """Upgrade to every head; return the revisions applied."""
    applied: list[str] = []

    def on_apply(*, step, **_):
        if step.is_upgrade:
            doc = (step.up_revision.doc or "").strip().splitlines()
            applied.append(f"{step.up_revision_id}: {doc[0] if doc else ''}".rstrip(": "))
            echo(f"  revision {applied[-1]}")

    current = MigrationContext.configure(conn).get_current_heads()
    heads = ScriptDirectory.from_config(cfg).get_heads()
    echo(f"Alembic revisions: database at {', '.join(current) or 'none'}, "
         f"code at {', '.join(sorted(heads))}")
    cfg.attributes["connection"] = conn
    cfg.attributes["on_version_apply"] = on_apply
    command.upgrade(cfg, "heads")
    return applied


def derived_views(conn: Connection) -> None:
    """(Re)create the views derived from layer declarations (district_overview), after the
    layer tables."""
    create_layer_views(conn)


def _record(conn: Connection, changes: list[Change]) -> None:
    if not changes or conn.execute(text("SELECT to_regclass('schema_change')")).scalar() is None:
        return
    conn.execute(text(
        "INSERT INTO schema_change (layer_id, table_name, action, column_name, column_type, "
        "statements) VALUES (:layer, :table, :action, :column, :type, :statements)"),
        [{"layer": c.layer, "table": c.table, "action": c.action, "column": c.column,
          "type": c.type, "statements": list(c.statements)} for c in changes])


def run(url: str | None = None, *, dry_run: bool = False,
        echo: Callable[[str], None] | None = None) -> MigrationReport:
    """Migrate the database (all or nothing); with ``dry_run``, roll back at the end.
    Raises :class:`gis.layer_sync.SchemaChangeRefused` (nothing applied) when the
    registry asks for a change that needs a hand-written revision."""
    echo = echo or (lambda _line: None)
    report = MigrationReport(dry_run=dry_run)
    with engine(url).connect() as conn:
        with conn.begin() as trans:
            report.revisions = _revisions(alembic_config(), conn, echo)
            layers = registry.layers()
            echo(f"Layer tables: comparing {sum(1 for x in layers if x.managed_table)} "
                 "with the registry")
            plan = compare(conn, layers)
            if plan.refusals:
                raise SchemaChangeRefused(plan.refusals)
            for change in plan.changes:
                echo(f"  {change}")
                change.apply(conn)
            report.changes = plan.changes
            register_layer_tables(conn, layers)
            derived_views(conn)
            _record(conn, plan.changes)
            if dry_run:
                trans.rollback()
    return report


def new_revision(message: str) -> Path:
    """Write an empty revision after the current head, numbered after the last one, for a
    change ``gis migrate`` refuses to make by itself; returns its path."""
    cfg = alembic_config()
    scripts = ScriptDirectory.from_config(cfg)
    heads = sorted(scripts.get_heads())
    if len(heads) > 1:
        raise GISError(409, f"the revisions have {len(heads)} heads ({', '.join(heads)}): "
                            "a new revision would not know which one it follows",
                       hint="chain them first (set down_revision of one to the other)")
    numbers = [int(s.revision) for s in scripts.walk_revisions() if s.revision.isdigit()]
    script = command.revision(cfg, message=message, rev_id=f"{max(numbers, default=0) + 1:04d}")
    return Path(script.path)


def migrate(url: str | None = None) -> list[str]:
    """Migrate (see :func:`run`); returns the tables created for new layers."""
    return run(url).created
