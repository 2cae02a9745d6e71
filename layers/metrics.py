"""The catalogue of progress metrics. Layers name the ones they track.

Amounts over a period (``periodic``) must say which period each figure covers; a share
of one against its ``total`` is only meaningful between figures of the same period."""

from layers.base import Metric

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("site_handover_pct", "%", "Bàn giao mặt bằng", "Site handed over", percent=True),
        Metric("site_handed_over_ha", "ha", "Diện tích mặt bằng đã bàn giao",
               "Site area handed over", total="land_acquired_ha"),
        Metric("compensation_pct", "%", "Bồi thường, GPMB", "Compensation / site clearance",
               percent=True),
        Metric("construction_pct", "%", "Khối lượng thi công", "Construction", percent=True),
        Metric("packages_done", "gói thầu", "Gói thầu đã thi công", "Packages under way or done",
               integer=True, unit_en="packages", total="packages_total"),
        Metric("packages_total", "gói thầu", "Tổng số gói thầu", "Packages in total",
               integer=True, unit_en="packages"),
        Metric("capital_plan_bil_vnd", "tỷ đồng", "Kế hoạch vốn", "Capital allocated (plan)",
               unit_en="billion VND", periodic=True),
        Metric("capital_disbursed_bil_vnd", "tỷ đồng", "Vốn đã giải ngân", "Capital disbursed",
               unit_en="billion VND", total="capital_plan_bil_vnd", periodic=True),
        Metric("disbursement_pct", "%", "Giải ngân so với kế hoạch", "Disbursed, % of plan",
               percent=True, periodic=True),
        Metric("executed_value_bil_vnd", "tỷ đồng", "Kinh phí, giá trị thực hiện",
               "Value executed", unit_en="billion VND", total="executed_budget_bil_vnd",
               periodic=True),
        Metric("executed_budget_bil_vnd", "tỷ đồng", "Kinh phí được so sánh (mẫu số)",
               "Budget the executed value is measured against", unit_en="billion VND"),
        Metric("executed_pct", "%", "Kinh phí thực hiện đạt", "Value executed, % of budget",
               percent=True, periodic=True),
        Metric("occupancy_pct", "%", "Tỷ lệ lấp đầy", "Occupancy", percent=True),
        Metric("projects_count", "dự án", "Số dự án", "Projects", integer=True,
               unit_en="projects"),
        Metric("length_done_m", "m", "Chiều dài đã thi công", "Length built", total="length_m"),
        Metric("capital_registered_mil_usd", "triệu USD", "Vốn đầu tư đăng ký (mọi nhà đầu tư)",
               "Registered capital (all investors)", unit_en="million USD"),
        Metric("fdi_registered_mil_usd", "triệu USD", "Vốn đăng ký FDI",
               "Registered capital (FDI)", unit_en="million USD",
               total="capital_registered_mil_usd"),
        Metric("fdi_projects_count", "dự án", "Số dự án FDI", "FDI projects", integer=True,
               unit_en="projects", total="projects_count"),
        Metric("capital_realised_mil_usd", "triệu USD", "Vốn đầu tư đã thực hiện",
               "Capital invested (realised)", unit_en="million USD",
               total="capital_registered_mil_usd"),
        Metric("capital_registered_bil_vnd", "tỷ đồng", "Vốn đăng ký", "Registered capital",
               unit_en="billion VND"),
    )
}
