from layers.base import Choice, DistrictSummary, Field, Layer, Overdue, Style
from layers.choices import STATUS
from layers.report_fields import AGENCY_FIELDS, START_YEAR, STRUCTURE_FIELDS, qualifier_field

WORK_TYPE = (
    Choice("embankment", "Kè sông", "Embankment", "#0277bd"),
    Choice("dredging", "Nạo vét", "Dredging", "#26a69a"),
    Choice("drainage", "Thoát nước đô thị", "Urban drainage", "#00838f"),
    Choice("anti_flood", "Chống ngập, cống, đê bao", "Anti-flood works", "#283593"),
    Choice("erosion_control", "Chống sạt lở", "Erosion control", "#d84315"),
)

LAYER = Layer(
    id="flood_works",
    table="flood_work",
    title_vi="Công trình chống ngập, sạt lở",
    title_en="Flood and erosion works",
    description_vi="Kè, nạo vét, thoát nước và chống ngập, chống sạt lở bờ sông.",
    description_en="Embankments, dredging, drainage, anti-flood and riverbank-erosion works.",
    geometry_type="Geometry",
    fields=(
        Field("work_type", "text", "Loại công trình", "Work type", choices=WORK_TYPE,
              required=True, filter=True),
        Field("river", "text", "Sông, kênh", "River or canal"),
        Field("from_place", "text", "Điểm đầu", "From"),
        Field("to_place", "text", "Điểm cuối", "To"),
        Field("length_m", "number", "Chiều dài", "Length", unit="m"),
        qualifier_field("length_m", "Chiều dài", "Length"),
        Field("status", "text", "Tình trạng", "Status", choices=STATUS, filter=True),
        Field("lead_agency", "text", "Cơ quan chủ trì", "Lead agency"),
        *AGENCY_FIELDS,
        Field("implementation_period", "text", "Thời gian thực hiện", "Implementation period"),
        Field("total_investment_bil_vnd", "number", "Tổng mức đầu tư", "Total investment",
              unit="tỷ đồng", unit_en="billion VND"),
        qualifier_field("total_investment_bil_vnd", "Tổng mức đầu tư", "Total investment"),
        *STRUCTURE_FIELDS,
        Field("status_text", "text", "Tình hình thực hiện", "Status report", queryable=False,
              in_tiles=False, popup="details"),
    ),
    starts_field=START_YEAR,
    metrics=("construction_pct", "compensation_pct", "site_handover_pct", "length_done_m",
             "capital_plan_bil_vnd", "capital_disbursed_bil_vnd", "disbursement_pct",
             "executed_value_bil_vnd", "executed_budget_bil_vnd", "executed_pct"),
    style=Style(color_field="status", progress_metrics=("construction_pct",), stroke_width=4),
    summary=DistrictSummary(columns=("work_type",), group_by="status",
                            total="total_investment_bil_vnd", order=2,
                            overdue=Overdue("status", ("under_construction",),
                                            end_from="implementation_period")),
    order=30,
)
