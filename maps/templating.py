"""The one Jinja environment of the app's pages: the API's HTML (``api/templates``) and
the maps (``maps/templates``), with the filters and globals both use. (It lives in
``maps`` so that importing it from ``api`` cannot meet a half-imported ``maps``.)"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from api.security import csp_nonce
from gis.figures import format_vn_number
from layers import METRICS, registry
from maps.config import API_ITEM_URL
from maps.investment import GLOBALS as INVESTMENT_GLOBALS
from maps.paths import BOUNDARY_CREDIT, TEMPLATES_DIR
from maps.staleness import FILTERS as DASHBOARD_FILTERS
from maps.staleness import GLOBALS as DASHBOARD_GLOBALS

API_TEMPLATES = Path(__file__).parent.parent / "api" / "templates"


def environment() -> Environment:
    env = Environment(loader=ChoiceLoader([FileSystemLoader(API_TEMPLATES),
                                           FileSystemLoader(TEMPLATES_DIR)]),
                      autoescape=True)
    env.filters["vn"] = format_vn_number
    env.filters.update(DASHBOARD_FILTERS)  # dates, ages of figures (maps/staleness.py)
    env.globals.update(DASHBOARD_GLOBALS)
    env.globals.update(INVESTMENT_GLOBALS)  # money by period (maps/investment.py)
    env.globals.update(registry=registry, METRICS=METRICS, item_url=API_ITEM_URL,
                       boundary_credit=BOUNDARY_CREDIT, csp_nonce=csp_nonce)
    return env


templates = Jinja2Templates(env=environment())
