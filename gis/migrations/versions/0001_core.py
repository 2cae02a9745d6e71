"""Core tables: sources, admin units, progress snapshots, indicators, users, audit.

Revision ID: 0001
Revises:
"""

from alembic import op

from gis.schema import CORE_TABLES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # unaccent() is only STABLE; an IMMUTABLE wrapper lets expression indexes use it.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
        """
    )
    bind = op.get_bind()
    for table in CORE_TABLES:
        table.create(bind, checkfirst=True)
    op.execute(
        "ALTER TABLE app_user ADD CONSTRAINT app_user_role_check "
        "CHECK (role IN ('district_officer', 'planner', 'admin'))"
    )
    op.execute(
        "ALTER TABLE app_user ADD CONSTRAINT app_user_district_check "
        "CHECK (role <> 'district_officer' OR district_code IS NOT NULL)"
    )
    op.execute(
        "CREATE INDEX progress_snapshot_current ON progress_snapshot "
        "(layer_id, feature_id, metric, valid_on DESC)"
    )


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(CORE_TABLES):
        table.drop(bind, checkfirst=True)
    op.execute("DROP FUNCTION IF EXISTS f_unaccent(text)")
