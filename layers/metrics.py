"""The catalogue of progress metrics. Layers name the ones they track."""

from layers.base import Metric

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("site_handover_pct", "%", "Bàn giao mặt bằng", "Site handed over", percent=True,
               note_vi="Phần mặt bằng đã giao cho chủ đầu tư/nhà thầu để thi công "
                       "(\"đã bàn giao mặt bằng khoảng …%\"); bước sau bồi thường.",
               note_en="Share of the site handed to the investor/contractor to build on "
                       "(\"site handed over about …%\"); the step after compensation."),
        Metric("compensation_pct", "%", "Bồi thường, GPMB", "Compensation / site clearance",
               percent=True,
               note_vi="Tiến độ bồi thường, hỗ trợ, tái định cư và giải phóng mặt bằng "
                       "(\"bồi thường … đạt …%\"); chưa phải mặt bằng đã bàn giao.",
               note_en="Progress of compensation, support, resettlement and clearance "
                       "(\"compensation … reached …%\"); not yet the site handed over."),
        Metric("construction_pct", "%", "Khối lượng thi công", "Construction", percent=True,
               note_vi="Khối lượng xây dựng đã thực hiện so với tổng khối lượng (thi công), "
                       "không tính mặt bằng hay vốn.",
               note_en="Construction work done against the whole works; neither the site "
                       "nor the money."),
        Metric("packages_done", "gói thầu", "Gói thầu đã thi công", "Packages under way or done",
               integer=True, unit_en="packages", total="packages_total"),
        Metric("packages_total", "gói thầu", "Tổng số gói thầu", "Packages in total",
               integer=True, unit_en="packages"),
        Metric("capital_plan_bil_vnd", "tỷ đồng", "Kế hoạch vốn", "Capital allocated (plan)",
               unit_en="billion VND"),
        Metric("capital_disbursed_bil_vnd", "tỷ đồng", "Vốn đã giải ngân", "Capital disbursed",
               unit_en="billion VND", total="capital_plan_bil_vnd"),
        Metric("disbursement_pct", "%", "Giải ngân so với kế hoạch", "Disbursed, % of plan",
               percent=True,
               note_vi="Vốn đã giải ngân so với kế hoạch vốn được giao (thường của một năm), "
                       "không phải khối lượng thi công.",
               note_en="Capital disbursed against the capital allocated (often for one "
                       "year); not the construction done."),
        Metric("occupancy_pct", "%", "Tỷ lệ lấp đầy", "Occupancy", percent=True,
               note_vi="Diện tích đất công nghiệp đã cho thuê so với diện tích cho thuê được "
                       "của khu/cụm.",
               note_en="Industrial land leased against the zone's leasable land."),
        Metric("projects_count", "dự án", "Số dự án", "Projects", integer=True,
               unit_en="projects"),
        Metric("length_done_m", "m", "Chiều dài đã thi công", "Length built", total="length_m"),
        Metric("capital_registered_mil_usd", "triệu USD", "Vốn đăng ký (FDI)",
               "Registered capital (FDI)", unit_en="million USD"),
        Metric("capital_registered_bil_vnd", "tỷ đồng", "Vốn đăng ký", "Registered capital",
               unit_en="billion VND"),
    )
}
