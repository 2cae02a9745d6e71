"""The layer registry: every layer of the GIS, declared once.

>>> from layers import registry
>>> [layer.id for layer in registry.layers()]
"""

from __future__ import annotations

import importlib
import os

from layers import districts, flood_works, industrial_zones, ntm, projects
from layers.base import Choice, Field, Layer, Metric, Style
from layers.checks import registry_problems
from layers.metrics import METRICS


class Registry:
    def __init__(self, layers: list[Layer]):
        self._layers: dict[str, Layer] = {}
        for layer in layers:
            self.add(layer)

    def add(self, layer: Layer) -> None:
        if layer.id in self._layers:
            raise ValueError(f"layer {layer.id!r} is declared twice")
        problems = registry_problems(layer, METRICS, self._layers)
        if problems:
            raise ValueError(f"layer {layer.id!r}: " + "; ".join(problems))
        self._layers[layer.id] = layer

    def remove(self, layer_id: str) -> None:
        self._layers.pop(layer_id, None)

    def layers(self) -> list[Layer]:
        return sorted(self._layers.values(), key=lambda layer: (layer.order, layer.id))

    def get(self, layer_id: str) -> Layer:
        return self._layers[layer_id]

    def __contains__(self, layer_id: str) -> bool:
        return layer_id in self._layers

    def district_layer(self) -> Layer | None:
        """The layer whose features are the districts (its ids are district codes)."""
        return next((la for la in self.layers() if la.view_of == "admin_district"), None)

    def summary_layers(self) -> list[Layer]:
        """The layers with a table in the district view's summary, in its order."""
        return sorted((layer for layer in self._layers.values() if layer.summary),
                      key=lambda layer: (layer.summary.order, layer.id))

    def filter_fields(self) -> list[tuple[str, list[Layer]]]:
        """Each filter field name with the feature layers that declare it, in drawing order."""
        out: dict[str, list[Layer]] = {}
        for layer in self.layers():
            for f in layer.all_fields:
                if f.filter and layer.feature_fields:
                    out.setdefault(f.name, []).append(layer)
        return list(out.items())


registry = Registry(  # a layer taking fields from another comes after it (districts: ntm)
    [ntm.LAYER, districts.LAYER, industrial_zones.LAYER, flood_works.LAYER, projects.LAYER]
)


def _extra_layers(spec: str) -> list[Layer]:
    """Layers declared outside this package: ``GIS_EXTRA_LAYERS=module:ATTR,...``
    (the benchmarks' synthetic layer uses this)."""
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        module, _, attr = item.partition(":")
        out.append(getattr(importlib.import_module(module), attr or "LAYER"))
    return out


for _layer in _extra_layers(os.environ.get("GIS_EXTRA_LAYERS", "")):
    registry.add(_layer)

__all__ = ["Choice", "Field", "Layer", "Metric", "Style", "registry", "METRICS"]
