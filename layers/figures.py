"""How a figure is qualified and which period it covers: vocabularies shared by every
layer's progress figures, amounts and indicators.

A report prints "khoảng 100 ha" (about), "trên 129 tỷ đồng" (over), "gần 50%" (under,
close to) or a plain number (exact); the qualifier is kept beside the value and shown
("≈ 100 ha", "> 129 tỷ đồng"), never dropped into notes.

A figure covers a period: a point in time (progress on a date), one year (the capital
plan of 2024, disbursed in 2024), several years (the medium-term plan 2021–2025) or the
whole time since the start (cumulative). Shares such as "disbursed against plan" are
only computed between figures of the same period.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.base import Choice


@dataclass(frozen=True)
class Qualifier(Choice):
    """A choice with the sign it is shown with before the number."""

    sign: str = ""


QUALIFIERS: tuple[Qualifier, ...] = (
    Qualifier("exact", "Chính xác", "Exact", sign=""),
    Qualifier("about", "Khoảng", "About", sign="≈ "),
    Qualifier("over", "Trên", "Over", sign="> "),
    Qualifier("under", "Dưới, gần", "Under / almost", sign="< "),
)

@dataclass(frozen=True)
class PeriodKind(Choice):
    """A kind of period with the years written after it (``year:2024``,
    ``multi_year:2021-2025``, ``cumulative:2016-``): how many (``years``) and whether
    they must be given; the edit form asks for that many."""

    years: int = 0
    years_required: bool = False


PERIOD_KINDS: tuple[PeriodKind, ...] = (
    PeriodKind("point", "Tại thời điểm", "At a point in time"),
    PeriodKind("year", "Trong năm", "Within one year", years=1, years_required=True),
    PeriodKind("multi_year", "Giai đoạn nhiều năm", "Several years (plan period)", years=2,
               years_required=True),
    PeriodKind("cumulative", "Lũy kế từ khi bắt đầu", "Cumulative since the start", years=2),
)


def qualifier(value: str | None) -> Qualifier:
    """The qualifier named ``value`` (``None``: exact); a ValueError lists the valid ones."""
    name = value or "exact"
    for q in QUALIFIERS:
        if q.value == name:
            return q
    raise ValueError(f"unknown qualifier {value!r}; use one of "
                     + ", ".join(q.value for q in QUALIFIERS))
