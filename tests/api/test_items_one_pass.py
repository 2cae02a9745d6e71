"""The items route reads its common query strings in one pass (api.items.ItemsRoute)
instead of FastAPI's dependency solving: every answer (value, error, order of errors)
must be byte for byte what FastAPI's solving gives, and the OpenAPI document the same."""

from __future__ import annotations

import json
import re

import fastapi.routing
import pytest

from api import items
from gis.queries import queryables, selectable, sortables
from layers import registry

LAYER = next(la for la in registry.layers() if la.metrics and la.queryables)
TEXT = next(n for n, q in queryables(LAYER).items() if q.type == "text" and n != "id")
SORT = list(sortables(LAYER))[-1]
PROPS = ",".join(list(selectable(LAYER))[:2])
JSON_FILTER = json.dumps({"op": "like", "args": [{"property": TEXT}, "%a%"]})

QUERIES = [
    {}, {"limit": "3"}, {"limit": "3", "offset": "2"}, {"offset": "4"},
    {"bbox": "105.7,10.0,105.8,10.1"}, {"bbox": "105.7,10.0,0,105.8,10.1,0", "limit": "2"},
    {"bbox": "10.0,105.7,10.1,105.8", "bbox-crs": "EPSG:4326"},
    {"crs": "EPSG:5897", "limit": "2"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/4326", "limit": "2"},
    {"filter": f"{TEXT} LIKE '%a%'"}, {"filter": JSON_FILTER, "filter-lang": "cql2-json"},
    {"filter": "S_INTERSECTS(geometry, POINT(10.03 105.77))", "filter-crs": "EPSG:4326"},
    {"sortby": f"-{SORT}", "limit": "4"}, {"sortby": f"{SORT} DESC,id"},
    {"properties": PROPS, "limit": "2"}, {TEXT: "x"}, {"id": "nope"},
    {"as_of": "2024-06-30", "limit": "3"}, {"skipGeometry": "true", "limit": "2"},
    {"skipGeometry": "false"}, {"f": "json", "limit": "2"}, {"f": "geojson", "limit": "2"},
    {"f": "html", "limit": "2"}, {"f": "csv", "limit": "2"},
    # read by FastAPI (not plain): the same answers
    {"limit": "03"}, {"limit": "+3"}, {"skipGeometry": "1"}, {"skipGeometry": "yes"},
    # refused, alone and several at once (which error comes first)
    {"limit": "0"}, {"limit": "abc"}, {"limit": "100000000"}, {"offset": "-1"},
    {"offset": str(2**63)}, {"bbox": "1,2,3"}, {"bbox": ""}, {"bbox-crs": "EPSG:9999"},
    {"crs": "foo"}, {"datetime": "2024-01-01"}, {"nope": "1"}, {"filter": "bogus("},
    {"filter-lang": "xml", "filter": "a=1"}, {"f": "xml"}, {"properties": "nope"},
    {"sortby": "nope"}, {"as_of": "2024-13-01"}, {"skipGeometry": "maybe"},
    {"limit": "0", "bbox": "1,2,3"}, {"crs": "foo", "bbox": "1,2,3"},
    {"sortby": "nope", "properties": "nope"}, {"filter": "bogus(", "nope": "1"},
    {"crs": "foo", "nope": "1"}, {"filter-crs": "foo", "filter": "bogus("},
    {"as_of": "x", "datetime": "y"}, {"f": "xml", "crs": "foo"},
]


def _normal(r) -> tuple:
    """Status, type, the headers that matter and the body, without what differs by request
    (the time stamp, the CSP nonce)."""
    ctype = r.headers.get("content-type", "")
    body: object = r.content
    if "json" in ctype:
        body = r.json()
        if isinstance(body, dict):
            body.pop("timeStamp", None)
    elif "html" in ctype:
        body = re.sub(r'nonce="[^"]*"', "", r.text)
    return (r.status_code, ctype, r.headers.get("content-crs"),
            r.headers.get("content-disposition"), body)


@pytest.fixture
def solved(monkeypatch):
    """Counts FastAPI's dependency solving of the items route."""
    calls = []
    real = fastapi.routing.solve_dependencies

    async def counting(*args, **kwargs):
        request = kwargs.get("request") or args[0]
        if request.url.path.endswith(f"/{LAYER.id}/items"):
            calls.append(request.url.query)
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return calls


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in
                                                                 q.items())[:60] or "plain")
def test_one_pass_answers_as_fastapi_solving(client, monkeypatch, query):
    path = f"/collections/{LAYER.id}/items"
    one_pass = _normal(client.get(path, params=query))
    with monkeypatch.context() as m:
        async def never(request):
            return None

        m.setattr(items, "items_arguments", never)  # every request solved by FastAPI
        by_fastapi = _normal(client.get(path, params=query))
    assert one_pass == by_fastapi


def test_an_unknown_collection_is_404_either_way(client, monkeypatch):
    r = client.get("/collections/nope/items", params={"limit": "3"})
    assert r.status_code == 404 and "nope" in r.json()["description"]
    assert client.get("/collections/nope/items", params={"limit": "x"}).json() == r.json()


def test_plain_pages_skip_dependency_solving_others_do_not(client, solved):
    path = f"/collections/{LAYER.id}/items"
    assert client.get(path, params={"limit": "3", "bbox": "105.7,10.0,105.8,10.1",
                                    "filter": f"{TEXT} LIKE '%a%'"}).status_code == 200
    assert solved == []
    assert client.get(path, params={"limit": "03"}).status_code == 200
    assert client.get(path, params={"limit": "0"}).status_code == 400
    assert solved == ["limit=03", "limit=0"]


def test_the_items_parameters_are_published_as_declared(client):
    doc = client.get("/api").json()
    op = doc["paths"]["/collections/{collectionId}/items"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"collectionId", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "as_of",
            "properties", "sortby", "filter", "filter-lang", "filter-crs", "f",
            "skipGeometry"} <= names
    limit = next(p for p in op["parameters"] if p["name"] == "limit")
    assert limit["schema"]["minimum"] == 1 and "maximum" in limit["schema"]


@pytest.mark.parametrize("url", [
    "http://h/collections/x/items",
    "http://h/collections/x/items?limit=3&offset=6",
    "http://h/collections/x/items?f=html&limit=3&f=json&a=&b",
    "http://h/collections/x/items?filter=name%20LIKE%20%27%25a%27&x=%C3%A1+b",
    "http://h/collections/x/items?filter=" + "a" * 3000,
])
def test_kept_links_are_starlettes(url):
    from starlette.datastructures import URL

    from api.links import with_param, without_param

    for _ in range(2):  # made, then kept
        assert with_param(url, "f", "html") == str(URL(url).include_query_params(f="html"))
        assert with_param(url, "offset", "9") == str(URL(url).include_query_params(offset=9))
        assert without_param(url, "f") == str(URL(url).remove_query_params("f"))


@pytest.mark.parametrize("encoding", ["UTF8", "LATIN1"])
def test_pages_come_as_utf8_bytes_whatever_the_client_encoding(db_url, encoding):
    import psycopg

    from api.db import bytes_cursor

    with psycopg.connect(db_url, options=f"-c client_encoding={encoding}") as conn:
        cur = bytes_cursor(conn)
        cur.execute("SELECT 'café ' || %s::text, 7", ("x",))
        assert cur.fetchone() == ("café x".encode(), 7)
        assert conn.execute("SELECT 'café'::text").fetchone() == ("café",)  # others: str
