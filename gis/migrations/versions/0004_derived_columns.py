"""Derived columns for fast tiles and pages: current progress as plain columns, the tile
geometry oriented for MVT and its minimum clearance; each metric's unit in the current
progress.

- ``m`` and ``m_date`` per metric, generated from ``progress_current`` (whose triggers,
  migration 0003, keep them current): tiles and pages no longer parse JSON per feature.
- ``geom_3857`` is regenerated with its rings turned as MVT wants them
  (``ST_ForcePolygonCW``), and ``geom_3857_clearance`` holds its minimum clearance, which
  tells the tile query when snapping a feature to the tile grid cannot make it invalid.

- ``progress_current`` also holds ``m_unit`` (the unit the figure was reported in), so
  features carry value, unit, date and source of each metric.

Expressions and tables: as they were when written, frozen in gis.migrations.frozen_0004
(gis.schema.generated_columns holds the current ones).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from gis.migrations.frozen_0004 import (
    LAYER_TABLES,
    NOTIFY_FUNCTION,
    TILE_GEOMETRY_COLUMNS,
    metric_columns,
    register,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


CURRENT_JSON = """
CREATE OR REPLACE FUNCTION progress_current_json(p_layer text, p_feature text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH latest AS (
    SELECT DISTINCT ON (ps.metric) ps.metric, ps.value, ps.valid_on, ps.unit,
           concat_ws(' ', ps.source_doc || CASE WHEN ps.source_line IS NOT NULL
                     THEN ':' || ps.source_line ELSE '' END, ps.source_ref) AS src,
           (SELECT jsonb_agg(jsonb_build_object('metric', o.metric, 'value', o.value,
                   'valid_on', o.valid_on, 'source_doc', o.source_doc,
                   'source_line', o.source_line))
              FROM progress_snapshot o
             WHERE o.layer_id = ps.layer_id AND o.feature_id = ps.feature_id
               AND o.metric = ps.metric AND o.valid_on = ps.valid_on
               AND o.value <> ps.value) AS others
      FROM progress_snapshot ps
     WHERE ps.layer_id = p_layer AND ps.feature_id = p_feature
     ORDER BY ps.metric, ps.valid_on DESC, ps.source_doc DESC NULLS LAST,
              ps.source_line DESC NULLS LAST)
  SELECT CASE WHEN count(*) = 0 THEN NULL ELSE
         jsonb_object_agg(metric, value)
         || jsonb_object_agg(metric || '_date', valid_on)
         || jsonb_object_agg(metric || '_unit', unit)
         || jsonb_object_agg(metric || '_source', src)
         || jsonb_build_object('progress_conflicts',
                               jsonb_agg(others) FILTER (WHERE others IS NOT NULL)) END
    FROM latest
$$
"""


def upgrade() -> None:
    op.execute(CURRENT_JSON)  # register() below refreshes progress_current with it
    for _, table, _, _ in LAYER_TABLES:  # (re-)added with the expressions of register()
        op.execute(f'ALTER TABLE IF EXISTS "{table}" DROP COLUMN IF EXISTS geom_3857, '
                   "DROP COLUMN IF EXISTS geom_3857_clearance")
    op.execute(NOTIFY_FUNCTION)
    for layer_id, table, _, metrics in LAYER_TABLES:
        for statement in register(layer_id, table, metrics):
            op.execute(statement)


def downgrade() -> None:
    op.execute(CURRENT_JSON.replace("         || jsonb_object_agg(metric || '_unit', unit)\n",
                                    "").replace(" ps.unit,", ""))
    for _, table, _, metrics in LAYER_TABLES:
        for name, _, _ in list(TILE_GEOMETRY_COLUMNS) + metric_columns(metrics):
            op.execute(f'ALTER TABLE IF EXISTS "{table}" DROP COLUMN IF EXISTS "{name}"')
        op.execute(f'ALTER TABLE IF EXISTS "{table}" ADD COLUMN geom_3857 geometry '
                   "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED")
        op.execute(f'CREATE INDEX IF NOT EXISTS "{table}_geom_3857_idx" '
                   f'ON "{table}" USING gist (geom_3857)')
