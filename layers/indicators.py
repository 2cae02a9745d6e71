"""Socio-economic indicators: the vocabulary of their values.

An indicator (code, group, name, unit, the admin unit it is about) has values, each for a
year or a period, of one kind (target, plan, actual, estimate) and one measure (the level
itself, or the printed comparison with the target or the year before), copied as printed
with its qualifier and source line. A value recomputed from others says so (basis
``derived``, layers.basis). Contradictions between printed figures are records of their
own that name both values, both lines and what disagrees.

Indicators are not a map layer; the loader (gis.dataset.indicators) checks the data
files against these choices.
"""

from __future__ import annotations

from layers.base import Choice

CITY_CODE = "92"  # indicators are about the whole city unless they name a unit

VALUE_KINDS: tuple[Choice, ...] = (
    Choice("target", "Chỉ tiêu, mục tiêu (nghị quyết)", "Target (resolution)"),
    Choice("plan", "Kế hoạch", "Plan"),
    Choice("actual", "Thực hiện", "Actual"),
    Choice("estimate", "Ước thực hiện", "Estimate"),
)

MEASURES: tuple[Choice, ...] = (
    Choice("level", "Giá trị", "Value"),
    Choice("pct_of_target", "So với nghị quyết (%)", "Against the target (%)"),
    Choice("pct_of_previous", "So với năm trước (%)", "Against the previous year (%)"),
)


def choice_value(choices: tuple[Choice, ...], value: str | None, what: str) -> str:
    """``value`` if it is one of ``choices``; a ValueError lists the valid ones."""
    if any(c.value == value for c in choices):
        return str(value)
    raise ValueError(f"{what} {value!r} is not one of: " + ", ".join(c.value for c in choices))

# The verdict on a year's result against the resolution's target, as 002 Phụ lục I prints
# it in its "Ghi chú" column (e.g. 002:13 "Chưa đạt NQ") and as recomputed from the figures.
VERDICTS: tuple[Choice, ...] = (
    Choice("not_met", "Chưa đạt NQ", "Target not met", "#c62828"),
    Choice("met", "Đạt NQ", "Target met", "#2e7d32"),
    Choice("exceeded", "Vượt NQ", "Target exceeded", "#1565c0"),
)

# Indicators where a lower figure is better (the computed verdict reads them reversed):
# the poverty rate (002:46, Phụ lục I dòng 11: target 0,15 %, estimate 0,09 %, "Đạt NQ").
LOWER_IS_BETTER: frozenset[str] = frozenset({"002-I-11"})
