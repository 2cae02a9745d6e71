"""Bring a database to the current schema: Alembic migrations, then registry layers."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from gis.db import engine
from gis.layer_views import create_layer_views
from gis.schema import sync_layer_tables

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(url: str | None = None) -> list[str]:
    """Upgrade to head and create tables of newly declared layers. Returns new tables."""
    cfg = alembic_config()
    with engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        tables = sync_layer_tables(conn)
        create_layer_views(conn)  # views over admin tables, from the declarations
        return tables
