"""Figures as Vietnamese documents print them: ``6.804,269`` is 6804.269.

``.`` groups thousands (always three digits follow it) and ``,`` is the decimal mark.
Parsing is strict: anything else is an error, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_VN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


class FigureError(ValueError):
    pass


def parse_vn_number(value: object) -> Decimal:
    """Parse a figure copied from a Vietnamese document (or a plain YAML number)."""
    if isinstance(value, bool):
        raise FigureError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise FigureError(
            f"{value!r}: write figures as quoted text in Vietnamese notation (e.g. \"54,14\")"
        )
    if not isinstance(value, str):
        raise FigureError(f"{value!r} is not a number")
    text = value.strip()
    if not _VN_NUMBER.match(text):
        raise FigureError(
            f"malformed number {value!r}: expected Vietnamese notation such as "
            "\"6.804,269\" ('.' groups thousands, ',' is the decimal mark)"
        )
    return Decimal(text.replace(".", "").replace(",", "."))


def format_vn_number(value: Decimal | float | int | None, decimals: int | None = None) -> str:
    """Format a number the Vietnamese way, for labels and printed maps."""
    if value is None:
        return "—"
    if decimals is not None:
        text = f"{float(value):,.{decimals}f}"
    else:
        d = Decimal(str(value)).normalize()
        text = f"{d:,f}" if d == d.to_integral() else f"{d:,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


# A figure's period, as written in the dataset and shown by the API (``{metric}_period``):
#   point                 at a point in time (the figure's date)
#   year:2024             within one year (the capital plan of 2024)
#   multi_year:2021-2025  a plan period of several years
#   cumulative            since the start, up to the figure's date
#   cumulative:2016-2024  since a start year the text names (the end year optional)
_PERIOD = re.compile(r"^(?P<kind>[a-z_]+)(?::(?P<start>\d{4})?(?:-(?P<end>\d{4})?)?)?$")


@dataclass(frozen=True)
class Period:
    kind: str
    start: int | None = None
    end: int | None = None

    @property
    def text(self) -> str:
        if self.start is None and self.end is None:
            return self.kind
        if self.kind == "year":
            return f"year:{self.start}"
        return f"{self.kind}:{self.start or ''}-{self.end or ''}"


def parse_period(value: object) -> Period:
    """``point``, ``year:2024``, ``multi_year:2021-2025``, ``cumulative[:2016-2024]``."""
    from layers.figures import PERIOD_KINDS

    kinds = [k.value for k in PERIOD_KINDS]
    m = _PERIOD.match(value.strip()) if isinstance(value, str) else None
    if m is None or m.group("kind") not in kinds:
        raise FigureError(f"malformed period {value!r}: use point, year:YYYY, "
                          "multi_year:YYYY-YYYY, cumulative or cumulative:YYYY-[YYYY] "
                          f"(kinds: {', '.join(kinds)})")
    kind = m.group("kind")
    start = int(m.group("start")) if m.group("start") else None
    end = int(m.group("end")) if m.group("end") else None
    has_range = "-" in value
    if kind == "point" and (start or end):
        raise FigureError(f"period {value!r}: a point in time has no years (its date says when)")
    if kind == "year" and (start is None or has_range):
        raise FigureError(f"period {value!r}: one year is written year:YYYY")
    if kind == "multi_year" and (start is None or end is None or end <= start):
        raise FigureError(f"period {value!r}: a plan period is multi_year:YYYY-YYYY with the "
                          "second year after the first")
    if kind == "cumulative" and start is not None and end is not None and end < start:
        raise FigureError(f"period {value!r}: the end year is before the start year")
    if kind == "cumulative" and start is None and end is not None:
        raise FigureError(f"period {value!r}: write cumulative (the date says until when) or "
                          "cumulative:YYYY-[YYYY] with the start year")
    return Period(kind, start, end if kind != "year" else start)


def period_label(text: str | None, lang: str = "vi") -> str:
    """How a period reads in popups, tables and prints: ``năm 2024``, ``giai đoạn
    2021–2025``, ``lũy kế``, ``tại thời điểm``."""
    if not text:
        return "—"
    p = parse_period(text)
    vi = lang == "vi"
    if p.kind == "point":
        return "tại thời điểm" if vi else "at a point in time"
    if p.kind == "year":
        return f"năm {p.start}" if vi else f"year {p.start}"
    if p.kind == "multi_year":
        return f"giai đoạn {p.start}–{p.end}" if vi else f"{p.start}–{p.end}"
    since = (f" từ {p.start}" if vi else f" since {p.start}") if p.start else ""
    until = (f" đến {p.end}" if vi else f" to {p.end}") if p.end else ""
    return ("lũy kế" if vi else "cumulative") + since + until

