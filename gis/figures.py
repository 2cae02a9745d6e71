"""Figures as Vietnamese documents print them: ``6.804,269`` is 6804.269.

``.`` groups thousands (always three digits follow it) and ``,`` is the decimal mark.
Parsing is strict: anything else is an error, never a guess.
"""

from __future__ import annotations

import re
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
