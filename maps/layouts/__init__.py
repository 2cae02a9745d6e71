"""Page layouts of printed maps, declared one YAML file a layout (this folder).

A layout names its page (``size``, ``orientation``) and places boxes on it, in mm from
the page's top left corner: ``header`` (agency, title, subtitle, filter line), ``map``
(the map frame: the extent is fitted to it), ``legend``, ``inset`` (locator map),
``north``, ``scale`` (bar and ratio), ``footer`` (sources, credits, author, map number)
and optionally ``logo`` (inside the header). The feature table follows on pages of its
own, as many as it needs. An agency adds a layout by adding a file here or
by passing the path of its own file (``layout=`` / ``--layout``); no code changes.

Boxes are checked when a layout is read: inside the page, and no two overlapping (the
logo excepted, which sits in the header), so the north arrow and the scale never cover
data or text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from gis.errors import GISError, bad_request

DIR = Path(__file__).resolve().parent
PAGE_MM = {"A4": (210, 297), "A3": (297, 420)}  # portrait width, height
REQUIRED = ("header", "map", "legend", "inset", "north", "scale", "footer")
NESTED = {("header", "logo")}  # boxes allowed inside another


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, o: Box) -> bool:
        return (self.x < o.x + o.w and o.x < self.x + self.w
                and self.y < o.y + o.h and o.y < self.y + self.h)

    def rect(self, page: tuple[float, float]) -> tuple[float, float, float, float]:
        """As a matplotlib figure rectangle (left, bottom, width, height, fractions)."""
        pw, ph = page
        return (self.x / pw, 1 - (self.y + self.h) / ph, self.w / pw, self.h / ph)


@dataclass(frozen=True)
class Layout:
    name: str
    label_vi: str
    label_en: str
    size: str
    orientation: str
    boxes: dict[str, Box]

    @property
    def page_mm(self) -> tuple[float, float]:
        w, h = PAGE_MM[self.size]
        return (h, w) if self.orientation == "landscape" else (w, h)

    def rect(self, box: str) -> tuple[float, float, float, float]:
        return self.boxes[box].rect(self.page_mm)

    def problems(self) -> list[str]:
        out = [f"no box {b!r}" for b in REQUIRED if b not in self.boxes]
        pw, ph = self.page_mm
        for name, b in self.boxes.items():
            if b.x < 0 or b.y < 0 or b.x + b.w > pw + 0.01 or b.y + b.h > ph + 0.01:
                out.append(f"box {name!r} is outside the {pw:g} x {ph:g} mm page")
        names = sorted(self.boxes)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if {(a, b), (b, a)} & NESTED:
                    continue
                if self.boxes[a].overlaps(self.boxes[b]):
                    out.append(f"boxes {a!r} and {b!r} overlap")
        return out


def read_layout(path: Path) -> Layout:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        layout = Layout(
            name=path.stem, label_vi=raw.get("label_vi", path.stem),
            label_en=raw.get("label_en", path.stem), size=str(raw["size"]).upper(),
            orientation=str(raw["orientation"]).lower(),
            boxes={k: Box(*map(float, v)) for k, v in raw["boxes"].items()})
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise GISError(400, f"layout {path.name}: {exc}", parameter="layout") from None
    if layout.size not in PAGE_MM or layout.orientation not in ("portrait", "landscape"):
        raise GISError(400, f"layout {path.name}: size A4/A3 and orientation "
                       "portrait/landscape", parameter="layout")
    if problems := layout.problems():
        raise GISError(400, f"layout {path.name}: " + "; ".join(problems), parameter="layout")
    return layout


def layout_names() -> list[str]:
    return sorted(p.stem for p in DIR.glob("*.yaml"))


def get_layout(name: str | None = None, size: str = "A4",
               orientation: str = "landscape") -> Layout:
    """A layout by name, by the path of a YAML file, or the one of the page size and
    orientation (``a4-landscape``, ...)."""
    if name and (name.endswith((".yaml", ".yml")) or "/" in name):
        return read_layout(Path(name))
    name = name or f"{size}-{orientation}".lower()
    path = DIR / f"{name}.yaml"
    if not path.exists():
        raise bad_request(f"layout={name!r} is not a layout; layouts: "
                          + ", ".join(layout_names()), "layout")
    return read_layout(path)
