"""What the signed-in pages share (sign-in, history, audit, admin): the person's
language (Vietnamese first, ``?lang=en`` switches), the signed-in user of a page (or a
redirect to the sign-in page) and rendering through the one Jinja environment."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.auth import browser_session
from gis.sessions import Session
from maps.templating import templates


def lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


def render(request: Request, template: str, status: int = 200, **context):
    language = lang(request)
    other = dict(request.query_params) | {"lang": "vi" if language == "en" else "en"}
    switch = request.url.path + "?" + "&".join(f"{k}={quote(str(v))}" for k, v in other.items())
    return templates.TemplateResponse(request, template, {
        "lang": language, "t": (lambda vi, en: en if language == "en" else vi),
        "lang_switch": switch, **context}, status_code=status)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/maps"
    return target


async def page_session(request: Request) -> Session | RedirectResponse:
    """The page's session, else a redirect to the sign-in page (coming back here)."""
    session = await browser_session(request)
    if session is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(here)}", status_code=303)
    request.state.user = session.user
    return session
