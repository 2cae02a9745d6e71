"""The web map's JSON, pages and errors (through the API app, real PostGIS)."""

from __future__ import annotations

import json
import re

import pytest

from layers import METRICS, registry


def test_config_reflects_registry(client):
    r = client.get("/maps/config.json")
    assert r.status_code == 200
    cfg = r.json()
    assert [lyr["id"] for lyr in cfg["layers"]] == [lyr.id for lyr in registry.layers()]
    for lc in cfg["layers"]:
        layer = registry.get(lc["id"])
        assert lc["order"] == layer.order
        assert lc["style"]["color_field"] == layer.style.color_field
        assert lc["style"]["progress_metrics"] == list(layer.style.progress_metrics)
        assert lc["metrics"] == list(layer.metrics)
        fields = {f["name"]: f for f in lc["fields"]}
        if layer.style.color_field:
            f = layer.field(layer.style.color_field)
            assert fields[f.name]["label_vi"] == f.label_vi
            assert {c["value"]: c["color"] for c in fields[f.name]["choices"]} == {
                c.value: c.color for c in f.choices}
    assert cfg["metrics"]["occupancy_pct"]["unit"] == METRICS["occupancy_pct"].unit
    assert len(cfg["districts"]) == 9


def test_config_chooses_tiles_for_large_layers(client, conn, monkeypatch):
    from gis import settings

    cfg = client.get("/maps/config.json").json()
    assert cfg["tile_threshold"] == settings.map_settings().tile_threshold == 2000
    for lc in cfg["layers"]:
        table = registry.get(lc["id"]).table
        assert lc["feature_count"] == conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert lc["tiled"] is False  # the dataset's layers are all small
        assert lc["tile_url"] == f"/collections/{lc['id']}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
    monkeypatch.setenv("GIS_MAPS_TILE_THRESHOLD", "20")
    settings.map_settings.cache_clear()
    try:
        cfg = client.get("/maps/config.json").json()
        assert cfg["tile_threshold"] == 20
        assert {lc["id"] for lc in cfg["layers"] if lc["tiled"]} == {
            lc["id"] for lc in cfg["layers"] if lc["feature_count"] > 20}
        assert next(lc for lc in cfg["layers"] if lc["id"] == "projects")["tiled"]
    finally:
        monkeypatch.delenv("GIS_MAPS_TILE_THRESHOLD")
        settings.map_settings.cache_clear()


def test_pages_embed_config_and_preload_their_data(client):
    """The page carries /maps/config.json and preloads the GeoJSON map.js asks for first."""
    cfg = client.get("/maps/config.json").json()
    html = client.get("/maps").text
    embedded = re.search(r"window\.MAP_CONFIG = (\{.*?\});</script>", html).group(1)
    assert json.loads(embedded)["layers"] == cfg["layers"]
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="fetch" crossorigin>', html)
    assert preloads == [lc["data_url"] for lc in cfg["layers"] if not lc["tiled"]]
    for m in ("map", "i18n", "style", "filters", "popup", "legend", "tiles"):
        assert f'<link rel="modulepreload" href="/maps/static/{m}.js">' in html
    html = client.get("/maps/district/926?as_of=2024-10-31").text
    preloads = re.findall(r'<link rel="preload" href="([^"]+)"', html)
    assert preloads and all(u.endswith("?as_of=2024-10-31&amp;district=926") for u in preloads)


def test_map_page_uses_local_assets_only(client):
    r = client.get("/maps")
    assert r.status_code == 200
    html = r.text
    assert "/maps/vendor/leaflet/leaflet.js" in html and "/maps/static/map.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no CDN or remote asset"
    assert client.get("/maps/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/maps/vendor/leaflet/leaflet.css").status_code == 200
    assert client.get("/favicon.ico").status_code == 200  # asked for by PDF and PNG tabs too
    # the vector-tile plugin, loaded by map.js when a layer is tiled
    r = client.get("/maps/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js")
    assert r.status_code == 200 and "vectorGrid" in r.text
    for name in ("map.js", "style.js", "popup.js", "filters.js", "legend.js", "i18n.js",
                 "tiles.js", "map.css", "favicon.svg"):
        assert client.get(f"/maps/static/{name}").status_code == 200, name


def _with_progress(features, layer_id):
    layer = registry.get(layer_id)
    return [f for f in features if any(f["properties"].get(m) is not None
                                       for m in layer.metrics)]


def test_data_honours_as_of(client, conn):
    latest = client.get("/maps/data/projects.geojson").json()
    total = conn.execute("SELECT count(*) FROM infra_project").fetchone()[0]
    assert latest["numberReturned"] == len(latest["features"]) == total
    dated = conn.execute("SELECT count(DISTINCT feature_id) FROM progress_snapshot"
                         " WHERE layer_id = 'projects'").fetchone()[0]
    assert len(_with_progress(latest["features"], "projects")) == dated
    early = client.get("/maps/data/projects.geojson?as_of=2000-01-01").json()
    assert early["as_of"] == "2000-01-01"
    assert len(early["features"]) == total  # features stay, their progress goes
    assert _with_progress(early["features"], "projects") == []
    # a figure valid later than as_of is not shown; one valid before is
    row = conn.execute("SELECT feature_id, metric, valid_on FROM progress_snapshot"
                       " WHERE layer_id = 'projects' ORDER BY valid_on LIMIT 1").fetchone()
    if row:
        fid, metric, valid_on = row
        on = client.get(f"/maps/data/projects.geojson?as_of={valid_on}").json()
        props = next(f["properties"] for f in on["features"] if f["id"] == fid)
        assert props[metric] is not None and props[f"{metric}_date"] == valid_on.isoformat()


def test_data_honours_district(client, conn):
    for layer_id, table in (("projects", "infra_project"), ("flood_works", "flood_work")):
        # the districts the text names and those a place is inferred in (shown as such)
        expected = conn.execute(f"SELECT count(*) FROM {table} WHERE '918' = ANY(districts)"
                                " OR '918' = ANY(districts_inferred)").fetchone()[0]
        body = client.get(f"/maps/data/{layer_id}.geojson?district=918").json()
        assert len(body["features"]) == expected
        assert all("918" in f["properties"]["districts"] + f["properties"]["districts_inferred"]
                   for f in body["features"])
        assert any("918" in f["properties"]["districts_inferred"] for f in body["features"])
    districts = client.get("/maps/data/districts.geojson?district=918").json()
    assert [f["id"] for f in districts["features"]] == ["918"]


def test_data_bad_input(client):
    assert client.get("/maps/data/nope.geojson").status_code == 404
    r = client.get("/maps/data/projects.geojson?as_of=31/10/2024")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["description"]
    r = client.get("/maps/data/projects.geojson?district=999")
    assert r.status_code == 404 and "999" in r.json()["description"]


def test_district_page_has_summary_rows(client, conn):
    r = client.get("/maps/district/918")
    assert r.status_code == 200
    html = r.text
    assert "Quận Bình Thuỷ" in html
    n_projects = conn.execute("SELECT count(*) FROM infra_project WHERE '918' = ANY(districts)"
                              " OR '918' = ANY(districts_inferred)").fetchone()[0]
    table = '<table class="summary" data-layer="projects">'
    section = html.split(table)[1].split("</table>")[0] if n_projects else ""
    assert section.count('<tr class="feature') == n_projects
    communes = conn.execute("SELECT count(*) FROM admin_commune WHERE district_code = '926'"
                            " AND unit_type = 'Xã' AND in_2024_09").fetchone()[0]
    assert communes > 0
    html926 = client.get("/maps/district/926").text
    ntm = html926.split('<table class="summary" data-layer="ntm">')[1].split("</table>")[0]
    assert ntm.count('<tr class="feature') == communes + 1  # the district and its communes
    assert "Chưa rõ" in ntm or "ntm" in ntm
    # each feature row links to the API item
    links = re.findall(r'href="(/collections/[a-z_]+/items/[^"]+)"', html)
    assert len(links) >= n_projects


def test_district_page_unknown_code_is_404_with_message(client):
    r = client.get("/maps/district/999")
    assert r.status_code == 404
    assert "999" in r.text and "Không có quận/huyện" in r.text and "916" in r.text
    assert client.get("/maps/district/918?as_of=yesterday").status_code == 400
def test_district_view_shows_how_a_record_is_known(client):
    page = client.get("/maps/district/925").text  # Cờ Đỏ: communes derived from 004:72
    assert "<th>Suy ra từ</th>" in page  # the column of the lines a record is derived from
    assert "<td>Suy ra</td>" in page and "004:72</td>" in page  # a derived record, labelled


@pytest.mark.parametrize("query, vi, en", [
    ("f=docx", "dùng html hoặc pdf", "use html or pdf"),
    ("show=nope", "không phải lớp của bảng tổng hợp", "not a layer of the district summary"),
    ("show=projects&offset=x", "cần số nguyên từ 0", "a whole number from 0"),
    ("show=projects&limit=9", "bỏ trống hoặc ghi limit=all", "leave it out or write limit=all"),
    ("stalled_offset=x", "cần số nguyên từ 0", "a whole number from 0"),
    ("stalled_limit=9", "bỏ trống hoặc ghi stalled_limit=all", "leave it out or write"),
])
def test_district_page_errors_say_each_language_apart(client, query, vi, en):
    """A bad parameter of the district page: the Vietnamese message and the English one
    each on their own (the page shows the one of its language), never joined in one."""
    r = client.get(f"/maps/district/918?{query}")
    assert r.status_code == 400
    msg_vi = re.search(r'<p class="message vi" id="error-vi">(.*?)</p>', r.text).group(1)
    msg_en = re.search(r'<p class="message en" id="error-en" lang="en">(.*?)</p>', r.text
                       ).group(1)
    assert vi in msg_vi and en not in msg_vi and "(" not in msg_vi.split(":", 1)[1]
    assert en in msg_en and vi not in msg_en
    # the language asked for is the page's; CSS shows only its texts
    assert 'html[lang="vi"] .en, html[lang="en"] .vi { display: none; }' in r.text
    assert '"en" ||' in client.get(f"/maps/district/918?{query}&lang=en").text


def test_dashboard_and_pdf_errors_say_each_language_apart(client):
    body = client.get("/dashboard?f=docx").json()
    assert body["description"] == "f='docx': use html or pdf"
    assert body["description_vi"] == "f='docx': dùng html hoặc pdf"
    body = client.get("/maps/district/999.pdf").json()
    assert (body["description"], body["description_vi"]) == (
        "no district '999'", "không có quận/huyện mã '999'")
