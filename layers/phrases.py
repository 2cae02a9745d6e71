"""How a report's status text states a metric: :class:`Phrase` declarations.

A phrase is a regular expression (case-insensitive) in which ``{n}`` stands for a number
in Vietnamese notation (``6.804,269``) and ``{unit}`` for one of the phrase's printed
units. Named groups carry the figures: ``value`` (the metric itself), ``total`` (the
metric's :attr:`Metric.total`, emitted beside it: "04/07 gói thầu"), ``pct`` (a
percentage the document printed: emitted as the metric ``percent`` and checked against
a recomputation, or only checked when ``percent`` is None) and ``whole`` (what ``value``
is a share of, for that check). Write a group as ``(?P<value>{n})``.
"""

from __future__ import annotations

from dataclasses import dataclass

# printed units of money figures in billion VND, with the factor to the metric's unit
BILLION_VND_UNITS: tuple[tuple[str, str], ...] = (("tỷ đồng", "1"), ("triệu đồng", "0.001"))


@dataclass(frozen=True)
class Phrase:
    pattern: str
    units: tuple[tuple[str, str], ...] = ()  # (printed unit, factor to the metric's unit)
    percent: str | None = None  # the metric a printed ``pct`` group is stored as
    note: str | None = None  # what the phrase means, kept on the figures it yields
    # the period the wording itself states for money figures ("kinh phí thực hiện đạt":
    # executed to date, cumulative), where the text names none before the figure
    period: str | None = None


# a number in Vietnamese notation: thousands with ".", decimals with ","
NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"


def expand(phrase: Phrase) -> str:
    """The phrase's regular expression with ``{n}`` and ``{unit}`` filled in."""
    units = "|".join(sorted((u for u, _ in phrase.units), key=len, reverse=True))
    return (phrase.pattern.replace("{n}", NUMBER)
            .replace("{unit}", f"(?P<unit>{units})" if units else ""))
