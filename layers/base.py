"""The vocabulary of layer declarations.

A layer is declared once (see the sibling modules) and everything else - tables,
API collections, queryables, vector tiles, web-map styles, legends, printed maps,
exports and imports - is derived from the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from layers.phrases import Phrase

FieldType = Literal["text", "integer", "number", "date", "text[]", "json"]
PopupPlace = Literal["row", "details", "records", "conflicts", "hidden"]
# records: a JSON list of records (decisions, milestones) listed in a folded section;
# conflicts: a JSON list of values other sources (or a recomputation) give for the
# feature's fields and figures, each with its source, flagged beside what they contradict
POPUP_PLACES = ("row", "details", "records", "conflicts", "hidden")
JSON_POPUPS = ("records", "conflicts")  # the popup places a json field may take
# what a field is to the code that shows any layer (popups, tables, search): the field with
# role "districts" holds the feature's district codes, "source" its source document, ...
# (a layer has at most one field of a role, except "name": the feature's names)
FIELD_ROLES = ("name", "name_en", "districts", "wards", "source", "source_line", "quality")
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
    dashed: bool = False  # features with this value are drawn dashed (indicative geometry)


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
    max_value: float | None = None
    in_tiles: bool = True  # carried in vector tiles (long texts are left to the API)
    # offered as a filter (choice fields) in the web map, the print dialog and the CLI;
    # the query parameter is the field's name, and layers without the field are not
    # restricted by it
    filter: bool = False
    unit_en: str | None = None  # the unit in English, where it reads differently
    # the choice a feature without a value is shown as ("no record means unknown", never
    # "not achieved")
    missing: str | None = None
    # the choices are declared in rank order, lowest first (the missing one has no rank)
    ordered: bool = False
    # how a feature popup shows the field: a table row, a folded long text, or not at all
    popup: PopupPlace = "row"
    # this field holds how the text qualifies another (figure) field of the layer
    # ("khoảng" -> about): shown as the sign before that figure, not as a row of its own
    qualifies: str | None = None
    # what the field is to code that shows every layer alike (FIELD_ROLES)
    role: str | None = None

    def problems(self) -> list[str]:
        """What is wrong with the declaration (checked when its layer is declared)."""
        out = []
        if self.filter and not self.choices:
            out.append("filter=True needs choices")
        if self.missing is not None and self.choice(self.missing) is None:
            out.append(f"missing={self.missing!r} is not one of its choices")
        if self.ordered and not self.choices:
            out.append("ordered=True needs choices")
        if self.popup == "conflicts" and self.type != "json":
            out.append("popup='conflicts' is for a json list of conflicting values")
        if self.type == "json" and self.popup == "row":
            out.append("a json field cannot be a popup row: use popup='records', "
                       "'conflicts' or 'hidden'")
        if self.popup not in POPUP_PLACES:
            out.append(f"popup={self.popup!r}: use one of {POPUP_PLACES}")
        if self.role is not None and self.role not in FIELD_ROLES:
            out.append(f"role={self.role!r}: use one of {FIELD_ROLES}")
        return out

    def choice(self, value: str | None) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def shown_choice(self, value: str | None) -> Choice | None:
        """The choice a value is shown as: its own, else the ``missing`` one."""
        return self.choice(value) or self.choice(self.missing)

    @property
    def ranked(self) -> tuple[str, ...]:
        """Values in rank order, lowest first (``ordered`` fields; the missing one left out)."""
        return tuple(c.value for c in self.choices if c.value != self.missing) \
            if self.ordered else ()

    @property
    def dashed_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices if c.dashed)


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
    # how reports word it (layers/phrases.py): read by ``gis import report``
    phrases: tuple[Phrase, ...] = ()
    # what the figure measures, told apart from similar metrics (the web map's chooser)
    note_vi: str | None = None
    note_en: str | None = None


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
class Overdue:
    """Which features of a layer the stalled/overdue list watches (features whose
    ``status`` is one of ``active``) and where their planned end is read from: the last
    four-digit year in the text field ``end_from`` (e.g. "2021-2025" -> 2025)."""

    status: str  # a choice field
    active: tuple[str, ...]  # its values meaning "under way"
    end_from: str | None = None  # a text field holding the planned period


@dataclass(frozen=True)
class DistrictSummary:
    """How a layer appears in the district view's summary: one table of its features
    (name, ``columns``, ``total``, latest progress), in groups by ``group_by`` (count
    and the sum of ``total`` per group)."""

    columns: tuple[str, ...] = ()
    group_by: str | None = None  # a choice field
    total: str | None = None  # a number field summed per group, shown with its unit
    noun_vi: str = "đối tượng"  # what is counted in a group ("12 dự án")
    noun_en: str = "features"
    order: int = 100  # position among the summary's tables
    overdue: Overdue | None = None  # stalled / overdue features (district and city dashboards)


@dataclass(frozen=True)
class BestRecord:
    """The record of this (admin-coded) layer that counts for an administrative unit:
    the highest rank of the ``ordered`` field ``rank`` (the missing value never counts),
    then the latest ``year``. A unit without one has the field's ``missing`` value."""

    key: str  # the field holding the admin unit's code
    rank: str  # an ordered choice field
    year: str | None = None  # the year a record counts from (no year: its valid_on)
    shown: tuple[str, ...] = ()  # fields shown beside the rank (district summary)
    # admin unit types listed per district in the district summary (e.g. communes, "Xã")
    unit_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class FromBest:
    """Fields of this layer taken from another layer's :class:`BestRecord` for the same
    unit: ``fields`` pairs (this field, that layer's field); ``where`` restricts that
    layer's records (field, value)."""

    layer: str
    fields: tuple[tuple[str, str], ...]
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Override:
    """A field's value set by another field, e.g. urban districts (``unit_type`` "Quận")
    are outside the New Rural programme: ``ntm_level`` is "not_applicable"."""

    field: str
    value: str
    when_field: str
    when_value: str


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
    # fields whose values together name one fact: two records with the same values are
    # duplicates, which the loader refuses (file:line of both)
    unique: tuple[str, ...] = ()
    summary: DistrictSummary | None = None  # a table in the district view's summary
    best_record: BestRecord | None = None
    from_best: FromBest | None = None
    overrides: tuple[Override, ...] = ()
    view_of: str | None = None  # the admin table (keyed by code) this layer is a view over
    # the integer field holding the year the work starts: a progress figure valid before
    # that year is refused (API and edit form)
    starts_field: str | None = None

    def __post_init__(self):
        from layers.checks import layer_problems

        problems = layer_problems(self)
        if problems:
            raise ValueError(f"layer {self.id!r}: " + "; ".join(problems))

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

    def role_field(self, role: str) -> str | None:
        """The name of the layer's field of that role (FIELD_ROLES), if it has one."""
        return next((f.name for f in self.all_fields if f.role == role), None)

    @property
    def roles(self) -> dict[str, str]:
        """Each role the layer's fields play -> the field's name (the first "name" one)."""
        out: dict[str, str] = {}
        for f in self.all_fields:
            if f.role:
                out.setdefault(f.role, f.name)
        return out

    @property
    def name_fields(self) -> tuple[str, ...]:
        """The fields that name a feature (role "name" or "name_en"; the label field)."""
        names = [f.name for f in self.all_fields if f.role in ("name", "name_en")]
        if self.style.label_field and self.style.label_field not in names:
            names.append(self.style.label_field)
        return tuple(names)

    @property
    def shading_metrics(self) -> tuple[str, ...]:
        """The style's progress metrics that the layer tracks, first one first."""
        return tuple(m for m in self.style.progress_metrics if m in self.metrics)

    def dashed(self, props: dict) -> bool:
        """Drawn dashed: a value whose choice says so (indicative geometry)."""
        return any(props.get(f.name) in f.dashed_values for f in self.all_fields
                   if f.dashed_values)

    @property
    def queryables(self) -> tuple[Field, ...]:
        return tuple(f for f in self.all_fields if f.queryable)
