from layers.base import BestRecord, Choice, Field, Layer, Style

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
    description_vi="Công nhận nông thôn mới theo huyện và xã (một bản ghi mỗi lần công nhận).",
    description_en="New Rural recognitions by district and commune (one record per recognition).",
    geometry_type="Geometry",
    fields=(
        Field("unit_code", "text", "Mã đơn vị hành chính", "Admin unit code", required=True),
        Field("unit_level", "text", "Cấp", "Level", choices=UNIT_LEVEL, required=True),
        Field("ntm_level", "text", "Mức đạt", "NTM level", choices=NTM_LEVEL, required=True,
              missing="unknown", ordered=True),  # no record: unknown, never "not achieved"
        Field("year_recognised", "integer", "Năm công nhận", "Year recognised"),
        Field("decision_no", "text", "Quyết định", "Decision"),
    ),
    style=Style(color_field="ntm_level", fill_opacity=0.6, stroke_width=1),
    geometry_from_admin="unit_code",
    # a unit counts its highest recognition (then the latest); communes listed per district
    best_record=BestRecord(key="unit_code", rank="ntm_level", year="year_recognised",
                           shown=("year_recognised", "decision_no"), unit_types=("Xã",)),
    order=10,
)
