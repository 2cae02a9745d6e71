"""Printed maps for reports: PDF and PNG pages and the district atlas (matplotlib).

A page has a title, subtitle, date, the map (drawn in EPSG:3405, metres), a legend
from the registry, a scale bar, a north arrow and a source line crediting the documents
and the boundary data. Text is DejaVu Sans embedded as TrueType (``pdf.fonttype`` 42),
so Vietnamese diacritics print correctly and the text stays selectable.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field, replace
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402

from gis.errors import bad_request  # noqa: E402
from layers import registry  # noqa: E402
from layers.base import Layer  # noqa: E402
from maps import cartography as carto  # noqa: E402
from maps.filters import MapFilter  # noqa: E402
from maps.paths import BOUNDARY_CREDIT  # noqa: E402
from maps.printdata import MapData, load_map_data, read_districts  # noqa: E402

matplotlib.rcParams.update({
    "pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "DejaVu Sans",
    "svg.fonttype": "none",
})

PAGE_MM = {"A4": (210, 297), "A3": (297, 420)}  # portrait width, height
DPIS = (150, 300)
ORIENTATIONS = ("portrait", "landscape")
MM = 1 / 25.4


@dataclass
class PrintOptions:
    size: str = "A4"
    orientation: str = "landscape"
    dpi: int = 150
    layers: list[Layer] = field(default_factory=registry.layers)
    flt: MapFilter = field(default_factory=MapFilter)
    title: str | None = None
    subtitle: str | None = None

    def __post_init__(self):
        self.size = (self.size or "A4").upper()
        if self.size not in PAGE_MM:
            raise bad_request(f"size={self.size!r} is not supported; use A4 or A3", "size")
        self.orientation = (self.orientation or "landscape").lower()
        if self.orientation not in ORIENTATIONS:
            raise bad_request(f"orientation={self.orientation!r}: use portrait or landscape",
                              "orientation")
        if self.dpi not in DPIS:
            raise bad_request(f"dpi={self.dpi!r} is not supported; use 150 or 300", "dpi")

    @property
    def page_mm(self) -> tuple[float, float]:
        w, h = PAGE_MM[self.size]
        return (h, w) if self.orientation == "landscape" else (w, h)


def _vn_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def default_title(data: MapData) -> str:
    where = data.focus.full_name if data.focus else "thành phố Cần Thơ"
    return f"Bản đồ kết cấu hạ tầng và tiến độ thực hiện – {where}"


def source_line(data: MapData) -> str:
    docs = "; ".join(
        f"[{s['id']}] {s['title']}" + (f" ({_vn_date(s['issued_on'])})" if s["issued_on"] else "")
        for s in data.sources)
    return f"Nguồn: {docs or 'không có'}. {BOUNDARY_CREDIT}. Hệ tọa độ VN-2000 / UTM 48N."


def _layout(opts: PrintOptions):
    w, h = opts.page_mm
    if opts.orientation == "landscape":
        return (0.03, 0.11, 0.68, 0.76), (0.73, 0.11, 0.25, 0.76)
    return (0.05, 0.34, 0.90, 0.55), (0.05, 0.085, 0.90, 0.235)


def draw_legend(ax, data: MapData, columns: int) -> None:
    ax.set_axis_off()
    ax.text(0, 1, "CHÚ GIẢI / LEGEND", transform=ax.transAxes, fontsize=9,
            fontweight="bold", va="top")
    rows: list[tuple[str, dict | None]] = []
    for ld in data.layers:
        if not ld.features and not ld.unlocated:
            continue
        rows.append((ld.layer.title_vi, None))
        rows += carto.legend_entries(ld)
        if ld.unlocated:
            rows.append((f"({ld.unlocated} đối tượng chưa có vị trí, không vẽ)", {}))
    per_col = max(1, -(-len(rows) // columns))
    step = min(0.055, 0.93 / max(per_col, 1))
    font = 7.5 if step >= 0.04 else 6
    for i, (label, sw) in enumerate(rows):
        col, r = divmod(i, per_col)
        x, y = col / columns, 0.92 - r * step
        if sw is None:
            ax.text(x, y, label, transform=ax.transAxes, fontsize=font + 0.5,
                    fontweight="bold", va="center")
        elif not sw:
            ax.text(x + 0.01, y, label, transform=ax.transAxes, fontsize=font - 0.5,
                    style="italic", va="center", color="#555555")
        else:
            carto.draw_swatch(ax, x + 0.01, y - step * 0.3, 0.06 / columns, step * 0.6, sw)
            ax.text(x + 0.01 + 0.08 / columns, y, label, transform=ax.transAxes,
                    fontsize=font, va="center")


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


def draw_map(ax, data: MapData, map_width_mm: float) -> None:
    w_mm, h_mm = (ax.figure.get_size_inches() / MM) * ax.get_position().size
    xmin, ymin, xmax, ymax = fit_extent(data.extent(), h_mm / w_mm)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f4f8fb")
    if data.city is not None:
        for part in carto.parts(data.city):
            ax.add_patch(PathPatch(carto.ring_path(part), facecolor="#ffffff",
                                         edgecolor="#37474f", linewidth=1.2, zorder=0.5))
    for d in data.districts:
        focus = data.focus is None or d.code == data.focus.code
        for part in carto.parts(d.geom):
            ax.add_patch(PathPatch(carto.ring_path(part),
                                         facecolor="none" if focus else "#eceff1",
                                         edgecolor="#607d8b", linewidth=0.8 if focus else 0.5,
                                         zorder=1 if focus else 0.8))
        # above the label point, where features located only by district are drawn, with a
        # white halo so that it reads over lines and symbols
        ax.annotate(d.name, (d.label.x, d.label.y), xytext=(0, 6), textcoords="offset points",
                    ha="center", va="bottom", zorder=15, fontsize=8 if focus else 6.5,
                    color="#263238" if focus else "#78909c",
                    fontweight="bold" if focus else "normal", annotation_clip=True,
                    path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")])
    for i, ld in enumerate(data.layers):
        carto.draw_layer(ax, ld, zorder=2 + i)
    if data.drawn == 0:
        msg = ("Không có đối tượng nào phù hợp với bộ lọc\n(no features matched)"
               if data.matched == 0 else
               f"{data.matched} đối tượng phù hợp nhưng chưa có vị trí để vẽ\n"
               "(matching features have no location)")
        ax.text(0.5, 0.5, msg, transform=ax.transAxes, ha="center", va="center", fontsize=12,
                zorder=30, bbox={"facecolor": "white", "edgecolor": "#c62828", "pad": 8})
    carto.scale_bar(ax, map_width_mm)
    carto.north_arrow(ax)


def draw_page(fig: Figure, data: MapData, opts: PrintOptions) -> None:
    w_mm, h_mm = opts.page_mm
    map_rect, legend_rect = _layout(opts)
    title = opts.title or default_title(data)
    subtitle = opts.subtitle or ("Lớp: " + ", ".join(ld.layer.title_vi for ld in data.layers))
    when = (f"Tiến độ tính đến ngày {_vn_date(data.as_of)}" if data.as_of
            else "Tiến độ: số liệu mới nhất trong cơ sở dữ liệu")
    fig.text(0.5, 1 - 9 / h_mm, title, ha="center", va="top", fontsize=15, fontweight="bold")
    fig.text(0.5, 1 - 17 / h_mm, subtitle, ha="center", va="top", fontsize=9.5,
             color="#37474f")
    fig.text(0.5, 1 - 22.5 / h_mm, f"{when} · Ngày lập: {_vn_date(date.today())}",
             ha="center", va="top", fontsize=8.5, color="#37474f")
    ax = fig.add_axes(map_rect)
    draw_map(ax, data, w_mm * map_rect[2])
    lax = fig.add_axes(legend_rect)
    draw_legend(lax, data, 1 if opts.orientation == "landscape" else 3)
    width_chars = int(w_mm * 0.94 / 1.45)
    fig.text(0.03, 8 / h_mm, "\n".join(textwrap.wrap(source_line(data), width_chars)),
             ha="left", va="bottom", fontsize=6.5, color="#37474f")


def new_figure(opts: PrintOptions) -> Figure:
    w, h = opts.page_mm
    return plt.figure(figsize=(w * MM, h * MM), dpi=opts.dpi)


def render(conn, opts: PrintOptions, fmt: str = "pdf") -> bytes:
    """One map page as PDF or PNG bytes."""
    data = load_map_data(conn, opts.flt, opts.layers)
    fig = new_figure(opts)
    try:
        draw_page(fig, data, opts)
        buf = io.BytesIO()
        meta = ({"Title": opts.title or default_title(data), "Creator": "cantho-gis"}
                if fmt == "pdf" else {"Title": opts.title or default_title(data)})
        fig.savefig(buf, format=fmt, dpi=opts.dpi, metadata=meta)
        return buf.getvalue()
    finally:
        plt.close(fig)


def draw_cover(fig: Figure, data: MapData, opts: PrintOptions, pages: list[str]) -> None:
    w_mm, h_mm = opts.page_mm
    title = opts.title or "Tập bản đồ kết cấu hạ tầng các quận, huyện thành phố Cần Thơ"
    fig.text(0.5, 1 - 14 / h_mm, title, ha="center", va="top", fontsize=17,
             fontweight="bold", wrap=True)
    when = (f"Tiến độ tính đến ngày {_vn_date(data.as_of)}" if data.as_of
            else "Tiến độ: số liệu mới nhất")
    fig.text(0.5, 1 - 24 / h_mm, f"{when} · Ngày lập: {_vn_date(date.today())}",
             ha="center", va="top", fontsize=10)
    ax = fig.add_axes((0.05, 0.30, 0.55, 0.58) if opts.orientation == "landscape"
                      else (0.08, 0.42, 0.84, 0.45))
    draw_map(ax, data, w_mm * 0.55)
    toc = "Mục lục / Contents\n\n" + "\n".join(f"Trang {i + 2}: {p}" for i, p in enumerate(pages))
    pos = (0.64, 0.86) if opts.orientation == "landscape" else (0.08, 0.38)
    fig.text(*pos, toc, ha="left", va="top", fontsize=9.5, linespacing=1.5)
    fig.text(0.03, 8 / h_mm, "\n".join(textwrap.wrap(source_line(data), int(w_mm * 0.65))),
             ha="left", va="bottom", fontsize=6.5, color="#37474f")


def render_atlas(conn, opts: PrintOptions) -> bytes:
    """A cover page and one page per district, in one PDF."""
    districts = read_districts(conn)
    city_data = load_map_data(conn, replace(opts.flt, district=None), opts.layers, districts)
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": opts.title or "Tập bản đồ quận, huyện Cần Thơ",
                                 "Creator": "cantho-gis"}) as pdf:
        fig = new_figure(opts)
        draw_cover(fig, city_data, opts, [d.full_name for d in districts])
        pdf.savefig(fig)
        plt.close(fig)
        for d in districts:
            data = load_map_data(conn, replace(opts.flt, district=d.code), opts.layers,
                                 districts, city_data.city)
            fig = new_figure(opts)
            draw_page(fig, data, replace(opts, title=None))
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()
