"""Adding a layer is one declaration plus its data: nothing else changes."""

from __future__ import annotations

import shutil

import mapbox_vector_tile
import morecantile
import pytest
from psycopg import sql

from gis.dataset.loader import load
from gis.migrate import migrate
from gis.settings import data_settings
from layers import registry
from layers.base import Choice, Field, Layer, Style

TREES = Layer(
    id="street_trees",
    table="street_tree",
    title_vi="Cây xanh đường phố",
    title_en="Street trees",
    description_vi="Lớp thử nghiệm.",
    description_en="A throw-away test layer.",
    geometry_type="Point",
    fields=(Field("species", "text", "Loài", "Species",
                  choices=(Choice("sao", "Sao đen", "Hopea odorata", "#2e7d32"),)),),
    metrics=("construction_pct",),
    style=Style(color_field="species"),
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
  progress:
    - {metric: construction_pct, value: "12,5", valid_on: 2024-10-31,
       source: {doc: "002", line: 120}}
"""


def test_registry_rejects_a_layer_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(registry.get("projects"))


def test_registry_rejects_unknown_metrics():
    bad = Layer(**{**TREES.__dict__, "id": "bad", "metrics": ("nonsense",)})
    with pytest.raises(ValueError, match="unknown metrics"):
        registry.add(bad)


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
    assert queryables["properties"]["species"]["enum"] == ["sao"]
    tile = morecantile.tms.get("WebMercatorQuad").tile(105.7885, 10.0335, 14)
    mvt = client.get(f"/collections/street_trees/tiles/WebMercatorQuad/14/{tile.y}/{tile.x}")
    assert mvt.status_code == 200
    assert "street_trees" in mapbox_vector_tile.decode(mvt.content)
