"""The vocabulary of layer declarations.

A layer is declared once (see the sibling modules) and everything else - tables,
API collections, queryables, vector tiles, web-map styles, legends, printed maps,
exports and imports - is derived from the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["text", "integer", "number", "date", "text[]", "json"]
GeometryType = Literal[
    "Geometry", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"
]


@dataclass(frozen=True)
class Choice:
    """One allowed value of an enumerated field, with labels and its map colour."""

    value: str
    label_vi: str
    label_en: str
    color: str | None = None


@dataclass(frozen=True)
class Field:
    """One attribute of a layer."""

    name: str
    type: FieldType
    label_vi: str
    label_en: str
    unit: str | None = None
    choices: tuple[Choice, ...] = ()
    queryable: bool = True
    required: bool = False
    figure: bool = False  # a number copied from a document in Vietnamese notation
    max_value: float | None = None
    in_tiles: bool = True  # carried in vector tiles (long texts are left to the API)
    summed: bool = False  # totalled in summaries (district view)
    # offered as a filter (choice fields) in the web map, the print dialog and the CLI;
    # the query parameter is the field's name, and layers without the field are not
    # restricted by it
    filter: bool = False

    def choice(self, value: str | None) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class Metric:
    """A progress metric: progress snapshots of features carry one of these."""

    name: str
    unit: str
    label_vi: str
    label_en: str
    percent: bool = False  # a share in % (0..100)
    integer: bool = False
    unit_en: str | None = None  # the unit in English, where it reads differently
    # the metric or field of the same feature this one is counted against (a progress
    # bar of done / total), e.g. packages_done -> packages_total
    total: str | None = None
    # an amount over a period (money planned, disbursed, executed): each figure must name
    # its period (layers.figures.PERIOD_KINDS); other metrics are states at a point in time
    periodic: bool = False


METRIC_PARTS = ("date", "unit", "source", "period", "qualifier")


def metric_column(metric: str, part: str | None = None) -> str:
    """The flat property of a metric's current figure: its value (``part=None``), or
    ``{metric}_date``, ``{metric}_unit``, ``{metric}_source``, ``{metric}_period``,
    ``{metric}_qualifier``."""
    if part is None:
        return metric
    if part not in METRIC_PARTS:
        raise ValueError(f"unknown part {part!r} of a metric (one of {METRIC_PARTS})")
    return f"{metric}_{part}"


@dataclass(frozen=True)
class Style:
    """How a layer is drawn: the web map, the tiles' style document and printed maps.

    Features are coloured by ``color_field`` (each choice has a colour) and, where
    ``progress_metrics`` is set, shaded by the first of those metrics they have:
    the fill becomes more opaque as progress goes from 0 to 100 %. Features with no
    progress figure are drawn hatched-grey as "unknown". Indicative geometries are
    dashed.
    """

    color_field: str | None = None
    default_color: str = "#666666"
    progress_metrics: tuple[str, ...] = ()
    stroke_width: float = 2.0
    fill_opacity: float = 0.35
    point_radius: float = 6.0
    unknown_color: str = "#9e9e9e"
    label_field: str | None = None


@dataclass(frozen=True)
class Layer:
    """One spatial layer of the planning GIS."""

    id: str
    table: str
    title_vi: str
    title_en: str
    description_vi: str
    description_en: str
    geometry_type: GeometryType
    fields: tuple[Field, ...]
    metrics: tuple[str, ...] = ()
    style: Style = field(default_factory=Style)
    feature_fields: bool = True  # carries the common feature fields (name, source, ...)
    managed_table: bool = True  # created from this declaration (False: a view/migration)
    editable: bool = True
    geometry_from_admin: str | None = None  # field holding an admin code to take geometry from
    order: int = 100  # drawing order on maps: lower is drawn first

    @property
    def all_fields(self) -> tuple[Field, ...]:
        from layers.common import COMMON_FIELDS

        return (COMMON_FIELDS + self.fields) if self.feature_fields else self.fields

    def field(self, name: str) -> Field:
        for f in self.all_fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.all_fields)

    @property
    def shading_metrics(self) -> tuple[str, ...]:
        """The style's progress metrics that the layer tracks, first one first."""
        return tuple(m for m in self.style.progress_metrics if m in self.metrics)

    @property
    def summed_field(self) -> Field | None:
        """The figure totalled per group in summaries, if the layer declares one."""
        return next((f for f in self.all_fields if f.summed), None)

    @property
    def queryables(self) -> tuple[Field, ...]:
        return tuple(f for f in self.all_fields if f.queryable)

    @property
    def title(self) -> str:
        return self.title_vi
