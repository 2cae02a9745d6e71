"""A synthetic layer of 100,000 polygons spread over Cần Thơ, with progress.

Declared like any other layer (``GIS_EXTRA_LAYERS=benchmarks.synthetic:LAYER``), so our
API serves it through the registry, with progress from ``progress_snapshot``. tipg
serves a plain table with the same rows and the current progress as columns
(``bench_parcel_flat``), i.e. the same answer with less work for tipg.
"""

from __future__ import annotations

from layers.base import Choice, Field, Layer, Style

LAYER = Layer(
    id="bench_parcels",
    table="bench_parcel",
    title_vi="Thửa thử nghiệm (benchmark)",
    title_en="Synthetic parcels (benchmark)",
    description_vi="100.000 đa giác tổng hợp để đo hiệu năng.",
    description_en="100,000 synthetic polygons for benchmarks.",
    geometry_type="Polygon",
    fields=(
        Field("name", "text", "Tên", "Name"),
        Field("status", "text", "Tình trạng", "Status", choices=(
            Choice("planned", "Quy hoạch", "Planned", "#bdbdbd"),
            Choice("under_construction", "Đang xây dựng", "Under construction", "#1e88e5"),
            Choice("operating", "Đang hoạt động", "Operating", "#2e7d32"))),
        Field("area_ha", "number", "Diện tích", "Area", unit="ha"),
        Field("district", "text", "Quận/huyện", "District"),
    ),
    metrics=("construction_pct", "disbursement_pct"),
    style=Style(color_field="status", progress_metrics=("construction_pct",)),
    feature_fields=False,
    editable=False,
)

CREATE = """
DELETE FROM progress_snapshot WHERE layer_id = 'bench_parcels';
DROP TABLE IF EXISTS bench_parcel, bench_parcel_flat CASCADE;

CREATE TABLE bench_parcel AS
WITH pts AS (
    SELECT (ST_Dump(ST_GeneratePoints(geom, %(n)s, 42))).geom AS pt FROM admin_city
)
SELECT 'p' || row_number() OVER () AS id, pt FROM pts;

ALTER TABLE bench_parcel ADD COLUMN name text, ADD COLUMN status text, ADD COLUMN area_ha numeric,
    ADD COLUMN district text, ADD COLUMN geom geometry(Polygon, 4326),
    ADD COLUMN version integer NOT NULL DEFAULT 1, ADD COLUMN origin text NOT NULL DEFAULT 'bench',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE bench_parcel b SET
    name = 'Thửa số ' || substr(id, 2),
    status = (ARRAY['planned', 'under_construction', 'operating'])[1 + substr(id, 2)::int %% 3],
    geom = ST_Rotate(ST_Expand(pt, 0.0003 + (substr(id, 2)::int %% 10) * 0.0001),
                     (substr(id, 2)::int %% 90) * pi() / 180, pt),
    district = (SELECT code FROM admin_district d WHERE ST_Intersects(d.geom, b.pt) LIMIT 1);
UPDATE bench_parcel SET area_ha = round((ST_Area(geom::geography) / 10000)::numeric, 2);
ALTER TABLE bench_parcel DROP COLUMN pt, ADD PRIMARY KEY (id);
INSERT INTO layer_catalog VALUES ('bench_parcels', 'bench_parcel') ON CONFLICT DO NOTHING;
CREATE INDEX ON bench_parcel USING gist (geom);
-- the derived columns every layer table has (gis.schema.layer_ddl)
{derived};

INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, value_text, unit, valid_on,
                               source_ref, origin)
SELECT 'bench_parcels', id, m.metric, (hashtext(id || m.metric || d.valid_on) & 1023) %% 101,
       NULL, '%%', d.valid_on, 'synthetic', 'bench'
FROM bench_parcel,
     (VALUES ('construction_pct'), ('disbursement_pct')) m(metric),
     (VALUES (date '2023-12-31'), (date '2024-06-30')) d(valid_on);

CREATE TABLE bench_parcel_flat AS
SELECT b.id, b.name, b.status, b.area_ha::double precision AS area_ha, b.district,
       c.value::double precision AS construction_pct, c.valid_on AS construction_pct_date,
       d.value::double precision AS disbursement_pct, d.valid_on AS disbursement_pct_date, b.geom
FROM bench_parcel b
JOIN progress_snapshot c ON c.layer_id = 'bench_parcels' AND c.feature_id = b.id
     AND c.metric = 'construction_pct' AND c.valid_on = '2024-06-30'
JOIN progress_snapshot d ON d.layer_id = 'bench_parcels' AND d.feature_id = b.id
     AND d.metric = 'disbursement_pct' AND d.valid_on = '2024-06-30';
ALTER TABLE bench_parcel_flat ADD PRIMARY KEY (id);
CREATE INDEX ON bench_parcel_flat USING gist (geom);
-- Both tables in spatial order, as a maintained GIS table is: a bbox reads few heap pages.
CLUSTER bench_parcel USING bench_parcel_geom_idx;
CLUSTER bench_parcel_flat USING bench_parcel_flat_geom_idx;
ANALYZE bench_parcel; ANALYZE bench_parcel_flat; ANALYZE progress_snapshot;
"""


def create_sql() -> str:
    """The script, with the derived columns of the registry's layer tables."""
    from gis.schema import layer_ddl  # not at import: the registry imports this module

    return CREATE.replace("{derived}", ";\n".join(layer_ddl(LAYER)))


def create(conn, n: int = 100_000) -> None:
    """(Re)create the synthetic tables with ``n`` polygons."""
    conn.execute(create_sql(), {"n": n})
    conn.commit()
