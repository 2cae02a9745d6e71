"""Feature styling from the registry's :class:`layers.base.Style` (printed maps).

The web map computes the same in ``static/style.js`` from ``/maps/config.json``:
colour from the choice of ``color_field`` (a feature without one takes the field's
``missing`` choice, e.g. New Rural "unknown"); where ``progress_metrics`` is set, the first
metric a feature has shades it (more opaque towards 100 %), and a feature with none is
drawn grey as "unknown progress"; values whose choice is ``dashed`` are drawn dashed.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers import METRICS
from layers.base import Layer


@dataclass(frozen=True)
class FeatureStyle:
    color: str
    fill_opacity: float
    line_alpha: float
    dashed: bool
    progress: float | None  # 0..1, None when unknown or not shaded
    category: str | None  # the choice value the colour comes from
    metric: str | None = None  # the metric the feature is shaded by


def progress_value(layer: Layer, props: dict) -> tuple[str, float] | None:
    """(metric, share 0..1) of the first shading metric the feature has."""
    for m in layer.style.progress_metrics:
        v = props.get(m)
        if v is not None and METRICS[m].percent:
            return m, max(0.0, min(1.0, float(v) / 100.0))
    return None


def feature_style(layer: Layer, props: dict) -> FeatureStyle:
    st = layer.style
    color, category = st.default_color, None
    if st.color_field:
        choice = layer.field(st.color_field).shown_choice(props.get(st.color_field))
        category = choice.value if choice else props.get(st.color_field)
        if choice and choice.color:
            color = choice.color
    dashed = layer.dashed(props)
    if not st.progress_metrics:
        return FeatureStyle(color, st.fill_opacity, 1.0, dashed, None, category)
    pv = progress_value(layer, props)
    if pv is None:
        return FeatureStyle(st.unknown_color, 0.25, 0.8, dashed, None, category)
    metric, share = pv
    return FeatureStyle(color, 0.15 + 0.7 * share, 0.35 + 0.65 * share, dashed, share, category,
                        metric)
