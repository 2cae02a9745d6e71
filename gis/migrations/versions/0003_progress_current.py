"""Current progress kept on each feature row, refreshed by triggers on progress_snapshot;
a Web Mercator copy of every layer's geometry for vector tiles.

Reading a feature's latest figure per metric from the snapshots costs a lateral
sub-query per feature; maps, tiles and pages ask for "now" far more often than for a
past date. ``progress_current`` (jsonb) holds the same flat properties that
gis.queries computes for a date (``m``, ``m_date``, ``m_source``, ``progress_conflicts``)
and statement-level triggers keep it in step with every insert, update or delete of
snapshots. ``layer_catalog`` maps layer ids to tables (the layers of then are frozen in
gis.migrations.frozen_0004; ``gis migrate`` registers layers declared later).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from gis.migrations.frozen_0004 import LAYER_TABLES, NOTIFY_FUNCTION, register

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CURRENT_JSON = """
CREATE OR REPLACE FUNCTION progress_current_json(p_layer text, p_feature text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH latest AS (
    SELECT DISTINCT ON (ps.metric) ps.metric, ps.value, ps.valid_on,
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
         || jsonb_object_agg(metric || '_source', src)
         || jsonb_build_object('progress_conflicts',
                               jsonb_agg(others) FILTER (WHERE others IS NOT NULL)) END
    FROM latest
$$
"""

REFRESH = """
CREATE OR REPLACE FUNCTION progress_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  changed text;
BEGIN
  changed := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT layer_id, feature_id FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT layer_id, feature_id FROM old_rows'
    ELSE 'SELECT layer_id, feature_id FROM new_rows UNION SELECT layer_id, feature_id FROM old_rows'
  END;
  FOR r IN EXECUTE format(
      'SELECT DISTINCT c.layer_id, c.table_name FROM (%s) x JOIN layer_catalog c USING (layer_id) '
      'WHERE to_regclass(quote_ident(c.table_name)) IS NOT NULL', changed) LOOP
    EXECUTE format(
      'UPDATE %I f SET progress_current = progress_current_json(%L, f.id) '
      'WHERE f.id IN (SELECT feature_id FROM (%s) x WHERE layer_id = %L) '
      'AND f.progress_current IS DISTINCT FROM progress_current_json(%L, f.id)',
      r.table_name, r.layer_id, changed, r.layer_id, r.layer_id);
  END LOOP;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute("CREATE TABLE IF NOT EXISTS layer_catalog ("
                "layer_id text PRIMARY KEY, table_name text NOT NULL)")
    op.execute(CURRENT_JSON)
    op.execute(REFRESH)
    op.execute("CREATE TRIGGER progress_refresh_ins AFTER INSERT ON progress_snapshot "
               "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION progress_refresh()")
    op.execute("CREATE TRIGGER progress_refresh_upd AFTER UPDATE ON progress_snapshot "
               "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION progress_refresh()")
    op.execute("CREATE TRIGGER progress_refresh_del AFTER DELETE ON progress_snapshot "
               "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION progress_refresh()")
    op.execute(NOTIFY_FUNCTION)
    for layer_id, table, _, metrics in LAYER_TABLES:
        for statement in register(layer_id, table, metrics):
            op.execute(statement)


def downgrade() -> None:
    for op_name in ("ins", "upd", "del"):
        op.execute(f"DROP TRIGGER IF EXISTS progress_refresh_{op_name} ON progress_snapshot")
    op.execute("DROP FUNCTION IF EXISTS progress_refresh()")
    op.execute("DROP FUNCTION IF EXISTS progress_current_json(text, text)")
    op.execute("DROP TABLE IF EXISTS layer_catalog")
