"""Round trips: export -> import gives back the same features and figures, in every
format (and in VN-2000 for the files that carry a CRS)."""

from __future__ import annotations

import pytest

from gis.export import export_layer
from gis.frames import query_frame
from gis.imports.run import import_file
from gis.query import FeatureQuery
from layers import registry

CASES = [("geojson", 4326), ("geojson", 5897), ("csv", 4326), ("csv", 5897), ("gpkg", 4326),
         ("gpkg", 5897), ("shp", 4326), ("shp", 5897), ("xlsx", 4326), ("xlsx", 5897)]
SUFFIX = {"shp": "zip"}


def _state(conn, layer):
    frame = query_frame(FeatureQuery(registry.get(layer)))
    rows = conn.execute("SELECT feature_id, metric, valid_on, value, source_doc FROM "
                        "progress_snapshot WHERE layer_id = %s ORDER BY 1, 2, 3, 4, 5",
                        (layer,)).fetchall()
    return frame, rows


@pytest.mark.parametrize("fmt,srid", CASES)
def test_export_then_import_changes_nothing(db_url, conn, tmp_path, fmt, srid):
    layer = "projects"
    before, figures = _state(conn, layer)
    out = export_layer(FeatureQuery(registry.get(layer)), fmt,
                       tmp_path / f"p.{SUFFIX.get(fmt, fmt)}", srid=srid)
    report = import_file(out, layer, dry_run=False, user="test")
    assert not report.problems, report.summary()
    assert report.count("unchanged") == len(before), report.summary()
    assert report.count("new") == report.count("update") == 0
    after, figures_after = _state(conn, layer)
    assert figures_after == figures
    assert before.drop(columns="geometry").equals(after.drop(columns="geometry"))
    assert before.geometry.equals(after.geometry)  # not rewritten
    assert report.crs.startswith(f"EPSG:{srid}")
