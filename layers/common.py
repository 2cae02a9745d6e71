"""Fields every feature layer carries: identity, place, provenance."""

from layers.base import Choice, Field

GEOM_QUALITY = (
    Choice("indicative", "Vị trí minh họa (số hóa thủ công)", "Indicative (hand-digitised)"),
    Choice("district", "Chỉ biết quận/huyện", "District only"),
    # the text names no place: the feature is drawn where it is inferred to be
    # (districts_inferred says where and why)
    Choice("inferred", "Vị trí suy đoán (văn bản không nêu)", "Inferred (not named in the text)"),
    Choice("admin_boundary", "Ranh giới hành chính (khái quát)", "Admin boundary (generalised)"),
    Choice("surveyed", "Đo đạc", "Surveyed"),
    Choice("unknown", "Chưa rõ vị trí", "Location unknown"),
)

COMMON_FIELDS: tuple[Field, ...] = (
    Field("name", "text", "Tên", "Name", required=True),
    Field("name_en", "text", "Tên tiếng Anh", "English name", queryable=False),
    Field("districts", "text[]", "Quận/huyện", "Districts"),
    Field("wards", "text[]", "Phường/xã", "Wards/communes"),
    Field("geom_quality", "text", "Chất lượng vị trí", "Geometry quality", choices=GEOM_QUALITY,
          required=True),
    Field("source_doc", "text", "Tài liệu nguồn", "Source document", required=True),
    Field("source_line", "integer", "Dòng", "Source line"),
    Field("source_ref", "text", "Vị trí trong nguồn", "Source reference", queryable=False,
          in_tiles=False),
    Field("valid_on", "date", "Ngày hiệu lực", "Valid on", required=True),
    Field("notes", "text", "Ghi chú", "Notes", queryable=False, in_tiles=False),
    Field("conflicts", "json", "Số liệu mâu thuẫn", "Conflicting values", queryable=False,
          in_tiles=False),
)
