"""The district atlas: a cover with the contents (page numbers), the city overview, then
for each district its map page (numbered labels, coverage counters in the legend) and
its table pages. The cover carries no map, so nothing on it can meet a north arrow."""

from __future__ import annotations

import io
import textwrap
from dataclasses import replace
from datetime import date

from matplotlib.backends.backend_pdf import PdfPages

from maps import labels, tables
from maps.printdata import District, MapData, load_map_data
from maps.printing import (
    PT_MM,
    PrintOptions,
    default_title,
    draw_footer,
    map_pages,
    new_figure,
    save_page,
    text_lines,
)
from maps.wording import filter_line, vn_date, words


def _table_count(data: MapData, opts: PrintOptions) -> int:
    rows = tables.table_rows(data, labels.numbered(data), opts.lang, opts.metric)
    return len(tables.table_pages(rows, opts.page_mm)) if opts.table else 0


def draw_cover(fig, city: MapData, opts: PrintOptions, toc: list[tuple[str, int]]) -> None:
    w, page = words(opts.lang), opts.page_mm
    hb = opts.sheet.boxes["header"]
    title = opts.title or w["atlas_title"]
    y = text_lines(fig, 0.5, hb.y + 2, [(opts.agency, 10, "bold")], page)
    chars = int((page[0] - 20) / (17 * PT_MM * 0.62))  # the title wraps inside the page
    y = text_lines(fig, 0.5, y + 8, [("\n".join(textwrap.wrap(title, chars)), 17, "bold"),
                                 (filter_line(opts.flt, None, opts.lang), 9, "normal"),
                                 (f"{w['made']}: {vn_date(date.today())}"
                                  + (f" · {w['author']}: {opts.author}" if opts.author else ""),
                                  9, "normal")], page)
    x = opts.sheet.boxes["map"].x / page[0]
    y = text_lines(fig, x, y + 8, [(w["contents"], 12, "bold")], page, ha="left")
    size = min(10.0, (page[1] - y - 30) / (len(toc) * PT_MM * 1.45))
    for name, number in toc:
        fig.text(x, 1 - y / page[1], name, ha="left", va="top", fontsize=size)
        fig.text(1 - x, 1 - y / page[1], f"{w['page']} {number}", ha="right", va="top",
                 fontsize=size)
        y += size * PT_MM * 1.45
    draw_footer(fig, city, opts)


def write_atlas(conn, opts: PrintOptions, districts: list[District]) -> bytes:
    city = load_map_data(conn, replace(opts.flt, district=None), opts.layers, districts)
    parts = [load_map_data(conn, replace(opts.flt, district=d.code), opts.layers, districts,
                           city.city) for d in districts]
    w = words(opts.lang)
    toc, number = [(f"{w['overview']} – {default_title(city, opts.lang)}", 2)], 3
    for d, data in zip(districts, parts, strict=True):
        toc.append((d.full_name, number))
        number += 1 + _table_count(data, opts)
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": opts.title or w["atlas_title"],
                                 "Creator": "cantho-gis"}) as pdf:
        fig = new_figure(opts)
        draw_cover(fig, city, opts, toc)
        save_page(pdf, fig)
        overview = f"{w['overview']} – {default_title(city, opts.lang)}"
        map_pages(pdf, city, replace(opts, title=overview, table=False), counters=True)
        for data in parts:
            map_pages(pdf, data, replace(opts, title=None), counters=True)
    return buf.getvalue()
