"""Graduated progress classes for maps meant to be read (printed pages, HTML exports).

A feature of a layer shaded by progress falls in one of four classes of its metric
(0–25, 25–50, 50–75, 75–100 %) or in "unknown". The colours run from light to dark
(ColorBrewer YlGnBu), so the order survives greyscale printing; unknown is a light grey
that printed maps also hatch. A metric counted against a total (packages done of
packages in total) is classed by its share of that total, as the popups' bars are.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers import METRICS
from layers.base import Layer
from maps.config import totals


@dataclass(frozen=True)
class ProgressClass:
    low: float | None  # share 0..1, None for unknown
    high: float | None
    color: str
    label_vi: str
    label_en: str

    def label(self, en: bool = False) -> str:
        return self.label_en if en else self.label_vi


CLASSES = tuple(
    ProgressClass(lo / 100, hi / 100, color, f"{lo}–{hi} %", f"{lo}–{hi} %")
    for lo, hi, color in ((0, 25, "#ffffcc"), (25, 50, "#a1dab4"), (50, 75, "#41b6c4"),
                          (75, 100, "#225ea8")))
UNKNOWN = ProgressClass(None, None, "#d9d9d9", "Chưa rõ tiến độ", "Progress unknown")


def graduated(layer: Layer) -> bool:
    """Layers the registry shades by progress are classed."""
    return bool(layer.style.progress_metrics)


def class_metrics(layer: Layer) -> list[str]:
    """The metrics a layer's features can be classed by (a percent, or a count with its
    total): what the print dialog and ``metric=`` offer for the layer."""
    if not graduated(layer):
        return []
    return [m for m in layer.metrics if METRICS[m].percent or totals(layer).get(m)]


def metric_share(layer: Layer, metric: str, props: dict) -> float | None:
    v = props.get(metric)
    if v is None:
        return None
    if METRICS[metric].percent:
        return max(0.0, min(1.0, float(v) / 100))
    of = totals(layer).get(metric)
    if of and props.get(of):
        return max(0.0, min(1.0, float(v) / float(props[of])))
    return None


def feature_metric(layer: Layer, props: dict, metric: str | None = None
                   ) -> tuple[str | None, float | None]:
    """(metric, share) a feature is classed by: the chosen metric where the layer has it,
    else the first shading metric the feature has a value for."""
    if metric and metric in layer.metrics:
        return metric, metric_share(layer, metric, props)
    for m in layer.style.progress_metrics:
        share = metric_share(layer, m, props)
        if share is not None:
            return m, share
    return None, None


def progress_class(share: float | None) -> ProgressClass:
    if share is None:
        return UNKNOWN
    for c in CLASSES:
        if share < c.high:
            return c
    return CLASSES[-1]
