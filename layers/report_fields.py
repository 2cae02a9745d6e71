"""Fields for what the reports say about a project, declared once and shared by layers.

- ``amount(...)``: a figure field (Vietnamese notation) with its ``{name}_qualifier``
  companion ("khoảng 43,37 ha" -> ``about``, "trên 129 tỷ đồng" -> ``over``).
- ``STRUCTURE_FIELDS``: parts (``parent``, and ``parts`` filled in by the loader from the
  parts' ``parent``), the same work in another layer (``same_as: "<layer>/<id>"``),
  decisions and milestones (a list of records, ``DECISION_KEYS``), the implementation
  period as two years, the districts a feature is placed in by inference, and the
  source of a figure field printed on another line than the feature's own
  (``field_sources``).

Totals (total investment in the district view) count a part only where its parent has
no value of its own, and a ``same_as`` record only where its counterpart in the other
layer has none: see :func:`gis.totals.counted`.
"""

from __future__ import annotations

from layers.base import Choice, Field
from layers.figures import QUALIFIERS


def qualifier_field(name: str, label_vi: str, label_en: str) -> Field:
    """The companion of a figure field: how the text qualifies it (about, over, under)."""
    return Field(f"{name}_qualifier", "text", f"{label_vi}: mức độ", f"{label_en}: qualifier",
                 choices=QUALIFIERS, in_tiles=False, qualifies=name, popup="hidden")


def amount(name: str, label_vi: str, label_en: str, unit: str | None, *,
           integer: bool = False, **kw) -> tuple[Field, Field]:
    """A figure copied from a report and the qualifier printed with it."""
    return (Field(name, "integer" if integer else "number", label_vi, label_en, unit=unit,
                  **kw),
            qualifier_field(name, label_vi, label_en))


def figure_fields(layer) -> tuple[str, ...]:
    """The layer's figure fields: numbers copied from a report, declared with their
    ``{name}_qualifier`` companion (``amount``, ``qualifier_field``). Each must be
    printed on the line it cites (tests/test_provenance.py)."""
    return tuple(f.name for f in layer.all_fields
                 if f.type in ("number", "integer") and layer.has_field(f"{f.name}_qualifier"))


DECISION_KINDS = (
    Choice("approval", "Phê duyệt dự án", "Project approval"),
    Choice("adjustment", "Điều chỉnh", "Adjustment"),
    Choice("investment_policy", "Chủ trương đầu tư", "Investment policy"),
    Choice("land_allocation", "Giao đất, thu hồi đất", "Land allocation"),
    Choice("investor_assignment", "Giao chủ đầu tư", "Investor assignment"),
    Choice("capital_allocation", "Giao, điều chỉnh kế hoạch vốn", "Capital allocation"),
    Choice("other_decision", "Văn bản khác", "Other document"),
    Choice("groundbreaking", "Khởi công", "Groundbreaking"),
    Choice("completion", "Hoàn thành", "Completion"),
    Choice("planned_completion", "Dự kiến hoàn thành", "Planned completion"),
    Choice("extension", "Gia hạn thời gian thực hiện", "Extension"),
)

# A decision or milestone: kind (DECISION_KINDS) and source are required; number, date
# (YYYY-MM-DD, or the year/month as printed in ``date_text``), issuing body and a short
# subject as printed; ``differs_from`` names the other document's citation of the same
# decision when the two disagree (both are kept, and the record is flagged).
DECISION_KEYS = ("kind", "number", "date", "date_text", "issuer", "subject", "source",
                 "differs_from")

DECISIONS = Field("decisions", "json", "Quyết định, mốc thực hiện", "Decisions and milestones",
                  queryable=False, in_tiles=False, popup="records")

# The structure fields' names, for the code that links and totals features (gis.totals,
# gis.dataset.structure): a part names its parent, the parent lists its parts, a record
# names the same work in another layer.
PARENT, PARTS, SAME_AS = "parent", "parts", "same_as"
# the year the work starts (``Layer.starts_field`` of the layers with these fields)
START_YEAR = "period_start"

STRUCTURE_FIELDS: tuple[Field, ...] = (
    Field(PARENT, "text", "Thuộc dự án", "Part of (project id)"),
    Field(PARTS, "text[]", "Các giai đoạn, hạng mục", "Phases and components",
          in_tiles=False),
    Field(SAME_AS, "text", "Cùng công trình ở lớp khác", "Same work in another layer"),
    Field(START_YEAR, "integer", "Năm bắt đầu thực hiện", "Implementation starts (year)"),
    Field("period_end", "integer", "Năm kết thúc (kế hoạch)", "Implementation ends (planned)"),
    DECISIONS,
    Field("districts_inferred", "text[]", "Quận/huyện (suy đoán)", "Districts (inferred)"),
    Field("districts_inferred_reason", "text", "Lý do suy đoán quận/huyện",
          "Why the districts are inferred", queryable=False, in_tiles=False,
          popup="details"),
    Field("field_sources", "json", "Nguồn của từng số liệu", "Source of each figure",
          queryable=False, in_tiles=False, popup="hidden"),
)

# Fields whose values the loader derives (not written in the dataset files).
DERIVED_FIELDS = (PARTS,)

# The district fields a feature's place is checked against (named and inferred).
PLACE_FIELDS = ("districts", "districts_inferred")

AGENCY_FIELDS: tuple[Field, ...] = (
    Field("investor", "text", "Chủ đầu tư", "Investor"),
    Field("coordinating_agencies", "text", "Cơ quan phối hợp", "Coordinating agencies"),
)

MONEY_USD_FIELDS: tuple[Field, ...] = (
    *amount("total_investment_mil_usd", "Tổng mức đầu tư (USD)", "Total investment (USD)",
            "triệu USD", unit_en="million USD"),
    *amount("oda_mil_usd", "Vốn ODA", "ODA capital", "triệu USD", unit_en="million USD"),
    *amount("counterpart_mil_usd", "Vốn đối ứng", "Counterpart capital", "triệu USD",
            unit_en="million USD"),
)

SCALE_FIELDS: tuple[Field, ...] = (
    *amount("beds", "Quy mô giường bệnh", "Beds", "giường", integer=True, unit_en="beds"),
    *amount("capacity", "Công suất", "Capacity", None),
    Field("capacity_unit", "text", "Đơn vị công suất", "Capacity unit"),
    *amount("land_acquired_ha", "Diện tích đất thu hồi", "Land acquired", "ha"),
    *amount("households_affected", "Số hộ dân, tổ chức bị ảnh hưởng",
            "Households and organisations affected", "trường hợp", integer=True,
            unit_en="cases"),
)
