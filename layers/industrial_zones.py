from layers.base import Choice, DistrictSummary, Field, Layer, Style
from layers.report_fields import START_YEAR, STRUCTURE_FIELDS, amount

ZONE_TYPE = (
    Choice("industrial_zone", "Khu công nghiệp", "Industrial zone", "#6a1b9a"),
    Choice("industrial_cluster", "Cụm công nghiệp", "Industrial cluster", "#ab47bc"),
    Choice("high_tech_zone", "Khu công nghệ cao", "High-tech zone", "#2e7d32"),
    Choice("it_park", "Khu công nghệ thông tin tập trung", "IT park", "#1565c0"),
    Choice("logistics_centre", "Trung tâm logistics", "Logistics centre", "#6d4c41"),
)

ZONE_STATUS = (
    Choice("planned", "Quy hoạch", "Planned", "#bdbdbd"),
    Choice("under_construction", "Đang xây dựng", "Under construction", "#1e88e5"),
    Choice("operating", "Đang hoạt động", "Operating", "#2e7d32"),
)

LAYER = Layer(
    id="industrial_zones",
    table="industrial_zone",
    title_vi="Khu, cụm công nghiệp",
    title_en="Industrial zones and clusters",
    description_vi="Khu công nghiệp, cụm công nghiệp, khu công nghệ cao, CNTT và logistics.",
    description_en="Industrial zones and clusters, high-tech, IT and logistics zones.",
    geometry_type="Geometry",
    fields=(
        Field("zone_type", "text", "Loại khu", "Zone type", choices=ZONE_TYPE, required=True,
              filter=True),
        *amount("area_ha", "Diện tích", "Area", "ha"),
        Field("status", "text", "Tình trạng", "Status", choices=ZONE_STATUS, filter=True),
        Field("lead_agency", "text", "Chủ đầu tư / quản lý", "Developer / manager"),
        *STRUCTURE_FIELDS,
        Field("status_text", "text", "Tình hình", "Status report", queryable=False,
              in_tiles=False, popup="details"),
    ),
    starts_field=START_YEAR,
    metrics=("occupancy_pct", "projects_count", "capital_registered_mil_usd",
             "capital_registered_bil_vnd", "fdi_registered_mil_usd", "fdi_projects_count",
             "capital_realised_mil_usd"),
    style=Style(color_field="zone_type", progress_metrics=("occupancy_pct",), fill_opacity=0.5),
    summary=DistrictSummary(columns=("zone_type", "area_ha"), group_by="status", order=3),
    order=20,
)
