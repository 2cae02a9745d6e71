"""The words printed maps and HTML maps put on the page, Vietnamese first, English on a
switch (``lang="en"``), and the line that says what a map shows (filter and date)."""

from __future__ import annotations

import textwrap
from datetime import date

from gis.errors import bad_request
from gis.figures import format_vn_number
from layers import METRICS, registry
from maps.filters import MapFilter
from maps.paths import BOUNDARY_CREDIT

LANGS = ("vi", "en")

WORDS = {
    "vi": {
        "legend": "CHÚ GIẢI", "filter": "Lọc", "no_filter": "không lọc (mọi đối tượng)",
        "data_to": "số liệu đến", "latest": "số liệu mới nhất", "made": "Ngày lập",
        "author": "Người lập", "map_no": "Bản đồ số", "sources": "Nguồn",
        "none": "không có", "unknown": "chưa rõ", "inferred": "suy đoán",
        "crs": "Hệ tọa độ VN-2000 / UTM 48N",
        "progress": "Tiến độ", "scale": "Tỷ lệ", "north": "B",
        "no": "Số", "name": "Tên", "district": "Quận/huyện", "value": "Giá trị",
        "date": "Ngày số liệu", "source": "Nguồn", "status": "Tình trạng",
        "table": "Bảng đối tượng", "continued": "tiếp theo", "page": "Trang",
        "contents": "Mục lục", "city": "thành phố Cần Thơ", "unlocated":
        "{n} đối tượng chưa có vị trí, không vẽ", "progress_range": "tiến độ {lo}–{hi} %",
        "unknown_excluded": "bỏ đối tượng chưa rõ tiến độ", "search": "tên có “{q}”",
        "counters": "Số đối tượng", "drawn": "vẽ trên bản đồ", "overview": "Toàn thành phố",
        "nomatch": "Không có đối tượng nào phù hợp với bộ lọc",
        "title": "Bản đồ kết cấu hạ tầng và tiến độ thực hiện – {where}",
        "atlas_title": "Tập bản đồ kết cấu hạ tầng các quận, huyện thành phố Cần Thơ",
        "layers": "Lớp", "indicative": "Vị trí minh họa (nét đứt)",
    },
    "en": {
        "legend": "LEGEND", "filter": "Filter", "no_filter": "none (all features)",
        "data_to": "data as of", "latest": "latest data", "made": "Made on",
        "author": "Author", "map_no": "Map no.", "sources": "Sources",
        "none": "none", "unknown": "unknown", "inferred": "inferred",
        "crs": "CRS VN-2000 / UTM 48N",
        "progress": "Progress", "scale": "Scale", "north": "N",
        "no": "No.", "name": "Name", "district": "District", "value": "Value",
        "date": "Data date", "source": "Source", "status": "Status",
        "table": "Features", "continued": "continued", "page": "Page",
        "contents": "Contents", "city": "Can Tho city", "unlocated":
        "{n} features have no location and are not drawn", "progress_range":
        "progress {lo}–{hi} %", "unknown_excluded": "unknown progress left out",
        "search": "name contains “{q}”", "counters": "Features", "drawn": "drawn",
        "overview": "Whole city", "nomatch": "No feature matches the filter",
        "title": "Infrastructure and progress map – {where}",
        "atlas_title": "Atlas of infrastructure in the districts of Can Tho city",
        "layers": "Layers", "indicative": "Indicative location (dashed)",
    },
}


def check_lang(lang: str | None) -> str:
    lang = (lang or "vi").lower()
    if lang not in LANGS:
        raise bad_request(f"lang={lang!r}: use vi or en", "lang")
    return lang


def words(lang: str) -> dict[str, str]:
    return WORDS[check_lang(lang)]


def vn_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def metric_label(metric: str, en: bool) -> str:
    m = METRICS[metric]
    return m.label_en if en else m.label_vi


def choice_label(name: str, value: str, en: bool) -> str:
    """A filter value as a person reads it (the first layer's field that offers it)."""
    for layer in registry.layers():
        if layer.has_field(name) and (c := layer.field(name).choice(value)):
            return c.label_en if en else c.label_vi
    return value


def filter_line(flt: MapFilter, district_name: str | None, lang: str = "vi") -> str:
    """"Lọc: Bình Thủy, bàn giao mặt bằng 0–50 %, số liệu đến 30/06/2024"."""
    w, en = words(lang), lang == "en"
    parts = [district_name] if district_name else []
    parts += [choice_label(n, v, en) for n, v in flt.choices.items()]
    if (flt.progress_min, flt.progress_max) != (0, 100):
        parts.append(w["progress_range"].format(lo=format_vn_number(flt.progress_min),
                                                hi=format_vn_number(flt.progress_max)))
    if not flt.include_unknown:
        parts.append(w["unknown_excluded"])
    if flt.search:
        parts.append(w["search"].format(q=flt.search))
    when = f"{w['data_to']} {vn_date(flt.as_of)}" if flt.as_of else w["latest"]
    return f"{w['filter']}: {', '.join(parts) or w['no_filter']}; {when}"


def sources_text(sources: list[dict], lang: str = "vi", title_chars: int | None = None
                 ) -> str:
    """Each source document by its title and date, then the boundaries' credit and the
    CRS; ``title_chars``: titles shortened to fit a small footer (the credit never is)."""
    w = words(lang)

    def title(s: dict) -> str:
        t = s["title"]
        return textwrap.shorten(t, title_chars, placeholder=" …") if title_chars else t

    docs = "; ".join(
        f"[{s['id']}] {title(s)}" + (f" ({vn_date(s['issued_on'])})" if s["issued_on"] else "")
        for s in sources)
    return f"{w['sources']}: {docs or w['none']}. {BOUNDARY_CREDIT}. {w['crs']}."
