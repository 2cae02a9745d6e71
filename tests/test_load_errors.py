"""Bad dataset input: the load stops naming file, line and reason; nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gis.dataset.loader import LoadError, load
from gis.settings import data_settings

GOOD = """
- id: test-good
  name: Công trình thử
  kind: bridge
  districts: ["916"]
  geometry: {type: Point, coordinates: [105.78, 10.03]}
  geom_quality: indicative
  source: {doc: "002", line: 120}
  valid_on: 2024-11-15
"""

CASES = {
    "unknown district": (GOOD.replace('["916"]', '["999"]'), "unknown district '999'"),
    "outside Cần Thơ": (GOOD.replace("[105.78, 10.03]", "[106.70, 10.77]"),
                        "outside Cần Thơ"),
    "invalid polygon": (GOOD.replace(
        "{type: Point, coordinates: [105.78, 10.03]}",
        "{type: Polygon, coordinates: [[[105.77, 10.02], [105.79, 10.04], [105.79, 10.02],"
        " [105.77, 10.04], [105.77, 10.02]]]}"), "invalid geometry (Self-intersection"),
    "ring not closed": (GOOD.replace(
        "{type: Point, coordinates: [105.78, 10.03]}",
        "{type: Polygon, coordinates: [[[105.77, 10.02], [105.79, 10.02], [105.79, 10.04],"
        " [105.77, 10.04]]]}"), "geometry: ring 1 is not closed"),
    "percentage above 100": (GOOD + """  progress:
    - {metric: compensation_pct, value: "154,14", valid_on: 2024-10-31,
       source: {doc: "002", line: 124}}
""", "percentage '154,14' is outside 0-100"),
    "malformed number": (
        GOOD.replace("kind: bridge", 'kind: bridge\n  total_investment_bil_vnd: "1.50"'),
        "malformed number '1.50'"),
    "missing source": (GOOD.replace('  source: {doc: "002", line: 120}\n', ""),
                       "missing source"),
    "unknown metric": (GOOD + """  progress:
    - {metric: happiness_pct, value: "5", valid_on: 2024-10-31, source: {doc: "002", line: 1}}
""", "metric 'happiness_pct' is not tracked"),
    "unknown field": (GOOD + "  colour: blue\n", "unknown field(s) ['colour']"),
}


def _snapshot(conn) -> tuple:
    return conn.execute(
        "SELECT (SELECT md5(string_agg(t::text, '' ORDER BY id)) FROM infra_project t),"
        " (SELECT md5(string_agg(p::text, '' ORDER BY id)) FROM progress_snapshot p),"
        " (SELECT md5(string_agg(s::text, '' ORDER BY id)) FROM source_document s)"
    ).fetchone()


@pytest.fixture
def data_copy(tmp_path) -> Path:
    dest = tmp_path / "data"
    shutil.copytree(data_settings().data_dir, dest)
    return dest


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_stops_the_load_and_keeps_what_was_stored(db_url, conn, data_copy, case):
    text, reason = CASES[case]
    bad_file = data_copy / "features" / "projects" / "zz_bad.yaml"
    bad_file.write_text(text, encoding="utf-8")
    before = _snapshot(conn)
    with pytest.raises(LoadError) as err:
        load(data_dir=data_copy, url=db_url)
    message = str(err.value)
    assert "features/projects/zz_bad.yaml:" in message
    assert reason in message, message
    # The record starts on line 2 of the file (after the leading newline).
    assert any(p.file.endswith("zz_bad.yaml") and p.line and p.line >= 2
               for p in err.value.problems)
    conn.rollback()
    assert _snapshot(conn) == before


def test_error_in_a_late_layer_leaves_earlier_layers_untouched(db_url, conn, data_copy):
    """Projects are merged after other layers; a bad project must roll all of them back."""
    zones = next((data_copy / "features" / "industrial_zones").glob("*.yaml"))
    zones.write_text(zones.read_text(encoding="utf-8").replace("name: ", "name: Đổi tên ", 1),
                     encoding="utf-8")
    (data_copy / "features" / "projects" / "zz_bad.yaml").write_text(
        CASES["unknown district"][0].replace('["999"]', '["916"]').replace(
            "[105.78, 10.03]", "[106.70, 10.77]"), encoding="utf-8")
    before = conn.execute("SELECT md5(string_agg(name, '' ORDER BY id)) FROM industrial_zone"
                          ).fetchone()
    with pytest.raises(LoadError):
        load(data_dir=data_copy, url=db_url)
    conn.rollback()
    assert conn.execute("SELECT md5(string_agg(name, '' ORDER BY id)) FROM industrial_zone"
                        ).fetchone() == before


def test_duplicate_ids_are_reported_with_both_places(db_url, data_copy):
    path = data_copy / "features" / "projects" / "zz_dup.yaml"
    path.write_text(GOOD + GOOD, encoding="utf-8")
    with pytest.raises(LoadError, match=r"duplicate id 'test-good' \(first at .*zz_dup.yaml:2\)"):
        load(data_dir=data_copy, url=db_url)


def test_unknown_layer_folder_is_reported(db_url, data_copy):
    (data_copy / "features" / "bridges").mkdir()
    with pytest.raises(LoadError, match="no layer 'bridges' in the registry"):
        load(data_dir=data_copy, url=db_url)
