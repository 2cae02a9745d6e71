"""Alembic environment: the URL comes from gis.settings, the metadata from gis.schema.

The metadata (today's tables) serves autogenerate and comparisons only: revisions never
read it, nor the layer registry (they freeze what they need, see versions/).
"""

from alembic import context
from sqlalchemy import pool

from gis.db import engine
from gis.schema import layer_tables, metadata

layer_tables()  # register the registry's layer tables on the metadata
target_metadata = metadata


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        callback = context.config.attributes.get("on_version_apply")  # gis.migrate's progress
        context.configure(connection=connectable, target_metadata=target_metadata,
                          on_version_apply=(callback,) if callback else ())
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine().execution_options(poolclass=pool.NullPool).connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
