"""Checks across the records of a layer, from its declaration: each record's basis
(named, or derived with its rule and lines: layers.basis) and one record per fact
(``Layer.unique``). Problems name file and line; nothing is written here."""

from __future__ import annotations

from gis.dataset.records import Context, FeatureRow
from layers import registry
from layers.basis import BASIS_FIELD, FROM_FIELD, RULE_FIELD, basis_problems


def check_basis(row: FeatureRow, ctx: Context) -> None:
    if not row.layer.has_field(BASIS_FIELD.name):
        return
    v = row.values
    for problem in basis_problems(v.get(BASIS_FIELD.name), v.get(RULE_FIELD.name),
                                  v.get(FROM_FIELD.name), ctx.documents):
        ctx.problems.add(row.file, row.line, f"feature {v['id']}: {problem}")


def check_unique(rows: list[FeatureRow], ctx: Context) -> None:
    """Two records of a layer with the same values of ``layer.unique`` state one fact twice."""
    seen: dict[tuple, FeatureRow] = {}
    for row in rows:
        fields = row.layer.unique
        if not fields:
            return
        key = tuple(row.values.get(f) for f in fields)
        first = seen.setdefault(key, row)
        if first is not row:
            what = ", ".join(f"{f}={value!r}" for f, value in zip(fields, key, strict=True))
            ctx.problems.add(row.file, row.line, (
                f"feature {row.values['id']}: duplicate record for {what} (first: "
                f"{first.values['id']} at {ctx.problems.rel(first.file)}:{first.line})"))


def check_facts(features: dict[str, list[FeatureRow]], ctx: Context) -> None:
    """Every layer's records: basis and duplicates."""
    for layer_id, rows in features.items():
        if layer_id not in registry:
            continue
        for row in rows:
            check_basis(row, ctx)
        check_unique(rows, ctx)
