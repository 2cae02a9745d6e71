"""Where the maps' files are: templates, our static files, and Leaflet and its vector-tile
plugin (Leaflet.VectorGrid) as npm installs them (``make js-deps``)."""

from __future__ import annotations

from pathlib import Path

from gis.settings import REPO_ROOT

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
LEAFLET_DIR = REPO_ROOT / "node_modules" / "leaflet" / "dist"  # `make js-deps`
VECTORGRID_DIR = REPO_ROOT / "node_modules" / "leaflet.vectorgrid" / "dist"
SWAGGER_UI_DIR = REPO_ROOT / "node_modules" / "swagger-ui-dist"  # /api.html (api/docs.py)
CHARTJS_DIR = REPO_ROOT / "node_modules" / "chart.js" / "dist"  # the dashboards' charts

# Credit line for the boundary data (see shared/data/boundaries/SOURCES.md).
BOUNDARY_CREDIT = ("Ranh giới: dvhcvn (Đào Hoàng Sơn), dữ liệu gis.chinhphu.vn; phường/xã (sơ đồ): "
                   "vietnam63 (Marc Choisy), khoảng 2016")
