"""Report appendices made in the tests (``gis import report``): a .docx and a .xlsx in the
format of 002's Phụ lục III with the quirks of real ones: a group row merged across the
table, a page break with the header repeated and a row continued after it, a renamed row
(ĐT for Đường tỉnh), reordered and new rows, a row split into 19.1 / 19.2, a printed
percentage its figures contradict, a phrase no pattern knows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì đề xuất/ thực hiện",
          "Thời gian lập, trình phê duyệt", "Thời gian triển khai thực hiện",
          "Dự kiến nguồn vốn", "Báo cáo tình hình thực hiện"]

ROWS_45 = [
    ("I. Lĩnh vực giao thông", None, None),  # a group row (merged across the table)
    ("1 (*)", "Nâng cấp, mở rộng ĐT 923", "- Đã bàn giao mặt bằng khoảng 55,5%. - Riêng "
     "kế hoạch vốn năm 2025 bố trí 20 tỷ đồng, giải ngân đến nay là 5 tỷ đồng, đạt 30% "
     "kế hoạch giao."),
    ("PAGE", None, None),
    ("", "", "Tổng mức đầu tư dự kiến 900 tỷ đồng."),  # continues row 1 after the break
    ("2 (*)", "Nâng cấp, mở rộng Đường tỉnh 917", "Ước khối lượng thi công đạt 67,05%"),
    ("3 (**)", "Cầu Ông Tường mới", "Đã hoàn thành 3/5 gói thầu."),
    ("19.1", "Nâng cấp Trung tâm ứng dụng tiến bộ khoa học và công nghệ",
     "Đang thực hiện."),
    ("19.2", "Nâng cấp Trung tâm kỹ thuật Tiêu chuẩn Đo lường Chất lượng", "Đã hoàn thành."),
]


def heading(no: str, on: date) -> str:
    return (f"(Kèm theo Báo cáo số {no} ngày {on.day} tháng {on.month} năm {on.year} "
            "của Ủy ban nhân dân thành phố)")


def make_docx(path: Path, rows=ROWS_45, no="45/BC-UBND", on=date(2025, 2, 15)) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_paragraph("Phụ lục III")
    d.add_paragraph("NHIỆM VỤ ĐẦU TƯ DỰ ÁN KẾT CẤU HẠ TẦNG")
    d.add_paragraph(heading(no, on))
    table = None
    for first, name, status in [("PAGE", None, None), *rows]:
        if first == "PAGE":
            if table is not None:
                d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            table = d.add_table(rows=1, cols=len(HEADER))
            for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
                cell.text = text
            continue
        cells = table.add_row().cells
        if name is None:  # group row: one cell merged across the table
            merged = cells[0].merge(cells[-1])
            merged.text = first
            continue
        cells[0].text, cells[1].text, cells[6].text = first, name, status
    d.save(str(path))
    return path


def make_xlsx(path: Path, rows=ROWS_45, no="45/BC-UBND", on=date(2025, 2, 15)) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Phụ lục III"])
    ws.append([heading(no, on)])
    ws.append(HEADER)
    for first, name, status in rows:
        if first == "PAGE":
            ws.append([])
            ws.append(HEADER)
            continue
        if name is None:
            ws.append([first])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row,
                           end_column=len(HEADER))
            continue
        number = float(first) if first.replace(".", "").isdigit() and "." in first else first
        ws.append([number, name, "", "", "", "", status])
    book.save(str(path))
    return path


def forget(conn, doc: str) -> None:
    """Undo what importing report ``doc`` wrote and committed: its figures, rows, audit
    entry, source document and the conflicts it flagged on features."""
    from gis.reports.review import tracking_layers

    conn.execute("DELETE FROM progress_snapshot WHERE source_doc = %s", (doc,))
    conn.execute("DELETE FROM report_row WHERE source_doc = %s", (doc,))
    conn.execute("DELETE FROM audit_log WHERE action = 'report_import' AND feature_id = %s",
                 (doc,))
    for layer in tracking_layers():
        conn.execute(
            f"UPDATE {layer.table} SET conflicts = (SELECT coalesce(jsonb_agg(e), '[]'::jsonb)"
            " FROM jsonb_array_elements(conflicts) e WHERE e->>'source_doc' IS DISTINCT FROM"
            " %s) WHERE conflicts @> %s::jsonb", (doc, f'[{{"source_doc": "{doc}"}}]'))
    conn.execute("DELETE FROM source_document WHERE id = %s", (doc,))
