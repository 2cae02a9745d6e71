"""Importing files as departments send them: a VN-2000 shapefile without a CRS and with
TCVN3 or VNI names, CSV with longitude/latitude, KML, bad rows, --skip-invalid, a key
other than the id, the dry run and the audit trail."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import CRS

from gis.errors import GISError
from gis.imports.encodings import encode_tcvn3, encode_vni
from gis.imports.run import import_file
from gis.vn2000 import to_wgs84

NAMES = {"919": "Cái Răng", "917": "Ô Môn", "923": "Thốt Nốt"}


@pytest.fixture
def places(conn):
    """A point inside each district of NAMES (WGS 84) and a clean-up of what tests add."""
    pts = {code: conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                              "FROM admin_district WHERE code = %s) x", (code,)).fetchone()
           for code in NAMES}
    yield pts
    conn.execute("DELETE FROM infra_project WHERE id LIKE 'imp-%'")
    conn.execute("DELETE FROM audit_log WHERE user_name = 'test-import'")
    conn.commit()


def _frame(places, crs=None, **over):
    rows = []
    for i, (code, name) in enumerate(NAMES.items()):
        lon, lat = places[code]
        rows.append({"id": f"imp-{i}", "name": f"Kè sông {name}", "districts": code,
                     "geom_quality": "indicative", "valid_on": "2024-06-30", "kind": "drainage",
                     "status": "preparing", "total_investment_bil_vnd": 12.5 + i,
                     "geometry": shapely.Point(lon, lat)})
    frame = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    for k, v in over.items():
        frame.loc[0, k] = v
    if crs is None:
        return frame
    # VN-2000 with the official parameters (gis.vn2000, checked by test_vn2000.py); PROJ's
    # default for EPSG:5897 is the older set, 0.8 m away
    t = to_wgs84(CRS(crs))
    geoms = shapely.transform(frame.geometry.values, lambda xy: np.column_stack(
        t.transform(xy[:, 0], xy[:, 1], direction="INVERSE")))
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(geoms), crs=crs)


def _legacy_shapefile(path, frame, encode):
    frame = frame.copy()
    frame["name"] = [encode(n).decode("latin-1") for n in frame["name"]]
    pyogrio.write_dataframe(frame, path, encoding="latin1")
    for side in (".cpg", ".prj"):
        path.with_suffix(side).unlink(missing_ok=True)


@pytest.mark.parametrize("encode,encoding", [(encode_tcvn3, "tcvn3"), (encode_vni, "vni")])
def test_vn2000_shapefile_in_a_legacy_encoding(conn, places, tmp_path, encode, encoding):
    shp = tmp_path / "ke.shp"
    _legacy_shapefile(shp, _frame(places, "EPSG:5897"), encode)
    with pytest.raises(GISError) as exc:
        import_file(shp, "projects", dry_run=True)
    assert "--crs EPSG:5897" in exc.value.hint
    report = import_file(shp, "projects", crs="EPSG:5897", dry_run=False, user="test-import")
    assert not report.problems, report.summary()
    assert report.encoding == encoding and report.count("new") == 3
    got = dict(conn.execute("SELECT id, name FROM infra_project WHERE id LIKE 'imp-%'"))
    assert got == {f"imp-{i}": f"Kè sông {n}" for i, n in enumerate(NAMES.values())}
    lon, lat = places["919"]
    moved = conn.execute("SELECT ST_Distance(geom::geography, ST_SetSRID(ST_Point(%s, %s), "
                         "4326)::geography) FROM infra_project WHERE id = 'imp-0'",
                         (lon, lat)).fetchone()[0]
    assert moved < 0.01
    doc = conn.execute("SELECT file, date_note FROM source_document WHERE id = %s",
                       (report.source_doc,)).fetchone()
    assert doc[0] == "ke.shp" and report.sha256 in doc[1]
    cited = conn.execute("SELECT source_doc, source_ref FROM infra_project WHERE id = 'imp-0'"
                         ).fetchone()
    assert cited == (report.source_doc, "ke.shp, row 1")
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE user_name = "
                                          "'test-import' ORDER BY id")]
    assert actions == ["import new"] * 3 + ["import"]


def test_bad_rows_are_reported_with_row_and_field_and_nothing_is_written(conn, places,
                                                                         tmp_path):
    frame = _frame(places)
    frame.loc[1, "status"] = "nearly_done"  # not a choice
    lon, lat = places["919"]
    frame.loc[2, "geometry"] = shapely.Point(lon, lat)  # in Cái Răng, says Thốt Nốt
    frame.loc[0, "geometry"] = shapely.Point(106.5, 10.5)  # outside Cần Thơ
    path = tmp_path / "bad.geojson"
    frame.to_file(path, driver="GeoJSON")
    report = import_file(path, "projects", dry_run=False, user="test-import")
    problems = {(p.row, p.field): p.message for p in report.problems}
    assert set(problems) == {(1, "geometry"), (2, "status"), (3, "districts")}, problems
    assert "outside Cần Thơ" in problems[(1, "geometry")]
    assert "nearly_done" in problems[(2, "status")]
    vi = {(p.row, p.field): p.message_vi for p in report.problems}  # said in Vietnamese too
    assert "Cần Thơ" in vi[(1, "geometry")] and "ngoài" in vi[(1, "geometry")]
    assert "nearly_done" in vi[(2, "status")] and vi[(2, "status")] != problems[(2, "status")]
    assert not report.written
    assert conn.execute("SELECT count(*) FROM infra_project WHERE id LIKE 'imp-%'"
                        ).fetchone()[0] == 0
    report = import_file(path, "projects", dry_run=False, skip_invalid=True, user="test-import")
    assert report.written and report.count("new") == 0 and len(report.problems) == 3


def test_csv_with_longitude_latitude_and_a_key(conn, places, tmp_path):
    frame = _frame(places)
    frame["lon"], frame["lat"] = frame.geometry.x, frame.geometry.y
    path = tmp_path / "ke.csv"
    frame.drop(columns="geometry").to_csv(path, index=False)
    assert import_file(path, "projects", dry_run=False, user="test-import").count("new") == 3
    frame["total_investment_bil_vnd"] = [20, 21, 22]
    frame.drop(columns=["geometry", "id"]).to_csv(path, index=False)
    report = import_file(path, "projects", key="name", dry_run=True, user="test-import")
    assert report.count("update") == 3 and not report.problems, report.summary()
    assert report.changes[0].fields == {"total_investment_bil_vnd": [12.5, 20.0]}
    stored = conn.execute("SELECT total_investment_bil_vnd FROM infra_project WHERE id = "
                          "'imp-0'").fetchone()[0]
    assert float(stored) == 12.5  # a dry run writes nothing


def test_kml_with_a_field_mapping(conn, places, tmp_path):
    frame = _frame(places).rename(columns={"name": "Name"})
    path = tmp_path / "ke.kml"
    pyogrio.write_dataframe(frame, path, driver="KML")
    report = import_file(path, "projects", maps={"name": "Name"}, dry_run=True)
    assert report.count("new") == 3 and not report.problems, report.summary()


def test_cli_dry_run_json(db_url, places, tmp_path):
    from gis.cli import main

    frame = _frame(places, "EPSG:5897")
    path = tmp_path / "ke.gpkg"
    frame.to_file(path, driver="GPKG")
    r = CliRunner().invoke(main, ["import", "features", "projects", str(path), "--dry-run",
                                  "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["crs"].startswith("EPSG:5897") and not body["written"]
    assert [c["action"] for c in body["changes"]] == ["new"] * 3
    frame.loc[0, "valid_on"] = "30/06/2024"
    frame.to_file(path, driver="GPKG")
    r = CliRunner().invoke(main, ["import", "features", "projects", str(path)])
    assert r.exit_code == 2 and "row 1 field" in r.output and "nothing written" in r.output


def test_read_layer_and_write_layer(db_url, places):
    import gis

    gdf = gis.read_layer("projects", district="919", crs="EPSG:5897")
    assert gdf.crs.to_epsg() == 5897 and len(gdf)
    assert all(isinstance(v, list) for v in gdf["districts"])
    # the district the text names, or the one inferred (layers.report_fields.PLACE_FIELDS)
    assert all("919" in (named or []) + list(inferred or [])
               for named, inferred in zip(gdf["districts"], gdf["districts_inferred"],
                                          strict=True))
    assert str(gdf["total_investment_bil_vnd"].dtype) == "float64"
    assert all(isinstance(v, date) for v in gdf["valid_on"].dropna())
    report = gis.write_layer(gdf, "projects")  # dry run by default
    assert not report.written and report.count("unchanged") == len(gdf), report.summary()
    report = gis.write_layer(_frame(places), "projects")
    assert report.count("new") == 3 and not report.written


def test_the_readme_notebook(db_url):
    import gis

    projects = gis.read_layer("projects", status="under_construction")
    districts = gis.read_layer("districts")
    joined = gpd.sjoin(projects, districts[["name", "geometry"]], predicate="intersects",
                       lsuffix="project", rsuffix="district")
    sums = joined.groupby("name_district")["total_investment_bil_vnd"].sum()
    assert len(projects) and set(sums.index) <= set(districts["name"])
    assert (projects["status"] == "under_construction").all()
