"""The feature query (gis.query): values in, SQL out; the progress join decided from the
properties its inputs reference; map filters from the registry; one error type."""

from __future__ import annotations

import pytest

from api.cql import compile_filter
from api.crs import default as crs84
from gis.errors import GISError
from gis.expr import SortKey
from gis.filters import filter_choices, filter_fields, parse_choices
from gis.query import FeatureQuery
from layers import registry
from maps.filters import MapFilter

PROJECTS = registry.get("projects")


def _filter(text: str, layer=PROJECTS):
    return compile_filter(layer, text, "cql2-text", crs84())


def _count(conn, q: FeatureQuery) -> int:
    return conn.execute(q.count_sql(), q.bind()).fetchone()[0]


def test_a_filter_on_a_metric_joins_progress_a_filter_on_a_field_does_not():
    metric = PROJECTS.metrics[0]
    assert _filter(f"{metric} > 5").refs == {metric}
    assert FeatureQuery(PROJECTS, filter=_filter(f"{metric} > 5")).needs_progress()
    assert FeatureQuery(PROJECTS, filter=_filter(f"{metric}_date > DATE('2024-01-01')")
                        ).needs_progress()
    assert not FeatureQuery(PROJECTS, filter=_filter("kind = 'road'")).needs_progress()
    assert not FeatureQuery(PROJECTS, equals=[("status", "completed")]).needs_progress()
    assert FeatureQuery(PROJECTS, equals=[(metric, 5.0)]).needs_progress()
    assert not FeatureQuery(PROJECTS).needs_progress()
    # sort keys count where the order is computed (the page of ids)
    by_metric = FeatureQuery(PROJECTS, sortby=[SortKey(metric, True)])
    assert by_metric.needs_progress(order=True) and not by_metric.needs_progress()
    assert not FeatureQuery(PROJECTS, sortby=[SortKey("name")]).needs_progress(order=True)
    # the web map's progress range reads the shading metrics
    ranged = MapFilter(progress_min=50).query(PROJECTS)
    assert ranged.needs_progress() and ranged.references() <= set(PROJECTS.metrics)
    assert not MapFilter().query(PROJECTS).needs_progress()


def test_queries_with_and_without_the_join_count_the_same_rows(conn):
    metric = next(m for m in PROJECTS.metrics
                  if conn.execute("SELECT count(*) FROM infra_project WHERE "
                                  f"{m} IS NOT NULL").fetchone()[0])
    with_metric = FeatureQuery(PROJECTS, filter=_filter(f"{metric} >= 0"))
    expected = conn.execute(f"SELECT count(*) FROM infra_project WHERE {metric} >= 0"
                            ).fetchone()[0]
    assert expected > 0 and _count(conn, with_metric) == expected
    roads = FeatureQuery(PROJECTS, equals=[("kind", "road")])
    assert _count(conn, roads) == conn.execute(
        "SELECT count(*) FROM infra_project WHERE kind = 'road'").fetchone()[0]
    # a page sorted by a metric (the join inside the page) reads the same features
    page = FeatureQuery(PROJECTS, sortby=[SortKey(metric, True)], limit=3)
    ids = [r[0] for r in conn.execute(page.rows_sql(), page.bind())]
    top = [r[0] for r in conn.execute(
        f"SELECT id FROM infra_project ORDER BY {metric} DESC NULLS LAST, id LIMIT 3")]
    assert ids == top


def test_the_selection_decides_the_join_too(conn):
    metric = PROJECTS.metrics[0]
    names = FeatureQuery(PROJECTS, properties=["name"], limit=5)
    assert not names.needs_progress(where=False, order=True, select=True)
    with_metric = FeatureQuery(PROJECTS, properties=["name", metric], limit=5)
    assert with_metric.needs_progress(where=False, select=True)
    for q in (names, with_metric, FeatureQuery(PROJECTS, properties=["name"])):
        rows = conn.execute(q.rows_sql(), q.bind()).fetchall()
        assert rows and all(len(r) == 2 + len(q.properties) for r in rows)


@pytest.mark.parametrize("text", ["1 = 1", "5 < construction_pct", "'road' = kind",
                                  "0 <= construction_pct AND 1 = 1", "2 > 1"])
def test_cql2_literal_on_the_left(client, conn, text):
    r = client.get("/collections/projects/items", params={"filter": text, "limit": 1000})
    assert r.status_code == 200, r.text
    flipped = {"5 < construction_pct": "construction_pct > 5", "'road' = kind": "kind = 'road'",
               "0 <= construction_pct AND 1 = 1": "construction_pct >= 0"}.get(text)
    if flipped:
        same = client.get("/collections/projects/items", params={"filter": flipped,
                                                                 "limit": 1000}).json()
        assert r.json()["numberMatched"] == same["numberMatched"]
    else:
        assert r.json()["numberMatched"] == conn.execute(
            "SELECT count(*) FROM infra_project").fetchone()[0]


@pytest.mark.parametrize("text", ["1 = 2", "'a' = 'b'"])
def test_cql2_false_literal_comparison_matches_nothing(client, text):
    r = client.get("/collections/projects/items", params={"filter": text})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0


@pytest.mark.parametrize("text", ["1 = 'a'", "'x' = construction_pct", "1 = name"])
def test_cql2_literal_of_the_wrong_type_is_400(client, text):
    r = client.get("/collections/projects/items", params={"filter": text})
    assert r.status_code == 400 and r.json()["parameter"] == "filter"


# -- map filters from the registry ------------------------------------------------------
def test_filter_vocabulary_is_the_registry_filter_fields():
    expected = {f.name for layer in registry.layers() for f in layer.all_fields if f.filter}
    assert set(filter_fields()) == expected
    assert {"kind", "status", "status_class"} <= expected
    for name in expected:
        assert set(filter_choices(name)) == {
            c.value for layer in registry.layers() if layer.has_field(name)
            and layer.field(name).filter for c in layer.field(name).choices}
    with pytest.raises(GISError) as err:
        parse_choices({"kind": "castle"})
    assert err.value.status == 400 and err.value.parameter == "kind"
    assert "road" in err.value.message


def test_map_data_filters_by_field_name(client, conn):
    flood = registry.get("flood_works")
    work_type = next(f for f in flood.all_fields if f.filter and not PROJECTS.has_field(f.name))
    value = conn.execute(f"SELECT {work_type.name} FROM flood_work GROUP BY 1 ORDER BY count(*)"
                         " DESC LIMIT 1").fetchone()[0]
    n_flood = conn.execute(f"SELECT count(*) FROM flood_work WHERE {work_type.name} = %s",
                           (value,)).fetchone()[0]
    got = client.get(f"/maps/data/flood_works.geojson?{work_type.name}={value}").json()
    assert len(got["features"]) == n_flood
    assert {f["properties"][work_type.name] for f in got["features"]} == {value}
    # a layer without the field is not restricted by it
    everything = client.get("/maps/data/projects.geojson").json()["features"]
    unrestricted = client.get(f"/maps/data/projects.geojson?{work_type.name}={value}").json()
    assert len(unrestricted["features"]) == len(everything)
    roads = client.get("/maps/data/projects.geojson?kind=road").json()["features"]
    assert len(roads) == conn.execute("SELECT count(*) FROM infra_project WHERE kind = 'road'"
                                      ).fetchone()[0]
    assert {f["properties"]["kind"] for f in roads} == {"road"}


@pytest.mark.parametrize("path", ["/maps/data/projects.geojson", "/exports/map.pdf",
                                  "/exports/map.png", "/exports/atlas.pdf"])
def test_unknown_filter_value_is_400_naming_parameter_and_choices(client, path):
    r = client.get(path, params={"status": "finished-ish"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "InvalidParameterValue" and body["parameter"] == "status"
    assert "completed" in body["description"] and "finished-ish" in body["description"]


def test_maps_errors_are_ogc_exceptions(client):
    r = client.get("/maps/data/nope.geojson")
    assert r.status_code == 404 and r.json()["code"] == "NotFound"
    r = client.get("/maps/data/projects.geojson", params={"as_of": "31/10/2024"})
    assert r.json() == {"code": "InvalidParameterValue", "parameter": "as_of",
                        "description": r.json()["description"],
                        "description_vi": "Tham số không hợp lệ",
                        "title_vi": "Tham số không hợp lệ"}
    r = client.get("/exports/map.pdf", params={"dpi": "600"})
    assert r.status_code == 400 and r.json()["parameter"] == "dpi"
    # an HTML page answers an error page
    r = client.get("/maps/district/918", params={"kind": "castle"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "castle" in r.text
