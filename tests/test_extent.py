"""The city's extent comes from its outline (admin_city), the same for tiles, the style
document and the web map."""

from __future__ import annotations

import pytest


def test_tilejson_style_and_map_config_take_the_city_outline(client, conn):
    xmin, ymin, xmax, ymax = conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
        " FROM (SELECT ST_Extent(geom)::geometry AS e FROM admin_city) x").fetchone()
    tj = client.get("/tiles/WebMercatorQuad/tilejson.json").json()
    assert tj["bounds"] == pytest.approx([xmin, ymin, xmax, ymax])
    assert tj["center"][:2] == pytest.approx([(xmin + xmax) / 2, (ymin + ymax) / 2])
    assert client.get("/collections/projects/tiles/WebMercatorQuad/tilejson.json"
                      ).json()["bounds"] == tj["bounds"]
    style = client.get("/styles/default").json()
    assert style["center"] == pytest.approx(tj["center"][:2])
    cfg = client.get("/maps/config.json").json()
    assert [v for corner in cfg["extent"] for v in corner] == pytest.approx(
        [ymin, xmin, ymax, xmax])
