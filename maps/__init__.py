"""Web maps, the district view and printed maps, all styled from the layer registry.

``maps.router`` is included by the API (``api/app.py``): it serves ``/maps`` (the web
map and its JSON), ``/maps/district/{code}``, the printed maps under ``/exports`` and
the static assets (Leaflet from ``node_modules``, our JS/CSS) with no CDN.

``maps.folium_map(layers=…, district=…, as_of=…)`` builds the interactive map as a
:class:`folium.Map` (notebooks; :mod:`maps.interactive`).
"""

from maps.router import router


def folium_map(*args, **kwargs):
    """The interactive map (see :func:`maps.interactive.folium_map`); folium is loaded
    only when a map is made."""
    from maps.interactive import folium_map as build

    return build(*args, **kwargs)


__all__ = ["folium_map", "router"]
