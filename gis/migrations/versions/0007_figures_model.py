"""Figures with their period and qualifier; projects as the reports describe them.

- ``progress_snapshot`` gets the period a figure covers (``period_kind`` point / year /
  multi_year / cumulative, ``period_from``, ``period_to``), its qualifier (exact, about,
  over, under) and ``period``, the period as text (``year:2024``,
  ``multi_year:2021-2025``, ``cumulative``), generated from the three columns.
- ``progress_current`` carries ``{m}_period`` and ``{m}_qualifier``; two figures of one
  metric and date are listed as conflicting only when they cover the same period, and
  where one line prints both (the 2024 plan's disbursement and the cumulative one), the
  flat value is the narrower period's (point, year, multi_year, cumulative).
- The layer tables of projects, flood works and industrial zones get the columns of
  issue #9 (investor, coordinating agencies, qualifiers of amounts, USD amounts, scale,
  parts, same_as, decisions, implementation years, inferred districts, the source of
  each figure field) and the current-value columns of the new metrics.

Self-contained: the columns are written out here as they are on the day of writing
(no import of the registry or of gis.schema).

Revision ID: 0007
Revises: 0006
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PERIOD_TEXT = (
    "CASE WHEN period_from IS NULL AND period_to IS NULL THEN period_kind"
    " WHEN period_kind = 'year' THEN 'year:' || period_from::text"
    " ELSE period_kind || ':' || coalesce(period_from::text, '') || '-'"
    " || coalesce(period_to::text, '') END")

CURRENT_JSON = """
CREATE OR REPLACE FUNCTION progress_current_json(p_layer text, p_feature text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH latest AS (
    SELECT DISTINCT ON (ps.metric) ps.metric, ps.value, ps.valid_on, ps.unit, ps.period,
           ps.qualifier,
           concat_ws(' ', ps.source_doc || CASE WHEN ps.source_line IS NOT NULL
                     THEN ':' || ps.source_line ELSE '' END, ps.source_ref) AS src,
           (SELECT jsonb_agg(jsonb_build_object('metric', o.metric, 'value', o.value,
                   'valid_on', o.valid_on, 'source_doc', o.source_doc,
                   'source_line', o.source_line, 'period', o.period))
              FROM progress_snapshot o
             WHERE o.layer_id = ps.layer_id AND o.feature_id = ps.feature_id
               AND o.metric = ps.metric AND o.valid_on = ps.valid_on
               AND o.period = ps.period AND o.value <> ps.value) AS others
      FROM progress_snapshot ps
     WHERE ps.layer_id = p_layer AND ps.feature_id = p_feature
     ORDER BY ps.metric, ps.valid_on DESC, ps.source_doc DESC NULLS LAST,
              ps.source_line DESC NULLS LAST,
              array_position(ARRAY['point', 'year', 'multi_year', 'cumulative'],
                             ps.period_kind))
  SELECT CASE WHEN count(*) = 0 THEN NULL ELSE
         jsonb_object_agg(metric, value)
         || jsonb_object_agg(metric || '_date', valid_on)
         || jsonb_object_agg(metric || '_unit', unit)
         || jsonb_object_agg(metric || '_source', src)
         || jsonb_object_agg(metric || '_period', period)
         || jsonb_object_agg(metric || '_qualifier', qualifier)
         || jsonb_build_object('progress_conflicts',
                               jsonb_agg(others) FILTER (WHERE others IS NOT NULL)) END
    FROM latest
$$
"""

REFRESH_ALL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT layer_id, table_name FROM layer_catalog
           WHERE to_regclass(quote_ident(table_name)) IS NOT NULL LOOP
    EXECUTE format('UPDATE %I f SET progress_current = progress_current_json(%L, f.id) '
                   'WHERE f.progress_current IS DISTINCT FROM progress_current_json(%L, f.id)',
                   r.table_name, r.layer_id, r.layer_id);
  END LOOP;
END $$
"""

_STRUCTURE = [
    ("parent", "text"), ("parts", "text[] DEFAULT '{}'"), ("same_as", "text"),
    ("period_start", "integer"), ("period_end", "integer"), ("decisions", "jsonb"),
    ("districts_inferred", "text[] DEFAULT '{}'"), ("districts_inferred_reason", "text"),
    ("field_sources", "jsonb"),
]
_AGENCIES = [("investor", "text"), ("coordinating_agencies", "text")]


def _amount(name: str, typ: str = "numeric") -> list[tuple[str, str]]:
    return [(name, typ), (f"{name}_qualifier", "text")]


COLUMNS = {
    "infra_project": [
        *_AGENCIES, ("total_investment_bil_vnd_qualifier", "text"),
        *_amount("total_investment_mil_usd"), *_amount("oda_mil_usd"),
        *_amount("counterpart_mil_usd"), *_amount("beds", "integer"), *_amount("capacity"),
        ("capacity_unit", "text"), *_amount("land_acquired_ha"),
        *_amount("households_affected", "integer"), *_STRUCTURE,
    ],
    "flood_work": [("length_m_qualifier", "text"), *_AGENCIES,
                   ("total_investment_bil_vnd_qualifier", "text"), *_STRUCTURE],
    "industrial_zone": [("area_ha_qualifier", "text"), *_STRUCTURE],
}

# (metric, integer?) of the metrics added to each layer
NEW_METRICS = {
    "infra_project": [("executed_value_bil_vnd", False), ("executed_budget_bil_vnd", False),
                      ("executed_pct", False), ("site_handed_over_ha", False)],
    "flood_work": [("executed_value_bil_vnd", False), ("executed_budget_bil_vnd", False),
                   ("executed_pct", False)],
    "industrial_zone": [("fdi_registered_mil_usd", False), ("fdi_projects_count", True),
                        ("capital_realised_mil_usd", False)],
}


def _metric_columns(metric: str, integer: bool) -> list[str]:
    typ = "integer" if integer else "double precision"
    iso = f"(progress_current ->> '{metric}_date')"
    return [
        f'"{metric}" {typ} GENERATED ALWAYS AS '
        f"((progress_current ->> '{metric}')::numeric::{typ}) STORED",
        f'"{metric}_date" date GENERATED ALWAYS AS (make_date(substr({iso}, 1, 4)::integer, '
        f"substr({iso}, 6, 2)::integer, substr({iso}, 9, 2)::integer)) STORED",
    ]


def upgrade() -> None:
    op.execute("ALTER TABLE progress_snapshot"
               " ADD COLUMN IF NOT EXISTS period_kind text NOT NULL DEFAULT 'point',"
               " ADD COLUMN IF NOT EXISTS period_from integer,"
               " ADD COLUMN IF NOT EXISTS period_to integer,"
               " ADD COLUMN IF NOT EXISTS qualifier text NOT NULL DEFAULT 'exact'")
    op.execute(f"ALTER TABLE progress_snapshot ADD COLUMN IF NOT EXISTS period text "
               f"GENERATED ALWAYS AS ({PERIOD_TEXT}) STORED")
    op.execute("ALTER TABLE progress_snapshot ADD CONSTRAINT progress_snapshot_period_check"
               " CHECK (period_kind IN ('point', 'year', 'multi_year', 'cumulative')"
               " AND (period_kind <> 'point' OR (period_from IS NULL AND period_to IS NULL))"
               " AND (period_kind <> 'year' OR (period_from IS NOT NULL"
               "      AND period_to = period_from))"
               " AND (period_kind <> 'multi_year' OR period_to > period_from))")
    op.execute("ALTER TABLE progress_snapshot ADD CONSTRAINT progress_snapshot_qualifier_check"
               " CHECK (qualifier IN ('exact', 'about', 'over', 'under'))")
    for table, columns in COLUMNS.items():
        adds = [f'ADD COLUMN IF NOT EXISTS "{name}" {typ}' for name, typ in columns]
        adds += [f"ADD COLUMN IF NOT EXISTS {col}"
                 for metric, integer in NEW_METRICS[table]
                 for col in _metric_columns(metric, integer)]
        op.execute(f'ALTER TABLE IF EXISTS "{table}" ' + ", ".join(adds))
    op.execute(CURRENT_JSON)
    op.execute(REFRESH_ALL)


def _previous_current_json() -> str:
    path = Path(__file__).with_name("0004_derived_columns.py")
    spec = importlib.util.spec_from_file_location("_migration_0004", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CURRENT_JSON


def downgrade() -> None:
    op.execute(_previous_current_json())
    for table, columns in COLUMNS.items():
        drops = [f'DROP COLUMN IF EXISTS "{name}"' for name, _ in columns]
        drops += [f'DROP COLUMN IF EXISTS "{m}{suffix}"' for m, _ in NEW_METRICS[table]
                  for suffix in ("", "_date")]
        op.execute(f'ALTER TABLE IF EXISTS "{table}" ' + ", ".join(drops))
    op.execute("ALTER TABLE progress_snapshot DROP CONSTRAINT IF EXISTS "
               "progress_snapshot_qualifier_check, DROP CONSTRAINT IF EXISTS "
               "progress_snapshot_period_check, DROP COLUMN IF EXISTS period,"
               " DROP COLUMN IF EXISTS period_kind, DROP COLUMN IF EXISTS period_from,"
               " DROP COLUMN IF EXISTS period_to, DROP COLUMN IF EXISTS qualifier")
    op.execute(REFRESH_ALL)
