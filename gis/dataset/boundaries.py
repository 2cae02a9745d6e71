"""Admin units from ``../shared/data/boundaries`` (configured by ``GIS_BOUNDARIES_DIR``)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from gis.dataset.problems import Collector

DISTRICTS_FILE = "cantho_districts.geojson"
CITY_FILE = "cantho_city_outline.geojson"
WARDS_FILE = "cantho_wards_codes.csv"

# The GSO snapshots the ward list was merged from (see SOURCES.md there).
SNAPSHOTS = (("in_2019_12", date(2019, 12, 1)), ("in_2024_09", date(2024, 9, 1)),
             ("in_2025_03", date(2025, 3, 1)))


def _features(path: Path, problems: Collector) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)["features"]
    except (OSError, ValueError, KeyError) as exc:
        problems.add(path, None, f"cannot read boundary file: {exc}")
        return []


def read_city(folder: Path, problems: Collector) -> list[dict]:
    rows = []
    for f in _features(folder / CITY_FILE, problems):
        p = f["properties"]
        rows.append({
            "code": p["province_code"], "name": p["name"], "full_name": p["province_name"],
            "name_ascii": p.get("name_ascii"), "unit_type": p.get("unit_type"),
            "area_km2": p.get("area_km2_computed"), "source": p.get("source"),
            "geom": json.dumps(f["geometry"]),
        })
    return rows


def read_districts(folder: Path, problems: Collector) -> list[dict]:
    rows = []
    for f in _features(folder / DISTRICTS_FILE, problems):
        p = f["properties"]
        rows.append({
            "code": p["district_code"], "name": p["name"], "full_name": p["district_name"],
            "name_ascii": p.get("name_ascii"), "unit_type": p.get("unit_type"),
            "unit_type_en": p.get("unit_type_en"), "area_km2": p.get("area_km2_computed"),
            "source": p.get("source"), "geom": json.dumps(f["geometry"]),
        })
    return rows


def read_communes(folder: Path, problems: Collector) -> list[dict]:
    path = folder / WARDS_FILE
    rows = []
    try:
        fh = open(path, encoding="utf-8", newline="")
    except OSError as exc:
        problems.add(path, None, f"cannot read ward code list: {exc}")
        return rows
    with fh:
        for lineno, r in enumerate(csv.DictReader(fh), start=2):
            try:
                flags = {k: r[k].strip() == "1" for k, _ in SNAPSHOTS}
            except KeyError as exc:
                problems.add(path, lineno, f"missing column {exc}")
                continue
            listed = [d for k, d in SNAPSHOTS if flags[k]]
            rows.append({
                "code": r["ward_code"], "name": r["name"], "full_name": r["ward_name"],
                "name_ascii": r["name_ascii"], "unit_type": r["unit_type"],
                "district_code": r["district_code"], **flags,
                "first_listed": listed[0] if listed else None,
                "last_listed": listed[-1] if listed else None,
            })
    return rows
