"""The CRS of an imported file: read from the file, given with ``--crs``, or refused.

VN-2000 in any of its forms is transformed with the official parameters
(:mod:`gis.vn2000`). A file without a CRS is read as WGS 84
longitude/latitude only when its coordinates are degrees inside Vietnam; coordinates
that look like VN-2000 metres are refused with the ``--crs`` to give, never guessed.
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS

from gis.errors import GISError
from gis.vn2000 import describe, is_vn2000, to_wgs84  # noqa: F401  (the import's CRS vocabulary)

CANTHO_TM3 = "EPSG:5897"  # VN-2000 / TM-3 zone 482 (105°00'), Cần Thơ's provincial zone
HINT_CRS = (f"give the CRS, e.g. --crs {CANTHO_TM3} (VN-2000 TM-3 105°00', Cần Thơ), "
            "EPSG:9210 (TM-3 105°45'), EPSG:3405 (VN-2000 UTM 48N) or EPSG:4326")


def parse(value: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except Exception:
        raise GISError(400, f"--crs {value!r} is not a CRS", parameter="crs",
                       hint=HINT_CRS) from None


def looks_like(bounds) -> str:
    """What coordinates in ``bounds`` (minx, miny, maxx, maxy) look like."""
    minx, miny, maxx, maxy = bounds
    if np.isnan(minx):
        return "none"
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return "degrees-vietnam" if 100 <= minx and maxx <= 112 and 6 <= miny and maxy <= 24 \
            else "degrees"
    if 100_000 <= minx <= maxx <= 900_000 and 900_000 <= miny <= maxy <= 2_700_000:
        return "vn2000-metres"
    return "unknown"


def decide(file_crs: CRS | None, given: str | None, bounds) -> CRS:
    """The CRS to read coordinates in: ``--crs`` when given, else the file's, else
    WGS 84 for degrees in Vietnam; otherwise refused."""
    if given:
        return parse(given)
    if file_crs is not None:
        return file_crs
    kind = looks_like(bounds)
    if kind in ("degrees-vietnam", "none"):
        return CRS.from_epsg(4326)
    if kind == "vn2000-metres":
        raise GISError(400, "the file has no CRS and its coordinates look like VN-2000 TM-3 "
                       f"metres (x {bounds[0]:.0f}-{bounds[2]:.0f}, y {bounds[1]:.0f}-"
                       f"{bounds[3]:.0f}); the CRS is not guessed", parameter="crs",
                       hint=f"add --crs {CANTHO_TM3} if they are VN-2000 TM-3 105°00' "
                            "(Cần Thơ); " + HINT_CRS)
    raise GISError(400, f"the file has no CRS and its coordinates ({bounds}) are not "
                   "longitude/latitude in Vietnam", parameter="crs", hint=HINT_CRS)
