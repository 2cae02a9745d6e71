"""The review of a 150-row appendix (``gis import report --dry-run``), see docs/benchmarks.md.

A synthetic Phụ lục III of 150 rows is written as tab-separated text, .docx and .xlsx:
names of the dataset's features, renamed (abbreviations, a phase added) and in another
order, status texts of 002's rows (figures, dates, printed percentages, phrases no
pattern knows), a page break with a repeated header and a continuation line every five
rows. Each format's full review (read, figures, matching against every feature, the
database's figures) is timed, median of repeated runs after a warm-up, against the
issue's target (2 s) and a reference measured in the same run: reading the file's lines
alone.
"""

from __future__ import annotations

import platform
import tempfile
from datetime import date
from pathlib import Path

import psycopg

from benchmarks.maps_bench import bench_url, median_of, prepare

TARGET_S = 2.0
ROWS = 150
HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì đề xuất/ thực hiện",
          "Thời gian lập, trình phê duyệt", "Thời gian triển khai thực hiện",
          "Dự kiến nguồn vốn", "Báo cáo tình hình thực hiện"]


def appendix_rows(conn, seed: Path) -> list[list[str]]:
    from gis.reports.review import tracking_layers
    from gis.reports.tables import read_tables

    names = []
    for layer in tracking_layers():
        names += [n for (n,) in conn.execute(f'SELECT name FROM "{layer.table}" ORDER BY id')]
    texts = [r.status_text for r in read_tables(seed).rows if r.status_text]
    rows = []
    for i in range(ROWS):
        name = names[(i * 7) % len(names)]
        name = name.replace("Đường tỉnh", "ĐT").replace("Quốc lộ", "QL")
        if i % 3 == 0:
            name += f" (giai đoạn {i % 4 + 1})"
        rows.append([f"{i + 1} (*)", name, "Sở Giao thông vận tải", "Quý I năm 2025",
                     "2025 - 2027", "NSNN", texts[i % len(texts)]])
    return rows


def write_txt(path: Path, rows) -> Path:
    out = ["Phụ lục III", "", "NHIỆM VỤ ĐẦU TƯ (benchmark)",
           "(Kèm theo Báo cáo số 99/BC-UBND ngày 15 tháng 2 năm 2025 của Ủy ban nhân dân "
           "thành phố)", ""]
    for i, row in enumerate(rows):
        if i % 5 == 0:
            out += ["", "\t".join(HEADER)]
            if i:
                out.append("\t" * 6 + "Hiện đang thực hiện các thủ tục.")  # continuation
        out.append("\t".join(row))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def write_docx(path: Path, rows) -> Path:
    import docx

    d = docx.Document()
    for text in ("Phụ lục III", "(Kèm theo Báo cáo số 99/BC-UBND ngày 15 tháng 2 năm 2025 "
                 "của Ủy ban nhân dân thành phố)"):
        d.add_paragraph(text)
    for start in range(0, len(rows), 5):
        table = d.add_table(rows=1, cols=len(HEADER))
        for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
            cell.text = text
        for row in rows[start:start + 5]:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
        d.add_page_break()
    d.save(str(path))
    return path


def write_xlsx(path: Path, rows) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Phụ lục III"])
    ws.append(["(Kèm theo Báo cáo số 99/BC-UBND ngày 15 tháng 2 năm 2025 của Ủy ban nhân "
               "dân thành phố)"])
    for i, row in enumerate(rows):
        if i % 5 == 0:
            ws.append(HEADER)
        ws.append(row)
    book.save(str(path))
    return path


def run(runs: int = 7) -> dict:
    from gis.reports.review import build_review
    from gis.reports.tables import read_lines
    from gis.settings import DataSettings

    url = bench_url()
    prepare(url)
    seed = next(DataSettings().seeds_dir.glob("002_*.txt"))
    results = {"rows": ROWS, "target_s": TARGET_S, "formats": {}}
    with psycopg.connect(url) as conn, tempfile.TemporaryDirectory() as tmp:
        rows = appendix_rows(conn, seed)
        for fmt, write in (("txt", write_txt), ("docx", write_docx), ("xlsx", write_xlsx)):
            path = write(Path(tmp) / f"bc99.{fmt}", rows)
            review = build_review(conn, path, on=date(2025, 2, 15))
            assert len([r for r in review.rows if not r.row.is_group]) == ROWS, fmt
            results["formats"][fmt] = {
                "review": median_of(lambda p=path: build_review(conn, p), runs),
                "reference": median_of(lambda p=path: read_lines(p), runs),
                "matched": sum(r.match.status == "matched" for r in review.rows),
                "figures": sum(len(r.figures) for r in review.rows),
            }
        conn.rollback()
    results["machine"] = f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} CPUs"
    return results


def table_rows(results: dict) -> list[dict]:
    """The rows of maps_bench's results table, one per format."""
    out = []
    for fmt, r in results["formats"].items():
        m, ref = r["review"], r["reference"]
        out.append({"label": f"review, {results['rows']}-row appendix, .{fmt}",
                    "median_s": m["median"], "min_s": m["min"], "max_s": m["max"],
                    "target_s": results["target_s"],
                    "ratio_to_target": m["median"] / results["target_s"],
                    "reference": "reading the file alone",
                    "reference_median_s": ref["median"],
                    "ratio_to_reference": m["median"] / ref["median"]})
    return out


def main(runs: int = 7) -> None:
    import json
    from datetime import UTC, datetime

    from benchmarks.maps_bench import OUT, markdown

    results = run(runs)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(results, indent=2))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n## Report review ({stamp}, {results['machine']}, median of {runs} runs)\n")
    print(markdown({"rows": table_rows(results)}))
    print("\nRows matched: " + ", ".join(f".{fmt} {r['matched']} / {results['rows']}"
                                         for fmt, r in results["formats"].items()))
