"""Everything the maps package serves, as one router for ``api/app.py``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from maps import compare, context, dashboard, dashboard_pdf, exports, search, spatial, web
from maps.paths import CHARTJS_DIR, LEAFLET_DIR, STATIC_DIR, VECTORGRID_DIR

router = APIRouter()
router.include_router(dashboard_pdf.router)  # before web: /maps/district/{code}.pdf
router.include_router(web.router)
router.include_router(exports.router)
router.include_router(search.router)
router.include_router(context.router)
router.include_router(spatial.router)
router.include_router(dashboard.router)
router.include_router(compare.router)
router.mount("/maps/static", StaticFiles(directory=STATIC_DIR), name="maps-static")
# check_dir=False: the app starts without `make js-deps`; the page then says Leaflet is missing.
router.mount("/maps/vendor/leaflet", StaticFiles(directory=LEAFLET_DIR, check_dir=False),
             name="maps-leaflet")
router.mount("/maps/vendor/vectorgrid", StaticFiles(directory=VECTORGRID_DIR, check_dir=False),
             name="maps-vectorgrid")
router.mount("/maps/vendor/chartjs", StaticFiles(directory=CHARTJS_DIR, check_dir=False),
             name="maps-chartjs")
