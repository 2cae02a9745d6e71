"""The feature table of a printed map: one row a numbered feature (number, name,
district, the metric's value with its date and source, status), on the pages after the
map, continued on as many pages as it needs."""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

from gis.figures import format_vn_number, period_label
from layers import METRICS
from layers.base import metric_column
from layers.figures import qualifier
from layers.report_fields import PLACE_FIELDS
from maps import classes
from maps.labels import Numbered
from maps.printdata import MapData
from maps.wording import metric_label, vn_date, words

# column: (word key, share of the table's width, characters a line)
COLUMNS = (("no", 0.05, 4), ("name", 0.30, 48), ("district", 0.14, 22),
           ("value", 0.17, 28), ("date", 0.09, 12), ("source", 0.10, 16),
           ("status", 0.15, 24))


def _choice_text(layer, name: str, value, en: bool) -> str:
    c = layer.field(name).shown_choice(value)
    return (c.label_en if en else c.label_vi) if c else str(value or "")


def district_text(props: dict, names: dict[str, str], lang: str) -> str:
    """The districts a document gives; else those inferred from the location (the
    registry's ``districts_inferred``), said to be inferred; else unknown (never blank)."""
    w = words(lang)
    given_field, derived_field = PLACE_FIELDS  # the registry's place fields
    given = [names.get(c, c) for c in (props.get(given_field) or [])]
    if given:
        return ", ".join(given)
    derived = [names.get(c, c) for c in (props.get(derived_field) or [])]
    if derived:
        return ", ".join(derived) + f" ({w['inferred']})"
    return w["unknown"]


def table_rows(data: MapData, items: list[Numbered], lang: str = "vi",
               metric: str | None = None) -> list[dict[str, str]]:
    en = lang == "en"
    names = {d.code: d.name for d in data.districts}
    out = []
    for it in items:
        p, layer = it.props, it.layer
        roles = layer.roles
        m, _ = classes.feature_metric(layer, p, metric)
        m = m or next((x for x in layer.metrics if p.get(x) is not None), None)
        if m and p.get(m) is not None:
            unit = (METRICS[m].unit_en or METRICS[m].unit) if en else METRICS[m].unit
            sign = qualifier(p.get(metric_column(m, "qualifier"))).sign
            period = p.get(metric_column(m, "period"))
            shown = f" ({period_label(period, lang)})" if period and period != "point" else ""
            value = f"{metric_label(m, en)}: {sign}{format_vn_number(p[m])} {unit}{shown}"
            when = vn_date(p.get(metric_column(m, "date")))
            src = p.get(metric_column(m, "source")) or ""
        else:
            value, when = "—", ""
            src = " ".join(str(p.get(roles[r])) for r in ("source", "source_line")
                           if r in roles and p.get(roles[r]))
        status = " · ".join(
            _choice_text(layer, f.name, p.get(f.name), en) for f in layer.all_fields
            if f.choices and (f.filter or f.name == layer.style.color_field)
            and p.get(f.name) is not None)  # the colour field too: classes replace its colours
        out.append({
            "no": str(it.number),
            "name": (p.get(roles.get("name_en", "")) if en else None)
            or p.get(roles.get("name", ""), ""),
            "district": district_text(p, names, lang),
            "doc": src.split(":")[0].split(" ")[0],  # the document cited (the page's key)
            "value": value, "date": when, "source": src, "status": status})
    return out


SIZE, SPACING = 6.8, 1.15  # the rows' font size (pt) and line spacing
LINE_MM = 3.4  # one line of the table (a little more than it takes: pages never overflow)
HEAD_MM = 12 + 9 + LINE_MM * 1.3  # page margin, title, column headings


def row_lines(row: dict[str, str]) -> int:
    return max(min(2, len(textwrap.wrap(row[k], chars)) or 1) for k, _, chars in COLUMNS)


def table_pages(rows: list[dict[str, str]], page_mm: tuple[float, float]
                ) -> list[list[dict[str, str]]]:
    """The rows cut into pages by the height they take (a long name takes two lines)."""
    room = page_mm[1] - HEAD_MM - 12
    pages: list[list[dict[str, str]]] = []
    used = room + 1
    for row in rows:
        h = LINE_MM * (row_lines(row) + 1)  # its lines and the blank line after it
        if used + h > room:
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += h
    return pages


def _line_height(fig: Figure, size: float, spacing: float) -> float:
    """The distance between two lines of one text, as a fraction of the page height."""
    r = fig.canvas.get_renderer()
    one = fig.text(0, 0, "Ág", fontsize=size, linespacing=spacing)
    two = fig.text(0, 0, "Ág\nÁg", fontsize=size, linespacing=spacing)
    h = two.get_window_extent(r).height - one.get_window_extent(r).height
    one.remove()
    two.remove()
    return h / fig.bbox.height


def sources_key(rows: list[dict[str, str]], sources: list[dict], chars: int,
                lang: str = "vi") -> str:
    """The documents the page's rows cite, by title and date, in at most two lines of
    ``chars``: a page of the table is read without turning back to the map."""
    cited = {r["doc"] for r in rows if r.get("doc")}
    docs = [s for s in sources if s["id"] in cited]
    if not docs:
        return ""
    head = words(lang)["sources"]
    for longest in (None, 120, 80, 50, 30, 15):
        text = f"{head}: " + "; ".join(
            f"{s['id']} = " + (textwrap.shorten(s["title"], longest, placeholder=" …")
                               if longest else s["title"])
            + (f" ({vn_date(s['issued_on'])})" if s.get("issued_on") else "") for s in docs)
        if len(textwrap.wrap(text, chars)) <= 2:
            break
    return "\n".join(textwrap.wrap(text, chars)[:2])


def draw_table_page(fig: Figure, rows: list[dict[str, str]], page_mm: tuple[float, float],
                    title: str, part: int, parts: int, lang: str = "vi",
                    sources: list[dict] | None = None) -> None:
    """One page of the table; "(tiếp theo)" on the pages after the first. A column is one
    text (rows padded to the same lines, a blank line between rows, where the rule goes):
    a page of 7 texts, not hundreds, prints fast. Under the rows, in the bottom margin,
    the key of the documents the page cites."""
    w = words(lang)
    pw, ph = page_mm
    if key := sources_key(rows, sources or [], int((pw - 24) / (5.5 * 0.3528 * 0.6)), lang):
        fig.text(12 / pw, 10.5 / ph, key, ha="left", va="top", fontsize=5.5,
                 color="#37474f", linespacing=1.15)
    left, right, top = 12 / pw, 1 - 12 / pw, 1 - 12 / ph
    head = f"{w['table']} – {title}" + (f" ({w['continued']}, {part}/{parts})" if part > 1
                                        else (f" (1/{parts})" if parts > 1 else ""))
    fig.text(left, top, head, ha="left", va="top", fontsize=11, fontweight="bold")
    y = top - 9 / ph
    x = left
    for key, share, _ in COLUMNS:
        fig.text(x, y, w[key], ha="left", va="top", fontsize=7.5, fontweight="bold")
        x += share * (right - left)
    y -= 1.3 * LINE_MM / ph
    fig.add_artist(_rule(fig, left, right, y + 0.4 * LINE_MM / ph))
    counts = [row_lines(r) for r in rows]
    x = left
    for key, share, chars in COLUMNS:
        cells = []
        for row, n in zip(rows, counts, strict=True):
            wrapped = textwrap.wrap(row[key], chars)[:2]
            cells += wrapped + [""] * (n - len(wrapped)) + [""]
        fig.text(x, y, "\n".join(cells), ha="left", va="top", fontsize=SIZE,
                 linespacing=SPACING)
        x += share * (right - left)
    line = _line_height(fig, SIZE, SPACING)
    done = 0
    for n in counts:
        done += n + 1
        fig.add_artist(_rule(fig, left, right, y - (done - 0.45) * line, "#cfd8dc"))


def _rule(fig: Figure, x0: float, x1: float, y: float, color: str = "#37474f"):
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], transform=fig.transFigure, color=color, linewidth=0.5)
