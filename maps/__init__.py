"""Web maps, the district view and printed maps, all styled from the layer registry.

``maps.router`` is included by the API (``api/app.py``): it serves ``/maps`` (the web
map and its JSON), ``/maps/district/{code}``, the printed maps under ``/exports`` and
the static assets (Leaflet from ``node_modules``, our JS/CSS) with no CDN.
"""

from maps.router import router

__all__ = ["router"]
