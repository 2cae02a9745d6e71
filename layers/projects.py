from layers.base import Choice, Field, Layer, Style
from layers.choices import STATUS, STATUS_CLASS

KIND = (
    Choice("road", "Đường giao thông", "Road", "#e53935"),
    Choice("bridge", "Cầu", "Bridge", "#8e24aa"),
    Choice("hospital", "Bệnh viện", "Hospital", "#d81b60"),
    Choice("school", "Trường học", "School / university", "#3949ab"),
    Choice("public_building", "Công trình công cộng", "Public building", "#5e35b1"),
    Choice("water_supply", "Cấp nước", "Water supply", "#039be5"),
    Choice("drainage", "Thoát nước", "Drainage", "#00acc1"),
    Choice("power", "Điện", "Power", "#fdd835"),
    Choice("port", "Cảng", "Port", "#00897b"),
    Choice("airport", "Cảng hàng không", "Airport", "#546e7a"),
    Choice("logistics", "Logistics", "Logistics", "#6d4c41"),
    Choice("it_park", "Khu công nghệ thông tin", "IT park", "#1e88e5"),
    Choice("high_tech_park", "Khu công nghệ cao", "High-tech park", "#43a047"),
    Choice("urban_area", "Khu đô thị", "Urban area", "#f4511e"),
    Choice("resettlement", "Tái định cư", "Resettlement", "#fb8c00"),
    Choice("waste_treatment", "Xử lý chất thải", "Waste treatment", "#7cb342"),
    Choice("other", "Khác", "Other", "#757575"),
)

LAYER = Layer(
    id="projects",
    table="infra_project",
    title_vi="Dự án kết cấu hạ tầng",
    title_en="Infrastructure projects",
    description_vi="Dự án hạ tầng theo các báo cáo của thành phố, với tiến độ.",
    description_en="Infrastructure projects tracked in the city's reports, with progress.",
    geometry_type="Geometry",
    fields=(
        Field("kind", "text", "Loại công trình", "Kind", choices=KIND, required=True),
        Field("status_class", "text", "Phân loại (Phụ lục III)", "Status class (Appendix III)",
              choices=STATUS_CLASS),
        Field("status", "text", "Tình trạng", "Status", choices=STATUS),
        Field("lead_agency", "text", "Cơ quan chủ trì", "Lead agency"),
        Field("approval_period", "text", "Thời gian lập, trình phê duyệt", "Approval period"),
        Field("implementation_period", "text", "Thời gian thực hiện", "Implementation period"),
        Field("funding_source", "text", "Nguồn vốn", "Funding source"),
        Field("total_investment_bil_vnd", "number", "Tổng mức đầu tư", "Total investment",
              unit="tỷ đồng", figure=True, summed=True),
        Field("status_text", "text", "Tình hình thực hiện", "Status report", queryable=False,
              in_tiles=False),
    ),
    metrics=(
        "site_handover_pct", "compensation_pct", "construction_pct", "packages_done",
        "packages_total", "capital_plan_bil_vnd", "capital_disbursed_bil_vnd",
        "disbursement_pct", "length_done_m",
    ),
    style=Style(
        color_field="kind",
        progress_metrics=("construction_pct", "site_handover_pct", "compensation_pct",
                          "disbursement_pct"),
        stroke_width=4,
        point_radius=7,
    ),
    order=40,
)
