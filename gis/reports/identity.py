"""A report's identity (number, date, title, issuer) from its heading, or as given."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gis.errors import GISError

HEADING = re.compile(
    r"(?P<kind>Báo cáo|Kế hoạch|Quyết định)\s+số\s*:?\s*(?P<no>\d+\s*/\s*[\wĐđ\-]+)\s+"
    r"ngày\s+(?:(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})"
    r"|(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>\d{4}))(?:\s+của\s+(?P<issuer>[^)]+))?",
    re.IGNORECASE)


@dataclass
class Identity:
    report_no: str | None
    issued_on: date | None
    title: str
    issuer: str | None
    line: int | None  # where the heading is
    sha256: str
    file: str


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_identity(path: Path, lines: list[tuple[int, list[str]]], report_no: str | None = None,
                  on: date | None = None) -> Identity:
    """From the first heading "Kèm theo Báo cáo số 320/BC-UBND ngày 15 tháng 11 năm 2024
    của …"; ``report_no``/``on`` (the command line) take precedence."""
    found = None
    for n, cells in lines:
        m = HEADING.search(" ".join(cells))
        if m:
            found = (n, m)
            break
    no = issued = issuer = None
    title, line = path.stem, None
    if found:
        line, m = found
        no = re.sub(r"\s+", "", m["no"])
        d, mo, y = (m["d"], m["m"], m["y"]) if m["d"] else (m["d2"], m["m2"], m["y2"])
        try:
            issued = date(int(y), int(mo), int(d))
        except ValueError:
            issued = None
        issuer = m["issuer"].strip() if m["issuer"] else None
        title = " ".join(m[0].split())
    no = report_no or no
    issued = on or issued
    if issued is None:
        raise GISError(400, f"{path.name}: no report date in its heading "
                       "(\"… Báo cáo số N/BC-UBND ngày D tháng M năm YYYY …\")",
                       parameter="--date", hint="give it: --date YYYY-MM-DD")
    if report_no and not found:
        title = f"Báo cáo số {report_no} ngày {issued:%d/%m/%Y}"
    return Identity(no, issued, title, issuer, line, file_hash(path), path.name)
