"""A record of the layer-table changes ``gis migrate`` makes by itself (schema_change).

``gis migrate`` compares the layer registry with the layer tables after the revisions
and applies the safe differences (a new field's column, a new metric's generated
columns, ...): each is recorded here with the statements it ran, so a database says
when and how its layer tables came to differ from what the revisions made.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE schema_change (
            id BIGSERIAL NOT NULL,
            at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            layer_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            action TEXT NOT NULL,
            column_name TEXT,
            column_type TEXT,
            statements TEXT[] DEFAULT '{}' NOT NULL,
            PRIMARY KEY (id)
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS schema_change")
