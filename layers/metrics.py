"""The catalogue of progress metrics. Layers name the ones they track."""

from layers.base import Metric

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("site_handover_pct", "%", "Bàn giao mặt bằng", "Site handed over", percent=True),
        Metric("compensation_pct", "%", "Bồi thường, GPMB", "Compensation / site clearance",
               percent=True),
        Metric("construction_pct", "%", "Khối lượng thi công", "Construction", percent=True),
        Metric("packages_done", "gói thầu", "Gói thầu đã thi công", "Packages under way or done",
               integer=True),
        Metric("packages_total", "gói thầu", "Tổng số gói thầu", "Packages in total",
               integer=True),
        Metric("capital_plan_bil_vnd", "tỷ đồng", "Kế hoạch vốn", "Capital allocated (plan)"),
        Metric("capital_disbursed_bil_vnd", "tỷ đồng", "Vốn đã giải ngân", "Capital disbursed"),
        Metric("disbursement_pct", "%", "Giải ngân so với kế hoạch", "Disbursed, % of plan",
               percent=True),
        Metric("occupancy_pct", "%", "Tỷ lệ lấp đầy", "Occupancy", percent=True),
        Metric("projects_count", "dự án", "Số dự án", "Projects", integer=True),
        Metric("length_done_m", "m", "Chiều dài đã thi công", "Length built"),
        Metric("capital_registered_mil_usd", "triệu USD", "Vốn đăng ký (FDI)",
               "Registered capital (FDI)"),
        Metric("capital_registered_bil_vnd", "tỷ đồng", "Vốn đăng ký", "Registered capital"),
    )
}
