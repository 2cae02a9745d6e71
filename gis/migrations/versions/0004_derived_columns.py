"""Derived columns for fast tiles and pages: current progress as plain columns, the tile
geometry oriented for MVT and its minimum clearance.

- ``m`` and ``m_date`` per metric, generated from ``progress_current`` (whose triggers,
  migration 0003, keep them current): tiles and pages no longer parse JSON per feature.
- ``geom_3857`` is regenerated with its rings turned as MVT wants them
  (``ST_ForcePolygonCW``), and ``geom_3857_clearance`` holds its minimum clearance, which
  tells the tile query when snapping a feature to the tile grid cannot make it invalid.

Expressions: gis.schema.generated_columns.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from gis.schema import register_layer_tables
    from layers import registry

    for layer in registry.layers():
        if layer.managed_table:  # (re-)added with the expressions of gis.schema below
            op.execute(f'ALTER TABLE IF EXISTS "{layer.table}" DROP COLUMN IF EXISTS geom_3857, '
                       "DROP COLUMN IF EXISTS geom_3857_clearance")
    register_layer_tables(op.get_bind())


def downgrade() -> None:
    from gis.schema import generated_columns
    from layers import registry

    for layer in registry.layers():
        if layer.managed_table:
            for name, _, _ in generated_columns(layer):
                op.execute(f'ALTER TABLE IF EXISTS "{layer.table}" DROP COLUMN IF EXISTS "{name}"')
            op.execute(f'ALTER TABLE IF EXISTS "{layer.table}" ADD COLUMN geom_3857 geometry '
                       "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED")
            op.execute(f'CREATE INDEX IF NOT EXISTS "{layer.table}_geom_3857_idx" '
                       f'ON "{layer.table}" USING gist (geom_3857)')
