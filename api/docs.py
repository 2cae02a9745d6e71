"""``/api.html``: Swagger UI over ``/api``, its assets served from the npm package
``swagger-ui-dist`` in ``node_modules/`` (``make js-deps``), so the page works offline."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from maps.paths import SWAGGER_UI_DIR

ASSETS = "/api/vendor/swagger-ui"

router = APIRouter(include_in_schema=False)


@router.get("/api.html", response_class=HTMLResponse)
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/api", title="Cần Thơ planning GIS – API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url="/maps/static/favicon.svg")


# check_dir=False: the app starts without `make js-deps` (the page then lacks its assets)
router.mount(ASSETS, StaticFiles(directory=SWAGGER_UI_DIR, check_dir=False),
             name="swagger-ui")
