"""Search by name for the web map (``/maps/search?q=``): features of every layer,
districts and wards, with or without accents, and the abbreviations people type
(QL91 → Quốc lộ 91, ĐT 923 → Đường tỉnh 923, KCN, CCN).

Features are found through the feature query (:class:`gis.query.FeatureQuery`) with a
condition on the layer's name fields; wards (not a layer) from ``admin_commune``. Both
compare the text as :func:`fold` leaves it, in SQL as in Python.
"""

from __future__ import annotations

import re
import unicodedata

from fastapi import APIRouter, Request
from psycopg import sql

from api.db import pool
from gis.errors import bad_request
from gis.expr import Expr
from gis.query import FeatureQuery
from layers import registry
from layers.base import Layer
from maps.context import CURRENT_WARDS
from maps.filters import normalise

router = APIRouter(tags=["maps"])

# Vietnamese abbreviations as they are written before a number or a name.
ABBREVIATIONS = {
    "ql": "quoc lo", "dt": "duong tinh", "kcn": "khu cong nghiep", "ccn": "cum cong nghiep",
    "tl": "tinh lo", "hl": "huong lo", "tp": "thanh pho", "kdc": "khu dan cu",
}
# Every accented letter of Vietnamese (and đ) with the letter it folds to.
_ACCENTED = "".join(chr(c) for c in range(0xC0, 0x1EFA)
                    if unicodedata.category(chr(c)).startswith("L")
                    and "".join(ch for ch in unicodedata.normalize("NFD", chr(c))
                                if not unicodedata.combining(ch)).isascii()
                    and len(unicodedata.normalize("NFD", chr(c))) > 1) + "đĐ"
_FOLDED = "".join(unicodedata.normalize("NFD", ch)[0] for ch in _ACCENTED[:-2]) + "dD"
# punctuation read as a space between words, in the names as in the query
PUNCTUATION = "/-,.;:()+÷\"'"
MAX_RESULTS = 30


# lower case, accents off, đ -> d, spaces squeezed: "Cái Răng" -> "cai rang"
fold = normalise


def query_words(q: str) -> list[str]:
    """The words every result must contain: abbreviations expanded ("ql91" -> quoc lo 91,
    a number split from the letters before it)."""
    s = re.sub(r"(?<=[a-z])(?=\d)", " ", fold(q))
    words = []
    for w in s.translate(str.maketrans(PUNCTUATION, " " * len(PUNCTUATION))).split():
        if w:
            words += ABBREVIATIONS.get(w, w).split()
    return words


def fold_sql(expr: sql.Composable) -> sql.Composable:
    """:func:`fold` in SQL (accents and case; spaces around the words kept single)."""
    return sql.SQL("lower(translate(coalesce({}, ''), %(fold_from)s, %(fold_to)s))").format(expr)


def _matches(exprs: list[sql.Composable], words: list[str]) -> Expr:
    """Every word in one of the texts (as whole words or word starts: "91" does not find
    "191", "rang" finds "Răng")."""
    hay = sql.SQL("(' ' || {} || ' ')").format(
        sql.SQL(" || ' ' || ").join(fold_sql(e) for e in exprs))
    params: dict = {"fold_from": _ACCENTED + PUNCTUATION,
                    "fold_to": _FOLDED + " " * len(PUNCTUATION)}
    clauses = []
    for i, w in enumerate(words):
        if w.isdigit():  # a number: not inside another one
            params[f"w{i}"] = f"(^|[^0-9]){w}([^0-9]|$)"
            op = sql.SQL("~")
        else:  # a word start
            params[f"w{i}"] = f"% {w}%"
            op = sql.SQL("LIKE")
        clauses.append(sql.SQL("{} {} {}").format(hay, op, sql.Placeholder(f"w{i}")))
    return Expr(sql.SQL("({})").format(sql.SQL(" AND ").join(clauses)), params)


def name_fields(layer: Layer) -> list[str]:
    """The text fields that name a feature (the registry's Layer.name_fields)."""
    return list(layer.name_fields)


def _bbox(geom: str) -> sql.Composable:
    return sql.SQL("CASE WHEN {g} IS NULL THEN NULL ELSE json_build_array(ST_XMin({g}), "
                   "ST_YMin({g}), ST_XMax({g}), ST_YMax({g})) END").format(g=sql.SQL(geom))


async def _features(conn, layer: Layer, words: list[str]) -> list[dict]:
    fields = name_fields(layer)
    if not fields:
        return []
    exprs = [e for n, e in FeatureQuery(layer).selected() if n in fields]
    roles = layer.roles
    shown = [roles[r] for r in ("districts", "wards") if r in roles]
    q = FeatureQuery(layer, filter=_matches(exprs, words), properties=fields + shown,
                     limit=MAX_RESULTS)
    cur = await conn.execute(q.rows_sql(geom=_bbox("f.geom")), q.bind())
    cols = [d.name for d in cur.description]
    out = []
    for row in await cur.fetchall():
        r = dict(zip(cols, row, strict=True))
        name = next((r[n] for n in fields if r.get(n)), r["id"])
        out.append({"kind": "district" if layer is registry.district_layer() else "feature",
                    "layer": layer.id, "id": r["id"], "name": name,
                    "name_en": r.get(roles.get("name_en", "")),
                    "districts": r.get(roles.get("districts", "")) or [],
                    "wards": r.get(roles.get("wards", "")) or [], "bbox": r["geom"]})
    return out


async def _wards(conn, words: list[str]) -> list[dict]:
    m = _matches([sql.SQL("c.full_name"), sql.SQL("c.name")], words)
    cur = await conn.execute(sql.SQL(
        "SELECT c.code, c.full_name, c.district_code, {bbox} FROM admin_commune c"
        " WHERE c.{current} AND {m} ORDER BY c.full_name LIMIT {n}").format(
            current=sql.SQL(CURRENT_WARDS),
            bbox=_bbox("c.geom"), m=m.sql, n=sql.Literal(MAX_RESULTS)), m.params)
    return [{"kind": "ward", "layer": None, "id": code, "name": name, "name_en": None,
             "districts": [district], "wards": [code], "bbox": bbox}
            for code, name, district, bbox in await cur.fetchall()]


def _rank(words: list[str], r: dict) -> tuple:
    name = fold(r["name"])
    order = {"district": 0, "ward": 1, "feature": 2}[r["kind"]]
    phrase = " ".join(words)
    return (not name.startswith(phrase), phrase not in name, order, len(name))


async def search(conn, q: str) -> dict:
    words = query_words(q)
    if not words:
        raise bad_request("the search text is empty", "q")
    results: list[dict] = []
    for layer in registry.layers():
        results += await _features(conn, layer, words)
    results += await _wards(conn, words)
    results.sort(key=lambda r: _rank(words, r))
    return {"q": q, "words": words, "numberMatched": len(results),
            "results": results[:MAX_RESULTS]}


@router.get("/maps/search", summary="Features, districts and wards by name (accents and "
            "abbreviations QL, ĐT, KCN, CCN optional)")
async def search_route(request: Request, q: str = "") -> dict:
    async with pool(request).connection() as conn:
        return await search(conn, q)
