"""A printed report of headings, paragraphs and tables on A4 pages (matplotlib, as the
printed maps): text flows down the page and on to the next, a table's heading row is
repeated on each page it continues on ("tiếp theo"), long cells wrap. Text is DejaVu Sans
embedded as TrueType (``pdf.fonttype`` 42, set by maps.printing), so Vietnamese prints
and stays selectable (pdftotext reads it back).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import maps.printing  # noqa: F401  (the fonts and PDF settings of the printed maps)

MM = 1 / 25.4
PT_MM = 0.3528
CHAR_EM = 0.58  # DejaVu Sans' mean character width, in em (wraps before overflowing)


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # shares of the text width
    numeric: set[int] = field(default_factory=set)  # right-aligned columns
    size: float = 6.5
    strong: set[int] = field(default_factory=set)  # rows printed bold (totals)


@dataclass
class Doc:
    """Blocks laid out on pages of ``page_mm`` (A4 landscape by default)."""

    title: str
    footer: str
    continued: str = "tiếp theo"
    page_word: str = "Trang"
    page_mm: tuple[float, float] = (297.0, 210.0)
    margin_mm: float = 12.0
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append(("heading", text))

    def para(self, text: str, size: float = 8.0) -> None:
        self.blocks.append(("para", (text, size)))

    def table(self, table: Table) -> None:
        self.blocks.append(("table", table))

    # -- layout ----------------------------------------------------------------------
    def render(self, metadata: dict | None = None) -> bytes:
        buf = io.BytesIO()
        with PdfPages(buf, metadata={"Title": self.title, "Creator": "cantho-gis",
                                     **(metadata or {})}) as pdf:
            self._pdf, self._pages = pdf, []
            self._new_page()
            for kind, block in self.blocks:
                getattr(self, f"_{kind}")(block)
            n = len(self._pages)
            for i, fig in enumerate(self._pages, start=1):
                self._text(fig, self.margin_mm, self.page_mm[1] - 6, f"{self.footer} · "
                           f"{self.page_word} {i}/{n}", 6.5, color="#546e7a")
                pdf.savefig(fig)
        return buf.getvalue()

    def _new_page(self) -> None:
        w, h = self.page_mm
        fig = Figure(figsize=(w * MM, h * MM))
        self._pages.append(fig)
        self._fig, self._y = fig, self.margin_mm

    def _room(self, mm: float) -> None:
        if self._y + mm > self.page_mm[1] - self.margin_mm:
            self._new_page()

    def _text(self, fig: Figure, x_mm: float, y_mm: float, text: str, size: float,
              ha: str = "left", bold: bool = False, color: str = "black") -> None:
        w, h = self.page_mm
        fig.text(x_mm / w, 1 - y_mm / h, text, fontsize=size, ha=ha, va="top",
                 fontweight="bold" if bold else "normal", color=color, linespacing=1.2)

    def _line_mm(self, size: float) -> float:
        return size * PT_MM * 1.2 * 1.15

    def _wrap(self, text: str, width_mm: float, size: float) -> list[str]:
        chars = max(4, int(width_mm / (size * PT_MM * CHAR_EM)))
        out: list[str] = []
        for part in str(text).split("\n"):
            out += textwrap.wrap(part, chars, break_long_words=True) or [""]
        return out

    @property
    def _width(self) -> float:
        return self.page_mm[0] - 2 * self.margin_mm

    def _heading(self, text: str) -> None:
        self._room(14)
        self._y += 3
        self._text(self._fig, self.margin_mm, self._y, text, 11, bold=True)
        self._y += 7

    def _para(self, block: tuple[str, float]) -> None:
        text, size = block
        for line in self._wrap(text, self._width, size):
            self._room(self._line_mm(size))
            self._text(self._fig, self.margin_mm, self._y, line, size)
            self._y += self._line_mm(size)
        self._y += 1.5

    def _row(self, t: Table, cells: list[str], bold: bool) -> tuple[list[list[str]], float]:
        wrapped = [self._wrap(c, share * self._width - 1.5, t.size)
                   for c, share in zip(cells, t.widths, strict=True)]
        return wrapped, max(len(w) for w in wrapped) * self._line_mm(t.size) + 1.2

    def _draw_row(self, t: Table, wrapped: list[list[str]], height: float, bold: bool,
                  rule: str = "#cfd8dc") -> None:
        x = self.margin_mm
        for i, (lines, share) in enumerate(zip(wrapped, t.widths, strict=True)):
            w = share * self._width
            right = i in t.numeric
            self._text(self._fig, x + w - 0.8 if right else x + 0.4, self._y + 0.5,
                       "\n".join(lines), t.size, ha="right" if right else "left", bold=bold)
            x += w
        self._y += height
        pw, ph = self.page_mm
        self._fig.add_artist(Line2D(
            [self.margin_mm / pw, 1 - self.margin_mm / pw], [1 - self._y / ph] * 2,
            transform=self._fig.transFigure, color=rule, linewidth=0.4))

    def _table(self, t: Table) -> None:
        head, head_h = self._row(t, t.header, True)
        first = True
        for i, cells in enumerate(t.rows):
            wrapped, h = self._row(t, cells, i in t.strong)
            if first or self._y + h > self.page_mm[1] - self.margin_mm:
                if not first:
                    self._new_page()
                    self._text(self._fig, self.margin_mm, self._y, f"({self.continued})",
                               7, color="#546e7a")
                    self._y += 4
                self._room(head_h + h)
                self._draw_row(t, head, head_h, True, rule="#37474f")
                first = False
            self._draw_row(t, wrapped, h, i in t.strong)
        self._y += 3
