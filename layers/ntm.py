from layers.base import BestRecord, Choice, Field, Layer, Style
from layers.basis import BASIS_FIELDS

NTM_LEVEL = (
    Choice("ntm", "Đạt chuẩn nông thôn mới", "New Rural standard", "#aed581"),
    Choice("ntm_nang_cao", "Nông thôn mới nâng cao", "Advanced New Rural", "#43a047"),
    Choice("ntm_kieu_mau", "Nông thôn mới kiểu mẫu", "Model New Rural", "#1b5e20"),
    Choice("unknown", "Chưa rõ", "Unknown", "#bdbdbd"),
)

UNIT_LEVEL = (
    Choice("city", "Thành phố", "City"),
    Choice("district", "Quận/huyện", "District"),
    Choice("commune", "Xã", "Commune"),
)

LAYER = Layer(
    id="ntm",
    table="ntm_status",
    title_vi="Nông thôn mới",
    title_en="New Rural (NTM) status",
    description_vi="Công nhận nông thôn mới theo huyện và xã (một bản ghi mỗi đơn vị và mức đạt). "
                   "Số lượng, chỉ tiêu và số tiêu chí của cả thành phố là chỉ tiêu (indicators).",
    description_en="New Rural recognitions by district and commune (one record per unit and "
                   "level). City-wide counts, targets and criteria counts are indicators.",
    geometry_type="Geometry",
    fields=(
        Field("unit_code", "text", "Mã đơn vị hành chính", "Admin unit code", required=True),
        Field("unit_level", "text", "Cấp", "Level", choices=UNIT_LEVEL, required=True),
        Field("ntm_level", "text", "Mức đạt", "NTM level", choices=NTM_LEVEL, required=True,
              missing="unknown", ordered=True),  # no record: unknown, never "not achieved"
        Field("year_recognised", "integer", "Năm công nhận", "Year recognised"),
        Field("decision_no", "text", "Quyết định", "Decision"),
        # named: the text names the unit; derived: inferred from a total ("36/36 xã",
        # 004:72), with the rule and the lines, shown as "Suy ra từ: 004:72"
        *BASIS_FIELDS,
    ),
    style=Style(color_field="ntm_level", fill_opacity=0.6, stroke_width=1),
    geometry_from_admin="unit_code",
    # a unit counts its highest recognition (then the latest); communes listed per district
    best_record=BestRecord(key="unit_code", rank="ntm_level", year="year_recognised",
                           shown=("year_recognised", "decision_no", "basis", "derived_from"),
                           unit_types=("Xã",)),
    unique=("unit_code", "ntm_level"),  # one record per unit and level (the loader checks)
    order=10,
)
