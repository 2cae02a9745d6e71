"""Links of API documents (absolute, from the request's base URL)."""

from __future__ import annotations

from functools import lru_cache

from fastapi import Request
from starlette.datastructures import URL

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


KEEP_URL_CHARS = 2000  # longer URLs (long filters) are not kept


def with_param(url: str, name: str, value: str) -> str:
    """``url`` with the query parameter ``name`` set to ``value`` (Starlette's
    ``include_query_params``), kept for URLs up to ``KEEP_URL_CHARS``: a page's self,
    alternate, next and prev links are the same for every request of the same URL, and
    parsing and re-encoding its query string each time was a tenth of an items page's
    Python time."""
    if len(url) > KEEP_URL_CHARS:
        return str(URL(url).include_query_params(**{name: value}))
    return _with_param(url, name, value)


def without_param(url: str, name: str) -> str:
    """``url`` without the query parameter ``name`` (``remove_query_params``), kept."""
    if len(url) > KEEP_URL_CHARS:
        return str(URL(url).remove_query_params(name))
    return _without_param(url, name)


@lru_cache(maxsize=1024)
def _with_param(url: str, name: str, value: str) -> str:
    return str(URL(url).include_query_params(**{name: value}))


@lru_cache(maxsize=1024)
def _without_param(url: str, name: str) -> str:
    return str(URL(url).remove_query_params(name))
