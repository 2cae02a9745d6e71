from layers.base import Choice, Field, FromBest, Layer, Override, Style
from layers.ntm import NTM_LEVEL

# Quận (urban districts) are outside the New Rural programme: not "unknown", not "failed".
DISTRICT_NTM = NTM_LEVEL + (
    Choice("not_applicable", "Không áp dụng (quận)", "Not applicable (urban district)",
           "#eceff1"),
)

LAYER = Layer(
    id="districts",
    table="district_overview",  # a view over admin_district (gis/layer_views.py)
    title_vi="Quận, huyện",
    title_en="Districts",
    description_vi="Ranh giới 9 quận, huyện (trước 01/7/2025) với mức nông thôn mới cao nhất.",
    description_en="The 9 districts (before 1 July 2025) with their highest New Rural level.",
    geometry_type="MultiPolygon",
    fields=(
        Field("name", "text", "Tên", "Name", role="name"),
        Field("name_ascii", "text", "Tên không dấu", "ASCII name", queryable=False, popup="hidden",
              role="name"),
        Field("unit_type", "text", "Loại", "Type"),
        Field("area_km2", "number", "Diện tích", "Area", unit="km²"),
        Field("ntm_level", "text", "Nông thôn mới", "New Rural level", choices=DISTRICT_NTM,
              missing="unknown"),
        Field("ntm_year", "integer", "Năm công nhận NTM", "NTM year"),
    ),
    style=Style(color_field="ntm_level", default_color="#455a64", fill_opacity=0.08,
                stroke_width=1.5, label_field="name"),
    view_of="admin_district",
    # the district's best New Rural recognition; urban districts (Quận) are not applicable
    from_best=FromBest("ntm", (("ntm_level", "ntm_level"), ("ntm_year", "year_recognised")),
                       where=(("unit_level", "district"),)),
    overrides=(Override("ntm_level", "not_applicable", when_field="unit_type",
                        when_value="Quận"),),
    feature_fields=False,
    managed_table=False,
    editable=False,
    order=0,
)
