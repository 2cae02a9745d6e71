"""Checks of a layer declaration, run when the layer is declared (``Layer.__post_init__``)
and when it joins the registry (``Registry.add``: metrics and other layers), so a typo
fails at start-up naming the layer and the field."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layers.base import Layer, Metric


def _field_check(layer: Layer, where: str, name: str | None, *, choices: bool = False,
                 number: bool = False, ordered: bool = False) -> list[str]:
    if name is None:
        return []
    if not layer.has_field(name):
        return [f"{where} {name!r} is not a field of the layer"]
    f = layer.field(name)
    if choices and not f.choices:
        return [f"{where} {name!r} has no choices"]
    if number and f.type not in ("number", "integer"):
        return [f"{where} {name!r} is not a number field"]
    if ordered and not f.ordered:
        return [f"{where} {name!r} is not an ordered choice field"]
    return []


def layer_problems(layer: Layer) -> list[str]:
    out: list[str] = []
    names = [f.name for f in layer.all_fields]
    out += [f"field {n!r} is declared twice" for n in sorted({n for n in names
                                                              if names.count(n) > 1})]
    roles = [f.role for f in layer.all_fields if f.role and f.role != "name"]
    out += [f"role {r!r} is on more than one field" for r in sorted({r for r in roles
                                                                    if roles.count(r) > 1})]
    for f in layer.all_fields:
        out += [f"field {f.name!r}: {p}" for p in f.problems()]
        out += _field_check(layer, f"field {f.name!r}: qualifies", f.qualifies, number=True)
    st = layer.style
    out += _field_check(layer, "style.color_field", st.color_field, choices=True)
    out += _field_check(layer, "style.label_field", st.label_field)
    out += [f"style.progress_metrics: {m!r} is not a metric of the layer"
            for m in st.progress_metrics if m not in layer.metrics]
    out += _field_check(layer, "geometry_from_admin", layer.geometry_from_admin)
    out += _field_check(layer, "starts_field", layer.starts_field, number=True)
    for n in layer.unique:
        out += _field_check(layer, "unique:", n)
    if layer.summary:
        s = layer.summary
        for c in s.columns:
            out += _field_check(layer, "summary.columns:", c)
        out += _field_check(layer, "summary.group_by", s.group_by, choices=True)
        out += _field_check(layer, "summary.total", s.total, number=True)
        if s.overdue:
            o = s.overdue
            out += _field_check(layer, "summary.overdue.status", o.status, choices=True)
            out += _field_check(layer, "summary.overdue.end_from", o.end_from)
            if layer.has_field(o.status):
                out += [f"summary.overdue.active: {v!r} is not a choice of {o.status!r}"
                        for v in o.active if layer.field(o.status).choice(v) is None]
    if layer.best_record:
        b = layer.best_record
        out += _field_check(layer, "best_record.key", b.key)
        out += _field_check(layer, "best_record.rank", b.rank, ordered=True)
        out += _field_check(layer, "best_record.year", b.year, number=True)
        for c in b.shown:
            out += _field_check(layer, "best_record.shown:", c)
    if layer.from_best:
        for mine, _ in layer.from_best.fields:
            out += _field_check(layer, "from_best.fields:", mine)
    for o in layer.overrides:
        bad = _field_check(layer, "overrides: field", o.field, choices=True)
        if not bad and layer.field(o.field).choice(o.value) is None:
            bad = [f"overrides: {o.value!r} is not a choice of field {o.field!r}"]
        out += bad + _field_check(layer, "overrides: when_field", o.when_field)
    return out


def registry_problems(layer: Layer, metrics: dict[str, Metric], known: dict[str, Layer]
                      ) -> list[str]:
    """What a layer names outside itself: catalogue metrics, their totals, other layers."""
    unknown = [m for m in layer.metrics if m not in metrics]
    if unknown:
        return [f"unknown metrics {unknown}"]
    fields = {f.name for other in [*known.values(), layer] for f in other.all_fields}
    out = [f"metric {m!r}: total {metrics[m].total!r} is neither a metric nor a field"
           for m in layer.metrics
           if metrics[m].total and metrics[m].total not in metrics
           and metrics[m].total not in fields]
    fb = layer.from_best
    if fb:
        src = known.get(fb.layer)
        if src is None or src.best_record is None:
            out.append(f"from_best: layer {fb.layer!r} is not declared (before it) with a "
                       "best_record")
        else:
            out += [f"from_best.fields: {theirs!r} is not a field of layer {fb.layer!r}"
                    for _, theirs in fb.fields if not src.has_field(theirs)]
            out += [f"from_best.where: {w!r} is not a field of layer {fb.layer!r}"
                    for w, _ in fb.where if not src.has_field(w)]
    return out


def phrase_problems(metrics: dict[str, Metric]) -> list[str]:
    """Metric phrases (layers/phrases.py): patterns that compile, with a ``value`` or
    ``pct`` group, a ``percent`` that is a percent metric, a ``total`` group only where
    the metric's total is a metric."""
    import re

    from layers.phrases import expand

    out = []
    for m in metrics.values():
        for i, ph in enumerate(m.phrases):
            where = f"metric {m.name!r}, phrase {i + 1}"
            try:
                rx = re.compile(expand(ph), re.IGNORECASE)
            except (re.error, KeyError, IndexError) as exc:
                out.append(f"{where}: pattern does not compile ({exc})")
                continue
            groups = set(rx.groupindex)
            if not groups & {"value", "pct"}:
                out.append(f"{where}: no (?P<value>{{n}}) or (?P<pct>{{n}}) group")
            if "total" in groups and m.total not in metrics:
                out.append(f"{where}: a total group, but the metric's total {m.total!r} "
                           "is not a metric")
            if ph.percent is not None and (ph.percent not in metrics
                                           or not metrics[ph.percent].percent):
                out.append(f"{where}: percent {ph.percent!r} is not a percent metric")
            if "{unit}" in ph.pattern and not ph.units:
                out.append(f"{where}: {{unit}} in the pattern but no units declared")
    return out
