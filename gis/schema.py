"""SQLAlchemy / GeoAlchemy2 tables: the core tables and one table per registry layer.

Core tables change through Alembic migrations (``gis/migrations``, which freeze what they
need instead of importing this module: keep the definitions here in step with them). Layer
tables are derived from the layer registry, so a new layer or field needs only its
declaration: ``gis migrate`` compares these tables with the database and applies the safe
differences (gis.layer_sync).
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from gis.schema_meta import metadata
from gis.schema_records import (  # noqa: F401 (re-exported: the tables of gis.schema)
    decision_citation,
    indicator,
    indicator_contradiction,
    indicator_value,
    report_row,
)
from layers import registry
from layers.base import Layer

source_document = Table(
    "source_document", metadata,
    Column("id", Text, primary_key=True),
    Column("file", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("title_en", Text),
    Column("report_no", Text),
    Column("issued_on", Date),
    Column("issuer", Text),
    Column("date_note", Text),
)

admin_city = Table(
    "admin_city", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("name_ascii", Text),
    Column("unit_type", Text),
    Column("area_km2", Numeric),
    Column("source", Text),
    Column("geom", Geometry("MultiPolygon", 4326, spatial_index=True), nullable=False),
)

admin_district = Table(
    "admin_district", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("name_ascii", Text),
    Column("unit_type", Text),
    Column("unit_type_en", Text),
    Column("area_km2", Numeric),
    Column("source", Text),
    Column("geom", Geometry("MultiPolygon", 4326, spatial_index=True), nullable=False),
)

admin_commune = Table(
    "admin_commune", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("name_ascii", Text),
    Column("unit_type", Text),
    Column("district_code", Text, ForeignKey("admin_district.code"), nullable=False),
    Column("in_2019_12", Boolean, nullable=False),
    Column("in_2024_09", Boolean, nullable=False),
    Column("in_2025_03", Boolean, nullable=False),
    Column("first_listed", Date, comment="first GSO snapshot listing the unit"),
    Column("last_listed", Date, comment="last GSO snapshot listing the unit"),
    Column("geom", Geometry("MultiPolygon", 4326, spatial_index=True), nullable=True,
           comment="schematic polygon (migration 0005; see geom_source)"),
    Column("geom_source", Text, comment="provenance and licence of the polygon"),
    Column("geom_note", Text, comment="how the polygon was made (from its file)"),
)

progress_snapshot = Table(
    "progress_snapshot", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("layer_id", Text, nullable=False),
    Column("feature_id", Text, nullable=False),
    Column("metric", Text, nullable=False),
    Column("value", Numeric, nullable=False),
    Column("value_text", Text, comment="the figure as printed in the source"),
    Column("unit", Text, nullable=False),
    Column("valid_on", Date, nullable=False),
    Column("source_doc", Text, ForeignKey("source_document.id")),
    Column("source_line", Integer),
    Column("source_ref", Text),
    Column("note", Text),
    Column("origin", Text, nullable=False, server_default="dataset"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # the period the figure covers and its qualifier (migration 0007, layers.figures)
    Column("period_kind", Text, nullable=False, server_default="point"),
    Column("period_from", Integer),
    Column("period_to", Integer),
    Column("qualifier", Text, nullable=False, server_default="exact"),
    Column("period", Text, Computed(
        "CASE WHEN period_from IS NULL AND period_to IS NULL THEN period_kind"
        " WHEN period_kind = 'year' THEN 'year:' || period_from::text"
        " ELSE period_kind || ':' || coalesce(period_from::text, '') || '-'"
        " || coalesce(period_to::text, '') END", persisted=True)),
)
Index(
    "progress_snapshot_key", progress_snapshot.c.layer_id, progress_snapshot.c.feature_id,
    progress_snapshot.c.metric, progress_snapshot.c.valid_on,
    func.coalesce(progress_snapshot.c.source_doc, ""),
    func.coalesce(progress_snapshot.c.source_line, -1),
    func.coalesce(progress_snapshot.c.note, ""),
    unique=True,
)
Index(
    "progress_snapshot_current", progress_snapshot.c.layer_id, progress_snapshot.c.feature_id,
    progress_snapshot.c.metric, progress_snapshot.c.valid_on.desc(),
)

app_user = Table(
    "app_user", metadata,
    Column("name", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("district_code", Text, ForeignKey("admin_district.code")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("password_hash", Text),  # argon2 (0009)
)

api_token = Table(
    "api_token", metadata,
    Column("token_sha256", Text, primary_key=True),
    Column("user_name", Text, ForeignKey("app_user.name", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("name", Text),  # 0009
    Column("expires_at", DateTime(timezone=True)),
)

# Browser sessions (0009): the cookie's SHA-256, its CSRF token, last activity (idle expiry).
user_session = Table(
    "user_session", metadata,
    Column("id_sha256", Text, primary_key=True),
    Column("user_name", Text, ForeignKey("app_user.name", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("address", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_seen", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Failed sign-ins per ``user:NAME`` and ``addr:IP`` (0009): slowed, then locked for a while.
signin_failure = Table(
    "signin_failure", metadata,
    Column("subject", Text, primary_key=True),
    Column("failures", Integer, nullable=False, server_default=text("0")),
    Column("last_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("locked_until", DateTime(timezone=True)),
)

# Writes and sign-in attempts counted for the rate limits, shared by every API process
# (0012, api.security): UNLOGGED, at most the limit's rows per key, counted by the
# migration's function rate_limit_hit(key, rate, window).
rate_limit_event = Table(
    "rate_limit_event", metadata,
    Column("key", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    prefixes=["UNLOGGED"],
)
Index("rate_limit_event_key", rate_limit_event.c.key, rate_limit_event.c.at)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("user_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("layer_id", Text, nullable=False),
    Column("feature_id", Text, nullable=False),
    Column("before", JSONB),
    Column("after", JSONB),
    Column("status", Integer),  # 0009: the HTTP status of a refused write
    Column("reason", Text),  # 0009: why (a delete's reason, a refusal's message)
    Column("detail", JSONB),  # 0009: e.g. the progress figures a delete removed
)

# What ``gis migrate`` changed in layer tables by itself (revision 0008, gis.migrate).
schema_change = Table(
    "schema_change", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("layer_id", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("column_name", Text),
    Column("column_type", Text),
    Column("statements", ARRAY(Text), nullable=False, server_default=text("'{}'")),
)

CORE_TABLES = (
    source_document, admin_city, admin_district, admin_commune, progress_snapshot, indicator,
    indicator_value, indicator_contradiction, decision_citation, app_user, api_token,
    audit_log, user_session, signin_failure, schema_change, report_row, rate_limit_event,
)

_SQL_TYPES = {
    "text": Text,
    "integer": Integer,
    "number": Numeric,
    "date": Date,
    "json": JSONB,
}


def _column_type(field_type: str):
    if field_type == "text[]":
        return ARRAY(Text)
    return _SQL_TYPES[field_type]


# Derived columns of every layer table, generated by PostgreSQL from the row itself, so
# they cannot drift from it. Vector tiles read the Web Mercator copy of the geometry,
# its rings turned the way MVT wants them once flipped to tile rows (exteriors clockwise
# in EPSG:3857), and its minimum clearance: how far a vertex may move before the shape
# becomes invalid, which tells when snapping to the tile grid is safe (api.tilesql; none
# for geometry collections, which only ST_AsMVTGeom turns into something MVT can hold).
TILE_GEOMETRY_COLUMNS = [
    ("geom_3857", "geometry", "ST_ForcePolygonCW(ST_Transform(geom, 3857))"),
    ("geom_3857_clearance", "double precision",
     "CASE WHEN GeometryType(geom) <> 'GEOMETRYCOLLECTION' "
     "THEN ST_MinimumClearance(ST_Transform(geom, 3857)) END"),
]
# (the spatial index of geom_3857 is made by layer_ddl, with a name of its own)
_GENERATED_TYPES = {"geometry": lambda: Geometry("Geometry", 3857, spatial_index=False),
                    "double precision": Double, "integer": Integer, "date": Date}


def current_progress_columns(layer: Layer) -> list[tuple[str, str, str]]:
    """``(name, type, expression)`` of each metric's latest value and date as plain columns,
    generated from ``progress_current``: tiles and pages read them as cheaply as any
    other column. (Generated columns need immutable expressions, hence the date built
    from the ISO text of the JSON rather than a cast, which depends on ``DateStyle``.)"""
    from layers import METRICS

    out = []
    for m in layer.metrics:
        typ = "integer" if METRICS[m].integer else "double precision"
        out.append((m, typ, f"(progress_current ->> '{m}')::numeric::{typ}"))
        iso = f"(progress_current ->> '{m}_date')"
        out.append((f"{m}_date", "date", f"make_date(substr({iso}, 1, 4)::integer, "
                    f"substr({iso}, 6, 2)::integer, substr({iso}, 9, 2)::integer)"))
    return out


def generated_columns(layer: Layer) -> list[tuple[str, str, str]]:
    return TILE_GEOMETRY_COLUMNS + (current_progress_columns(layer) if layer.metrics else [])


def derived_columns(layer: Layer) -> list[str]:
    """Columns the database keeps (not part of a feature as written)."""
    return [name for name, _, _ in generated_columns(layer)] + (
        ["progress_current"] if layer.metrics else [])


def layer_table(layer: Layer, meta: MetaData = metadata) -> Table:
    """The table of a registry layer, built from its declaration."""
    if layer.table in meta.tables:
        return meta.tables[layer.table]
    columns = [Column("id", Text, primary_key=True)]
    for f in layer.all_fields:
        if f.name == "id":
            continue
        default = text("'{}'") if f.type == "text[]" else None
        columns.append(
            Column(f.name, _column_type(f.type), nullable=not f.required, server_default=default)
        )
    if layer.metrics:
        # The latest figure of each metric, kept by triggers (migration 0003).
        columns.append(Column("progress_current", JSONB))
    columns += [
        Column("geom", Geometry(layer.geometry_type, 4326, spatial_index=True)),
        Column("version", Integer, nullable=False, server_default="1"),
        Column("origin", Text, nullable=False, server_default="dataset"),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]
    columns += [Column(name, _GENERATED_TYPES[typ](), Computed(expr, persisted=True))
                for name, typ, expr in generated_columns(layer)]
    return Table(layer.table, meta, *columns)


# Every change to a layer table, by any client, is announced after its commit, so that
# API processes drop what they cached of the layer (api.changes).
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION notify_layer_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gis_layer_changed', TG_TABLE_NAME);
  RETURN NULL;
END $$"""


def layer_ddl(layer: Layer) -> list[str]:
    """Idempotent statements giving an existing table of ``layer`` its derived columns and
    its change notification (``NOTIFY_FUNCTION`` must exist)."""
    t = f'"{layer.table}"'
    out = [f'CREATE OR REPLACE TRIGGER "{layer.table}_notify_change" AFTER INSERT OR UPDATE '
           f"OR DELETE OR TRUNCATE ON {t} FOR EACH STATEMENT "
           "EXECUTE FUNCTION notify_layer_change()"]
    if layer.metrics:
        out.append(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS progress_current jsonb")
    out += [f'ALTER TABLE {t} ADD COLUMN IF NOT EXISTS "{name}" {typ} '
            f"GENERATED ALWAYS AS ({expr}) STORED" for name, typ, expr in generated_columns(layer)]
    out.append(f'CREATE INDEX IF NOT EXISTS "{layer.table}_geom_3857_idx" ON {t} '
               "USING gist (geom_3857)")
    return out


def layer_tables() -> list[Table]:
    return [layer_table(layer) for layer in registry.layers() if layer.managed_table]
