"""Spreadsheet cells that cannot run: CSV/XLSX formula-injection neutralised (OWASP).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by Excel and LibreOffice (``=HYPERLINK(...)``, ``=cmd|'/c calc'!A0``):
such a value is written with a leading apostrophe, which spreadsheets show as text and
do not display. Numbers are not touched (``-12.5`` stays a number); only strings are.
Used by every export that writes CSV or XLSX (gis.export).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value``, or ``"'" + value`` when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [safe_cell(v) for v in row]


def safe_record(record: Mapping) -> dict:
    return {k: safe_cell(v) for k, v in record.items()}


def unsafe_cell(value):
    """What :func:`safe_cell` wrote, read back: the apostrophe before a formula-like text
    is dropped (imports of our own CSV/XLSX exports give the original text)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value

