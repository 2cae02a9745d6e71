"""Items pages' statements are composed once per shape of request and kept as text
(api.items.page_statement over FeatureQuery.sql_key): the kept text must be exactly what
composing the query afresh gives, for every kind of condition, order, selection and CRS."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from api import items
from api.cql import compile_filter
from api.crs import default as crs84
from api.crs import parse as parse_crs
from gis.expr import BBox, ProgressRange, SortKey
from gis.queries import queryables, selectable, sortables
from gis.query import SQL_KEY, FeatureQuery
from layers import registry

CRSS = [crs84(), parse_crs("EPSG:4326", "crs"), parse_crs("EPSG:5897", "crs")]


def test_every_field_of_the_query_is_in_its_sql_key():
    """A field added to FeatureQuery must say how it decides the SQL text, or kept
    statements would be served for queries they do not answer."""
    named = [f for kind in SQL_KEY.values() for f in kind]
    assert sorted(named) == sorted(f.name for f in dataclasses.fields(FeatureQuery))


def _variants(layer):
    """Queries of every shape on ``layer``, with two sets of values for most shapes."""
    text = next(n for n, q in queryables(layer).items() if q.type == "text" and n != "id")
    number = next((n for n, q in queryables(layer).items() if q.type in ("number", "integer")),
                  None)
    sort = list(sortables(layer))
    props = list(selectable(layer))
    cql = [f"{text} = 'a'", f"{text} = 'b' OR {text} LIKE 'c%'", "S_INTERSECTS(geometry, "
           "BBOX(105.7, 10.0, 105.8, 10.1))"] + ([f"{number} > 2"] if number else [])
    out = [FeatureQuery(layer, limit=10), FeatureQuery(layer, limit=10, offset=20),
           FeatureQuery(layer, limit=11), FeatureQuery(layer)]
    for box in (BBox(105.7, 10.0, 105.8, 10.1), BBox(105.71, 10.0, 105.8, 10.1),
                BBox(580000, 1100000, 590000, 1110000, 5897)):
        out.append(FeatureQuery(layer, bbox=box, limit=10))
    for c in cql:
        out.append(FeatureQuery(layer, filter=compile_filter(layer, c, "cql2-text", crs84()),
                                limit=10))
    out.append(FeatureQuery(layer, filter=compile_filter(
        layer, cql[0], "cql2-text", parse_crs("EPSG:4326", "filter-crs")), limit=10))
    for value in ("x", "y"):
        out.append(FeatureQuery(layer, equals=[(text, value)], limit=10))
    out.append(FeatureQuery(layer, equals=[(text, "x"), ("id", "y")], limit=10))
    out += [FeatureQuery(layer, district="31001", limit=10),
            FeatureQuery(layer, district="31004", limit=10),
            FeatureQuery(layer, ids=("a", "b")), FeatureQuery(layer, ids=("c",)),
            FeatureQuery(layer, progress=ProgressRange(10, 50), limit=10),
            FeatureQuery(layer, progress=ProgressRange(20, 60), limit=10),
            FeatureQuery(layer, progress=ProgressRange(10, 50, False), limit=10),
            FeatureQuery(layer, as_of=date(2024, 1, 1), limit=10),
            FeatureQuery(layer, as_of=date(2025, 1, 1), limit=10),
            FeatureQuery(layer, historical=True, limit=10),
            FeatureQuery(layer, sortby=[SortKey(sort[-1], True)], limit=10),
            FeatureQuery(layer, sortby=[SortKey(sort[-1])], limit=10),
            FeatureQuery(layer, sortby=[SortKey(sort[-1]), SortKey("id", True)], limit=10),
            FeatureQuery(layer, properties=props[:1], limit=10),
            FeatureQuery(layer, properties=props[-2:], limit=10),
            FeatureQuery(layer, tile_margin=0.05), FeatureQuery(layer, tile_margin=0.1)]
    return out


@pytest.mark.parametrize("layer", registry.layers(), ids=lambda la: la.id)
def test_kept_statements_are_the_statements_composed_afresh(conn, layer):
    for q in _variants(layer):
        for out_crs in CRSS:
            for skip in (False, True):
                fresh = items.page_sql(items.features_sql(q, out_crs, skip)).as_string(conn)
                for _ in range(2):  # made, then kept
                    assert items.page_statement(q, out_crs, skip) == fresh, (q, out_crs, skip)


def test_kept_statements_run_with_their_values(conn):
    """Queries of one shape share one kept text; each gets its own features from it."""
    layer = next(la for la in registry.layers() if la.metrics)
    first = FeatureQuery(layer, limit=5)
    text, n = conn.execute(items.page_statement(first, crs84()), first.bind()).fetchone()
    ids = [f["id"] for f in json.loads(f"[{text}]")]
    assert n == 5 == len(set(ids))
    one, other = (FeatureQuery(layer, ids=(fid,), limit=5) for fid in ids[:2])
    assert items.page_statement(one, crs84()) == items.page_statement(other, crs84())
    for q, fid in ((one, ids[0]), (other, ids[1])):
        text, n = conn.execute(items.page_statement(q, crs84()), q.bind()).fetchone()
        assert n == 1 and json.loads(text)["id"] == fid


def test_a_hand_built_filter_is_composed_every_time():
    from psycopg import sql

    from gis.expr import Expr

    layer = registry.layers()[0]
    hand = Expr(sql.SQL("TRUE"))
    assert FeatureQuery(layer, filter=hand).sql_key() is None
    q = FeatureQuery(layer, filter=hand, limit=3)
    assert items.page_statement(q, crs84()) == \
        items.page_sql(items.features_sql(q, crs84())).as_string(None)


def test_a_compiled_filter_is_kept_and_its_values_cannot_be_changed():
    layer = registry.layers()[0]
    text = next(n for n, q in queryables(layer).items() if q.type == "text" and n != "id")
    first = compile_filter(layer, f"{text} = 'a'", "cql2-text", crs84())
    assert compile_filter(layer, f"{text} = 'a'", "cql2-text", crs84()) is first
    assert compile_filter(layer, f"{text} = 'b'", "cql2-text", crs84()) is not first
    with pytest.raises(TypeError):
        first.params["f0"] = "b"  # type: ignore[index]
