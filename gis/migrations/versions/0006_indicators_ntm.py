"""Indicators with their values and contradictions; the basis of New Rural records.

- ``indicator`` keeps one row per indicator (code, group, name vi/en, unit, the admin unit
  it is about, reporting period and agency where printed); the wide columns of the 17
  indicators of 002 Appendix I (actual_2023, target_2024, …) become rows of
  ``indicator_value``: year or period, kind (target, plan, actual, estimate), measure
  (level, against the target, against the year before), the value as printed and as
  numbers, qualifier, basis (named or derived, with rule and lines), source, valid_on.
- ``indicator_contradiction``: values of the documents that disagree, both kept.
- ``ntm_status`` gets ``basis``, ``basis_rule`` and ``derived_from`` (layers.basis).

Self-contained (explicit SQL; it imports neither the registry nor gis.schema) and
idempotent: on a database where these already exist it changes nothing. The values of
the old columns are not carried over: ``gis load`` stores them again from the data files.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_COLUMNS = ("actual_2023", "target_2024", "estimate_2024", "pct_vs_target", "pct_vs_2023")

UPGRADE = [
    "ALTER TABLE indicator ADD COLUMN IF NOT EXISTS name_en text",
    "ALTER TABLE indicator ADD COLUMN IF NOT EXISTS unit_code text NOT NULL DEFAULT '92'",
    "ALTER TABLE indicator ADD COLUMN IF NOT EXISTS reporting_period text",
    "ALTER TABLE indicator ADD COLUMN IF NOT EXISTS agency text",
    "ALTER TABLE indicator ADD COLUMN IF NOT EXISTS source_ref text",
    *(f"ALTER TABLE indicator DROP COLUMN IF EXISTS {c}" for c in OLD_COLUMNS),
    """CREATE TABLE IF NOT EXISTS indicator_value (
        indicator_id text NOT NULL REFERENCES indicator (id) ON DELETE CASCADE,
        key text NOT NULL,
        ord integer NOT NULL,
        year_from integer NOT NULL,
        year_to integer NOT NULL,
        period_kind text NOT NULL,
        kind text NOT NULL,
        measure text NOT NULL DEFAULT 'level',
        value_text text NOT NULL,
        value numeric,
        value_low numeric,
        value_high numeric,
        qualifier text NOT NULL DEFAULT 'exact',
        unit text,
        basis text NOT NULL DEFAULT 'named',
        basis_rule text,
        derived_from text,
        source_doc text NOT NULL REFERENCES source_document (id),
        source_line integer,
        source_ref text,
        valid_on date NOT NULL,
        note text,
        PRIMARY KEY (indicator_id, key))""",
    """CREATE TABLE IF NOT EXISTS indicator_contradiction (
        id text PRIMARY KEY,
        ord integer NOT NULL,
        note text NOT NULL,
        sides jsonb NOT NULL)""",
    # New Rural records: how each is known. Existing rows are classified by what their
    # notes said before this field existed ("Derived: …"); the next load sets them exactly.
    "ALTER TABLE ntm_status ADD COLUMN IF NOT EXISTS basis text",
    "ALTER TABLE ntm_status ADD COLUMN IF NOT EXISTS basis_rule text",
    "ALTER TABLE ntm_status ADD COLUMN IF NOT EXISTS derived_from text",
    "UPDATE ntm_status SET basis = CASE WHEN notes LIKE 'Derived:%' THEN 'derived' "
    "ELSE 'named' END WHERE basis IS NULL",
    "ALTER TABLE ntm_status ALTER COLUMN basis SET NOT NULL",
]

DOWNGRADE = [
    "ALTER TABLE ntm_status DROP COLUMN IF EXISTS derived_from",
    "ALTER TABLE ntm_status DROP COLUMN IF EXISTS basis_rule",
    "ALTER TABLE ntm_status DROP COLUMN IF EXISTS basis",
    "DROP TABLE IF EXISTS indicator_contradiction",
    "DROP TABLE IF EXISTS indicator_value",
    *(f"ALTER TABLE indicator ADD COLUMN IF NOT EXISTS {c} text" for c in OLD_COLUMNS),
    *(f"ALTER TABLE indicator DROP COLUMN IF EXISTS {c}"
      for c in ("source_ref", "agency", "reporting_period", "unit_code", "name_en")),
]


# What the columns hold, as gis.schema describes them (psql \d+ shows it).
COMMENTS = (
    ("indicator", "unit_code", "admin unit the indicator is about (92: the city)"),
    ("indicator", "reporting_period", "kỳ báo cáo, as printed"),
    ("indicator", "agency", "cơ quan thực hiện, as printed"),
    ("indicator_value", "key", "period/kind/measure/basis/source/value"),
    ("indicator_value", "value_text", "the figure as printed"),
    ("indicator_contradiction", "note", "what disagrees"),
    ("indicator_contradiction", "sides", "the values that disagree, with sources"),
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)
    for table, column, text in COMMENTS:
        op.execute(f"COMMENT ON COLUMN {table}.{column} IS '{text}'")


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
