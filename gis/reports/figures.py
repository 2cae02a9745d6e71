"""Status text to figures, by the phrases declared on the registry's metrics.

A row's status text is cut into items (bullets "- ...", paragraphs); a figure is valid
on the date its item states ("đến ngày 18/10/2024", "đến tháng 6/2024": the month's last
day), otherwise on the report's date. A printed percentage is kept as printed next to
its recomputation (value / whole, value / total, or value / the item's latest figure of
the metric's total) and a mismatch is flagged. Numbers with a unit that no phrase took
are returned as unparsed phrases: nothing is dropped silently.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from layers import METRICS
from layers.phrases import NUMBER, expand

# What period a money figure covers, as the text says it before the figure: "lũy kế"
# (cumulative), "năm 2024" (that year), "giai đoạn 2021-2025" / "trung hạn 2021-2025" (a
# plan period). The last marker before the figure counts; none: the period is unknown.
PERIOD_MARK = re.compile(r"(?P<cum>lũy kế|luỹ kế|từ đầu dự án)"
                         r"|(?:giai đoạn|trung hạn)\s*(?P<a>\d{4})\s*[-–]\s*(?P<b>\d{4})"
                         r"|năm\s+(?P<y>\d{4})", re.IGNORECASE)
# A word printed just before a number that qualifies it (layers.figures.QUALIFIERS).
QUALIFIER_WORDS = {"khoảng": "about", "trên": "over", "hơn": "over", "gần": "under",
                   "dưới": "under"}
QUALIFIER_MARK = re.compile(r"(?P<w>khoảng|trên|hơn|gần|dưới)\s*$", re.IGNORECASE)
ITEM_DATE = re.compile(r"đến\s+(?:hết\s+)?(?:ngày\s+(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
                       r"|tháng\s+(?P<mm>\d{1,2})/(?P<yy>\d{4}))", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")
PARAGRAPH = re.compile(r"</?p>|<li>|<br\s*/?>", re.IGNORECASE)


@dataclass
class Figure:
    metric: str
    value: Decimal
    value_text: str  # Vietnamese notation, in the metric's unit
    unit: str
    valid_on: date
    line: int
    printed: str  # the phrase as printed
    note: str | None = None
    check: dict | None = None  # {printed, recomputed, of, mismatch}
    # as gis.figures.parse_period reads it; None: a money figure whose period the text
    # does not state (reported, not stored)
    period: str | None = "point"
    qualifier: str = "exact"


@dataclass
class Unparsed:
    text: str
    line: int


@dataclass
class RowFigures:
    figures: list[Figure] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)


def vn_number(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def vn_text(value: Decimal) -> str:
    """``Decimal('6804.269')`` -> ``'6.804,269'``."""
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value.normalize()):f}".partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return sign + ".".join([whole, *groups]) + (f",{frac}" if frac else "")


@lru_cache
def compiled() -> tuple[tuple[str, object, re.Pattern], ...]:
    """(metric, phrase, regex) of every metric phrase in the registry."""
    return tuple((m.name, ph, re.compile(expand(ph), re.IGNORECASE))
                 for m in METRICS.values() for ph in m.phrases)


@lru_cache
def unit_pattern() -> re.Pattern:
    units = {u for _, ph, _ in compiled() for u, _ in ph.units}
    units |= {METRICS[m].unit for m, _, _ in compiled()}
    alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return re.compile(rf"(?<![\d.,])(?:{NUMBER})(?:\s*/\s*(?:{NUMBER}))?\s*(?:{alt})(?!\w)",
                      re.IGNORECASE)


def _text_and_lines(segments: list[tuple[int, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The status text joined (tags out, paragraphs as newlines) and (offset, line) marks."""
    text, marks = "", []
    for line, piece in segments:
        piece = TAG.sub(" ", PARAGRAPH.sub("\n", piece))
        piece = re.sub(r"[ \t]+", " ", piece)
        if text:
            text += " "
        marks.append((len(text), line))
        text += piece
    return text, marks


def _line_at(marks, offset: int) -> int:
    line = marks[0][1]
    for start, n in marks:
        if start <= offset:
            line = n
    return line


def _items(text: str) -> list[tuple[int, int]]:
    """(start, end) of each item: bullets "- X" (X upper case) and paragraphs."""
    cuts = {0, len(text)}
    for m in re.finditer(r"(?:^|\s)-\s+(\w)", text):
        if m[1].isupper():
            cuts.add(m.start())
    cuts |= {m.start() for m in re.finditer("\n", text)}
    cuts = sorted(cuts)
    return list(zip(cuts, cuts[1:], strict=False))


def _item_date(text: str, default: date) -> date:
    m = ITEM_DATE.search(text)
    if not m:
        return default
    try:
        if m["d"]:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        y, mo = int(m["yy"]), int(m["mm"])
        return date(y, mo, calendar.monthrange(y, mo)[1])
    except ValueError:
        return default


def period_before(text: str) -> str | None:
    """The period the last marker in ``text`` names (see PERIOD_MARK), or None."""
    marks = list(PERIOD_MARK.finditer(text))
    if not marks:
        return None
    m = marks[-1]
    if m["cum"]:
        return "cumulative"
    if m["a"]:
        return f"multi_year:{m['a']}-{m['b']}"
    return f"year:{m['y']}"


def _keep_dated(figures: list[Figure], out: RowFigures) -> list[Figure]:
    """Money figures whose period the text does not state are reported, not guessed."""
    for f in figures:
        if f.period is None:
            out.unparsed.append(Unparsed(f"{f.printed} (kỳ của số liệu không nêu / "
                                         "period not stated)", f.line))
    return [f for f in figures if f.period is not None]


def _decimals(text: str) -> int:
    return len(text.partition(",")[2])


def _check(printed: str, part: Decimal, whole: Decimal | None, of: str,
           part_metric: str, of_metric: str | None) -> dict | None:
    """The printed percentage against part / whole; ``part``/``of`` as printed (the
    metrics they are figures of: ``part_metric``, ``of_metric``)."""
    if whole is None or whole == 0:
        return None
    recomputed = part / whole * 100
    value = vn_number(printed)
    tolerance = Decimal("0.5") * Decimal(10) ** -_decimals(printed) + Decimal("0.0001")
    shown = round(recomputed, max(_decimals(printed), 1))
    return {"printed": printed, "recomputed": vn_text(Decimal(shown)),
            "part": vn_text(part), "part_metric": part_metric, "of": of,
            "of_metric": of_metric, "mismatch": abs(recomputed - value) > tolerance}


def extract(segments: list[tuple[int, str]], report_date: date) -> RowFigures:
    out = RowFigures()
    if not segments:
        return out
    text, marks = _text_and_lines(segments)
    metrics = METRICS
    for start, end in _items(text):
        item = text[start:end]
        on = _item_date(item, report_date)
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, Figure]] = []
        for name, ph, rx in compiled():
            metric = metrics[name]
            for m in rx.finditer(item):
                groups = m.groupdict()
                factor = Decimal(dict(ph.units).get((groups.get("unit") or "").lower(), "1")) \
                    if ph.units else Decimal(1)
                at = m.start("value") if groups.get("value") else m.start()
                line = _line_at(marks, start + at)
                printed = " ".join(m[0].split())
                note = ph.note
                if groups.get("unit") and factor != 1:
                    note = (f"{note}; " if note else "") + f"printed as {printed!r}"
                value = None
                if groups.get("value"):
                    value = vn_number(groups["value"]) * factor
                    said = QUALIFIER_MARK.search(item[:m.start("value")])
                    found.append((start + m.start(), Figure(
                        name, value, groups["value"] if factor == 1 else vn_text(value),
                        metric.unit, on, line, printed, note,
                        qualifier=QUALIFIER_WORDS[said["w"].lower()] if said else "exact")))
                if groups.get("total") and metric.total in metrics:
                    total = vn_number(groups["total"]) * factor
                    found.append((start + m.start(), Figure(
                        metric.total, total, groups["total"] if factor == 1 else vn_text(total),
                        metrics[metric.total].unit, on,
                        line, printed, note)))
                if groups.get("pct"):
                    found.append((start + m.start(), Figure(
                        ph.percent or "", vn_number(groups["pct"]), groups["pct"], "%", on,
                        line, printed, note, {"pending": (name, value, groups)})))
                said = period_before(item[:m.end()]) or ph.period
                for _, fig in found:
                    if fig.metric and fig.line == line and fig.printed == printed:
                        fig.period = said if METRICS[fig.metric].periodic else "point"
                taken.append((start + m.start(), start + m.end()))
        found.sort(key=lambda f: f[0])
        _resolve_checks(found, metrics)
        item_figures = []
        for j, (_, fig) in enumerate(found):
            if fig.metric:
                item_figures.append(fig)
            elif j and fig.check:  # a phrase without ``percent``: a check of its value
                found[j - 1][1].check = fig.check
        out.figures += _keep_dated(item_figures, out)
        for m in unit_pattern().finditer(item):
            a = start + m.start()
            if not any(x <= a < y for x, y in taken):
                out.unparsed.append(Unparsed(" ".join(m[0].split()), _line_at(marks, a)))
    return out


def _resolve_checks(found: list[tuple[int, Figure]], metrics) -> None:
    """Recompute each printed percentage: value / whole, value / total, or value / the
    item's latest figure before it of the metric's total."""
    for i, (_, fig) in enumerate(found):
        pending = (fig.check or {}).pop("pending", None)
        if pending is None:
            continue
        name, value, groups = pending
        fig.check = None
        if value is None:
            continue
        whole, of = None, ""
        total_metric = metrics[name].total
        if groups.get("whole"):
            whole, of = vn_number(groups["whole"]), groups["whole"]
        elif groups.get("total"):
            whole, of = vn_number(groups["total"]), groups["total"]
        else:
            before = [f for _, f in found[:i] if f.metric == total_metric]
            if before:
                whole, of = before[-1].value, before[-1].value_text
        fig.check = _check(fig.value_text, value, whole, of, name,
                           total_metric if total_metric in metrics else None)


def _figure_words(value: str, metric: str | None, lang: str) -> str:
    m = METRICS.get(metric or "")
    if m is None:
        return value
    label = m.label_en if lang == "en" else m.label_vi
    unit = (m.unit_en or m.unit) if lang == "en" else m.unit
    return f"{label} {value} {unit}"


def check_words(check: dict) -> tuple[str, str]:
    """A printed percentage's recomputation in words, Vietnamese and English (labels, not
    codes): "giải ngân 2,136 tỷ đồng / kế hoạch vốn 15 tỷ đồng = 14,2%; in 27,6%"."""
    out = []
    for lang in ("vi", "en"):
        part = _figure_words(check["part"], check.get("part_metric"), lang)
        whole = _figure_words(check["of"], check.get("of_metric"), lang)
        if lang == "vi":
            text = (f"tính lại {part} / {whole} = {check['recomputed']}%; "
                    f"báo cáo in {check['printed']}%")
            if check["mismatch"]:
                text += " — không khớp, giữ cả hai giá trị"
        else:
            text = (f"recomputed {part} / {whole} = {check['recomputed']}%; "
                    f"the report prints {check['printed']}%")
            if check["mismatch"]:
                text += " — they disagree, both values kept"
        out.append(text)
    return out[0], out[1]
