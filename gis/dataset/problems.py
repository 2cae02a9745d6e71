"""Load problems: each names the file, the line and the reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    reason: str
    reason_vi: str | None = None  # the same in Vietnamese, where said

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


class LoadError(Exception):
    """The dataset has problems; nothing was stored."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(_both(p) for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} lỗi trong bộ dữ liệu, chưa nạp gì / "
                         f"{len(problems)} problem(s) in the dataset; nothing was loaded:\n"
                         f"{lines}{more}")


def _both(p: Problem) -> str:
    """A problem as the CLI says it: the Vietnamese (where said), then the English."""
    if not p.reason_vi:
        return f"  {p}"
    where = f"{p.file}:{p.line}" if p.line else p.file
    return f"  {where}: {p.reason_vi}\n      {p.reason}"


class Collector:
    """Gathers problems so that one run reports all of them."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path | str) -> str:
        path = Path(path)
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def add(self, file: Path | str, line: int | None, reason: str,
            vi: str | None = None) -> None:
        self.problems.append(Problem(self.rel(file), line, reason, vi))

    def reasons_vi(self) -> str | None:
        """The problems in Vietnamese (English where one has none), or None when none
        has Vietnamese."""
        if not any(p.reason_vi for p in self.problems):
            return None
        return "; ".join(p.reason_vi or p.reason for p in self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise LoadError(self.problems)
