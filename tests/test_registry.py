"""Adding a layer is one declaration plus its data: nothing else changes; a declaration
that names what does not exist fails when it is declared, naming the layer and field."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import mapbox_vector_tile
import morecantile
import pytest
from psycopg import sql

from gis.dataset.loader import load
from gis.migrate import migrate
from gis.settings import data_settings
from layers import METRICS, registry
from layers.base import (
    BestRecord,
    Choice,
    DistrictSummary,
    Field,
    FromBest,
    Layer,
    Metric,
    Override,
    Style,
)

TREES = Layer(
    id="street_trees",
    table="street_tree",
    title_vi="Cây xanh đường phố",
    title_en="Street trees",
    description_vi="Lớp thử nghiệm.",
    description_en="A throw-away test layer.",
    geometry_type="Point",
    fields=(Field("species", "text", "Loài", "Species", filter=True,
                  choices=(Choice("sao", "Sao đen", "Hopea odorata", "#2e7d32"),
                           Choice("dau", "Dầu rái", "Dipterocarpus alatus", "#8d6e63"))),
            Field("height_m", "number", "Chiều cao", "Height", unit="m"),
            Field("survey_text", "text", "Ghi chép khảo sát", "Survey notes", queryable=False,
                  in_tiles=False, popup="details")),
    metrics=("construction_pct", "packages_done", "packages_total"),
    style=Style(color_field="species", progress_metrics=("construction_pct",)),
    summary=DistrictSummary(columns=("species", "height_m"), group_by="species",
                            total="height_m", noun_vi="cây", noun_en="trees"),
)

TREES_DATA = """
- id: tree-1
  name: Cây sao đen bến Ninh Kiều
  species: sao
  districts: ["916"]
  geometry: {type: Point, coordinates: [105.7885, 10.0335]}
  geom_quality: indicative
  source: {doc: "002", line: 120}
  valid_on: 2024-11-15
  height_m: 14
  survey_text: Cây khỏe, tán rộng.
  progress:
    - {metric: construction_pct, value: "12,5", valid_on: 2024-10-31,
       source: {doc: "002", line: 120}}
    - {metric: packages_done, value: "1", valid_on: 2024-10-31, source: {doc: "002", line: 120}}
    - {metric: packages_total, value: "4", valid_on: 2024-10-31,
       source: {doc: "002", line: 120}}
"""


def test_registry_rejects_a_layer_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(registry.get("projects"))


def test_registry_rejects_unknown_metrics():
    bad = replace(TREES, id="bad", metrics=("nonsense",), style=Style(color_field="species"))
    with pytest.raises(ValueError, match="unknown metrics"):
        registry.add(bad)


def _declare(**changes) -> None:
    layer = replace(TREES, id="bad_trees", **changes)
    try:
        registry.add(layer)
    finally:
        registry.remove("bad_trees")


SPECIES = TREES.fields[0]


@pytest.mark.parametrize("changes,words", [
    ({"style": Style(color_field="specie")}, "style.color_field 'specie' is not a field"),
    ({"style": Style(color_field="height_m")}, "style.color_field 'height_m' has no choices"),
    ({"style": Style(label_field="nom")}, "style.label_field 'nom' is not a field"),
    ({"style": Style(progress_metrics=("occupancy_pct",))},
     "style.progress_metrics: 'occupancy_pct' is not a metric of the layer"),
    ({"fields": (replace(SPECIES, name="height", type="number", choices=()),)},
     "field 'height': filter=True needs choices"),
    ({"fields": (replace(SPECIES, missing="none"),)},
     "field 'species': missing='none' is not one of its choices"),
    ({"fields": (replace(SPECIES, popup="tooltip"),)}, "field 'species': popup='tooltip'"),
    ({"fields": (SPECIES, SPECIES)}, "field 'species' is declared twice"),
    ({"fields": (replace(SPECIES, role="district"),)}, "field 'species': role='district'"),
    ({"fields": (replace(SPECIES, type="text[]", choices=(), filter=False, role="districts"),)},
     "role 'districts' is on more than one field"),
    ({"summary": DistrictSummary(columns=("hight_m",))},
     "summary.columns: 'hight_m' is not a field"),
    ({"summary": DistrictSummary(group_by="height_m")}, "summary.group_by 'height_m' has no"),
    ({"summary": DistrictSummary(total="species")}, "summary.total 'species' is not a number"),
    ({"overrides": (Override("species", "oak", "height_m", "1"),)},
     "'oak' is not a choice of field 'species'"),
    ({"overrides": (Override("species", "sao", "heigth", "1"),)},
     "when_field 'heigth' is not a field"),
    ({"best_record": BestRecord(key="species", rank="species")},
     "best_record.rank 'species' is not an ordered choice field"),
    ({"from_best": FromBest("ntm", (("species", "ntm_levels"),))},
     "from_best.fields: 'ntm_levels' is not a field of layer 'ntm'"),
    ({"from_best": FromBest("projects", (("species", "kind"),))},
     "layer 'projects' is not declared (before it) with a best_record"),
    ({"starts_field": "planted_year"}, "starts_field 'planted_year' is not a field"),
    ({"starts_field": "species"}, "starts_field 'species' is not a number field"),
])
def test_a_malformed_declaration_names_the_layer_and_the_field(changes, words):
    with pytest.raises(ValueError, match=re.escape(words)) as exc:
        _declare(**changes)
    assert "layer 'bad_trees'" in str(exc.value)
    assert "bad_trees" not in registry


def test_a_metric_total_must_exist(monkeypatch):
    monkeypatch.setitem(METRICS, "trees_planted", Metric(
        "trees_planted", "cây", "Cây đã trồng", "Trees planted", total="trees_plannd"))
    with pytest.raises(ValueError, match=re.escape(
            "layer 'bad_trees': metric 'trees_planted': total 'trees_plannd' is neither")):
        _declare(metrics=("construction_pct", "trees_planted"))
    _declare(metrics=("construction_pct", "trees_planted"), fields=TREES.fields + (
        Field("trees_plannd", "integer", "Số cây dự kiến", "Trees planned"),))  # now it does


@pytest.fixture
def trees_layer(db_url, conn, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(data_settings().data_dir, data)
    (data / "features" / "street_trees").mkdir()
    (data / "features" / "street_trees" / "trees.yaml").write_text(TREES_DATA, encoding="utf-8")
    registry.add(TREES)
    try:
        yield data
    finally:
        registry.remove(TREES.id)
        load(url=db_url)  # back to the real dataset
        conn.execute("DROP TABLE IF EXISTS street_tree")
        conn.execute("DELETE FROM progress_snapshot WHERE layer_id = 'street_trees'")
        conn.commit()


def test_a_new_declaration_gets_a_table_data_and_api(db_url, conn, trees_layer, client):
    assert migrate(db_url) == ["street_tree"]
    report = load(data_dir=trees_layer, url=db_url)
    assert report.counts["street_trees"].inserted == 1
    row = conn.execute(sql.SQL("SELECT name, species, ST_AsText(geom) FROM street_tree")
                       ).fetchone()
    assert row == ("Cây sao đen bến Ninh Kiều", "sao", "POINT(105.7885 10.0335)")
    health = client.get("/health").json()
    assert health["layers"]["street_trees"] == 1
    ids = [c["id"] for c in client.get("/collections").json()["collections"]]
    assert "street_trees" in ids
    item = client.get("/collections/street_trees/items/tree-1").json()
    assert item["properties"]["construction_pct"] == 12.5
    queryables = client.get("/collections/street_trees/queryables").json()
    assert queryables["properties"]["species"]["enum"] == ["sao", "dau"]
    tile = morecantile.tms.get("WebMercatorQuad").tile(105.7885, 10.0335, 14)
    mvt = client.get(f"/collections/street_trees/tiles/WebMercatorQuad/14/{tile.y}/{tile.x}")
    assert mvt.status_code == 200
    assert "street_trees" in mapbox_vector_tile.decode(mvt.content)


def test_a_new_declaration_reaches_filters_popups_legends_and_the_district_summary(
        db_url, conn, trees_layer, client):
    """Nothing in api/, maps/ or gis/ names the layer: all of this comes from TREES."""
    migrate(db_url)
    load(data_dir=trees_layer, url=db_url)
    cfg = client.get("/maps/config.json").json()
    species = next(f for f in cfg["filters"] if f["name"] == "species")
    assert species["layers"] == ["street_trees"]
    assert [c["value"] for c in species["choices"]] == ["sao", "dau"]
    lc = next(lc for lc in cfg["layers"] if lc["id"] == "street_trees")
    assert lc["totals"] == {"packages_done": "packages_total"}  # the popup's done / total bar
    popup = {f["name"]: f["popup"] for f in lc["fields"]}
    assert popup["survey_text"] == "details" and popup["species"] == popup["height_m"] == "row"
    assert popup["source_doc"] == "hidden"
    assert cfg["metric_columns"]["date"].replace("{metric}", "packages_done") in (
        client.get("/maps/data/street_trees.geojson").json()["features"][0]["properties"])

    # the legend of the printed map and the style document
    from maps.cartography import legend_entries
    from maps.classes import CLASSES, UNKNOWN, feature_metric, progress_class
    from maps.filters import MapFilter
    from maps.printdata import load_map_data

    trees = registry.get("street_trees")
    data = load_map_data(conn, MapFilter(), [trees]).layers[0]
    labels = [label for label, _ in legend_entries(data)]
    # shaded by progress: the graduated classes drawn, only those (#14)
    drawn = {progress_class(feature_metric(trees, p)[1]) for _, p in data.features}
    assert {c.label_vi for c in (*CLASSES, UNKNOWN)} & set(labels) == {
        c.label_vi for c in drawn}
    assert "Vị trí minh họa (nét đứt)" in labels  # geom_quality: indicative
    style = client.get("/styles/default").json()
    dashed = next(sl for sl in style["layers"] if sl["id"] == "street_trees-line-dashed")
    assert dashed["paint"]["line-dasharray"] == [2, 2]
    assert "#2e7d32" in str(next(sl for sl in style["layers"]
                                 if sl["id"] == "street_trees-point")["paint"])

    # the district summary: its table, grouped by species, with the summed height
    html = client.get("/maps/district/916").text
    table = html.split('<table class="summary" data-layer="street_trees">')[1].split(
        "</table>")[0]
    assert table.count('<tr class="feature') == 1
    assert "Sao đen — 1 cây, chiều cao 14 m (1 có số liệu)" in table
    assert "Cây sao đen bến Ninh Kiều" in table and "(vị trí minh họa)" in table


def test_a_new_filter_field_is_applied_by_the_map_data(db_url, trees_layer, client):
    migrate(db_url)
    load(data_dir=trees_layer, url=db_url)
    hit = client.get("/maps/data/street_trees.geojson?species=sao")
    assert [f["id"] for f in hit.json()["features"]] == ["tree-1"]
    miss = client.get("/maps/data/street_trees.geojson?species=dau")
    assert miss.status_code == 200 and miss.json()["features"] == []
    other = client.get("/maps/data/street_trees.geojson?species=other")
    assert other.status_code == 400 or other.json()["features"] == []


def test_popups_tables_and_search_find_names_and_places_by_their_role(
        db_url, trees_layer, client):
    """A layer names its features in a field of its own (role "name"): search finds them by
    it, and the map's configuration tells popups and tables which fields to read."""
    local = replace(TREES, fields=TREES.fields + (
        Field("local_name", "text", "Tên địa phương", "Local name", role="name"),))
    registry.remove(TREES.id)
    registry.add(local)
    try:
        migrate(db_url)
        data = trees_layer / "features" / "street_trees" / "trees.yaml"
        data.write_text(TREES_DATA.replace("  species: sao", "  species: sao\n"
                                           "  local_name: Cây Ba Đình"), encoding="utf-8")
        load(data_dir=trees_layer, url=db_url)
        hits = client.get("/maps/search", params={"q": "ba dinh"}).json()
        tree = next(h for h in hits["results"] if h.get("layer") == "street_trees")
        assert tree["id"] == "tree-1" and tree["districts"] == ["916"]
        lc = next(lc for lc in client.get("/maps/config.json").json()["layers"]
                  if lc["id"] == "street_trees")
        assert lc["roles"] == {"name": "name", "name_en": "name_en", "districts": "districts",
                               "wards": "wards", "source": "source_doc",
                               "source_line": "source_line", "quality": "geom_quality"}
    finally:
        registry.remove(local.id)
        registry.add(TREES)
