"""The CLI takes the registry's map filters (``--filter NAME=VALUE``) and answers bad
input as a GISError: the message, what to do next, exit status 2."""

from __future__ import annotations

import csv

from click.testing import CliRunner

from gis.cli import main
from gis.filters import filter_fields


def _rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_export_takes_map_filters_and_cql(db_url, conn, tmp_path):
    runner = CliRunner()
    out = tmp_path / "roads.csv"
    r = runner.invoke(main, ["export", "projects", "--format", "csv", "-o", str(out),
                             "--filter", "kind=road", "--filter", "status=completed"])
    assert r.exit_code == 0, r.output
    expected = conn.execute("SELECT count(*) FROM infra_project WHERE kind = 'road'"
                            " AND status = 'completed'").fetchone()[0]
    rows = _rows(out)
    assert len(rows) == expected
    assert all(row["kind"] == "road" and row["status"] == "completed" for row in rows)
    r = runner.invoke(main, ["export", "projects", "--format", "csv", "-o", str(out),
                             "--cql", "construction_pct > 5", "--district", "916"])
    assert r.exit_code == 0, r.output
    assert len(_rows(out)) == conn.execute(
        "SELECT count(*) FROM infra_project WHERE construction_pct > 5"
        " AND '916' = ANY(districts)").fetchone()[0]
    box = "105.70,10.00,105.80,10.06"
    r = runner.invoke(main, ["export", "projects", "--format", "csv", "-o", str(out),
                             "--bbox", box])
    assert r.exit_code == 0, r.output
    assert len(_rows(out)) == conn.execute(
        "SELECT count(*) FROM infra_project WHERE ST_Intersects(geom,"
        " ST_MakeEnvelope(105.70, 10.00, 105.80, 10.06, 4326))").fetchone()[0]


def test_filter_options_come_from_the_registry():
    runner = CliRunner()
    for command in ("export", "print", "atlas"):
        text = runner.invoke(main, [command, "--help"]).output
        for name in filter_fields():
            assert f"{name}:" in " ".join(text.split()), (command, name)


def test_bad_filters_exit_2_with_message_and_hint(db_url, tmp_path):
    runner = CliRunner()
    out = str(tmp_path / "x.pdf")
    r = runner.invoke(main, ["print", "-o", out, "--filter", "kind=castle"])
    assert r.exit_code == 2
    assert "kind='castle'" in r.output and "road" in r.output
    r = runner.invoke(main, ["export", "projects", "--filter", "colour=red"])
    assert r.exit_code == 2 and "hint: e.g. --filter status=completed" in r.output
    r = runner.invoke(main, ["atlas", "-o", out, "--layers", "projects,nope"])
    assert r.exit_code == 2 and "nope" in r.output
    r = runner.invoke(main, ["export", "projects", "--cql", "nope = 1"])
    assert r.exit_code == 2 and "nope" in r.output
    r = runner.invoke(main, ["export", "projects", "--bbox", "1,2,3"])
    assert r.exit_code == 2 and "bbox" in r.output
