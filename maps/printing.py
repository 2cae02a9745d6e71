"""Printed maps for reports: PDF and PNG pages and the district atlas (matplotlib).

A page follows a declared layout (:mod:`maps.layouts`: A4/A3, portrait/landscape, or an
agency's own YAML file): the agency header, map number, title, subtitle and the line
saying which filter and date the map shows; the map frame fitted to the page, with
numbered labels; the legend (progress in graduated classes that survive greyscale, each
swatch in the shape of what is drawn); an inset locator; the north arrow and the scale
in boxes of their own; sources, the boundaries' credit, the date made and the author.
The feature table (number, name, district, value with date and source, status) follows
on as many pages as it needs. Text is DejaVu Sans embedded as TrueType (``pdf.fonttype``
42), so Vietnamese diacritics print and the text stays selectable.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402

from gis.errors import GISError, bad_request  # noqa: E402
from layers import registry  # noqa: E402
from layers.base import Layer  # noqa: E402
from maps import cartography as carto  # noqa: E402
from maps import labels, printlegend, tables  # noqa: E402
from maps.filters import MapFilter  # noqa: E402
from maps.layouts import Layout, get_layout  # noqa: E402
from maps.logo import read_logo  # noqa: E402
from maps.pagefit import fit_sheet  # noqa: E402
from maps.printdata import MapData, load_map_data, read_districts  # noqa: E402
from maps.wording import check_lang, filter_line, sources_text, vn_date, words  # noqa: E402

matplotlib.rcParams.update({
    "pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "DejaVu Sans",
    "svg.fonttype": "none", "hatch.linewidth": 0.5,
})

DPIS = (150, 300)
ORIENTATIONS = ("portrait", "landscape")
AGENCY = "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ"
MM = 1 / 25.4
PT_MM = 0.3528
# the footer's sources: font sizes, then titles shortened, until they fit (credit in full)
FOOTER_FITS = ((6.3, None), (5.8, None), (5.3, None), (5.3, 110), (5.0, 80), (5.0, 55),
               (5.0, 35), (5.0, 20))


@dataclass
class PrintOptions:
    size: str = "A4"
    orientation: str = "landscape"
    dpi: int = 150
    layers: list[Layer] = field(default_factory=registry.layers)
    flt: MapFilter = field(default_factory=MapFilter)
    title: str | None = None
    subtitle: str | None = None
    lang: str = "vi"
    metric: str | None = None  # the metric progress classes are read from
    layout: str | None = None  # a layout's name or YAML file; default: size-orientation
    agency: str = AGENCY
    author: str | None = None
    map_number: str | None = None
    logo: Path | bytes | None = None  # a PNG/JPEG file (CLI) or its bytes (an upload)
    table: bool = True  # the feature table on the following pages (PDF)

    def __post_init__(self):
        self.size = (self.size or "A4").upper()
        self.orientation = (self.orientation or "landscape").lower()
        if not self.layout:
            if self.size not in ("A4", "A3"):
                raise bad_request(f"size={self.size!r} is not supported; use A4 or A3", "size")
            if self.orientation not in ORIENTATIONS:
                raise bad_request(f"orientation={self.orientation!r}: use portrait or "
                                  "landscape", "orientation")
        if self.dpi not in DPIS:
            raise bad_request(f"dpi={self.dpi!r} is not supported; use 150 or 300", "dpi")
        self.lang = check_lang(self.lang)
        self.logo_image = None
        if isinstance(self.logo, (str, Path)):
            if not Path(self.logo).is_file():
                raise bad_request(f"logo {self.logo} is not a file", "logo")
            self.logo = Path(self.logo).read_bytes()
        if self.logo:
            self.logo_image = read_logo(self.logo)  # checked by its bytes (maps.logo)
        self.sheet: Layout = get_layout(self.layout, self.size, self.orientation)
        self.size, self.orientation = self.sheet.size, self.sheet.orientation

    @property
    def page_mm(self) -> tuple[float, float]:
        return self.sheet.page_mm

    @property
    def en(self) -> bool:
        return self.lang == "en"


def default_title(data: MapData, lang: str = "vi") -> str:
    w = words(lang)
    return w["title"].format(where=data.focus.full_name if data.focus else w["city"])


def fit_extent(extent, box_aspect: float) -> tuple[float, float, float, float]:
    """Grow the extent (with a margin) to the map frame's height/width ratio."""
    xmin, ymin, xmax, ymax = extent
    pad = max(xmax - xmin, ymax - ymin) * 0.04
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    cx, cy, w, h = (xmin + xmax) / 2, (ymin + ymax) / 2, xmax - xmin, ymax - ymin
    if h / w < box_aspect:
        h = w * box_aspect
    else:
        w = h / box_aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _outline(ax, data: MapData, muted: bool = True) -> None:
    """The city and the districts, as two collections (one artist each: fast to draw)."""
    if data.city is not None:
        ax.add_collection(PatchCollection(
            [PathPatch(carto.ring_path(p)) for p in carto.parts(data.city)],
            facecolor="#ffffff", edgecolor="#37474f", linewidth=1.2, zorder=0.5),
            autolim=False)
    patches, faces, widths = [], [], []
    for d in data.districts:
        focus = data.focus is None or d.code == data.focus.code
        for part in carto.parts(d.geom):
            patches.append(PathPatch(carto.ring_path(part)))
            faces.append("none" if focus or not muted else "#eceff1")
            widths.append(0.8 if focus else 0.5)
    ax.add_collection(PatchCollection(patches, facecolors=faces, edgecolor="#607d8b",
                                      linewidths=widths, zorder=1), autolim=False)


def draw_map(ax, data: MapData, opts: PrintOptions, items: list[labels.Numbered]) -> None:
    w_mm, h_mm = (ax.figure.get_size_inches() / MM) * ax.get_position().size
    xmin, ymin, xmax, ymax = fit_extent(data.extent(), h_mm / w_mm)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f4f8fb")
    _outline(ax, data)
    for i, ld in enumerate(data.layers):
        carto.draw_layer(ax, ld, zorder=2 + i, metric=opts.metric)
    taken: list = []
    for d in data.districts:  # names first: the numbers keep off them
        focus = data.focus is None or d.code == data.focus.code
        labels.district_label(ax, d.name, (d.label.x, d.label.y), 8 if focus else 6.5, focus,
                              "#263238" if focus else "#78909c", taken)
    labels.place_labels(ax, items, taken)
    if data.drawn == 0:
        w = words(opts.lang)
        msg = (f"{w['nomatch']}\n(no features matched)" if data.matched == 0 else
               f"{w['unlocated'].format(n=data.matched)}\n(matching features have no location)")
        ax.text(0.5, 0.5, msg, transform=ax.transAxes, ha="center", va="center", fontsize=12,
                zorder=30, bbox={"facecolor": "white", "edgecolor": "#c62828", "pad": 8})


def draw_inset(ax, data: MapData, extent) -> None:
    """The locator: the city and its districts, the map frame's extent in red."""
    geom = data.city
    bounds = geom.bounds if geom is not None else data.extent()
    x0, y0, x1, y1 = bounds
    w_mm, h_mm = (ax.figure.get_size_inches() / MM) * ax.get_position().size
    ax.set_xlim(*fit_extent(bounds, h_mm / w_mm)[::2])
    ax.set_ylim(*fit_extent(bounds, h_mm / w_mm)[1::2])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    _outline(ax, replace(data, focus=None))
    ex0, ey0, ex1, ey1 = extent
    if (ex1 - ex0) < (x1 - x0) * 0.95:
        ax.add_patch(Rectangle((ex0, ey0), ex1 - ex0, ey1 - ey0, facecolor="none",
                               edgecolor="#c62828", linewidth=1.2, zorder=5))


def text_lines(fig: Figure, x: float, y_mm: float, texts, page_mm, ha: str = "center") -> float:
    """Lines of (text, size, weight) from y_mm down; returns where they end (mm)."""
    for text, size, weight in texts:
        fig.text(x, 1 - y_mm / page_mm[1], text, ha=ha, va="top", fontsize=size,
                 fontweight=weight, color="#263238")
        y_mm += size * PT_MM * 1.3 * (text.count("\n") + 1)
    return y_mm


def draw_header(fig: Figure, data: MapData, opts: PrintOptions, title: str,
                subtitle: str) -> float:
    """Agency, logo, map number, title, subtitle and the filter line (wrapped, never cut:
    the page says all it shows); returns where the header's text ends (mm)."""
    w = words(opts.lang)
    sheet, page = opts.sheet, opts.page_mm
    hb = sheet.boxes["header"]
    logo = opts.logo_image
    logo_w = sheet.boxes["logo"].w if logo is not None and "logo" in sheet.boxes else 0
    if logo_w:
        lax = fig.add_axes(sheet.rect("logo"))
        lax.imshow(logo)
        lax.set_axis_off()
    left = (hb.x + logo_w + (2 if logo_w else 0)) / page[0]
    text_lines(fig, left, hb.y, [(opts.agency, 8, "bold")], page, ha="left")
    if opts.map_number:
        fig.text((hb.x + hb.w) / page[0], 1 - hb.y / page[1],
                 f"{w['map_no']}: {opts.map_number}", ha="right", va="top", fontsize=8,
                 fontweight="bold")
    chars = int((hb.w - 2 * logo_w) / (14 * PT_MM * 0.56))
    cx = (hb.x + hb.w / 2) / page[0]
    shown = filter_line(data_filter(data, opts), data.focus.name if data.focus else None,
                        opts.lang)
    end = text_lines(fig, cx, hb.y + 4.5, [
        ("\n".join(textwrap.wrap(title, chars)[:2]), 14, "bold"),
        (textwrap.shorten(subtitle, int(chars * 1.6)), 8.5, "normal"),
        ("\n".join(textwrap.wrap(shown, int(chars * 1.7))), 8, "normal"),
    ], page)
    return max(end, sheet.boxes["logo"].y + sheet.boxes["logo"].h if logo_w else 0.0)


def data_filter(data: MapData, opts: PrintOptions) -> MapFilter:
    return replace(opts.flt, district=data.focus.code if data.focus else None)


def draw_footer(fig: Figure, data: MapData, opts: PrintOptions) -> None:
    w, page, fb = words(opts.lang), opts.page_mm, opts.sheet.boxes["footer"]
    made = [f"{w['made']}: {vn_date(date.today())}"]
    if opts.author:
        made.append(f"{w['author']}: {opts.author}")
    if opts.map_number:
        made.append(f"{w['map_no']}: {opts.map_number}")
    room = fb.h - 7 * PT_MM * 1.3  # under the line of who made it
    for size, title_chars in FOOTER_FITS:  # the largest text that fits the footer's box
        src = textwrap.wrap(sources_text(data.sources, opts.lang, title_chars),
                            int(fb.w / (size * PT_MM * 0.62)))
        if len(src) * size * PT_MM * 1.3 <= room:
            break
    text_lines(fig, fb.x / page[0], fb.y, [(" · ".join(made), 7, "bold"),
                                       ("\n".join(src), size, "normal")], page, ha="left")


def draw_page(fig: Figure, data: MapData, opts: PrintOptions, items: list[labels.Numbered],
              counters: bool = False) -> None:
    w = words(opts.lang)
    title = opts.title or default_title(data, opts.lang)
    subtitle = opts.subtitle or (w["layers"] + ": " + ", ".join(
        ld.layer.title_en if opts.en else ld.layer.title_vi for ld in data.layers))
    header_end = draw_header(fig, data, opts, title, subtitle)
    # the frame fitted to the data's shape, up to the header's text, the legend given the
    # room it needs (maps.pagefit)
    sheet = fit_sheet(opts.sheet, data.extent(), lambda width: printlegend.legend_need(
        data, opts.lang, opts.metric, width, counters), top=header_end + 2.5)
    ax = fig.add_axes(sheet.rect("map"))
    draw_map(ax, data, opts, items)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    carto.scale_bar(fig.add_axes(sheet.rect("scale")), (x1 - x0) / sheet.boxes["map"].w,
                    (sheet.boxes["scale"].w, sheet.boxes["scale"].h), w["scale"])
    carto.north_arrow(fig.add_axes(sheet.rect("north")), w["north"])
    draw_inset(fig.add_axes(sheet.rect("inset")), data, (x0, y0, x1, y1))
    printlegend.draw_legend(fig.add_axes(sheet.rect("legend")), data, opts.lang, opts.metric,
                            counters)
    draw_footer(fig, data, opts)


def new_figure(opts: PrintOptions) -> Figure:
    w, h = opts.page_mm
    return plt.figure(figsize=(w * MM, h * MM), dpi=opts.dpi)


def save_page(pdf: PdfPages, fig: Figure) -> None:
    try:
        pdf.savefig(fig)
    finally:
        plt.close(fig)


def map_pages(pdf: PdfPages, data: MapData, opts: PrintOptions, counters: bool = False
              ) -> int:
    """The map page and its table pages; returns how many pages were added."""
    items = labels.numbered(data)
    fig = new_figure(opts)
    draw_page(fig, data, opts, items, counters)
    save_page(pdf, fig)
    if not opts.table:
        return 1
    pages = tables.table_pages(tables.table_rows(data, items, opts.lang, opts.metric),
                               opts.page_mm)
    title = opts.title or default_title(data, opts.lang)
    for i, rows in enumerate(pages, start=1):
        fig = new_figure(opts)
        tables.draw_table_page(fig, rows, opts.page_mm, title, i, len(pages), opts.lang,
                               data.sources)
        save_page(pdf, fig)
    return 1 + len(pages)


def render(conn, opts: PrintOptions, fmt: str = "pdf") -> bytes:
    """The map page (PNG: that page alone) and, in a PDF, its table pages."""
    data = load_map_data(conn, opts.flt, opts.layers)
    title = opts.title or default_title(data, opts.lang)
    buf = io.BytesIO()
    if fmt == "png":
        fig = new_figure(opts)
        try:
            draw_page(fig, data, opts, labels.numbered(data))
            fig.savefig(buf, format="png", dpi=opts.dpi, metadata={"Title": title})
        finally:
            plt.close(fig)
        return buf.getvalue()
    with PdfPages(buf, metadata={"Title": title, "Creator": "cantho-gis",
                                 "Author": opts.author or opts.agency}) as pdf:
        map_pages(pdf, data, opts)
    return buf.getvalue()


def render_atlas(conn, opts: PrintOptions) -> bytes:
    """A cover with the contents, the city overview, then each district: its map with
    numbered labels and counters, and its table."""
    from maps.atlas import write_atlas

    if opts.flt.district:
        raise GISError(400, "the atlas covers every district: leave district out",
                       parameter="district")
    return write_atlas(conn, opts, read_districts(conn))
