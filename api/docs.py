"""``/api.html``: Swagger UI over ``/api``, its assets served from the npm package
``swagger-ui-dist`` in ``node_modules/`` (``make js-deps``), so the page works offline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.security import csp_nonce
from maps.paths import SWAGGER_UI_DIR

ASSETS = "/api/vendor/swagger-ui"

router = APIRouter(include_in_schema=False)


@router.get("/api.html", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/api", title="Cần Thơ planning GIS – API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url="/maps/static/favicon.svg")
    # its one inline script (the start-up) carries this response's CSP nonce
    html = page.body.decode().replace("<script>", f'<script nonce="{csp_nonce(request)}">')
    return HTMLResponse(html)


# check_dir=False: the app starts without `make js-deps` (the page then lacks its assets)
router.mount(ASSETS, StaticFiles(directory=SWAGGER_UI_DIR, check_dir=False),
             name="swagger-ui")
