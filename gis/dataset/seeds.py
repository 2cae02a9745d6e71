"""The source documents as lines, for checks that a figure is printed where it is cited."""

from __future__ import annotations

import re

from gis.dataset.yaml_lines import read_yaml
from gis.settings import data_settings


def seed_lines() -> dict[str, list[str]]:
    """Document id -> its lines (index ``line - 1``), for every document of sources.yaml."""
    settings = data_settings()
    sources = read_yaml(settings.data_dir / "sources.yaml") or []
    return {str(s["id"]): (settings.seeds_dir / s["file"]).read_text(encoding="utf-8")
            .splitlines() for s in sources}


def squash(text: str) -> str:
    """``text`` without whitespace: a figure is found on its line however it was spaced."""
    return re.sub(r"\s+", "", text)
