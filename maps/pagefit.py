"""A layout fitted to what one map shows, before its page is drawn.

A declared layout's map frame is fitted to its page (a portrait frame on a portrait
page). The data may still be wider than the frame: the city, wider than tall, on a
portrait page would leave bands of empty map above and below it. Where the layout puts
boxes below the map (portrait layouts: legend, inset, scale, north arrow), the frame is
made as tall as the data need (never less than half its declared height) or less where
the legend needs the room, and the boxes below move up, the legend taking the height
freed (the inset too, up to a square). Bottom edges stay where the layout put them or
move up, so the fitted boxes overlap no more than the declared ones (none:
:meth:`maps.layouts.Layout.problems`).
"""

from __future__ import annotations

from dataclasses import replace

from maps.layouts import Box, Layout

MIN_SHARE = 0.5  # the frame keeps at least half its declared height


def below_map(sheet: Layout) -> list[str]:
    m = sheet.boxes["map"]
    return [k for k, b in sheet.boxes.items()
            if k not in ("map", "footer", "header", "logo") and b.y >= m.y + m.h - 0.01]


def data_aspect(extent, pad: float = 0.04) -> float:
    """Height over width of the data's extent with the margin the map adds."""
    xmin, ymin, xmax, ymax = extent
    p = max(xmax - xmin, ymax - ymin) * pad
    w, h = xmax - xmin + 2 * p, ymax - ymin + 2 * p
    return h / w if w > 0 else 1.0


def lift(sheet: Layout, top: float) -> Layout:
    """The map frame's top moved to ``top`` (mm): up to where the header's text ends (a
    one-line title leaves room a two-line one would take), down where it runs longer. The
    boxes beside the map move with its top, the legend taking the difference; the header
    box ends where the frame begins."""
    m = sheet.boxes["map"]
    gain = m.y - top
    if abs(gain) < 1:
        return sheet
    boxes = dict(sheet.boxes)
    boxes["map"] = Box(m.x, top, m.w, m.h + gain)
    for k, b in sheet.boxes.items():
        if k not in ("map", "header", "logo", "footer") and m.y - 0.01 <= b.y < m.y + m.h - 0.01:
            boxes[k] = Box(b.x, b.y - gain, b.w, b.h + (gain if k == "legend" else 0.0))
    hb = sheet.boxes["header"]
    boxes["header"] = Box(hb.x, hb.y, hb.w, max(1.0, min(hb.h, top - hb.y)))
    if "logo" in boxes and boxes["logo"].y + boxes["logo"].h > top:
        del boxes["logo"]  # not drawn (the header's end is below a drawn logo)
    return replace(sheet, boxes=boxes)


def fit_sheet(sheet: Layout, extent, legend_need=None, top: float | None = None) -> Layout:
    """``sheet`` with its map frame fitted to ``extent``'s shape; ``legend_need``: a
    function of the legend box's width giving the height (mm) the legend needs; ``top``:
    where the header's text ends (see :func:`lift`)."""
    if top is not None:
        sheet = lift(sheet, top)
    under = below_map(sheet)
    if "legend" not in under:
        return sheet  # the legend beside the map: the frame stays as declared
    m, lg = sheet.boxes["map"], sheet.boxes["legend"]
    spare = m.h - max(m.w * data_aspect(extent), m.h * MIN_SHARE)  # empty map bands
    short = (legend_need(lg.w) - lg.h) if legend_need else 0.0  # the legend's deficit
    delta = min(max(spare, short, 0.0), m.h * (1 - MIN_SHARE))
    if delta < 1:
        return sheet
    boxes = dict(sheet.boxes)
    boxes["map"] = replace(m, h=m.h - delta)
    for k in under:
        b = boxes[k]
        grow = delta if k == "legend" else 0.0
        if k == "inset":  # a taller locator, but never taller than wide
            grow = max(0.0, min(delta, b.w - b.h))
        boxes[k] = Box(b.x, b.y - delta, b.w, b.h + grow)
    return replace(sheet, boxes=boxes)
