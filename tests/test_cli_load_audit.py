"""`gis load` writes its audit record (#10 §3), in the load's own transaction: a load
that stops writes neither data nor record."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from gis.cli import main as cli
from gis.settings import data_settings

OUTSIDE = """
- id: test-audit-outside
  name: Công trình ngoài thành phố
  kind: bridge
  districts: ["916"]
  geometry: {type: Point, coordinates: [106.70, 10.77]}
  geom_quality: indicative
  source: {doc: "002", line: 120}
  valid_on: 2024-11-15
"""


def _loads(conn) -> list[tuple]:
    conn.commit()  # a fresh snapshot
    return conn.execute("SELECT id, user_name, feature_id, after FROM audit_log WHERE "
                        "action = 'load' AND layer_id = 'dataset' ORDER BY id").fetchall()


def test_gis_load_is_audited_with_what_it_changed(db_url, conn, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(data_settings().data_dir, data)
    before = _loads(conn)
    result = CliRunner().invoke(cli, ["load", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    new = _loads(conn)[len(before):]
    assert len(new) == 1
    _, user, key, after = new[0]
    assert user.startswith("cli") and key == str(data)
    assert after["summary"] in result.output
    assert {"inserted", "updated", "deleted"} <= set(after["counts"]["progress"])

    # a load that stops (a feature outside Cần Thơ, found inside the transaction) leaves
    # no record of a load that did not happen
    (data / "features" / "projects" / "zz_outside.yaml").write_text(OUTSIDE, "utf-8")
    result = CliRunner().invoke(cli, ["load", "--data-dir", str(data)])
    assert result.exit_code == 2 and "outside Cần Thơ" in result.output
    assert result.output.index("ngoài thành phố Cần Thơ") < result.output.index("outside Cần")
    assert len(_loads(conn)) == len(before) + 1
