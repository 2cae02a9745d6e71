"""HTML for browsers: ``/`` sends them to the web map; ``f=html`` pages list links and
properties; JSON clients are unaffected."""

from __future__ import annotations

import re

import pytest

from layers import registry

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_browser_at_landing_goes_to_the_map(client):
    r = client.get("/", headers={"Accept": BROWSER}, follow_redirects=False)
    assert r.status_code in (302, 303)
    assert r.headers["location"].endswith("/maps")
    assert client.get("/", headers={"Accept": BROWSER}).status_code == 200  # the map page


@pytest.mark.parametrize("accept", [None, "*/*", "application/json",
                                    "application/json, text/html",
                                    "text/html;q=0.5, application/json"])
def test_json_clients_get_the_landing_json(client, accept):
    headers = {"Accept": accept} if accept else {}
    r = client.get("/", headers=headers, follow_redirects=False)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json()["links"]


def test_f_overrides_accept(client):
    r = client.get("/?f=json", headers={"Accept": BROWSER}, follow_redirects=False)
    assert r.status_code == 200 and r.json()["title"]
    r = client.get("/?f=html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/conformance" in r.text and "/maps" in r.text
    assert client.get("/?f=xml").status_code == 400


def test_json_documents_link_their_html(client):
    for url in ("/", "/collections", "/collections/projects",
                "/collections/projects/items?limit=1"):
        links = client.get(url).json()["links"]
        alt = [lk for lk in links if lk["rel"] == "alternate" and lk["type"] == "text/html"]
        assert alt and "f=html" in alt[0]["href"], url


def test_collections_html_lists_every_layer(client):
    r = client.get("/collections", headers={"Accept": BROWSER})
    assert r.headers["content-type"].startswith("text/html")
    for layer in registry.layers():
        assert layer.title_vi in r.text
        assert f"/collections/{layer.id}/items?f=html" in r.text


def test_collection_html_lists_properties(client):
    r = client.get("/collections/projects?f=html")
    assert r.status_code == 200
    for name in ("compensation_pct", "packages_done", "kind"):
        assert f"<code>{name}</code>" in r.text
    assert "tỷ đồng" in r.text  # units from the registry, Vietnamese intact


def test_items_html_table_and_paging(client, conn):
    r = client.get("/collections/projects/items?f=html&limit=5")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    ids = re.findall(r'href="[^"]*/collections/projects/items/([^"?]+)\?f=html"', r.text)
    assert len(ids) == 5
    assert re.search(r'href="[^"]*offset=5[^"]*"', r.text)
    assert 'href="http://testserver/maps"' in r.text
    first = conn.execute("SELECT id FROM infra_project ORDER BY id LIMIT 1").fetchone()[0]
    assert ids[0] == first


def test_item_html_shows_properties(client, conn):
    fid, name = conn.execute("SELECT id, name FROM infra_project WHERE progress_current "
                             "IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    r = client.get(f"/collections/projects/items/{fid}", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["etag"]
    assert name.replace("&", "&amp;") in r.text
    assert re.search(r"Loại công trình <span[^>]*>\(Kind\)", r.text)
    assert f"/items/{fid}/progress" in r.text
    assert client.get("/collections/projects/items/nope?f=html").status_code == 404


def test_html_escapes_text(client):
    r = client.get("/collections/projects/items?f=html&name=%3Cscript%3E")
    assert r.status_code == 200 and "<script>" not in r.text


def test_item_html_reads_as_a_person_would(client, conn):
    """Labels, choice labels instead of codes, Vietnamese numbers with units, dates as
    dd/mm/yyyy, and no row for an empty field."""
    from api.html import property_rows
    from layers import registry

    layer = registry.get("projects")
    doc = client.get("/collections/projects/items/002-III-03").json()
    page = client.get("/collections/projects/items/002-III-03?f=html").text
    rows = {r["name"]: r for r in property_rows(layer, doc["properties"])}
    assert all(v not in (None, "", [], {}) for v in (r["value"] for r in rows.values()))
    assert set(rows) == {k for k, v in doc["properties"].items() if v not in (None, "", [], {})}
    kind = layer.field("kind")
    label = next(c.label_vi for c in kind.choices if c.value == doc["properties"]["kind"])
    assert rows["kind"]["text"].startswith(label) and label in page
    p = doc["properties"]
    if p.get("compensation_pct") is not None:
        assert rows["compensation_pct"]["text"] == (
            f"{p['compensation_pct']}".replace(".", ",") + " %")
        y, m, d = p["compensation_pct_date"].split("-")
        assert rows["compensation_pct_date"]["text"] == f"{d}/{m}/{y}"
        assert f"{d}/{m}/{y}" in page
    empty = [k for k, v in p.items() if v in (None, "", [])]
    for k in empty:
        assert f'title="{k}"' not in page
