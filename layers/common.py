"""Fields every feature layer carries: identity, place, provenance."""

from layers.base import Choice, Field

GEOM_QUALITY = (
    Choice("indicative", "Vị trí minh họa (số hóa thủ công)", "Indicative (hand-digitised)",
           dashed=True),
    Choice("district", "Chỉ biết quận/huyện", "District only"),
    # the text names no place: the feature is drawn where it is inferred to be
    # (districts_inferred says where and why)
    Choice("inferred", "Vị trí suy đoán (văn bản không nêu)", "Inferred (not named in the text)"),
    Choice("admin_boundary", "Ranh giới hành chính (khái quát)", "Admin boundary (generalised)"),
    Choice("admin_schematic", "Ranh giới hành chính sơ đồ (phác họa, không dùng để xác định "
           "ranh giới)", "Schematic admin boundary (sketch, not for boundary work)"),
    Choice("surveyed", "Đo đạc", "Surveyed"),
    Choice("unknown", "Chưa rõ vị trí", "Location unknown"),
)

# geom_quality of a geometry taken from an admin unit (Layer.geometry_from_admin), by the
# boundary set it comes from; "none": the unit has no polygon (the city's code: a count
# about the whole city, not a place; a commune without a polygon).
ADMIN_GEOM_QUALITY = {"district": "admin_boundary", "commune": "admin_schematic",
                      "none": "unknown"}
if not set(ADMIN_GEOM_QUALITY.values()) <= {c.value for c in GEOM_QUALITY}:
    raise ValueError(f"ADMIN_GEOM_QUALITY: {ADMIN_GEOM_QUALITY} names a value not in "
                     "GEOM_QUALITY")

# the date of a feature's record (its source document's date): when it was first known
RECORD_DATE = "valid_on"

COMMON_FIELDS: tuple[Field, ...] = (
    Field("name", "text", "Tên", "Name", required=True, popup="hidden", role="name"),
    Field("name_en", "text", "Tên tiếng Anh", "English name", queryable=False, popup="hidden",
          role="name_en"),
    Field("districts", "text[]", "Quận/huyện", "Districts", popup="hidden",
          role="districts"),
    Field("wards", "text[]", "Phường/xã", "Wards/communes", popup="hidden",
          role="wards"),
    Field("geom_quality", "text", "Chất lượng vị trí", "Geometry quality", choices=GEOM_QUALITY,
          required=True, popup="hidden", role="quality"),
    Field("source_doc", "text", "Tài liệu nguồn", "Source document", required=True, popup="hidden",
          role="source"),
    Field("source_line", "integer", "Dòng", "Source line", popup="hidden",
          role="source_line"),
    Field("source_ref", "text", "Vị trí trong nguồn", "Source reference", queryable=False,
          in_tiles=False, popup="hidden"),
    Field(RECORD_DATE, "date", "Ngày hiệu lực", "Valid on", required=True, popup="hidden"),
    Field("notes", "text", "Ghi chú", "Notes", queryable=False, in_tiles=False, popup="hidden"),
    Field("conflicts", "json", "Số liệu mâu thuẫn", "Conflicting values", queryable=False,
          in_tiles=False, popup="conflicts"),
)
