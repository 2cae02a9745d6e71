"""How old a figure is, in words (``số liệu ngày 15/11/2024, 2 năm trước``), and the
Jinja filters the dashboards use for dates and ages (Vietnamese first, English beside)."""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup, escape


def months_between(then: date, now: date) -> int:
    return (now.year - then.year) * 12 + now.month - then.month - (now.day < then.day)


def age_words(then: date | None, now: date | None = None) -> tuple[str, str]:
    """(Vietnamese, English) age of a figure dated ``then`` on ``now`` (default: today)."""
    if then is None:
        return "chưa rõ ngày", "date unknown"
    if isinstance(then, datetime):
        then = then.date()
    now = now or date.today()
    months = months_between(then, now)
    days = (now - then).days
    if days < 0:
        return "sau ngày đang xem", "after the date shown"
    if days < 31:
        return (f"{days} ngày trước", f"{days} days ago") if days else ("hôm nay", "today")
    if months < 12:
        return f"{max(months, 1)} tháng trước", f"{max(months, 1)} months ago"
    years = months // 12
    return f"{years} năm trước", f"{years} year{'s' if years > 1 else ''} ago"


def vn_date(value: date | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def bi(vi: str, en: str) -> Markup:
    """Both languages; the page shows the one chosen (``html[lang]``, dashboard.css)."""
    return Markup('<span class="vi">{}</span><span class="en">{}</span>').format(
        escape(vi), escape(en))


def figure_age(then: date | None, now: date | None = None) -> Markup:
    """``số liệu ngày dd/mm/yyyy, N năm trước`` in both languages."""
    vi, en = age_words(then, now)
    d = vn_date(then)
    return Markup('<span class="age" data-date="{}">{}</span>').format(
        then.isoformat() if then else "",
        bi(f"số liệu ngày {d}, {vi}", f"figures of {d}, {en}"))


def commune_feature(row: dict, level) -> dict:
    """A commune of the district view as a GeoJSON feature coloured by its level
    (``level`` is the Field whose choices give label and colour)."""
    c = level.shown_choice(row["level"])
    return {"type": "Feature", "geometry": row["geometry"], "properties": {
        "code": row["code"], "name": row["name"], "level": row["level"], "id": row["id"],
        "label_vi": c.label_vi if c else row["level"], "label_en": c.label_en if c else
        row["level"], "color": c.color if c else None, "missing": row["level"] == level.missing}}


FILTERS = {"vndate": vn_date, "age": figure_age, "commune_feature": commune_feature}
GLOBALS = {"bi": bi}
