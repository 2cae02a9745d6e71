"""The legend of a printed map, laid out in millimetres so that nothing in it overlaps.

Rows are a layer's heading, notes (the progress classes' metric and date, features with
no location, counters) and entries (a swatch in the shapes of what is drawn, and its
label). The legend picks the largest font and the fewest columns that fit its box,
wrapping long labels instead of cutting them; a layer's rows stay in one column where
they can. :func:`legend_need` says how tall the box would have to be, so that a page
whose legend sits below the map can give it the room (:mod:`maps.pagefit`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from matplotlib.axes import Axes

from maps import cartography as carto
from maps.printdata import MapData
from maps.wording import vn_date, words

PT_MM = 0.3528
TITLE_MM = 6.0  # "CHÚ GIẢI" and the space under it
SWATCH_MM = 6.0  # a swatch shape's width
MIN_COLUMN_MM = 58.0
FONTS = (7.5, 7.0, 6.5, 6.0)


@dataclass(frozen=True)
class Row:
    kind: str  # "layer" (a heading), "note" or "entry"
    label: str
    swatch: dict | None = None


def legend_rows(data: MapData, lang: str, metric: str | None, counters: bool = False
                ) -> list[list[Row]]:
    """One block of rows a drawn layer (heading first), in drawing order."""
    w, en = words(lang), lang == "en"
    when = f"{w['data_to']} {vn_date(data.as_of)}" if data.as_of else w["latest"]
    blocks = []
    for ld in data.layers:
        if not ld.features and not ld.unlocated:
            continue
        rows = [Row("layer", ld.layer.title_en if en else ld.layer.title_vi)]
        if title := carto.legend_title(ld, metric, en):
            rows.append(Row("note", f"{w['progress']} ({when}): {title}"))  # date kept first
        rows += [Row("entry", label, sw) for label, sw in carto.legend_entries(ld, en, metric)]
        if ld.unlocated:
            rows.append(Row("note", f"({w['unlocated'].format(n=ld.unlocated)})"))
        if counters:
            rows.append(Row("note", f"{w['counters']}: {len(ld.features) + ld.unlocated}, "
                                    f"{w['drawn']} {len(ld.features)}"))
        blocks.append(rows)
    return blocks


def _lines(row: Row, font: float, col_mm: float) -> list[str]:
    size = font + 0.5 if row.kind == "layer" else font - 0.5 if row.kind == "note" else font
    room = col_mm - (4 + SWATCH_MM * len(row.swatch["shapes"]) if row.kind == "entry" else 2)
    return textwrap.wrap(row.label, max(12, int(room / (size * PT_MM * 0.56)))) or [""]


def _height(row: Row, lines: int, font: float) -> float:
    size = font + 0.5 if row.kind == "layer" else font - 0.5 if row.kind == "note" else font
    first = size * PT_MM * (1.75 if row.kind == "layer" else 1.6)
    return first + (lines - 1) * size * PT_MM * 1.25


@dataclass
class Placed:
    row: Row
    lines: list[str]
    col: int
    y: float  # mm from the box's top
    h: float


def arrange(blocks: list[list[Row]], font: float, columns: int, width_mm: float
            ) -> tuple[list[Placed], float]:
    """Rows placed in columns (a block kept whole where it fits a column's share);
    returns the placements and the height needed (mm)."""
    col_mm = width_mm / columns
    sized = [[(r, ls := _lines(r, font, col_mm), _height(r, len(ls), font)) for r in b]
             for b in blocks]
    total = sum(h for b in sized for _, _, h in b)
    share = total / columns  # the height each column should reach
    placed, col, y = [], 0, 0.0
    for block in sized:
        bh = sum(h for _, _, h in block)
        if y > 0 and y + bh > share * 1.08 and col < columns - 1:
            col, y = col + 1, 0.0
        for i, (r, ls, h) in enumerate(block):
            if y > 0 and y + h > share * 1.25 and col < columns - 1 and i > 1:
                col, y = col + 1, 0.0  # a long block continues in the next column
            placed.append(Placed(r, ls, col, y, h))
            y += h
    need = max((p.y + p.h for p in placed), default=0.0)
    return placed, TITLE_MM + need


def choose(blocks, box_w: float, box_h: float) -> tuple[list[Placed], float, int, float]:
    """The largest font and fewest columns that fit; else the tightest arrangement.
    Returns (placements, font, columns, needed height in mm)."""
    most = max(1, int(box_w // MIN_COLUMN_MM))
    best = None
    for font in FONTS:
        for columns in range(1, most + 1):
            placed, need = arrange(blocks, font, columns, box_w)
            if need <= box_h:
                return placed, font, columns, need
            if best is None or need < best[3]:
                best = (placed, font, columns, need)
    return best


def legend_need(data: MapData, lang: str, metric: str | None, box_w: float,
                counters: bool = False) -> float:
    """The height (mm) the legend needs in a box ``box_w`` wide, at a comfortable font
    (7 pt) in as many columns as the width takes."""
    blocks = legend_rows(data, lang, metric, counters)
    return arrange(blocks, FONTS[1], max(1, int(box_w // MIN_COLUMN_MM)), box_w)[1]


def draw_legend(ax: Axes, data: MapData, lang: str, metric: str | None,
                counters: bool = False) -> None:
    w = words(lang)
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    bw, bh = (ax.figure.get_size_inches() * 25.4) * ax.get_position().size
    ax.text(0, 1, w["legend"], transform=ax.transAxes, fontsize=9, fontweight="bold", va="top")
    blocks = legend_rows(data, lang, metric, counters)
    if not blocks:
        return
    placed, font, columns, _ = choose(blocks, bw, bh)
    col_w = 1 / columns
    cut = 0
    for p in placed:
        top = TITLE_MM + p.y
        if top + p.h > bh + 0.01:  # never below the box: say how many rows are left out
            cut += 1
            continue
        x = p.col * col_w
        yc = 1 - (top + p.h / 2) / bh  # the row's middle, axes fraction
        text = "\n".join(p.lines)
        if p.row.kind == "layer":
            ax.text(x, yc, text, transform=ax.transAxes, fontsize=font + 0.5,
                    fontweight="bold", va="center", linespacing=1.1)
        elif p.row.kind == "note":
            ax.text(x + 2 / bw, yc, text, transform=ax.transAxes, fontsize=font - 0.5,
                    va="center", color="#546e7a", linespacing=1.1)
        else:
            sw, n = p.row.swatch, len(p.row.swatch["shapes"])
            sh = min(p.h, font * PT_MM * 1.2) * 0.75 / bh
            y_first = 1 - (top + font * PT_MM * 0.8) / bh  # beside the label's first line
            carto.draw_swatch(ax, x + 2 / bw, y_first - sh / 2, SWATCH_MM * n / bw, sh, sw)
            ax.text(x + (4 + SWATCH_MM * n) / bw, yc, text, transform=ax.transAxes,
                    fontsize=font, va="center", linespacing=1.1)
    if cut:
        ax.text(1, 0, f"(+{cut} …)", transform=ax.transAxes, ha="right", va="bottom",
                fontsize=font - 0.5, color="#546e7a")
