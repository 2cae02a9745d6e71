"""The vocabulary of the map filters, from the registry: every field marked ``filter`` is
a filter under its own name (the query parameter and the CLI's ``--filter NAME=VALUE``),
taking the choices of the fields of that name. (Kept apart from :mod:`maps.filters` so
that the CLI reads it without loading the map renderers.)"""

from __future__ import annotations

from collections.abc import Mapping

from gis.errors import bad_request
from layers import registry
from layers.base import Field


def filter_fields() -> dict[str, list[Field]]:
    """The map filters: every field marked ``filter`` in the registry, by name (the
    query parameter), with the layers' fields of that name."""
    out: dict[str, list[Field]] = {}
    for layer in registry.layers():
        for f in layer.all_fields:
            if f.filter:
                out.setdefault(f.name, []).append(f)
    return out


def filter_choices(name: str) -> list[str]:
    """Every value the filter ``name`` may take (the choices of its fields)."""
    seen: dict[str, None] = {}
    for f in filter_fields().get(name, []):
        seen.update((c.value, None) for c in f.choices)
    return list(seen)


def parse_choices(values: Mapping[str, str | None]) -> dict[str, str]:
    """The map filters given (``{name: value}``, empty values left out), checked: an
    unknown value is a 400 naming the parameter and listing its choices."""
    out = {}
    for name in filter_fields():
        value = (values.get(name) or "").strip()
        if not value:
            continue
        choices = filter_choices(name)
        if value not in choices:
            raise bad_request(f"{name}={value!r} is not a choice; choices: "
                              + ", ".join(choices), name)
        out[name] = value
    return out
