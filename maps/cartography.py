"""Drawing on a printed map: geometries styled from the registry, legend, scale bar and
north arrow (matplotlib, coordinates in metres, EPSG:3405)."""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path
from shapely.geometry.base import BaseGeometry

from gis.figures import format_vn_number
from layers import METRICS
from layers.base import Layer
from maps.printdata import LayerData
from maps.style import FeatureStyle, feature_style

DASH = (0, (4, 2.5))


def ring_path(geom) -> Path:
    """A polygon's rings (exterior and holes) as one matplotlib path."""
    verts, codes = [], []
    for ring in [geom.exterior, *geom.interiors]:
        xy = list(ring.coords)
        verts += xy
        codes += [Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY]
    return Path(verts, codes)


def parts(geom: BaseGeometry):
    """The parts of a multi-geometry (a single geometry: itself)."""
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def draw_geometry(ax: Axes, geom: BaseGeometry, st: FeatureStyle, layer: Layer,
                  scale: float = 1.0, zorder: float = 2) -> None:
    lw = layer.style.stroke_width * 0.6 * scale
    ls = DASH if st.dashed else "solid"
    for part in parts(geom):
        kind = part.geom_type
        if kind == "Polygon":
            ax.add_patch(PathPatch(ring_path(part), facecolor=_fill(st),
                                   edgecolor=st.color, linewidth=max(lw * 0.6, 0.5),
                                   linestyle=ls, zorder=zorder))
        elif kind == "LineString":
            x, y = part.xy
            ax.plot(x, y, color=st.color, alpha=st.line_alpha, linewidth=lw, linestyle=ls,
                    solid_capstyle="round", zorder=zorder + 1)
        elif kind == "Point":
            ax.scatter([part.x], [part.y], s=(layer.style.point_radius * 1.3 * scale) ** 2,
                       facecolor=st.color, edgecolor="#222222", linewidths=0.8,
                       linestyles="--" if st.dashed else "-", alpha=st.line_alpha,
                       zorder=zorder + 2)
        elif hasattr(part, "geoms"):
            draw_geometry(ax, part, st, layer, scale, zorder)


def _fill(st: FeatureStyle) -> tuple:
    """The fill colour with the style's opacity (the edge stays opaque)."""
    r, g, b, _ = to_rgba(st.color)
    return (r, g, b, st.fill_opacity)


def draw_layer(ax: Axes, data: LayerData, zorder: float) -> None:
    for geom, props in data.features:
        draw_geometry(ax, geom, feature_style(data.layer, props), data.layer, zorder=zorder)


def nice_length(span_m: float) -> float:
    target = span_m / 5
    exp = 10 ** math.floor(math.log10(target))
    for f in (5, 2, 1):
        if f * exp <= target:
            return f * exp
    return exp


def scale_bar(ax: Axes, map_width_mm: float, lang_km: str = "km") -> str:
    """Alternating bar in the lower left; returns the ratio text (``1:50.000``)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.012
    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h, zorder=20,
                               facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.6))
    unit, div = ("km", 1000) if length >= 1000 else ("m", 1)
    for frac in (0, 0.5, 1):
        label = format_vn_number(length * frac / div)
        ax.text(bx + length * frac, by + h * 1.6, label + (f" {unit}" if frac == 1 else ""),
                ha="center", va="bottom", fontsize=7, zorder=20)
    ratio = (x1 - x0) * 1000 / map_width_mm
    nice = 10 ** math.floor(math.log10(ratio))
    nice = round(ratio / nice) * nice
    text = f"Tỷ lệ / Scale 1:{format_vn_number(nice)}"
    ax.text(bx, by - h * 1.2, text, ha="left", va="top", fontsize=7, zorder=20)
    return text


def north_arrow(ax: Axes) -> None:
    ax.annotate("", xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction",
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9,
                            "headlength": 9}, zorder=20)
    ax.text(0.95, 0.96, "B / N", transform=ax.transAxes, ha="center", va="bottom",
            fontsize=8, fontweight="bold", zorder=20)


def legend_entries(data: LayerData, en: bool = False) -> list[tuple[str, dict]]:
    """(label, swatch) pairs for one layer: the choices present, progress and quality."""
    layer, st = data.layer, data.layer.style
    kinds = {p.geom_type.replace("Multi", "") for g, _ in data.features for p in parts(g)}
    shape = "line" if "LineString" in kinds else ("point" if kinds == {"Point"} else "box")
    styles = [feature_style(layer, props) for _, props in data.features]
    out: list[tuple[str, dict]] = []
    if st.color_field:
        f = layer.field(st.color_field)
        # a category is listed where a feature is drawn in its colour (unknown progress: grey)
        present = {s.category for s in styles if s.progress is not None
                   or not st.progress_metrics}
        for c in f.choices:
            if c.value in present:
                out.append((c.label_en if en else c.label_vi,
                            {"shape": shape, "color": c.color or st.default_color}))
    if st.progress_metrics:
        used = [m for m in st.progress_metrics if any(s.metric == m for s in styles)]
        if used:  # the metrics features are shaded by, in the registry's order, one a row
            out.append(("Shade by progress, 0 → 100 %:" if en
                        else "Độ đậm theo tiến độ, 0 → 100 %:",
                        {"shape": "ramp", "color": "#37474f"}))
            out += [(f"– {METRICS[m].label_en if en else METRICS[m].label_vi}", {})
                    for m in used]
        if any(s.progress is None for s in styles):
            out.append(("Progress unknown" if en else "Chưa rõ tiến độ",
                        {"shape": shape, "color": st.unknown_color}))
    if any(s.dashed for s in styles):
        out.append(("Indicative location (dashed)" if en else "Vị trí minh họa (nét đứt)",
                    {"shape": "line", "color": "#333333", "dashed": True}))
    return out


def draw_swatch(ax: Axes, x: float, y: float, w: float, h: float, sw: dict) -> None:
    color = sw["color"]
    ls = (0, (1.6, 1.1)) if sw.get("dashed") else "solid"  # short dashes: the swatch is short
    if sw["shape"] == "line":
        ax.add_line(Line2D([x, x + w], [y + h / 2, y + h / 2], color=color, linewidth=2.2,
                           linestyle=ls, transform=ax.transAxes))
    elif sw["shape"] == "point":
        ax.scatter([x + w / 2], [y + h / 2], s=30, facecolor=color, edgecolor="#222222",
                   linewidths=0.6, transform=ax.transAxes, clip_on=False)
    elif sw["shape"] == "ramp":
        for i in range(5):
            ax.add_patch(Rectangle((x + i * w / 5, y), w / 5, h, transform=ax.transAxes,
                                   facecolor=color, alpha=0.15 + 0.7 * i / 4, linewidth=0))
    else:
        ax.add_patch(Rectangle((x, y), w, h, transform=ax.transAxes, facecolor=color,
                               edgecolor=color, alpha=0.8, linewidth=0.8))
