"""Layer tables derived from the layer registry, and the district overview view.

The tables are those of the layers declared when this revision was written (frozen in
gis.migrations.frozen_0004). Layers and fields declared later reach the database through
``gis migrate``'s comparison of the registry with the tables (gis.layer_sync), so adding a
layer or a field needs no migration of its own.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from gis.migrations.frozen_0004 import LAYER_TABLES, create_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Urban districts (quận) are marked: the New Rural programme does not apply to them.
# geom_3857 serves vector tiles like the stored copy on layer tables (migration 0003).
DISTRICT_OVERVIEW = """
CREATE OR REPLACE VIEW district_overview AS
SELECT d.code AS id, d.name, d.name_ascii, d.unit_type, d.area_km2,
       CASE WHEN d.unit_type = 'Quận' THEN 'not_applicable' ELSE n.ntm_level END AS ntm_level,
       n.year_recognised AS ntm_year, d.geom, ST_Transform(d.geom, 3857) AS geom_3857
FROM admin_district d
LEFT JOIN LATERAL (
    SELECT s.ntm_level, s.year_recognised
    FROM ntm_status s
    WHERE s.unit_code = d.code AND s.unit_level = 'district' AND s.ntm_level <> 'unknown'
    ORDER BY array_position(ARRAY['ntm', 'ntm_nang_cao', 'ntm_kieu_mau'], s.ntm_level) DESC,
             s.year_recognised DESC NULLS LAST
    LIMIT 1
) n ON true
"""


def upgrade() -> None:
    for _, table, columns, metrics in LAYER_TABLES:
        for statement in create_table(table, columns, metrics):
            op.execute(statement)
    op.execute(DISTRICT_OVERVIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS district_overview")
