"""Tables (a header row and value rows) written as CSV or XLSX, for the exports of the
indicator API, the dashboard and the comparison of two dates."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else _cell(v))
                    for v in r])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheets read UTF-8


def xlsx_bytes(title: str, header: list[str], rows: list[list], note: str = "") -> bytes:
    """One sheet: ``header`` in bold, dates as dd/mm/yyyy, numbers as numbers, then
    ``note`` (sources, the date of the export) under the table."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append([_cell(v) for v in r])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, date):
                c.number_format = "dd/mm/yyyy"
    if note:
        ws.append([])
        ws.append([note])
    for col in ws.columns:
        width = max((len(str(c.value)) for c in col if c.value is not None), default=8)
        ws.column_dimensions[col[0].column_letter].width = min(60, max(8, width + 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
