"""HTML pages of the Features resources (``f=html``, or a browser's ``Accept``).

Browsers asking for ``/`` are sent to the web map (``/maps``); ``f=html`` on the landing
page, the collections, one collection, its items and one item gives a small page listing
the same links and properties as the JSON (templates in ``api/templates/``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from api.fields import property_schemas
from layers.base import Layer
from maps.templating import templates

HTML = "text/html"
_HTML_TYPES = {"text/html", "application/xhtml+xml"}


def prefers_html(accept: str | None) -> bool:
    """Does the ``Accept`` header rank HTML above JSON? (``*/*`` counts as JSON, our
    default; a tie goes to JSON.)"""
    html_q = json_q = 0.0
    for part in (accept or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media in _HTML_TYPES:
            html_q = max(html_q, q)
        elif media == "*/*" or media.endswith("json") or media == "application/*":
            json_q = max(json_q, q)
    return html_q > json_q


def negotiate(request: Request, f: str | None) -> str:
    """``f`` when given, else ``html`` for browsers and ``json`` for everyone else."""
    if f:
        return "html" if f == "html" else "json"
    return "html" if prefers_html(request.headers.get("accept")) else "json"


FormatParam = Annotated[str | None, Query(
    pattern="^(json|html)$",
    description="json (default) or html; without it, the Accept header decides")]


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    resp = templates.TemplateResponse(request, template, {"title": "", **context},
                                      status_code=status_code)
    resp.headers["Vary"] = "Accept"
    return resp


def labels(layer: Layer) -> dict[str, str]:
    """Property name -> "Vietnamese label (English)", from the registry."""
    return {n: f"{s['title']} ({s['description']})" for n, s in property_schemas(layer).items()}


def columns(layer: Layer) -> list[str]:
    """A few properties for the items table: name, the colouring field, progress shown."""
    cols = [n for n in ("name",) if layer.has_field(n)]
    if layer.style.color_field and layer.style.color_field not in cols:
        cols.append(layer.style.color_field)
    cols += list(layer.shading_metrics[:2])
    if len(cols) < 2:
        cols += [f.name for f in layer.all_fields if f.name not in cols][:3]
    return cols
