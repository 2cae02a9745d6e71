"""How a record is known: the text names it, or it is derived from something the text
states (a total such as "36/36 xã", or a recomputation such as 104 / 94,12).

A derived record says so, with the rule it was derived by and the document lines it
comes from ("suy ra từ 004:72"); a named record carries neither.
"""

from __future__ import annotations

import re

from layers.base import Choice, Field

NAMED = "named"
DERIVED = "derived"

BASIS: tuple[Choice, ...] = (
    Choice(NAMED, "Văn bản nêu rõ", "Named in the text"),
    Choice(DERIVED, "Suy ra", "Derived"),
)

BASIS_FIELD = Field("basis", "text", "Căn cứ", "Basis", choices=BASIS, required=True,
                    filter=True)
RULE_FIELD = Field("basis_rule", "text", "Cách suy ra", "Derivation rule", queryable=False,
                   in_tiles=False)
FROM_FIELD = Field("derived_from", "text", "Suy ra từ", "Derived from")

# The fields a layer declares to carry the basis of each record (see layers/ntm.py).
BASIS_FIELDS: tuple[Field, ...] = (BASIS_FIELD, RULE_FIELD, FROM_FIELD)

# "004:72" or "004:72, 004:14" or "002:21-24": document id and 1-based line(s).
_LINE_REF = re.compile(r"^(\d{3}):(\d+)(?:-(\d+))?$")


def line_refs(text: str) -> list[tuple[str, int, int]]:
    """``(doc, first line, last line)`` of each reference in ``text``; a ValueError names
    the part that is not ``doc:line`` or ``doc:first-last``."""
    out = []
    for part in (p.strip() for p in str(text).split(",")):
        m = _LINE_REF.match(part)
        if not m or (m.group(3) and int(m.group(3)) < int(m.group(2))):
            raise ValueError(f"{part!r} is not a line reference such as \"004:72\" or "
                             "\"002:21-24\"")
        first = int(m.group(2))
        out.append((m.group(1), first, int(m.group(3) or first)))
    return out


def basis_problems(basis: str | None, rule: str | None, derived_from: str | None,
                   documents: set[str]) -> list[str]:
    """What is wrong with a record's basis: a derived record needs its rule and the
    lines it is derived from (known documents); a named record has neither."""
    if basis not in (NAMED, DERIVED):
        return [f"basis {basis!r} is not one of: {', '.join(c.value for c in BASIS)}"]
    if basis == NAMED:
        return ([f"a named record has no {RULE_FIELD.name}/{FROM_FIELD.name} "
                 "(use basis: derived)"] if rule or derived_from else [])
    out = []
    if not rule or not str(rule).strip():
        out.append(f"a derived record needs {RULE_FIELD.name} (how it was derived)")
    if not derived_from:
        out.append(f"a derived record needs {FROM_FIELD.name} (the lines, e.g. \"004:72\")")
        return out
    try:
        refs = line_refs(derived_from)
    except ValueError as exc:
        return out + [f"{FROM_FIELD.name}: {exc}"]
    out += [f"{FROM_FIELD.name}: unknown document {doc!r}" for doc, _, _ in refs
            if doc not in documents]
    return out
