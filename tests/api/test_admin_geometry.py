"""Admin-coded features (geometry from an admin unit) and ward placement: one rule for
`gis load` and API writes (gis.admin_geometry), schematic commune polygons, ward checks."""

from __future__ import annotations

import shutil

import pytest
import yaml

from gis.dataset.loader import LoadError, load
from gis.settings import data_settings
from gis.users import create_token, create_user
from layers import registry
from layers.common import ADMIN_GEOM_QUALITY

ADMIN_LAYER = next(layer for layer in registry.layers() if layer.geometry_from_admin)
CODE = ADMIN_LAYER.geometry_from_admin
PROJECTS = "/collections/projects/items"


@pytest.fixture(scope="module")
def planner(db_url):
    import psycopg

    with psycopg.connect(db_url) as c:
        create_user(c, "t_ag_planner", "planner", None)
        return {"Authorization": f"Bearer {create_token(c, 't_ag_planner')}"}


@pytest.fixture
def data_copy(tmp_path):
    dest = tmp_path / "data"
    shutil.copytree(data_settings().data_dir, dest)
    return dest


@pytest.fixture
def drop_made(conn):
    """Features a test makes in the admin layer and in projects (ids starting t-ag-)."""
    yield
    conn.rollback()
    for table in (ADMIN_LAYER.table, "infra_project"):
        conn.execute(f"DELETE FROM {table} WHERE id LIKE 't-ag-%'")
    conn.commit()


def dataset_records() -> list[dict]:
    folder = data_settings().data_dir / "features" / ADMIN_LAYER.id
    return [r for p in sorted(folder.glob("*.yaml"))
            for r in yaml.safe_load(p.read_text(encoding="utf-8")) or []
            if isinstance(r, dict) and "extends" not in r]


def one_record_per_kind(conn) -> dict[str, dict]:
    """A dataset record placed by a district, a commune with a polygon and the city."""
    kinds = {}
    for rec in dataset_records():
        code = str(rec[CODE])
        kind = conn.execute(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM admin_district WHERE code = %(c)s) "
            "THEN 'district' WHEN EXISTS (SELECT 1 FROM admin_commune WHERE code = %(c)s "
            "AND geom IS NOT NULL) THEN 'commune' WHEN EXISTS (SELECT 1 FROM admin_city "
            "WHERE code = %(c)s) THEN 'city' END", {"c": code}).fetchone()[0]
        kinds.setdefault(kind, rec)
    if "city" not in kinds and "district" in kinds:
        # the dataset keeps city-wide counts as indicators: a district record recoded to
        # the city stands for a city-coded record
        city = conn.execute("SELECT code FROM admin_city LIMIT 1").fetchone()[0]
        kinds["city"] = {**kinds["district"], CODE: city, "unit_level": "city"}
    assert {"district", "commune", "city"} <= set(kinds), kinds.keys()
    return kinds


def _unused_unique(rec: dict) -> dict:
    """Values of the layer's unique fields that no dataset record of the unit has, so the
    copy is not refused as a duplicate of the record it copies."""
    others = [f for f in ADMIN_LAYER.unique if f != CODE]
    taken = {tuple(r.get(f) for f in others) for r in dataset_records()
             if str(r[CODE]) == str(rec[CODE])}
    for f in others:
        for choice in ADMIN_LAYER.field(f).choices:
            if (choice.value,) not in taken and choice.value != ADMIN_LAYER.field(f).missing:
                return {f: choice.value}
    return {}


def as_feature(rec: dict, fid: str) -> dict:
    props = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rec.items()
             if k not in ("id", "source", "progress")}
    props.update({f"source_{k}": v for k, v in rec["source"].items()})
    return {"type": "Feature", "id": fid, "geometry": None, "properties": props}


def test_load_and_post_give_identical_rows(client, conn, db_url, data_copy, planner,
                                           drop_made):
    """The same records (districts left for the rule to fill) through `gis load` and through
    POST: the same geometry to the byte, geom_quality and districts."""
    kinds = one_record_per_kind(conn)
    made = [{**{k: v for k, v in rec.items() if k != "progress"}, "id": f"t-ag-load-{kind}",
             "districts": [], **_unused_unique(rec)} for kind, rec in kinds.items()]
    (data_copy / "features" / ADMIN_LAYER.id / "zz_ag.yaml").write_text(
        yaml.safe_dump(made, allow_unicode=True), encoding="utf-8")
    load(data_dir=data_copy, url=db_url)
    url = f"/collections/{ADMIN_LAYER.id}/items"
    for rec in made:
        kind = rec["id"].rsplit("-", 1)[1]
        r = client.post(url, json=as_feature(rec, f"t-ag-api-{kind}"), headers=planner)
        assert r.status_code == 201, r.text
    rows = conn.execute(
        f"SELECT split_part(id, '-', 4), split_part(id, '-', 3), ST_AsEWKB(geom), "
        f"geom_quality, districts FROM {ADMIN_LAYER.table} WHERE id LIKE 't-ag-%' "
        "ORDER BY 1, 2").fetchall()
    by_kind: dict[str, dict] = {}
    for kind, path, geom, quality, districts in rows:
        by_kind.setdefault(kind, {})[path] = (geom, quality, districts)
    assert set(by_kind) == {"district", "commune", "city"}
    for kind, paths in by_kind.items():
        assert paths["load"] == paths["api"], kind
    district, commune, city = by_kind["district"]["api"], by_kind["commune"]["api"], \
        by_kind["city"]["api"]
    assert district[1] == ADMIN_GEOM_QUALITY["district"] and district[0] is not None
    assert district[2] == [str(kinds["district"][CODE])]
    assert commune[1] == ADMIN_GEOM_QUALITY["commune"] and commune[0] is not None
    assert commune[2] == [conn.execute("SELECT district_code FROM admin_commune WHERE code = "
                                       "%s", (str(kinds["commune"][CODE]),)).fetchone()[0]]
    assert city == (None, ADMIN_GEOM_QUALITY["none"], [])  # a count, not a place


def test_commune_records_have_their_schematic_polygon(conn):
    rows = conn.execute(
        f"SELECT s.id, s.geom_quality, ST_Equals(s.geom, c.geom) FROM {ADMIN_LAYER.table} s "
        f"JOIN admin_commune c ON c.code = s.{CODE} WHERE c.geom IS NOT NULL").fetchall()
    assert rows, "the dataset has commune records"
    assert all(q == ADMIN_GEOM_QUALITY["commune"] and same for _, q, same in rows), rows


def test_commune_polygons_loaded_with_provenance(conn):
    total, located, valid, sources, credited, in_district = conn.execute(
        "SELECT count(*), count(c.geom), count(*) FILTER (WHERE ST_IsValid(c.geom)), "
        "count(DISTINCT c.geom_source), count(*) FILTER (WHERE c.geom_source LIKE "
        "'%vietnam63 (Marc Choisy)%' AND c.geom_source LIKE '%MIT%' AND c.geom_note "
        "LIKE 'schematic%'), count(*) FILTER (WHERE ST_Intersects(ST_PointOnSurface(c.geom),"
        " d.geom)) FROM admin_commune c JOIN admin_district d ON d.code = c.district_code"
    ).fetchone()
    assert (total, located, valid, sources, credited, in_district) == (85, 85, 85, 1, 85, 85)
    kind = conn.execute("SELECT GeometryType(geom), ST_SRID(geom) FROM admin_commune "
                        "LIMIT 1").fetchone()
    assert kind == ("MULTIPOLYGON", 4326)


def test_unknown_unit_code_is_refused_by_the_api(client, planner):
    rec = {**dataset_records()[0], CODE: "99999"}
    r = client.post(f"/collections/{ADMIN_LAYER.id}/items", json=as_feature(rec, "t-ag-bad"),
                    headers=planner)
    assert r.status_code == 400 and r.json()["parameter"] == CODE, r.text
    assert "unknown admin unit code '99999'" in r.json()["description"]


# --- wards ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_wards(db_url):
    """The largest ward with an interior point, and the ward of another district that lies
    farthest from it: (code, district, lon, lat, other code)."""
    import psycopg

    with psycopg.connect(db_url) as c:
        return c.execute(
            "WITH a AS (SELECT code, district_code, geom FROM admin_commune WHERE geom IS NOT "
            "NULL ORDER BY ST_Area(geom) DESC LIMIT 1), b AS (SELECT c.code FROM "
            "admin_commune c, a WHERE c.district_code <> a.district_code AND c.geom IS NOT "
            "NULL ORDER BY ST_Distance(c.geom, a.geom) DESC LIMIT 1) "
            "SELECT a.code, a.district_code, ST_X(ST_PointOnSurface(a.geom)), "
            "ST_Y(ST_PointOnSurface(a.geom)), b.code FROM a, b").fetchone()


def project(fid, lon, lat, district, wards):
    return {"type": "Feature", "id": fid,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": "Công trình thử", "kind": "bridge", "districts": [district],
                           "wards": wards, "geom_quality": "indicative", "source_doc": "002",
                           "source_line": 10, "valid_on": "2024-11-15"}}


def test_api_write_must_lie_in_the_wards_it_names(client, conn, planner, two_wards,
                                                  drop_made):
    a, a_district, lon, lat, b = two_wards
    r = client.post(PROJECTS, json=project("t-ag-w1", lon, lat, a_district, [b]),
                    headers=planner)
    assert r.status_code == 400 and r.json()["parameter"] == "wards", r.text
    assert "outside the ward(s) it names" in r.json()["description"]
    assert conn.execute("SELECT count(*) FROM infra_project WHERE id = 't-ag-w1'"
                        ).fetchone()[0] == 0
    r = client.post(PROJECTS, json=project("t-ag-w1", lon, lat, a_district, [a]),
                    headers=planner)
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["wards"] == [a]


def test_ward_tolerance_allows_a_near_miss(client, conn, planner, two_wards, drop_made):
    """A point 300 m outside the named ward's schematic polygon (inside the city) passes."""
    a, a_district = two_wards[:2]
    lon, lat, metres = conn.execute(
        "WITH ring AS (SELECT ST_ExteriorRing((ST_Dump(ST_Buffer(ST_Transform(geom, 32648), "
        "300))).geom) r FROM admin_commune WHERE code = %s), "
        "pts AS (SELECT ST_Transform(ST_PointN(r, n), 4326) p FROM ring, "
        "generate_series(1, ST_NPoints(r)) n) "
        "SELECT ST_X(p), ST_Y(p), ST_Distance(ST_Transform(p, 32648), (SELECT ST_Transform("
        "geom, 32648) FROM admin_commune WHERE code = %s)) FROM pts, admin_city c "
        "WHERE ST_CoveredBy(p, c.geom) LIMIT 1", (a, a)).fetchone()
    assert 299 < metres < 301 < data_settings().ward_tolerance_m
    r = client.post(PROJECTS, json=project("t-ag-w2", lon, lat, a_district, [a]),
                    headers=planner)
    assert r.status_code == 201, r.text


def test_load_refuses_a_feature_outside_its_wards(db_url, data_copy, two_wards):
    a, a_district, lon, lat, b = two_wards
    record = project("t-ag-load-w", lon, lat, a_district, [b])
    props = record["properties"]
    text = yaml.safe_dump([{"id": record["id"], "name": props["name"], "kind": "bridge",
                            "districts": [a_district], "wards": [b],
                            "geometry": record["geometry"], "geom_quality": "indicative",
                            "source": {"doc": "002", "line": 10}, "valid_on": "2024-11-15"}],
                          allow_unicode=True)
    (data_copy / "features" / "projects" / "zz_wards.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as err:
        load(data_dir=data_copy, url=db_url)
    assert f"feature t-ag-load-w: geometry lies outside the ward(s) it names ['{b}']" \
        in str(err.value)
    assert "zz_wards.yaml:1" in str(err.value)
