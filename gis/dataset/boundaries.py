"""Admin units from ``../shared/data/boundaries`` (configured by ``GIS_BOUNDARIES_DIR``).

Districts and the city outline come with their polygons; communes/wards from the GSO code
list, with the schematic polygons of ``GIS_COMMUNE_POLYGONS_FILE`` where the file has one
(provenance and licence: :data:`COMMUNE_POLYGON_SOURCE`, and SOURCES.md there).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from psycopg import sql

from gis.dataset.problems import Collector

DISTRICTS_FILE = "cantho_districts.geojson"
CITY_FILE = "cantho_city_outline.geojson"
WARDS_FILE = "cantho_wards_codes.csv"

# Stored with every commune polygon (admin_commune.geom_source), as SOURCES.md section 5 says.
COMMUNE_POLYGON_SOURCE = (
    "vietnam63 (Marc Choisy), communes c. 2016 (github.com/choisy/vietnam63 data/communes.rda "
    "@90ac14b5); MIT as declared by the packager, upstream rights not clarified; schematic: "
    "for maps at city/district scale, not for deciding which ward a site lies in")

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


def read_communes(folder: Path, problems: Collector,
                  polygons_file: str | None = None) -> list[dict]:
    """The ward/commune code list, each with its polygon from ``polygons_file`` (in
    ``folder``) or ``geom`` None."""
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
                "geom": None, "geom_source": None, "geom_note": None,
                "_file": str(path), "_line": lineno,
            })
    if polygons_file:
        add_commune_polygons(rows, folder / polygons_file, problems)
    return rows


def add_commune_polygons(rows: list[dict], path: Path, problems: Collector) -> None:
    """Each polygon onto its code-list row, matched by ``ward_code``; a polygon whose code
    or district disagrees with the code list is a problem (nothing is matched by name)."""
    by_code = {r["code"]: r for r in rows}
    for n, f in enumerate(_features(path, problems), start=1):
        p = f.get("properties") or {}
        code = p.get("ward_code")
        row = by_code.get(code)
        if row is None:
            problems.add(path, None, f"feature {n}: ward_code {code!r} is not in {WARDS_FILE}")
            continue
        if p.get("district_code") != row["district_code"]:
            problems.add(path, None, f"ward {code}: district {p.get('district_code')!r} but "
                                     f"{WARDS_FILE} says {row['district_code']!r}")
            continue
        if row["geom"] is not None:
            problems.add(path, None, f"ward {code}: more than one polygon")
            continue
        row.update(geom=json.dumps(f["geometry"]), geom_source=COMMUNE_POLYGON_SOURCE,
                   geom_note=p.get("geometry_note"), _file=str(path), _line=None)


def check_commune_polygons(conn, stage: str, problems: Collector) -> None:
    """Staged commune polygons must be valid and lie in their own district (by an interior
    point: the polygons are schematic, their edges are not compared)."""
    bad = conn.execute(sql.SQL(
        "SELECT c._file, c.code, "
        "CASE WHEN NOT ST_IsValid(c.geom) THEN ST_IsValidReason(c.geom) END "
        "FROM {s} c JOIN admin_district d ON d.code = c.district_code "
        "WHERE c.geom IS NOT NULL AND (NOT ST_IsValid(c.geom) OR "
        "NOT ST_Intersects(ST_PointOnSurface(c.geom), d.geom)) ORDER BY c.code").format(
        s=sql.Identifier(stage)))
    for file, code, invalid in bad:
        problems.add(file, None, f"ward {code}: " + (f"invalid polygon ({invalid})" if invalid
                                                     else "polygon lies outside its district"))
