"""Core tables: sources, admin units, progress snapshots, indicators, users, audit.

The tables are written out as they were when this revision was written (frozen SQL: a
later edit of gis.schema does not change what this revision does).

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CORE_TABLES = {
    "source_document": """
        id TEXT NOT NULL,
        file TEXT NOT NULL,
        title TEXT NOT NULL,
        title_en TEXT,
        report_no TEXT,
        issued_on DATE,
        issuer TEXT,
        date_note TEXT,
        PRIMARY KEY (id)""",
    "admin_city": """
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        full_name TEXT NOT NULL,
        name_ascii TEXT,
        unit_type TEXT,
        area_km2 NUMERIC,
        source TEXT,
        geom geometry(MULTIPOLYGON,4326) NOT NULL,
        PRIMARY KEY (code)""",
    "admin_district": """
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        full_name TEXT NOT NULL,
        name_ascii TEXT,
        unit_type TEXT,
        unit_type_en TEXT,
        area_km2 NUMERIC,
        source TEXT,
        geom geometry(MULTIPOLYGON,4326) NOT NULL,
        PRIMARY KEY (code)""",
    "admin_commune": """
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        full_name TEXT NOT NULL,
        name_ascii TEXT,
        unit_type TEXT,
        district_code TEXT NOT NULL,
        in_2019_12 BOOLEAN NOT NULL,
        in_2024_09 BOOLEAN NOT NULL,
        in_2025_03 BOOLEAN NOT NULL,
        first_listed DATE,
        last_listed DATE,
        geom geometry(MULTIPOLYGON,4326),
        PRIMARY KEY (code),
        FOREIGN KEY(district_code) REFERENCES admin_district (code)""",
    "progress_snapshot": """
        id BIGSERIAL NOT NULL,
        layer_id TEXT NOT NULL,
        feature_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        value NUMERIC NOT NULL,
        value_text TEXT,
        unit TEXT NOT NULL,
        valid_on DATE NOT NULL,
        source_doc TEXT,
        source_line INTEGER,
        source_ref TEXT,
        note TEXT,
        origin TEXT DEFAULT 'dataset' NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(source_doc) REFERENCES source_document (id)""",
    "indicator": """
        id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        group_name TEXT,
        name TEXT NOT NULL,
        unit TEXT,
        actual_2023 TEXT,
        target_2024 TEXT,
        estimate_2024 TEXT,
        pct_vs_target TEXT,
        pct_vs_2023 TEXT,
        note TEXT,
        source_doc TEXT NOT NULL,
        source_line INTEGER,
        PRIMARY KEY (id),
        FOREIGN KEY(source_doc) REFERENCES source_document (id)""",
    "app_user": """
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        district_code TEXT,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        PRIMARY KEY (name),
        FOREIGN KEY(district_code) REFERENCES admin_district (code)""",
    "api_token": """
        token_sha256 TEXT NOT NULL,
        user_name TEXT NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        revoked_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (token_sha256),
        FOREIGN KEY(user_name) REFERENCES app_user (name) ON DELETE CASCADE""",
    "audit_log": """
        id BIGSERIAL NOT NULL,
        at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        user_name TEXT NOT NULL,
        action TEXT NOT NULL,
        layer_id TEXT NOT NULL,
        feature_id TEXT NOT NULL,
        before JSONB,
        after JSONB,
        PRIMARY KEY (id)""",
}

AFTER_TABLES = (
    "CREATE INDEX IF NOT EXISTS idx_admin_city_geom ON admin_city USING gist (geom)",
    "CREATE INDEX IF NOT EXISTS idx_admin_district_geom ON admin_district USING gist (geom)",
    "CREATE INDEX IF NOT EXISTS idx_admin_commune_geom ON admin_commune USING gist (geom)",
    "COMMENT ON COLUMN admin_commune.first_listed IS 'first GSO snapshot listing the unit'",
    "COMMENT ON COLUMN admin_commune.last_listed IS 'last GSO snapshot listing the unit'",
    "CREATE UNIQUE INDEX IF NOT EXISTS progress_snapshot_key ON progress_snapshot "
    "(layer_id, feature_id, metric, valid_on, coalesce(source_doc, ''), "
    "coalesce(source_line, -1), coalesce(note, ''))",
    "COMMENT ON COLUMN progress_snapshot.value_text IS 'the figure as printed in the source'",
    "ALTER TABLE app_user ADD CONSTRAINT app_user_role_check "
    "CHECK (role IN ('district_officer', 'planner', 'admin'))",
    "ALTER TABLE app_user ADD CONSTRAINT app_user_district_check "
    "CHECK (role <> 'district_officer' OR district_code IS NOT NULL)",
    "CREATE INDEX progress_snapshot_current ON progress_snapshot "
    "(layer_id, feature_id, metric, valid_on DESC)",
)


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
    for name, columns in CORE_TABLES.items():
        op.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns}\n)")
    for statement in AFTER_TABLES:
        op.execute(statement)


def downgrade() -> None:
    for name in reversed(CORE_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS f_unaccent(text)")
