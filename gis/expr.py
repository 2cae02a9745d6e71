"""The values a feature query is made of: parsed by the API, the maps and the CLI, turned
into SQL by :class:`gis.query.FeatureQuery` alone.

An :class:`Expr` is a condition already compiled (a CQL2 filter): its SQL, its
parameters and the set of property names it reads, so that the query knows what it
needs (the progress join) without reading SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from psycopg import sql

from gis.errors import bad_request


@dataclass(frozen=True)
class Expr:
    """A compiled condition: SQL over ``f`` (and ``p``, the progress row), its parameters
    and the property names it references. ``key`` identifies it for caches (the source
    text, language and CRS it was compiled from)."""

    sql: sql.Composable
    params: dict = field(default_factory=dict, hash=False, compare=False)
    refs: frozenset[str] = frozenset()
    key: tuple = ()


@dataclass(frozen=True)
class BBox:
    """A bounding box as numbers: lower and upper corner in x/y (longitude/easting first)
    and the EPSG code they are in."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    srid: int = 4326


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool = False


@dataclass(frozen=True)
class ProgressRange:
    """Features whose shading progress (0-100 %) lies in [low, high]; with
    ``include_unknown`` those without a figure too."""

    low: float = 0
    high: float = 100
    include_unknown: bool = True

    @property
    def restricts(self) -> bool:
        return self.low > 0 or self.high < 100 or not self.include_unknown


def parse_as_of(value: str | None, parameter: str = "as_of") -> date | None:
    """The day progress is shown for (``YYYY-MM-DD``; empty: the latest figures)."""
    if value in (None, ""):
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise bad_request(f"{parameter}={value!r} is not a date (YYYY-MM-DD)", parameter)
