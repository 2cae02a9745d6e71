"""The appendix tables of a report, read into numbered rows.

Every reader turns its file into a sequence of *lines* (a line number and its cells):
the tab-separated text of ``../shared/seeds/002_*.txt`` line by line, a .docx as its
paragraphs and table rows in document order (horizontally merged cells once), a .xlsx
as the rows of its sheets (a merged range's value sits in its first cell). One parser
then finds the appendices ("Phụ lục III"), their header rows (repeated after page breaks:
skipped), numbered rows (roman, arabic or decimal numbers: "19.1", "4 (***) và 9 (***)"),
group rows ("I. Lĩnh vực giao thông") and continuation lines (empty number cell: a row
that goes on after a page break), keeping the line of every piece of status text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from gis.errors import GISError
from gis.uploads import check_file

SUPPORTED = (".txt", ".tsv", ".docx", ".xlsx")
UNSUPPORTED_HINT = "export the appendix tables as .docx or .xlsx (or tab-separated .txt)"

APPENDIX = re.compile(r"^\s*phụ\s+lục\s+(?P<id>[IVXLC]+|\d+)\s*$", re.IGNORECASE)
HEADER_FIRST = {"tt", "stt", "số tt", "số thứ tự"}
NAME_HEADERS = ("nhiệm vụ", "nội dung", "tên dự án", "dự án", "danh mục")
STATUS_HEADERS = ("tình hình",)
MARKER = r"\(\*+\)"
NUMBER = re.compile(
    rf"^(?P<num>\d+(?:\.\d+)*)\s*(?P<marker>{MARKER})?"
    rf"(?P<more>(?:\s*(?:và|,)\s*\d+(?:\.\d+)*\s*(?:{MARKER})?)*)\s*$")
GROUP = re.compile(r"^(?P<num>[IVXLC]+|[A-Z])\s*[.)]\s*(?P<title>\S.*)?$|^(?P<bare>[IVXLC]+)$")
NOTES = re.compile(r"^\s*ghi\s+chú\s*:?\s*$", re.IGNORECASE)


@dataclass
class Row:
    appendix: str
    number: str  # "5", "19.1", "4 và 9", "II" (a group)
    line: int
    cells: list[str]
    name: str = ""
    marker: str | None = None
    group: str | None = None  # the group row this row stands under
    is_group: bool = False
    segments: list[tuple[int, str]] = field(default_factory=list)  # status text, by line
    lines: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.appendix}/{self.number}"

    @property
    def ref(self) -> str:
        return f"Phụ lục {self.appendix}, dòng {self.number}"

    @property
    def status_text(self) -> str:
        return " ".join(t for _, t in self.segments).strip()


@dataclass
class Appendix:
    id: str
    title: str = ""
    header: list[str] = field(default_factory=list)
    name_col: int = 1
    status_col: int | None = None


@dataclass
class Tables:
    lines: list[tuple[int, list[str]]]
    appendices: dict[str, Appendix]
    rows: list[Row]


def _clean(text) -> str:
    if text is None:
        return ""
    return re.sub(r"[ \t\u00a0]+", " ", str(text)).strip()


def check_supported(name: str, parameter: str = "FILE") -> None:
    """400 with the advice (export the tables as .docx or .xlsx) for other formats."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise GISError(415, f"{Path(name).name}: {suffix or 'this'} files are not supported",
                       parameter=parameter, hint=UNSUPPORTED_HINT,
                       vi=f"{Path(name).name}: không đọc được tệp {suffix or 'loại này'}",
                       hint_vi="hãy xuất các bảng phụ lục thành .docx hoặc .xlsx (hoặc .txt "
                       "phân cách bằng tab)")


def read_lines(path: Path) -> list[tuple[int, list[str]]]:
    """The file as (line, cells), whatever its format; other formats are refused."""
    suffix = path.suffix.lower()
    check_supported(path.name)
    if not path.is_file():
        raise GISError(400, f"{path}: no such file", parameter="FILE")
    check_file(path, SUPPORTED)  # the bytes are what the name says
    if suffix == ".docx":
        return _docx_lines(path)
    if suffix == ".xlsx":
        return _xlsx_lines(path)
    text = path.read_text(encoding="utf-8-sig")
    return [(i, [_clean(c) for c in line.split("\t")])
            for i, line in enumerate(text.splitlines(), 1)]


def _docx_lines(path: Path) -> list[tuple[int, list[str]]]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # a damaged or mislabelled file
        raise GISError(400, f"{path.name}: not a readable .docx ({exc})",
                       parameter="FILE", hint=UNSUPPORTED_HINT) from None
    out: list[tuple[int, list[str]]] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append((len(out) + 1, [_clean(Paragraph(block, document).text)]))
        elif tag == "tbl":
            for tr in Table(block, document).rows:
                cells, seen = [], set()
                for cell in tr.cells:  # a merged cell comes once per column it spans
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(_clean("\n".join(p.text for p in cell.paragraphs)))
                out.append((len(out) + 1, cells))
    return out


def _xlsx_lines(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(str(path), read_only=False, data_only=True)
    except Exception as exc:
        raise GISError(400, f"{path.name}: not a readable .xlsx ({exc})",
                       parameter="FILE", hint=UNSUPPORTED_HINT) from None
    out: list[tuple[int, list[str]]] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            out.append((len(out) + 1, [_number_cell(v) for v in row]))
        out.append((len(out) + 1, [""]))  # sheets end like a page
    return out


def _number_cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _clean(value)


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _header_roles(app: Appendix, cells: list[str]) -> None:
    low = [c.lower() for c in cells]
    app.header = cells
    app.name_col = next((i for i, c in enumerate(low) if i and c.startswith(NAME_HEADERS)), 1)
    app.status_col = next((i for i, c in enumerate(low)
                           if any(h in c for h in STATUS_HEADERS)), None)


def _row_number(first: str) -> tuple[str, str | None] | None:
    m = NUMBER.match(first)
    if not m:
        return None
    more = re.sub(MARKER, "", m["more"] or "")
    more = re.sub(r"\s+", " ", more).strip()
    return (m["num"] + (f" {more}" if more else ""), m["marker"])


def parse_tables(lines: list[tuple[int, list[str]]]) -> Tables:
    appendices: dict[str, Appendix] = {}
    rows: list[Row] = []
    app: Appendix | None = None
    in_table = False
    group: str | None = None
    last: Row | None = None
    for n, raw in lines:
        cells = _trim(raw)
        joined = " ".join(c for c in cells if c)
        if not joined:
            continue
        m = APPENDIX.match(joined) if len(cells) == 1 else None
        if m:
            app = appendices.setdefault(m["id"].upper(), Appendix(m["id"].upper()))
            in_table, group, last = False, None, None
            continue
        if app is None:
            continue
        if len(cells) == 1 and not in_table and not app.title and \
                not joined.startswith("(") and not app.header:
            app.title = joined
        if cells[0].lower() in HEADER_FIRST and len(cells) >= 3:
            if not app.header:
                _header_roles(app, cells)
            in_table = True
            continue
        if not in_table:
            continue
        if len(cells) == 1 and NOTES.match(cells[0]):
            in_table, last = False, None
            continue
        padded = cells + [""] * (len(app.header) - len(cells))
        first = padded[0]
        number = _row_number(first) if first else None
        gm = GROUP.match(first) if first and number is None else None
        if number is not None or gm:
            is_group = gm is not None
            num = (gm["num"] or gm["bare"]) if gm else number[0]
            name = padded[app.name_col] if app.name_col < len(padded) else ""
            if gm and gm["title"]:
                name = (gm["title"] + " " + name).strip()
            row = Row(app.id, num, n, list(padded), name=name,
                      marker=None if gm else number[1], is_group=is_group,
                      group=None if is_group else group, lines=[n])
            if is_group:
                group = f"{num}. {name}".strip()
            _add_status(app, row, padded, n)
            rows.append(row)
            last = row
        elif not first and last is not None:  # the row goes on (page break)
            for i, c in enumerate(padded):
                if c and i < len(last.cells) and i != app.status_col:
                    last.cells[i] = f"{last.cells[i]} {c}".strip()
            if app.name_col < len(padded) and padded[app.name_col]:
                last.name = last.cells[app.name_col]
            _add_status(app, last, padded, n)
            last.lines.append(n)
    return Tables(lines, appendices, rows)


def _add_status(app: Appendix, row: Row, cells: list[str], n: int) -> None:
    if app.status_col is not None and app.status_col < len(cells) and cells[app.status_col]:
        text = cells[app.status_col]
        row.segments.append((n, text))
        row.cells[app.status_col] = row.status_text


def read_tables(path: Path) -> Tables:
    return parse_tables(read_lines(path))
