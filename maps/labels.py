"""Numbered labels: the features a map numbers (those of layers that track progress), in
one order shared by the printed page, its table and the HTML map, and their placement on
a printed map without collisions (leader lines where a number had to move away)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from shapely.geometry.base import BaseGeometry

from layers.base import Layer
from maps.printdata import MapData


@dataclass
class Numbered:
    number: int
    layer: Layer
    geom: BaseGeometry
    props: dict


def numbered(data: MapData) -> list[Numbered]:
    """Drawn features of layers with metrics, numbered 1.. by layer, then by name."""
    out: list[Numbered] = []
    for ld in data.layers:
        if not ld.layer.metrics:
            continue
        for geom, props in sorted(ld.features, key=lambda f: (f[1].get("name") or "",
                                                              str(f[1].get("id")))):
            out.append(Numbered(len(out) + 1, ld.layer, geom, props))
    return out


def anchor(geom: BaseGeometry) -> tuple[float, float]:
    """Where a feature's number points: the point, the middle of a line, inside a polygon."""
    kind = geom.geom_type
    if kind.endswith("Point"):
        p = geom.centroid if kind.startswith("Multi") else geom
    elif kind.endswith("LineString"):
        line = max(geom.geoms, key=lambda g: g.length) if kind.startswith("Multi") else geom
        p = line.interpolate(0.5, normalized=True)
    else:
        p = geom.representative_point()
    return p.x, p.y


Rect = tuple[float, float, float, float]  # display pixels: x0, y0, x1, y1


def _hit(r: Rect, taken: list[Rect]) -> bool:
    return any(r[0] < t[2] and t[0] < r[2] and r[1] < t[3] and t[1] < r[3] for t in taken)


def _offsets():
    yield 0, 0
    for radius, n in ((9, 8), (16, 12), (26, 16), (40, 20), (58, 24)):
        for i in range(n):
            a = 2 * math.pi * i / n + math.pi / 4
            yield radius * math.cos(a), radius * math.sin(a)


def place_labels(ax: Axes, items: list[Numbered], taken: list[Rect],
                 fontsize: float = 6.5) -> list[tuple[int, float, float]]:
    """Numbers placed where they cover no other number nor a district name (``taken``,
    display pixels, grown as numbers are placed); returns (number, dx, dy) offsets in
    points, a leader line drawn to those that moved."""
    px = ax.figure.dpi / 72
    box = ax.get_window_extent()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame = shapely.box(x0, y0, x1, y1)
    placed = []
    # where a feature crosses the frame's edge, its number points to the part inside
    shown = [(it, it.geom if frame.contains(it.geom) else it.geom.intersection(frame))
             for it in items]
    items = [it for it, g in shown if not g.is_empty]
    points = [anchor(g) for _, g in shown if not g.is_empty]
    anchors = [ax.transData.transform(p) for p in points]
    # the symbols themselves: a number should not sit on another feature's point
    marks = [(x - 3 * px, y - 3 * px, x + 3 * px, y + 3 * px) for x, y in anchors]
    for it, xy, (x, y) in zip(items, points, anchors, strict=True):
        others = [m for m in marks if not (m[0] < x < m[2] and m[1] < y < m[3])]
        w = (len(str(it.number)) * 0.62 * fontsize + 4) * px
        h = (fontsize + 3.5) * px
        chosen = None
        for dx, dy in _offsets():
            cx, cy = x + dx * px, y + dy * px
            r = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            inside = box.x0 <= r[0] and r[2] <= box.x1 and box.y0 <= r[1] and r[3] <= box.y1
            if inside and not _hit(r, taken) and not _hit(r, others):
                chosen = (dx, dy, r)
                break
        if chosen is None:  # crowded beyond the rings: the farthest ring, on top
            dx, dy = 58.0, 0.0
            chosen = (dx, dy, (x + dx * px - w / 2, y - h / 2, x + dx * px + w / 2, y + h / 2))
        dx, dy, r = chosen
        taken.append(r)
        ax.annotate(
            str(it.number), xy, xytext=(dx, dy), textcoords="offset points",
            ha="center", va="center", fontsize=fontsize, fontweight="bold", zorder=26,
            color="#111111", annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": "#263238",
                  "linewidth": 0.5},
            arrowprops=({"arrowstyle": "-", "color": "#263238", "linewidth": 0.5,
                         "shrinkA": 0, "shrinkB": 1} if math.hypot(dx, dy) > 10 else None))
        placed.append((it.number, dx, dy))
    return placed


def district_label(ax: Axes, text: str, xy: tuple[float, float], fontsize: float,
                   bold: bool, color: str, taken: list[Rect]) -> None:
    """A district's name above its label point, with a white halo, its box kept free;
    left out where it would not be wholly inside the map frame."""
    t = ax.annotate(text, xy, xytext=(0, 6), textcoords="offset points", ha="center",
                    va="bottom", zorder=25, fontsize=fontsize, color=color,
                    fontweight="bold" if bold else "normal", annotation_clip=True,
                    path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")])
    bb = t.get_window_extent(ax.figure.canvas.get_renderer())
    frame = ax.get_window_extent()
    if bb.x0 < frame.x0 or bb.x1 > frame.x1 or bb.y0 < frame.y0 or bb.y1 > frame.y1:
        t.remove()  # a name that would run over the frame's edge is left out
        return
    taken.append((bb.x0, bb.y0, bb.x1, bb.y1))
