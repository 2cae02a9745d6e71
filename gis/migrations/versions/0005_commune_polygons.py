"""Commune/ward polygons: ``admin_commune.geom`` filled by ``gis load`` from the schematic
polygons of ``GIS_COMMUNE_POLYGONS_FILE``, with their provenance per row.

- ``geom`` (MultiPolygon, EPSG:4326, GiST index): created here where an older schema
  lacks it (no-op where revision 0001 already made it, as it does).
- ``geom_source``: provenance and licence of the polygon; ``geom_note``: how it was made.

Self-contained: explicit SQL, nothing read from the live registry or gis.schema.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE admin_commune ADD COLUMN IF NOT EXISTS geom "
               "geometry(MultiPolygon, 4326)")
    op.execute("CREATE INDEX IF NOT EXISTS idx_admin_commune_geom ON admin_commune "
               "USING gist (geom)")
    op.execute("ALTER TABLE admin_commune ADD COLUMN IF NOT EXISTS geom_source text, "
               "ADD COLUMN IF NOT EXISTS geom_note text")
    op.execute("COMMENT ON COLUMN admin_commune.geom IS "
               "'schematic polygon (migration 0005; see geom_source)'")
    op.execute("COMMENT ON COLUMN admin_commune.geom_source IS "
               "'provenance and licence of the polygon'")
    op.execute("COMMENT ON COLUMN admin_commune.geom_note IS "
               "'how the polygon was made (from its file)'")


def downgrade() -> None:
    # geom itself belongs to revision 0001; before 0005 it was loaded empty.
    op.execute("UPDATE admin_commune SET geom = NULL")
    op.execute("ALTER TABLE admin_commune DROP COLUMN IF EXISTS geom_source, "
               "DROP COLUMN IF EXISTS geom_note")
