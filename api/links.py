"""Links of API documents (absolute, from the request's base URL)."""

from __future__ import annotations

from fastapi import Request

JSON = "application/json"
GEOJSON = "application/geo+json"
MVT = "application/vnd.mapbox-vector-tile"


def base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def link(href: str, rel: str, type_: str = JSON, title: str | None = None, **extra) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    out.update(extra)
    return out
