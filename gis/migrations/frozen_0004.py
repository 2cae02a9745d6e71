"""The layer tables as revisions 0002-0004 knew them, frozen (never edit this module).

Revisions must behave the same whatever the layer registry says later, so they do not
read ``layers`` or ``gis.schema``: what 0002 created, 0003 registered and 0004 re-derived
is written here as it stood when they were written. Later changes to a layer's
declaration reach its table through ``gis migrate``'s comparison (gis.layer_sync) or a
revision of their own.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

# The common feature columns every layer table had (layers.common then).
_FEATURE_COLUMNS = """
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    districts TEXT[] DEFAULT '{}',
    wards TEXT[] DEFAULT '{}',
    geom_quality TEXT NOT NULL,
    source_doc TEXT NOT NULL,
    source_line INTEGER,
    source_ref TEXT,
    valid_on DATE NOT NULL,
    notes TEXT,
    conflicts JSONB,"""

# (layer id, table, the layer's own columns, its metrics with "integer" or "double precision")
LAYER_TABLES: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("ntm", "ntm_status", """
    unit_code TEXT NOT NULL,
    unit_level TEXT NOT NULL,
    ntm_level TEXT NOT NULL,
    year_recognised INTEGER,
    decision_no TEXT,""", ()),
    ("industrial_zones", "industrial_zone", """
    zone_type TEXT NOT NULL,
    area_ha NUMERIC,
    status TEXT,
    lead_agency TEXT,
    status_text TEXT,""", (
        ("occupancy_pct", "double precision"), ("projects_count", "integer"),
        ("capital_registered_mil_usd", "double precision"),
        ("capital_registered_bil_vnd", "double precision"))),
    ("flood_works", "flood_work", """
    work_type TEXT NOT NULL,
    river TEXT,
    from_place TEXT,
    to_place TEXT,
    length_m NUMERIC,
    status TEXT,
    lead_agency TEXT,
    implementation_period TEXT,
    total_investment_bil_vnd NUMERIC,
    status_text TEXT,""", (
        ("construction_pct", "double precision"), ("compensation_pct", "double precision"),
        ("site_handover_pct", "double precision"), ("length_done_m", "double precision"),
        ("capital_plan_bil_vnd", "double precision"),
        ("capital_disbursed_bil_vnd", "double precision"),
        ("disbursement_pct", "double precision"))),
    ("projects", "infra_project", """
    kind TEXT NOT NULL,
    status_class TEXT,
    status TEXT,
    lead_agency TEXT,
    approval_period TEXT,
    implementation_period TEXT,
    funding_source TEXT,
    total_investment_bil_vnd NUMERIC,
    status_text TEXT,""", (
        ("site_handover_pct", "double precision"), ("compensation_pct", "double precision"),
        ("construction_pct", "double precision"), ("packages_done", "integer"),
        ("packages_total", "integer"), ("capital_plan_bil_vnd", "double precision"),
        ("capital_disbursed_bil_vnd", "double precision"),
        ("disbursement_pct", "double precision"), ("length_done_m", "double precision"))),
)

TILE_GEOMETRY_COLUMNS = (
    ("geom_3857", "geometry", "ST_ForcePolygonCW(ST_Transform(geom, 3857))"),
    ("geom_3857_clearance", "double precision",
     "CASE WHEN GeometryType(geom) <> 'GEOMETRYCOLLECTION' "
     "THEN ST_MinimumClearance(ST_Transform(geom, 3857)) END"),
)


def metric_columns(metrics: tuple[tuple[str, str], ...]) -> list[tuple[str, str, str]]:
    """``(name, type, expression)`` of each metric's value and date, generated from
    ``progress_current``."""
    out = []
    for m, typ in metrics:
        out.append((m, typ, f"(progress_current ->> '{m}')::numeric::{typ}"))
        iso = f"(progress_current ->> '{m}_date')"
        out.append((f"{m}_date", "date", f"make_date(substr({iso}, 1, 4)::integer, "
                    f"substr({iso}, 6, 2)::integer, substr({iso}, 9, 2)::integer)"))
    return out


def create_table(table: str, own_columns: str, metrics: tuple[tuple[str, str], ...]) -> list[str]:
    """The CREATE TABLE (and spatial index) revision 0002 ran for a layer table."""
    generated = list(TILE_GEOMETRY_COLUMNS) + metric_columns(metrics)
    columns = "".join(
        [_FEATURE_COLUMNS, own_columns, "\n    progress_current JSONB," if metrics else "",
         "\n    geom geometry(GEOMETRY,4326),",
         "\n    version INTEGER DEFAULT '1' NOT NULL,",
         "\n    origin TEXT DEFAULT 'dataset' NOT NULL,",
         "\n    updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,"]
        + [f"\n    {name} {'geometry(GEOMETRY,3857)' if typ == 'geometry' else typ} "
           f"GENERATED ALWAYS AS ({expr}) STORED," for name, typ, expr in generated])
    return [f"CREATE TABLE IF NOT EXISTS {table} ({columns}\n    PRIMARY KEY (id)\n)",
            f"CREATE INDEX IF NOT EXISTS idx_{table}_geom ON {table} USING gist (geom)"]


NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION notify_layer_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gis_layer_changed', TG_TABLE_NAME);
  RETURN NULL;
END $$"""


def register(layer_id: str, table: str,
             metrics: tuple[tuple[str, str], ...]) -> list[str | TextClause]:
    """What revisions 0003 and 0004 ran for each layer table (after ``NOTIFY_FUNCTION``):
    the change notification, derived columns, the layer's catalogue row and its
    ``progress_current`` filled in."""
    t = f'"{table}"'
    out = [f'CREATE OR REPLACE TRIGGER "{table}_notify_change" AFTER INSERT OR UPDATE '
           f"OR DELETE OR TRUNCATE ON {t} FOR EACH STATEMENT "
           "EXECUTE FUNCTION notify_layer_change()"]
    if metrics:
        out.append(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS progress_current jsonb")
    out += [f'ALTER TABLE {t} ADD COLUMN IF NOT EXISTS "{name}" {typ} '
            f"GENERATED ALWAYS AS ({expr}) STORED"
            for name, typ, expr in list(TILE_GEOMETRY_COLUMNS) + metric_columns(metrics)]
    out.append(f'CREATE INDEX IF NOT EXISTS "{table}_geom_3857_idx" ON {t} '
               "USING gist (geom_3857)")
    if metrics:
        out.append(text(
            "INSERT INTO layer_catalog (layer_id, table_name) VALUES (:l, :t) "
            "ON CONFLICT (layer_id) DO UPDATE SET table_name = EXCLUDED.table_name"
        ).bindparams(l=layer_id, t=table))
        out.append(text(
            f"UPDATE {t} f SET progress_current = progress_current_json(:l, f.id) "
            "WHERE f.progress_current IS DISTINCT FROM progress_current_json(:l, f.id)"
        ).bindparams(l=layer_id))
    return out
