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
from gis.figures import format_vn_number
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
    context = {"title": "", "shown": shown_value, "property_rows": property_rows, **context}
    resp = templates.TemplateResponse(request, template, context,
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


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _date_vn(value: str) -> str:
    y, m, d = value[:10].split("-")
    return f"{d}/{m}/{y}" + value[10:]


def shown_value(layer: Layer, name: str, value) -> str:
    """A property as a person reads it: the choice's label, the number in Vietnamese
    notation with its unit, the date as dd/mm/yyyy, a list joined."""
    schema = property_schemas(layer).get(name, {})
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(shown_value(layer, name, v) for v in value)
    if layer.has_field(name) and layer.field(name).choices:
        c = next((c for c in layer.field(name).choices if c.value == value), None)
        if c is not None:
            return c.label_vi if c.label_vi == c.label_en else f"{c.label_vi} ({c.label_en})"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, int | float):
        unit = schema.get("x-ogc-unit")
        if isinstance(value, int) and not unit:  # a year, a line number: no separators
            return str(value)
        return format_vn_number(value) + (f" {unit}" if unit else "")
    if isinstance(value, str) and schema.get("format") == "date" and len(value) >= 10:
        try:
            return _date_vn(value)
        except ValueError:
            return value
    return str(value)


def property_rows(layer: Layer, properties: dict) -> list[dict]:
    """The item page's rows: every non-empty property in the registry's order, labelled,
    with its value as :func:`shown_value` writes it (lists of objects stay JSON)."""
    rows = []
    for name, schema in property_schemas(layer).items():
        v = properties.get(name)
        if is_empty(v):
            continue
        plain = not isinstance(v, dict) and not (
            isinstance(v, list) and any(isinstance(x, dict | list) for x in v))
        conflicts = (layer.has_field(name) and layer.field(name).popup == "conflicts"
                     and isinstance(v, list))
        rows.append({"name": name, "label_vi": schema["title"],
                     "label_en": schema["description"], "value": v,
                     "text": shown_value(layer, name, v) if plain else None,
                     "conflicts": conflict_entries(layer, v) if conflicts else None,
                     "number": isinstance(v, int | float) and not isinstance(v, bool)})
    return rows


def conflict_entries(layer: Layer, entries: list) -> list[dict]:
    """A ``conflicts`` list as the item page shows it: what (labels), the value as a person
    reads it, derived or not, its date and source, and the note in each language apart
    (``note`` Vietnamese, ``note_en``: the page shows the one of its language)."""
    schemas = property_schemas(layer)
    out = []
    for c in entries:
        if not isinstance(c, dict):
            continue
        what = c.get("field") or ""
        schema = schemas.get(what, {})
        line = f":{c['source_line']}" if c.get("source_line") else ""
        src = f"{c.get('source_doc') or ''}{line}"
        out.append({"label_vi": schema.get("title", what), "label_en": schema.get(
            "description", what), "value": "—" if c.get("value") is None else
            shown_value(layer, what, c["value"]), "unit": schema.get("x-ogc-unit"),
            "derived": bool(c.get("derived")),
            "valid_on": _date_vn(c["valid_on"]) if c.get("valid_on") else None,
            "source": " ".join(x for x in (src, c.get("source_ref") or "") if x),
            "note": c.get("note"), "note_en": c.get("note_en")})
    return out
