"""Exports that lose nothing: the CRS in every format (VN-2000 too), lists, labels and
descriptions, Shapefile per geometry type with .cpg, stable short names and no silent
cut, XLSX with Vietnamese headers, number and date formats and a "Nguồn" sheet, and file
names that say what the file holds."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from datetime import date

import openpyxl
import pyogrio
import pytest
from pyproj import Transformer

from gis.export import export_filename, export_layer
from gis.export_files import short_name
from gis.query import FeatureQuery
from layers import registry

LON, LAT = 105.7469, 10.0452  # Ninh Kiều


def _located(conn):
    return conn.execute("SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)),"
                        " districts FROM infra_project WHERE geom IS NOT NULL AND "
                        "cardinality(districts) > 1 ORDER BY id LIMIT 1").fetchone()


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "shp", "xlsx"])
def test_vn2000_crs_is_honoured_in_every_format(conn, tmp_path, fmt):
    fid, lon, lat, _ = _located(conn)
    query = FeatureQuery(registry.get("projects"), ids=(fid,))
    out = export_layer(query, fmt, tmp_path / f"p.{fmt}", srid=5897)
    x, y = Transformer.from_crs(4326, 5897, always_xy=True).transform(lon, lat)
    if fmt == "csv":
        with open(out, encoding="utf-8-sig", newline="") as fh:
            row = next(csv.DictReader(fh))
        assert "geometry_wkt (EPSG:5897)" in row
        wkt = row["geometry_wkt (EPSG:5897)"]
    elif fmt == "xlsx":
        wb = openpyxl.load_workbook(out)
        ws = wb["Dữ liệu"]
        heads = [c.value for c in ws[1]]
        assert heads[-1] == "Hình học (WKT, EPSG:5897)"
        wkt = ws.cell(2, len(heads)).value
        assert any("5897" in str(c.value) for row in wb["Nguồn"].iter_rows() for c in row)
    else:
        target = out
        if fmt == "shp":
            with zipfile.ZipFile(out) as zf:
                zf.extractall(tmp_path / "shp")
            target = next((tmp_path / "shp").glob("*.shp"))
        info = pyogrio.read_info(target)
        assert "5897" in info["crs"], info["crs"]
        frame = pyogrio.read_dataframe(target)
        wkt = frame.geometry.iloc[0].wkt
    import shapely

    g = shapely.from_wkt(wkt)
    assert 400_000 < g.centroid.x < 700_000 and 1_000_000 < g.centroid.y < 1_200_000
    assert g.distance(shapely.Point(x, y)) < 1.0  # the point on surface is on it


def test_gpkg_keeps_lists_and_says_what_columns_mean(conn, tmp_path):
    fid, *_, districts = _located(conn)
    out = export_layer(FeatureQuery(registry.get("projects"), ids=(fid,)), "gpkg",
                       tmp_path / "p.gpkg")
    with sqlite3.connect(out) as db:
        stored = db.execute("SELECT districts FROM projects").fetchone()[0]
        desc = db.execute("SELECT description FROM gpkg_contents WHERE table_name = 'projects'"
                          ).fetchone()[0]
        title, mime = db.execute("SELECT title, mime_type FROM gpkg_data_columns WHERE "
                                 "table_name = 'projects' AND column_name = 'districts'"
                                 ).fetchone()
    assert json.loads(stored) == list(districts)
    assert desc == registry.get("projects").description_vi
    assert title == "Quận/huyện" and mime == "application/json"


def test_csv_lists_read_as_lists(conn, tmp_path):
    fid, *_, districts = _located(conn)
    out = export_layer(FeatureQuery(registry.get("projects"), ids=(fid,)), "csv",
                       tmp_path / "p.csv")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["districts"] == ", ".join(districts)
    assert "[" not in row["districts"]


def test_shapefile_per_type_cpg_short_names_and_no_cut(conn, tmp_path):
    long_id = conn.execute("SELECT id FROM infra_project ORDER BY id LIMIT 1").fetchone()[0]
    text = "Ghi chú rất dài về tiến độ giải phóng mặt bằng ở Cái Răng. " * 12
    conn.execute("UPDATE infra_project SET notes = %s WHERE id = %s", (text, long_id))
    conn.commit()
    try:
        out = export_layer(FeatureQuery(registry.get("projects")), "shp", tmp_path / "p.zip")
    finally:
        conn.rollback()
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        zf.extractall(tmp_path / "x")
    shps = [n for n in names if n.endswith(".shp")]
    assert shps and all(n.replace(".shp", ".cpg") in names for n in shps)
    for shp in shps:  # no empty file
        assert len(pyogrio.read_dataframe(tmp_path / "x" / shp)) > 0
    with open(tmp_path / "x" / "fields.csv", encoding="utf-8") as fh:
        mapping = {r["full_name"]: r for r in csv.DictReader(fh)}
    assert mapping["districts"]["short_name"] == "districts"
    assert mapping["site_handover_pct"]["short_name"] == short_name("site_handover_pct")
    assert len(short_name("capital_disbursed_bil_vnd")) <= 10
    assert short_name("capital_plan_bil_vnd") != short_name("capital_disbursed_bil_vnd")
    assert mapping["name"]["label_vi"] == "Tên"
    with open(tmp_path / "x" / "long_text.csv", encoding="utf-8") as fh:
        long_rows = list(csv.DictReader(fh))
    assert {"id": long_id, "field": "notes", "text": text} in long_rows


def test_shapefile_dates_are_dbf_dates_and_read_back_as_dates(conn, tmp_path):
    """valid_on and the figures' dates are DBF date fields ("D"), not text; read back
    (pyogrio, then the import) they are the same dates."""
    from gis.imports.readers import read_file

    out = export_layer(FeatureQuery(registry.get("projects")), "shp", tmp_path / "p.zip")
    with zipfile.ZipFile(out) as zf:
        zf.extractall(tmp_path / "x")
    shp = next(p for p in sorted((tmp_path / "x").glob("*.shp")))
    info = pyogrio.read_info(shp)
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["valid_on"] == "OFTDate"
    assert types[short_name("site_handover_pct_date")] == "OFTDate"
    with open(shp.with_suffix(".dbf"), "rb") as fh:  # the DBF header says "D"
        head = fh.read(32 + 32 * len(info["fields"]))
    fields = {head[i:i + 11].split(b"\0")[0].decode(): chr(head[i + 11])
              for i in range(32, len(head), 32)}
    assert fields["valid_on"] == "D"
    frame = pyogrio.read_dataframe(shp)
    stored = dict(conn.execute("SELECT id, valid_on FROM infra_project"))
    assert all(v.date() == stored[i] for i, v in zip(frame["id"], frame["valid_on"],
                                                     strict=True))
    back = read_file(out).frame
    assert all(v.date() == stored[i] for i, v in zip(back["id"], back["valid_on"], strict=True))


def test_xlsx_headers_formats_and_sources(conn, tmp_path):
    out = export_layer(FeatureQuery(registry.get("projects")), "xlsx", tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Dữ liệu", "Cột", "Nguồn"]
    ws = wb["Dữ liệu"]
    heads = [c.value for c in ws[1]]
    assert "Tên" in heads and "Quận/huyện" in heads
    valid = heads.index("Ngày hiệu lực") + 1
    cell = ws.cell(2, valid)
    assert isinstance(cell.value, date | type(None)) and cell.number_format == "dd/mm/yyyy"
    inv = next(i for i, h in enumerate(heads, 1) if h.startswith("Tổng mức đầu tư"))
    nums = [ws.cell(r, inv) for r in range(2, ws.max_row + 1) if ws.cell(r, inv).value]
    assert nums and all(isinstance(c.value, float | int) for c in nums)
    assert "#,##0" in nums[0].number_format
    sources = [r for r in wb["Nguồn"].iter_rows(values_only=True)]
    cited = {r[0] for r in conn.execute("SELECT DISTINCT source_doc FROM infra_project")}
    assert cited <= {r[0] for r in sources}


def test_file_names_say_layer_filter_date_and_crs():
    q = FeatureQuery(registry.get("projects"), district="918", as_of=date(2024, 6, 30))
    assert export_filename(q, "gpkg") == "projects_918_2024-06-30.gpkg"
    assert export_filename(q, "shp", 5897) == "projects_918_2024-06-30_epsg5897.shp.zip"
