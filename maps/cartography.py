"""Drawing on a printed map: geometries styled from the registry, legend, scale bar and
north arrow (matplotlib, coordinates in metres, EPSG:3405)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.path import Path
from shapely.geometry.base import BaseGeometry

from gis.figures import format_vn_number
from layers import METRICS
from layers.base import Layer
from maps import classes
from maps.printdata import LayerData
from maps.style import feature_style

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


@dataclass(frozen=True)
class Look:
    """How one feature is drawn on paper: its colour (a progress class for layers shaded
    by progress, else the registry's choice colour), hatching, dashes."""

    color: str
    fill_alpha: float
    dashed: bool
    hatch: str | None = None
    casing: bool = False  # a dark outline under lines, so light classes read on white


def look(layer: Layer, props: dict, metric: str | None = None) -> Look:
    st = feature_style(layer, props)
    if not classes.graduated(layer):
        return Look(st.color, st.fill_opacity, st.dashed)
    cls = classes.progress_class(classes.feature_metric(layer, props, metric)[1])
    return Look(cls.color, 0.9, st.dashed, "////" if cls is classes.UNKNOWN else None, True)


def draw_geometry(ax: Axes, geom: BaseGeometry, lk: Look, layer: Layer,
                  scale: float = 1.0, zorder: float = 2) -> None:
    lw = layer.style.stroke_width * 0.6 * scale
    ls = DASH if lk.dashed else "solid"
    for part in parts(geom):
        kind = part.geom_type
        if kind == "Polygon":
            r, g, b, _ = to_rgba(lk.color)
            ax.add_patch(PathPatch(ring_path(part), facecolor=(r, g, b, lk.fill_alpha),
                                   edgecolor="#37474f" if lk.casing else lk.color,
                                   linewidth=max(lw * 0.6, 0.5), linestyle=ls, hatch=lk.hatch,
                                   zorder=zorder))
        elif kind == "LineString":
            x, y = part.xy
            if lk.casing:
                ax.plot(x, y, color="#263238", linewidth=lw + 1.4, solid_capstyle="round",
                        zorder=zorder + 0.9)
            ax.plot(x, y, color=lk.color, linewidth=lw, linestyle=ls,
                    solid_capstyle="round", zorder=zorder + 1)
        elif kind == "Point":
            ax.scatter([part.x], [part.y], s=(layer.style.point_radius * 1.3 * scale) ** 2,
                       facecolor=lk.color, edgecolor="#222222", linewidths=0.8,
                       linestyles="--" if lk.dashed else "-", hatch=lk.hatch,
                       zorder=zorder + 2)
        elif hasattr(part, "geoms"):
            draw_geometry(ax, part, lk, layer, scale, zorder)


def draw_layer(ax: Axes, data: LayerData, zorder: float, metric: str | None = None) -> None:
    for geom, props in data.features:
        draw_geometry(ax, geom, look(data.layer, props, metric), data.layer, zorder=zorder)


def nice_length(span_m: float) -> float:
    target = span_m / 5
    exp = 10 ** math.floor(math.log10(target))
    for f in (5, 2, 1):
        if f * exp <= target:
            return f * exp
    return exp


def scale_bar(sax: Axes, metres_per_mm: float, box_mm: tuple[float, float],
              label: str = "Tỷ lệ") -> str:
    """An alternating bar and the ratio, in the scale box of the layout (its own axes,
    beside the map frame: it never covers data); returns the ratio text (``1:50.000``)."""
    w_mm, _ = box_mm
    sax.set_axis_off()
    sax.set_xlim(0, w_mm * metres_per_mm)
    sax.set_ylim(0, 1)
    length = nice_length(w_mm * 0.5 * metres_per_mm * 5)  # at most half the box
    for i in range(4):
        sax.add_patch(Rectangle((i * length / 4, 0.15), length / 4, 0.22,
                                facecolor="black" if i % 2 == 0 else "white",
                                edgecolor="black", linewidth=0.6, clip_on=False))
    unit, div = ("km", 1000) if length >= 1000 else ("m", 1)
    for frac in (0, 0.5, 1):
        text = format_vn_number(length * frac / div) + (f" {unit}" if frac == 1 else "")
        sax.text(length * frac, 0.45, text, ha="center", va="bottom", fontsize=7)
    ratio = metres_per_mm * 1000
    nice = 10 ** math.floor(math.log10(ratio))
    nice = round(ratio / nice) * nice
    text = f"{label} 1:{format_vn_number(nice)}"
    sax.text(length * 1.12, 0.26, text, ha="left", va="center", fontsize=8)
    return text


def north_arrow(nax: Axes, letter: str = "B") -> None:
    """The arrow in its own box of the layout (never over data or text)."""
    nax.set_axis_off()
    nax.set_xlim(0, 1)
    nax.set_ylim(0, 1)
    nax.add_patch(Polygon([(0.5, 0.78), (0.3, 0.08), (0.5, 0.25)], closed=True,
                          facecolor="black", edgecolor="black", linewidth=0.6))
    nax.add_patch(Polygon([(0.5, 0.78), (0.7, 0.08), (0.5, 0.25)], closed=True,
                          facecolor="white", edgecolor="black", linewidth=0.6))
    nax.text(0.5, 0.82, letter, ha="center", va="bottom", fontsize=9, fontweight="bold")


SHAPES = {"Point": "point", "LineString": "line", "Polygon": "box"}


def shapes(geom: BaseGeometry) -> set[str]:
    """The swatch shapes of a geometry's parts (a collection: each part's)."""
    out: set[str] = set()
    for p in parts(geom):
        out |= shapes(p) if hasattr(p, "geoms") else {SHAPES[p.geom_type]}
    return out


def _ordered(found: set[str]) -> tuple[str, ...]:
    return tuple(s for s in ("point", "line", "box") if s in found)


def legend_title(data: LayerData, metric: str | None, en: bool = False) -> str | None:
    """"Tiến độ xây dựng (%)" for a layer classed by progress: the metrics its drawn
    features are classed by."""
    if not classes.graduated(data.layer):
        return None
    used = {classes.feature_metric(data.layer, p, metric)[0] for _, p in data.features}
    names = [m for m in data.layer.metrics if m in used] or [
        metric if metric in data.layer.metrics else data.layer.style.progress_metrics[0]]
    label = ", ".join(METRICS[m].label_en if en else METRICS[m].label_vi for m in names)
    return label or None


def legend_entries(data: LayerData, en: bool = False, metric: str | None = None
                   ) -> list[tuple[str, dict]]:
    """(label, swatch) pairs for one layer, only for what is drawn: the progress classes
    (or the choices' colours), each with the shapes (point, line, polygon) of the
    features drawn so, and the dashed (indicative) style where used."""
    layer = data.layer
    groups: dict[tuple, set[str]] = {}
    dashed: set[str] = set()
    for geom, props in data.features:
        lk = look(layer, props, metric)
        key = (lk.color, lk.hatch)
        groups.setdefault(key, set()).update(shapes(geom))
        if lk.dashed:
            dashed |= shapes(geom) & {"line", "box"} or {"line"}
    out: list[tuple[str, dict]] = []
    if classes.graduated(layer):
        for c in (*classes.CLASSES, classes.UNKNOWN):
            key = (c.color, "////" if c is classes.UNKNOWN else None)
            if key in groups:
                out.append((c.label(en), {"shapes": _ordered(groups[key]), "color": c.color,
                                          "hatch": key[1], "casing": True}))
    else:
        st = layer.style
        f = layer.field(st.color_field) if st.color_field else None
        labelled = {}
        for c in (f.choices if f else ()):
            labelled.setdefault(c.color or st.default_color, c.label_en if en else c.label_vi)
        for (color, hatch), found in groups.items():
            label = labelled.get(color) or (layer.title_en if en else layer.title_vi)
            out.append((label, {"shapes": _ordered(found), "color": color, "hatch": hatch}))
    if dashed:
        out.append(("Indicative location (dashed)" if en else "Vị trí minh họa (nét đứt)",
                    {"shapes": _ordered(dashed), "color": "#333333", "dashed": True}))
    return out


def draw_swatch(ax: Axes, x: float, y: float, w: float, h: float, sw: dict) -> None:
    """One swatch a shape (point, line, box) side by side in the box (axes fractions)."""
    color, n = sw["color"], max(1, len(sw["shapes"]))
    ls = (0, (1.6, 1.1)) if sw.get("dashed") else "solid"  # short dashes: the swatch is short
    step = w / n
    for i, shape in enumerate(sw["shapes"]):
        x0, x1 = x + i * step + step * 0.08, x + (i + 1) * step - step * 0.08
        if shape == "line":
            if sw.get("casing"):
                ax.add_line(Line2D([x0, x1], [y + h / 2] * 2, color="#263238", linewidth=3.4,
                                   transform=ax.transAxes))
            ax.add_line(Line2D([x0, x1], [y + h / 2] * 2, color=color, linewidth=2.2,
                               linestyle=ls, transform=ax.transAxes))
        elif shape == "point":
            ax.scatter([(x0 + x1) / 2], [y + h / 2], s=30, facecolor=color, edgecolor="#222222",
                       linewidths=0.6, transform=ax.transAxes, clip_on=False,
                       hatch=sw.get("hatch"))
        elif sw.get("dashed"):  # an indicative area: its dashed outline, as on the map
            ax.add_patch(Rectangle((x0, y), x1 - x0, h, transform=ax.transAxes,
                                   facecolor="none", edgecolor=color, linestyle=ls,
                                   linewidth=1.0))
        else:  # a very light fill gets a grey edge, so that it shows on white paper
            r, g, b, _ = to_rgba(color)
            edge = "#37474f" if sw.get("casing") else (
                "#90a4ae" if 0.299 * r + 0.587 * g + 0.114 * b > 0.88 else color)
            ax.add_patch(Rectangle((x0, y), x1 - x0, h, transform=ax.transAxes,
                                   facecolor=color, hatch=sw.get("hatch"), edgecolor=edge,
                                   linestyle=ls, linewidth=0.8))
