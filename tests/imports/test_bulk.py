"""The set-based import path gives what the row path gives: the same stored features,
audit rows, report lines and problems (row, field, message), for a file mixing good rows,
bad ones, an update and a duplicate id."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pytest
import shapely

from gis.imports import bulk as bulk_mod
from gis.imports.run import import_file
from imports.conftest import remove_imports


@pytest.fixture
def points(conn):
    return {code: conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) "
                               "p FROM admin_district WHERE code = %s) x", (code,)).fetchone()
            for code in ("919", "917", "923")}


def _file(points, tmp_path):
    stored = "imp-b-stored"
    rows = []
    codes = list(points)
    for i in range(40):
        code = codes[i % 3]
        lon, lat = points[code]
        rows.append({"id": f"imp-b-{i}", "name": f"Kè {i}", "districts": code,
                     "geom_quality": "indicative", "valid_on": "2024-06-30",
                     "kind": "drainage", "status": "preparing" if i % 2 else None,
                     "total_investment_bil_vnd": 12.5 + i if i % 4 else None,
                     "notes": "[ghi chú]" if i == 5 else None,
                     "geometry": shapely.Point(lon + (i % 5) * 1e-4, lat)})
    rows[0]["id"] = None  # no id: the first row must not stand for the others
    rows[3]["status"] = "nearly_done"  # not a choice
    rows[7]["geometry"] = shapely.Point(106.5, 10.5)  # outside Cần Thơ
    rows[11]["districts"] = "923" if rows[11]["districts"] != "923" else "919"  # elsewhere
    rows[13]["id"] = rows[14]["id"]  # twice in the file
    rows[17]["valid_on"] = "30/06/2024"  # not ISO
    rows[19]["total_investment_bil_vnd"] = -1e300 * 1e10  # not a number (−inf)
    rows[21]["id"] = stored  # already stored: an update
    rows[23]["geometry"] = None  # no geometry but a geom_quality
    path = tmp_path / "mixed.gpkg"
    gpd.GeoDataFrame(rows, crs="EPSG:4326").to_file(path, driver="GPKG")
    return path, stored


def _state(conn):
    feats = conn.execute("SELECT id, to_jsonb(f) - 'updated_at' - 'geom_3857', "
                         "ST_AsEWKB(geom) FROM infra_project f WHERE id LIKE 'imp-b-%' "
                         "ORDER BY id").fetchall()
    audit = conn.execute("SELECT action, feature_id, before, after FROM audit_log WHERE "
                         "user_name = 'test-bulk' ORDER BY feature_id, action").fetchall()
    return feats, audit


def _run(conn, path, stored, points, db_url):
    lon, lat = points["919"]
    conn.execute("INSERT INTO infra_project (id, name, districts, geom_quality, source_doc, "
                 "source_ref, valid_on, kind, geom) VALUES (%s, 'cũ', '{919}', 'indicative', "
                 "(SELECT min(id) FROM source_document), 'x', '2024-01-01', 'drainage', "
                 "ST_SetSRID(ST_Point(%s, %s), 4326))", (stored, lon, lat))
    conn.commit()
    report = import_file(path, "projects", dry_run=False, skip_invalid=True,
                         user="test-bulk")
    conn.commit()
    state = _state(conn)
    remove_imports(db_url, "imp-b-%")
    conn.execute("DELETE FROM audit_log WHERE user_name = 'test-bulk'")
    conn.commit()
    return report, state


def test_bulk_and_row_paths_agree(conn, db_url, points, tmp_path, monkeypatch):
    path, stored = _file(points, tmp_path)
    used = []
    real_write = bulk_mod.Bulk.write

    async def write(self, user):
        used.append(int((~self.slow).sum()))
        await real_write(self, user)

    monkeypatch.setattr(bulk_mod.Bulk, "write", write)
    fast, fast_state = _run(conn, path, stored, points, db_url)
    assert used and used[0] >= 30  # most rows went the set-based way
    monkeypatch.setattr(bulk_mod.Bulk, "usable", lambda self: False)
    slow, slow_state = _run(conn, path, stored, points, db_url)
    assert {p.row for p in fast.problems} == {1, 4, 8, 12, 18, 20, 24}, fast.summary()
    assert [dataclasses.asdict(p) for p in fast.problems] == \
        [dataclasses.asdict(p) for p in slow.problems]
    assert [dataclasses.asdict(c) for c in fast.changes] == \
        [dataclasses.asdict(c) for c in slow.changes]
    # the second row with an id updates the first, as the row path always did
    assert fast.count("new") == 31 and fast.count("update") == 2
    assert fast_state[0] == slow_state[0]  # the stored features, column by column
    assert fast_state[1] == slow_state[1]  # the audit rows, before and after
    assert len(fast_state[1]) == fast.count("new") + fast.count("update") + 1
