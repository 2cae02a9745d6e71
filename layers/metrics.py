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
               integer=True, unit_en="packages", total="packages_total"),
        Metric("packages_total", "gói thầu", "Tổng số gói thầu", "Packages in total",
               integer=True, unit_en="packages"),
        Metric("capital_plan_bil_vnd", "tỷ đồng", "Kế hoạch vốn", "Capital allocated (plan)",
               unit_en="billion VND"),
        Metric("capital_disbursed_bil_vnd", "tỷ đồng", "Vốn đã giải ngân", "Capital disbursed",
               unit_en="billion VND", total="capital_plan_bil_vnd"),
        Metric("disbursement_pct", "%", "Giải ngân so với kế hoạch", "Disbursed, % of plan",
               percent=True),
        Metric("occupancy_pct", "%", "Tỷ lệ lấp đầy", "Occupancy", percent=True),
        Metric("projects_count", "dự án", "Số dự án", "Projects", integer=True,
               unit_en="projects"),
        Metric("length_done_m", "m", "Chiều dài đã thi công", "Length built", total="length_m"),
        Metric("capital_registered_mil_usd", "triệu USD", "Vốn đăng ký (FDI)",
               "Registered capital (FDI)", unit_en="million USD"),
        Metric("capital_registered_bil_vnd", "tỷ đồng", "Vốn đăng ký", "Registered capital",
               unit_en="billion VND"),
    )
}
