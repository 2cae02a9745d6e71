"""The catalogue of progress metrics. Layers name the ones they track.

Amounts over a period (``periodic``) must say which period each figure covers; a share
of one against its ``total`` is only meaningful between figures of the same period."""

from layers.base import Metric
from layers.checks import phrase_problems
from layers.phrases import BILLION_VND_UNITS, Phrase

# How reports of the People's Committee word each metric (report 320/BC-UBND, Phụ lục III,
# is the model): see layers/phrases.py. A new wording is one more Phrase here.
HANDOVER = (Phrase(r"bàn giao mặt bằng(?:\s+(?:khoảng|đạt|được))*\s*(?P<value>{n})\s*%"),)
COMPENSATION = (
    Phrase(r"(?:bồi thường|giải phóng mặt bằng)[^.;%]{0,60}?đạt\s*(?:khoảng\s*)?"
           r"(?P<value>{n})\s*%"),
)
CONSTRUCTION = (
    Phrase(r"thi công[^.;%]{0,80}?đạt\s*(?:khoảng\s*)?(?P<value>{n})\s*%"),
)
PACKAGES = (Phrase(r"(?P<value>{n})\s*/\s*(?P<total>{n})\s*gói thầu"),)
CAPITAL_PLAN = (
    Phrase(r"(?:kế hoạch\s*(?:\(KH\)\s*)?|KH\s*)?vốn(?![^.;:]*còn lại)[^.;:]{0,60}?"
           r"(?:bố trí|giao)[^.;]{0,40}?(?:là\s*|:\s*)?"
           r"(?P<value>{n})\s*{unit}", units=BILLION_VND_UNITS),
)
CAPITAL_DISBURSED = (
    Phrase(r"giải ngân[^.;]{0,50}?(?:là\s*|đạt\s*|:\s*)?(?P<value>{n})\s*{unit}"
           r"(?:[,\s]*đạt\s*(?P<pct>{n})\s*%)?", units=BILLION_VND_UNITS,
           percent="disbursement_pct"),
)
# "kinh phí thực hiện đạt 108/197,704 tỷ đồng (54,63%)" (002:144): value executed against
# the budget it is measured by, and the printed share
EXECUTED = (
    Phrase(r"kinh phí thực hiện(?:\s+đạt)?\s*(?P<value>{n})\s*/\s*(?P<total>{n})\s*{unit}"
           r"(?:\s*\(\s*(?P<pct>{n})\s*%\s*\))?", units=BILLION_VND_UNITS,
           percent="executed_pct", note="kinh phí thực hiện (executed funds)",
           period="cumulative"),
    # "lũy kế giá trị thực hiện khoảng 241,315/519,342 tỷ đồng" (002:136)
    Phrase(r"giá trị thực hiện(?:\s+khoảng)?\s*(?P<value>{n})\s*/\s*(?P<total>{n})\s*{unit}",
           units=BILLION_VND_UNITS, note="giá trị thực hiện (value executed)"),
)
# "đã bàn giao mặt bằng cho dự án khoảng 18,67 ha" (002:151)
HANDED_OVER_HA = (
    Phrase(r"bàn giao mặt bằng[^.;%]{0,40}?(?:khoảng\s*)?(?P<value>{n})\s*ha\b"),
)
OCCUPANCY = (Phrase(r"lấp đầy(?:\s+(?:khoảng|đạt))*\s*(?P<value>{n})\s*%"),)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("site_handover_pct", "%", "Bàn giao mặt bằng", "Site handed over", percent=True,
               phrases=HANDOVER,
               note_vi="Phần mặt bằng đã giao cho chủ đầu tư/nhà thầu để thi công "
                       "(\"đã bàn giao mặt bằng khoảng …%\"); bước sau bồi thường.",
               note_en="Share of the site handed to the investor/contractor to build on "
                       "(\"site handed over about …%\"); the step after compensation."),
        Metric("site_handed_over_ha", "ha", "Diện tích mặt bằng đã bàn giao",
               "Site area handed over", total="land_acquired_ha", phrases=HANDED_OVER_HA),
        Metric("compensation_pct", "%", "Bồi thường, GPMB", "Compensation / site clearance",
               percent=True, phrases=COMPENSATION,
               note_vi="Tiến độ bồi thường, hỗ trợ, tái định cư và giải phóng mặt bằng "
                       "(\"bồi thường … đạt …%\"); chưa phải mặt bằng đã bàn giao.",
               note_en="Progress of compensation, support, resettlement and clearance "
                       "(\"compensation … reached …%\"); not yet the site handed over."),
        Metric("construction_pct", "%", "Khối lượng thi công", "Construction", percent=True,
               phrases=CONSTRUCTION,
               note_vi="Khối lượng xây dựng đã thực hiện so với tổng khối lượng (thi công), "
                       "không tính mặt bằng hay vốn.",
               note_en="Construction work done against the whole works; neither the site "
                       "nor the money."),
        Metric("packages_done", "gói thầu", "Gói thầu đã thi công", "Packages under way or done",
               integer=True, unit_en="packages", total="packages_total", phrases=PACKAGES),
        Metric("packages_total", "gói thầu", "Tổng số gói thầu", "Packages in total",
               integer=True, unit_en="packages"),
        Metric("capital_plan_bil_vnd", "tỷ đồng", "Kế hoạch vốn", "Capital allocated (plan)",
               unit_en="billion VND", periodic=True, phrases=CAPITAL_PLAN),
        Metric("capital_disbursed_bil_vnd", "tỷ đồng", "Vốn đã giải ngân", "Capital disbursed",
               unit_en="billion VND", total="capital_plan_bil_vnd", periodic=True,
               phrases=CAPITAL_DISBURSED),
        Metric("disbursement_pct", "%", "Giải ngân so với kế hoạch", "Disbursed, % of plan",
               percent=True, periodic=True,
               note_vi="Vốn đã giải ngân so với kế hoạch vốn được giao (thường của một năm), "
                       "không phải khối lượng thi công.",
               note_en="Capital disbursed against the capital allocated (often for one "
                       "year); not the construction done."),
        Metric("executed_value_bil_vnd", "tỷ đồng", "Kinh phí, giá trị thực hiện",
               "Value executed", unit_en="billion VND", total="executed_budget_bil_vnd",
               periodic=True, phrases=EXECUTED),
        Metric("executed_budget_bil_vnd", "tỷ đồng", "Kinh phí được so sánh (mẫu số)",
               "Budget the executed value is measured against", unit_en="billion VND"),
        Metric("executed_pct", "%", "Kinh phí thực hiện đạt", "Value executed, % of budget",
               percent=True, periodic=True,
               note_vi="Giá trị (kinh phí) đã thực hiện so với kinh phí hoặc giá trị hợp đồng "
                       "của công trình; không phải vốn giải ngân theo kế hoạch năm.",
               note_en="Value executed against the works' budget or contract value; not the "
                       "capital disbursed against a year's plan."),
        Metric("occupancy_pct", "%", "Tỷ lệ lấp đầy", "Occupancy", percent=True,
               phrases=OCCUPANCY,
               note_vi="Diện tích đất công nghiệp đã cho thuê so với diện tích cho thuê được "
                       "của khu/cụm.",
               note_en="Industrial land leased against the zone's leasable land."),
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

_problems = phrase_problems(METRICS)
if _problems:
    raise ValueError("metric phrases: " + "; ".join(_problems))
