"""OGC API Features Part 1: landing, conformance, collections, items, paging, progress."""

from __future__ import annotations

import math
from datetime import date

import mapbox_vector_tile
import pytest

from layers import registry

GEOJSON = "application/geo+json"


def test_landing_links(client):
    body = client.get("/").json()
    rels = {lk["rel"] for lk in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels


def test_conformance_declares_exactly_what_is_implemented(client):
    """Each class here is exercised by the tests named beside it; a class added to or
    dropped from /conformance without that is a failure."""
    spec = "http://www.opengis.net/spec/"
    implemented = {  # class -> where it is tested
        "ogcapi-common-1/1.0/conf/core": "test_features", "ogcapi-common-1/1.0/conf/json": "",
        "ogcapi-common-1/1.0/conf/html": "test_html, test_every_resource_has_html",
        "ogcapi-common-1/1.0/conf/landing-page": "test_html",
        "ogcapi-common-1/1.0/conf/oas30": "test_openapi_declares_limit_maximum",
        "ogcapi-common-2/1.0/conf/collections": "test_collections_match_registry",
        "ogcapi-features-1/1.0/conf/core": "test_suites (ogctests)",
        "ogcapi-features-1/1.0/conf/geojson": "test_features",
        "ogcapi-features-1/1.0/conf/html": "test_html",
        "ogcapi-features-1/1.0/conf/oas30": "test_suites (schemathesis)",
        "ogcapi-features-2/1.0/conf/crs": "test_crs_transform_of_known_point",
        "ogcapi-features-3/1.0/conf/queryables": "test_queryables_schema",
        "ogcapi-features-3/1.0/conf/queryables-query-parameters": "test_property_equals_query",
        "ogcapi-features-3/1.0/conf/filter": "test_filter",
        "ogcapi-features-3/1.0/conf/features-filter": "test_filter",
        "cql2/1.0/conf/cql2-text": "test_cql2_text_matches_sql",
        "cql2/1.0/conf/cql2-json": "test_cql2_json_matches_sql",
        "cql2/1.0/conf/basic-cql2": "test_cql2_text_matches_sql",
        "cql2/1.0/conf/advanced-comparison-operators": "LIKE, BETWEEN, IN",
        "cql2/1.0/conf/case-insensitive-comparison": "CASEI",
        "cql2/1.0/conf/basic-spatial-functions": "test_spatial_filters",
        "cql2/1.0/conf/basic-spatial-functions-plus": "test_spatial_predicates_match_postgis",
        "cql2/1.0/conf/spatial-functions": "test_spatial_predicates_match_postgis",
        "cql2/1.0/conf/array-functions": "A_* in test_cql2_text_matches_sql",
        "cql2/1.0/conf/property-property": "test_bad_parameters_are_400 (name = name2)",
        "ogcapi-records-1/1.0/conf/sorting": "test_bbox_and_sortby_and_properties",
        "ogcapi-features-4/1.0/conf/create-replace-delete": "test_writes",
        "ogcapi-features-4/1.0/conf/update": "test_writes (PATCH)",
        "ogcapi-features-4/1.0/conf/features": "test_writes",
        "ogcapi-tiles-1/1.0/conf/core": "test_tiles", "ogcapi-tiles-1/1.0/conf/tileset": "",
        "ogcapi-tiles-1/1.0/conf/tilesets-list": "", "ogcapi-tiles-1/1.0/conf/mvt": "",
        "ogcapi-tiles-1/1.0/conf/geodata-tilesets": "test_layer_tile_decodes_with_features",
        "ogcapi-tiles-1/1.0/conf/dataset-tilesets": "test_combined_tile_has_layers",
        "ogcapi-tiles-1/1.0/conf/oas30": "",
        "tms/2.0/conf/tilematrixset": "test_tilejson_tileset_and_tms",
        "tms/2.0/conf/json-tilematrixset": "test_tilejson_tileset_and_tms",
    }
    classes = client.get("/conformance").json()["conformsTo"]
    assert len(classes) == len(set(classes))
    assert set(classes) == {spec + c for c in implemented}


def test_every_resource_has_html(client):
    """The html conformance classes: every resource of Part 1 answers ``f=html``."""
    for path in ("/", "/conformance", "/collections", "/collections/projects",
                 "/collections/projects/items?limit=2"):
        r = client.get(path, params={"f": "html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
    fid = client.get("/collections/projects/items?limit=1").json()["features"][0]["id"]
    r = client.get(f"/collections/projects/items/{fid}?f=html")
    assert r.headers["content-type"].startswith("text/html")


def test_openapi_declares_limit_maximum(client):
    doc = client.get("/api").json()
    params = doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    lim = next(p for p in params if p["name"] == "limit")
    assert lim["schema"]["maximum"] == 10_000 and lim["schema"]["default"] == 100


def test_collections_match_registry(client):
    body = client.get("/collections").json()
    assert [c["id"] for c in body["collections"]] == [lyr.id for lyr in registry.layers()]
    proj = client.get("/collections/projects").json()
    assert proj["extent"]["spatial"]["bbox"][0][0] > 105
    assert "http://www.opengis.net/def/crs/EPSG/0/5897" in proj["crs"]


@pytest.mark.parametrize("layer", [lyr.id for lyr in registry.layers()])
def test_item_counts_match_db(client, conn, layer, count):
    lyr = registry.get(layer)
    n = count(f'SELECT count(*) FROM "{lyr.table}"')
    r = client.get(f"/collections/{layer}/items", params={"limit": 10_000})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(GEOJSON)
    body = r.json()
    assert body["numberMatched"] == n == body["numberReturned"] == len(body["features"])


def test_paging_links_walk_all_features(client, conn, count):
    n = count("SELECT count(*) FROM infra_project")
    url, seen = "/collections/projects/items?limit=7", []
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        assert body["numberReturned"] == len(body["features"]) <= 7
        nxt = [lk["href"] for lk in body["links"] if lk["rel"] == "next"]
        url = nxt[0] if nxt else None
    assert len(seen) == len(set(seen)) == n
    body = client.get("/collections/projects/items?limit=7&offset=7").json()
    prev = next(lk for lk in body["links"] if lk["rel"] == "prev")
    assert "offset=0" in prev["href"]


def test_progress_properties_are_numbers(client, conn):
    fid, metric, unit = conn.execute(
        "SELECT feature_id, metric, unit FROM progress_snapshot WHERE layer_id = 'projects' "
        "ORDER BY feature_id, metric LIMIT 1").fetchone()
    r = client.get(f"/collections/projects/items/{fid}")
    assert r.status_code == 200 and r.headers["etag"]
    props = r.json()["properties"]
    assert isinstance(props[metric], int | float)
    # value, unit, as-of date and source of each metric the feature has
    assert props[f"{metric}_date"] and props[f"{metric}_source"]
    assert props[f"{metric}_unit"] == unit
    for m in registry.get("projects").metrics:
        if props[m] is None:  # a metric without a figure has no unit either
            assert props[f"{m}_unit"] is None and props[f"{m}_date"] is None
    total = r.json()["properties"].get("total_investment_bil_vnd")
    assert total is None or isinstance(total, int | float)


def test_progress_history(client, conn, count):
    fid = conn.execute("SELECT feature_id FROM progress_snapshot WHERE layer_id = 'projects' "
                       "ORDER BY feature_id LIMIT 1").fetchone()[0]
    n = count("SELECT count(*) FROM progress_snapshot WHERE layer_id = 'projects' "
                    "AND feature_id = %s", fid)
    hist = client.get(f"/collections/projects/items/{fid}/progress").json()["progress"]
    assert len(hist) == n
    for h in hist:
        assert isinstance(h["value"], int | float)
        assert {"unit", "valid_on", "source_doc", "source_line", "source_ref", "note"} <= set(h)
    assert client.get("/collections/projects/items/nope/progress").status_code == 404


def test_as_of_selects_progress_as_of(client, conn, one_point_project):
    fid = one_point_project[0]
    rows = [(5, date(2020, 6, 30)), (40, date(2023, 12, 31))]
    try:
        for value, day in rows:
            conn.execute("INSERT INTO progress_snapshot (layer_id, feature_id, metric, value, "
                         "unit, valid_on, source_doc, note, origin) VALUES ('projects', %s, "
                         "'length_done_m', %s, 'm', %s, '002', 'test', 'test')",
                         (fid, value, day))
        conn.commit()

        def value(**params):
            r = client.get(f"/collections/projects/items/{fid}", params=params)
            return r.json()["properties"]["length_done_m"]

        assert value(as_of="2021-01-01") == 5
        r = client.get(f"/collections/projects/items/{fid}", params={"as_of": "2021-01-01"})
        assert r.json()["properties"]["length_done_m_unit"] == "m"
        assert value(as_of="2024-01-01") == 40
        assert value(as_of="2019-01-01") is None
        assert value() == 40
        items = client.get("/collections/projects/items",
                           params={"as_of": "2021-01-01", "id": fid}).json()
        assert items["features"][0]["properties"]["length_done_m"] == 5
        # tiles: progress as of the date too (the tile cache keeps the two apart)
        lon, lat = one_point_project[1:]
        z = 14
        x = int((lon + 180) / 360 * 2 ** z)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** z)
        url = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"

        def tile_value(**params):
            r = client.get(url, params=params)
            feats = mapbox_vector_tile.decode(r.content)["projects"]["features"]
            return next(f["properties"] for f in feats if f["properties"]["id"] == fid
                        ).get("length_done_m")

        assert tile_value(as_of="2021-01-01") == 5
        assert tile_value() == 40
        assert tile_value(as_of="2019-01-01") is None
    finally:
        conn.execute("DELETE FROM progress_snapshot WHERE origin = 'test'")
        conn.commit()


@pytest.mark.parametrize("url", [
    "/collections/projects/items", "/collections/projects/items/x",
    "/collections/projects/tiles/WebMercatorQuad/0/0/0", "/tiles/WebMercatorQuad/0/0/0"])
def test_datetime_is_refused_pointing_to_as_of(client, url):
    """``datetime`` would filter by the features' own time in OGC API Features; it no
    longer selects the progress date, and says where that is."""
    r = client.get(url, params={"datetime": "2021-01-01"})
    assert r.status_code == 400
    body = r.json()
    assert body["parameter"] == "datetime" and "as_of" in body["description"]


def test_as_of_is_declared_in_openapi(client):
    doc = client.get("/api").json()
    for path in ("/collections/{collectionId}/items",
                 "/collections/{collectionId}/items/{featureId}",
                 "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"):
        names = {p["name"] for p in doc["paths"][path]["get"]["parameters"]}
        assert "as_of" in names, path


def test_unknown_feature_404(client):
    assert client.get("/collections/projects/items/does-not-exist").status_code == 404
    assert client.get("/collections/nope").status_code == 404
    assert client.get("/collections/nope/items").status_code == 404


def test_bbox_and_sortby_and_properties(client, conn, one_point_project, count):
    fid, x, y = one_point_project
    d = 0.0005
    bbox = f"{x - d},{y - d},{x + d},{y + d}"
    n = count("SELECT count(*) FROM infra_project WHERE ST_Intersects(geom, "
                    "ST_MakeEnvelope(%s, %s, %s, %s, 4326))", x - d, y - d, x + d, y + d)
    body = client.get("/collections/projects/items", params={"bbox": bbox}).json()
    assert body["numberMatched"] == n >= 1 and fid in [f["id"] for f in body["features"]]
    # EPSG:4326 bbox is latitude first
    body = client.get("/collections/projects/items", params={
        "bbox": f"{y - d},{x - d},{y + d},{x + d}",
        "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}).json()
    assert body["numberMatched"] == n
    names = [f["properties"]["name"] for f in client.get(
        "/collections/projects/items",
        params={"sortby": "-name", "properties": "name", "limit": 1000}).json()["features"]]
    assert names == sorted(names, reverse=True)
    f = client.get("/collections/projects/items",
                   params={"properties": "name,kind", "limit": 1}).json()["features"][0]
    assert set(f["properties"]) == {"name", "kind"}


def test_property_equals_query(client, conn, count):
    kind = conn.execute("SELECT kind FROM infra_project GROUP BY kind ORDER BY count(*) DESC "
                        "LIMIT 1").fetchone()[0]
    n = count("SELECT count(*) FROM infra_project WHERE kind = %s", kind)
    body = client.get("/collections/projects/items", params={"kind": kind}).json()
    assert body["numberMatched"] == n
    assert all(f["properties"]["kind"] == kind for f in body["features"])


def test_crs_transform_of_known_point(client, one_point_project):
    from pyproj import Transformer

    fid, x, y = one_point_project
    for srid in (3857, 5897, 3405):
        r = client.get(f"/collections/projects/items/{fid}",
                       params={"crs": f"http://www.opengis.net/def/crs/EPSG/0/{srid}"})
        assert r.headers["content-crs"] == f"<http://www.opengis.net/def/crs/EPSG/0/{srid}>"
        ex, ey = Transformer.from_crs(4326, srid, always_xy=True).transform(x, y)
        gx, gy = r.json()["geometry"]["coordinates"]
        assert abs(gx - ex) < 2 and abs(gy - ey) < 2, (srid, gx, ex, gy, ey)
    lat, lon = client.get(f"/collections/projects/items/{fid}",
                          params={"crs": "EPSG:4326"}).json()["geometry"]["coordinates"]
    assert (lat, lon) == pytest.approx((y, x))


@pytest.mark.parametrize("srid", [5897, 3405, 4756])
def test_bbox_crs_and_crs_in_vn2000(client, one_point_project, srid):
    """A bbox drawn in a VN-2000 CRS finds the feature inside it and not one 5 km away;
    pages come back in that CRS with Content-Crs."""
    from pyproj import Transformer

    fid, x, y = one_point_project
    uri = f"http://www.opengis.net/def/crs/EPSG/0/{srid}"
    ex, ey = Transformer.from_crs(4326, srid, always_xy=True).transform(x, y)

    def ids(dx: float) -> set[str]:
        if srid == 4756:  # geographic: latitude first, degrees
            d, off = 0.0005, dx / 111_000
            box = (ey - d, ex + off - d, ey + d, ex + off + d)
        else:  # projected: easting, northing in metres
            box = (ex + dx - 50, ey - 50, ex + dx + 50, ey + 50)
        r = client.get("/collections/projects/items", params={
            "bbox": ",".join(map(str, box)), "bbox-crs": uri, "crs": uri, "limit": 1000})
        assert r.status_code == 200, r.text
        assert r.headers["content-crs"] == f"<{uri}>"
        return {f["id"] for f in r.json()["features"]}

    assert fid in ids(0)
    assert fid not in ids(5000)


def test_large_page_is_streamed_and_complete(client, conn, count):
    n = count("SELECT count(*) FROM infra_project")
    body = client.get("/collections/projects/items", params={"limit": 5000}).json()
    assert len(body["features"]) == body["numberReturned"] == n


def test_openapi_document_is_openapi_30(client):
    r = client.get("/api")
    assert r.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = r.json()
    assert doc["openapi"].startswith("3.0.")
    text = r.text
    assert '{"type":"null"}' not in text.replace(" ", "") and '"const"' not in text
    params = doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    cid = next(p for p in params if p["name"] == "collectionId")
    assert cid["schema"]["enum"] == [lyr.id for lyr in registry.layers()]
    bbox = next(p for p in params if p["name"] == "bbox")
    assert bbox["schema"]["type"] == "string" and bbox["schema"]["nullable"] is True
    assert bbox["style"] == "form" and bbox["explode"] is False


def test_collection_links_its_feature_schema(client):
    coll = client.get("/collections/projects").json()
    link = next(lk for lk in coll["links"] if lk["rel"].lower() == "describedby")
    assert link["type"] == "application/schema+json"
    r = client.get(link["href"])
    assert r.headers["content-type"].startswith("application/schema+json")
    props = r.json()["properties"]["properties"]["properties"]
    assert props["compensation_pct"]["type"] == "number"
    assert props["packages_done"]["type"] == "integer"
    assert props["valid_on"] == {**props["valid_on"], "type": "string", "format": "date"}
    assert props["districts"]["type"] == "array"
    one = client.get("/collections/projects/items", params={"limit": 1}).json()["features"][0]
    assert set(one["properties"]) == set(props)  # the schema lists what items carry
