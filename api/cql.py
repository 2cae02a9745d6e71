"""CQL2 filters (text and JSON) compiled to a :class:`gis.expr.Expr`.

pygeofilter parses; this module walks its AST and writes a psycopg ``sql.Composable``
whose values are all parameters and whose property names are all checked against the
layer's queryables (and recorded: the expression says which properties it reads).
Either side of a comparison may be a property, a literal or a function of one.
Anything unsupported is a 400, never a database error.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from functools import lru_cache
from itertools import count
from types import MappingProxyType

from lark.exceptions import LarkError
from psycopg import sql
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from shapely.geometry import shape

from api.crs import CrsInfo
from gis.errors import bad_request
from gis.expr import Expr
from gis.queries import Queryable, queryables
from layers.base import Layer

P = "filter"
CASTS = {"text": "text", "integer": "numeric", "number": "double precision", "date": "date",
         "text[]": "text[]"}
COMPARE = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
           ast.GreaterThan: ">", ast.GreaterEqual: ">="}
SPATIAL = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
           ast.GeometryContains: "ST_Contains", ast.GeometryWithin: "ST_Within",
           ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
           ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals"}
ARRAY = {ast.ArrayEquals: "=", ast.ArrayContains: "@>", ast.ArrayContainedBy: "<@",
         ast.ArrayOverlaps: "&&"}


def parse(text: str, lang: str) -> ast.Node:
    """The AST of a filter; a 400 naming the problem when it does not parse."""
    try:
        if lang == "cql2-json":
            return parse_json(_json_extensions(json.loads(text)))
        try:
            return parse_text(text)
        except LarkError:
            # pygeofilter's grammar lacks a few CQL2 functions (S_DWITHIN, A_*):
            # cql2-rs reads them into CQL2 JSON, which pygeofilter then parses.
            import cql2

            try:
                converted = cql2.parse_text(text).to_json()
            except Exception:
                raise bad_request(f"filter is not valid CQL2 text: {text[:200]!r}", P) from None
            return parse_json(_json_extensions(converted))
    except (LarkError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise bad_request(f"filter is not valid {lang}: {exc}"[:500], P) from None
    except RecursionError:
        raise bad_request("filter is nested too deeply", P) from None


def _json_extensions(node):
    """CQL2 JSON as pygeofilter reads it: ``s_dwithin`` (which it lacks) as a function node,
    the standard ``between`` (three arguments) in its two-argument form, and bbox
    literals as polygons (it would read ``[minx, miny, maxx, maxy]`` as x1, x2, y1, y2)."""
    if isinstance(node, list):
        return [_json_extensions(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "bbox" in node and "op" not in node:
        return _bbox_polygon(node["bbox"])
    op = node.get("op")
    if isinstance(op, str):
        if "args" not in node:
            raise bad_request(f'cql2-json: the operator {op!r} has no "args"', P)
        args = node["args"]
        if op.lower() == "s_dwithin":
            return {"function": {"name": "s_dwithin", "arguments": _json_extensions(args)}}
        if op.lower() == "between" and isinstance(args, list) and len(args) == 3:
            args = [args[0], [args[1], args[2]]]
        node = {**node, "op": op if op == "isNull" else op.lower(), "args": args}
    return {k: _json_extensions(v) for k, v in node.items()}


def _bbox_polygon(bbox) -> dict:
    if not isinstance(bbox, list) or len(bbox) not in (4, 6) or not all(map(_is_number, bbox)):
        raise bad_request(f"cql2-json: a bbox is 4 or 6 numbers, got {bbox!r}"[:300], P)
    minx, miny, maxx, maxy = bbox if len(bbox) == 4 else (bbox[0], bbox[1], bbox[3], bbox[4])
    return {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy],
                                                [minx, maxy], [minx, miny]]]}


class Compiler:
    """One filter's SQL; parameters are named ``f0``, ``f1``, … in ``params``."""

    def __init__(self, layer: Layer, filter_crs: CrsInfo, prefix: str = "f"):
        self.layer = layer
        self.q = queryables(layer)
        self.crs = filter_crs
        self.params: dict = {}
        self.refs: set[str] = set()
        self._n = count()
        self.prefix = prefix

    def param(self, value, cast: str) -> sql.Composable:
        name = f"{self.prefix}{next(self._n)}"
        self.params[name] = value
        return sql.SQL("{}::{}").format(sql.Placeholder(name), sql.SQL(cast))

    # -- conditions --------------------------------------------------------------------
    def condition(self, node) -> sql.Composable:
        if isinstance(node, ast.And | ast.Or):
            op = sql.SQL(" AND " if isinstance(node, ast.And) else " OR ")
            return sql.SQL("({})").format(op.join([self.condition(node.lhs),
                                                   self.condition(node.rhs)]))
        if isinstance(node, ast.Not):
            return sql.SQL("(NOT {})").format(self.condition(node.sub_node))
        if isinstance(node, bool):
            return sql.SQL("TRUE" if node else "FALSE")
        if isinstance(node, ast.Include):
            return sql.SQL("FALSE" if node.not_ else "TRUE")
        if type(node) in COMPARE:
            return self.comparison(node)
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.Between):
            lhs, t = self.scalar(node.lhs)
            low, high = self.value(node.low, t), self.value(node.high, t)
            neg = sql.SQL("NOT ") if node.not_ else sql.SQL("")
            return sql.SQL("({} {}BETWEEN {} AND {})").format(lhs, neg, low, high)
        if isinstance(node, ast.In):
            lhs, t = self.scalar(node.lhs)
            if not node.sub_nodes:
                raise bad_request("IN needs at least one value", P)
            items = sql.SQL(", ").join(self.value(v, t) for v in node.sub_nodes)
            neg = sql.SQL("NOT ") if node.not_ else sql.SQL("")
            return sql.SQL("({} {}IN ({}))").format(lhs, neg, items)
        if isinstance(node, ast.IsNull):
            expr = self.attribute(node.lhs).expr if isinstance(node.lhs, ast.Attribute) \
                else self.scalar(node.lhs)[0]
            return sql.SQL("({} IS {}NULL)").format(expr, sql.SQL("NOT " if node.not_ else ""))
        if type(node) in SPATIAL:
            return sql.SQL("{}({}, {})").format(sql.SQL(SPATIAL[type(node)]),
                                                self.geometry(node.lhs), self.geometry(node.rhs))
        if isinstance(node, ast.DistanceWithin | ast.DistanceBeyond):
            return self.dwithin([node.lhs, node.rhs, node.distance],
                                beyond=isinstance(node, ast.DistanceBeyond))
        if isinstance(node, ast.BBox):
            env = values.Envelope(node.minx, node.maxx, node.miny, node.maxy)
            return sql.SQL("ST_Intersects({}, {})").format(self.geometry(node.lhs),
                                                           self.geometry(env))
        if isinstance(node, ast.Function) and node.name.lower() == "s_dwithin":
            return self.dwithin(node.arguments)
        if type(node) in ARRAY:
            lhs, rhs = self.array(node.lhs), self.array(node.rhs)
            return sql.SQL("({} {} {})").format(lhs, sql.SQL(ARRAY[type(node)]), rhs)
        if isinstance(node, ast.TemporalPredicate):
            raise bad_request("temporal functions (T_*) are not supported; compare dates "
                              "with <, >, = or BETWEEN", P)
        raise bad_request(f"unsupported filter expression: {_describe(node)}", P)

    def comparison(self, node) -> sql.Composable:
        op = COMPARE[type(node)]
        lhs, rhs = node.lhs, node.rhs
        if self._is_array_attr(lhs) or self._is_array_attr(rhs):
            arr, val = (lhs, rhs) if self._is_array_attr(lhs) else (rhs, lhs)
            if op not in ("=", "<>") or isinstance(val, ast.Node):
                raise bad_request(f"{self.attribute(arr).name!r} is a list: use = or <> with "
                                  "a text value, or A_CONTAINS/A_OVERLAPS", P)
            expr = sql.SQL("({} = ANY({}))").format(self.value(val, "text"),
                                                    self.attribute(arr).expr)
            return expr if op == "=" else sql.SQL("(NOT {})").format(expr)
        if isinstance(lhs, ast.Node) or not isinstance(rhs, ast.Node):
            left, t = self.scalar(lhs)
            right = self.value(rhs, t)
        else:
            right, t = self.scalar(rhs)
            left = self.value(lhs, t)
        return sql.SQL("({} {} {})").format(left, sql.SQL(op), right)

    def literal(self, node) -> tuple[sql.Composable, str]:
        """A literal standing where a property could (``1 = 1``, ``5 < x``): its typed
        parameter and type."""
        if isinstance(node, bool):
            raise bad_request("TRUE/FALSE cannot be compared as a value here", P)
        if _is_number(node):
            t = "integer" if isinstance(node, int) else "number"
            return self.param(node, CASTS[t]), t
        if isinstance(node, datetime):
            node = node.date()
        if isinstance(node, date):
            return self.param(node, "date"), "date"
        if isinstance(node, str):
            return self.param(node, "text"), "text"
        raise bad_request(f"expected a property or a value, got {_describe(node)}", P)

    def like(self, node: ast.Like) -> sql.Composable:
        lhs, t = self.scalar(node.lhs)
        if t != "text":
            raise bad_request("LIKE needs a text property", P)
        pattern = node.pattern
        if isinstance(pattern, ast.Function):
            pat, _ = self.scalar(pattern)
        elif isinstance(pattern, str):
            pat = self.param(pattern, "text")
        else:
            raise bad_request("LIKE needs a text pattern", P)
        neg = sql.SQL("NOT ") if node.not_ else sql.SQL("")
        op = sql.SQL("ILIKE" if node.nocase else "LIKE")
        return sql.SQL("({} {}{} {})").format(lhs, neg, op, pat)

    def dwithin(self, args, beyond: bool = False) -> sql.Composable:
        if len(args) < 3 or not _is_number(args[2]):
            raise bad_request("S_DWITHIN needs (geometry, geometry, distance in metres)", P)
        if args[2] < 0:
            raise bad_request("S_DWITHIN distance must not be negative", P)
        expr = sql.SQL("ST_DWithin({}::geography, {}::geography, {})").format(
            self.geometry(args[0]), self.geometry(args[1]),
            self.param(float(args[2]), "double precision"))
        return sql.SQL("(NOT {})").format(expr) if beyond else expr

    # -- operands ----------------------------------------------------------------------
    def attribute(self, node) -> Queryable:
        if not isinstance(node, ast.Attribute):
            raise bad_request(f"expected a property name, got {_describe(node)}", P)
        q = self.q.get(node.name)
        if q is None:
            known = ", ".join(self.q)
            raise bad_request(f"unknown property {node.name!r} in filter; queryables of "
                              f"{self.layer.id}: {known}", P)
        self.refs.add(q.name)
        return q

    def _is_array_attr(self, node) -> bool:
        return isinstance(node, ast.Attribute) and self.attribute(node).type == "text[]"

    def scalar(self, node) -> tuple[sql.Composable, str]:
        """A property or ``lower()``/``casei()`` of one: its SQL and type."""
        if isinstance(node, ast.Attribute):
            q = self.attribute(node)
            if q.type in ("geometry", "text[]"):
                raise bad_request(f"{q.name!r} cannot be compared as a value here", P)
            return q.expr, q.type
        if isinstance(node, ast.Function) and node.name.lower() in ("lower", "casei"):
            if len(node.arguments) != 1:
                raise bad_request("CASEI takes one argument", P)
            arg = node.arguments[0]
            if isinstance(arg, str):
                return sql.SQL("lower({})").format(self.param(arg, "text")), "text"
            expr, t = self.scalar(arg)
            if t != "text":
                raise bad_request("CASEI needs a text property", P)
            return sql.SQL("lower({})").format(expr), "text"
        if not isinstance(node, ast.Node | values.Geometry | values.Envelope | list):
            return self.literal(node)
        raise bad_request(f"expected a property or a value, got {_describe(node)}", P)

    def value(self, node, t: str) -> sql.Composable:
        """A literal (or property) compared with a value of type ``t``."""
        if isinstance(node, ast.Node):
            expr, t2 = self.scalar(node)
            if {t, t2} <= {"integer", "number"} or t == t2:
                return expr
            raise bad_request(f"cannot compare a {t} with a {t2} property", P)
        if t in ("integer", "number"):
            if not _is_number(node):
                raise bad_request(f"expected a number, got {node!r}", P)
            return self.param(node, CASTS[t])
        if t == "date":
            if isinstance(node, datetime):
                node = node.date()
            if isinstance(node, str):
                try:
                    node = date.fromisoformat(node)
                except ValueError:
                    raise bad_request(f"expected a date, got {node!r}", P) from None
            if not isinstance(node, date):
                raise bad_request(f"expected a date, got {node!r}", P)
            return self.param(node, "date")
        if t == "text":
            if not isinstance(node, str):
                raise bad_request(f"expected text, got {node!r}", P)
            return self.param(node, "text")
        raise bad_request(f"cannot compare values of type {t}", P)

    def array(self, node) -> sql.Composable:
        if isinstance(node, ast.Attribute):
            q = self.attribute(node)
            if q.type != "text[]":
                raise bad_request(f"{q.name!r} is not a list property", P)
            return q.expr
        if isinstance(node, list) and all(isinstance(v, str) for v in node):
            return self.param(list(node), "text[]")
        raise bad_request("array functions need a list property and a list of texts", P)

    def geometry(self, node) -> sql.Composable:
        if isinstance(node, ast.Attribute):
            q = self.attribute(node)
            if q.type != "geometry":
                raise bad_request(f"{q.name!r} is not the geometry", P)
            return q.expr
        if isinstance(node, ast.Function) and node.name.lower() == "bbox":
            a = node.arguments
            if len(a) != 4 or not all(_is_number(v) for v in a):
                raise bad_request("BBOX needs four numbers", P)
            node = values.Envelope(a[0], a[2], a[1], a[3])
        if isinstance(node, values.Envelope | values.Geometry):
            geom = node.geometry if isinstance(node, values.Envelope) else node.geometry
            try:
                shp = shape(geom)
                ok = not shp.is_empty and all(math.isfinite(c) for c in shp.bounds)
            except Exception:
                ok = False
            if not ok:
                raise bad_request(f"invalid geometry literal {str(geom)[:200]}", P)
            g = sql.SQL("ST_GeomFromText({})").format(self.param(shp.wkt, "text"))
            return self.crs.input_geom(g)
        raise bad_request(f"expected a geometry, got {_describe(node)}", P)


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _describe(node) -> str:
    if isinstance(node, ast.Node):
        return type(node).__name__
    return repr(node)[:100]


def compile_filter(layer: Layer, text: str, lang: str, filter_crs: CrsInfo) -> Expr:
    """The filter as an :class:`Expr` (its literals are parameters, never SQL text).

    Compiled filters are kept (the same text, language and CRS on the same layer always
    compile to the same SQL and values): paging through a filter, or a map asking the same
    filter for each tile, parses it once. A filter that does not compile raises each time.
    The ``Expr`` is shared: its ``params`` are read, never changed. Filters longer than
    ``KEEP_FILTER_CHARS`` are compiled each time (the kept ones stay small)."""
    if len(text) > KEEP_FILTER_CHARS:
        return _compile(layer, text, lang, filter_crs)
    return _kept(layer, text, lang, filter_crs)


KEEP_FILTER_CHARS = 2000


def _compile(layer: Layer, text: str, lang: str, filter_crs: CrsInfo) -> Expr:
    c = Compiler(layer, filter_crs)
    try:
        clause = c.condition(parse(text, lang))
    except RecursionError:
        raise bad_request("filter is nested too deeply", P) from None
    return Expr(clause, MappingProxyType(c.params), frozenset(c.refs),
                key=(lang, text, filter_crs.uri))


_kept = lru_cache(maxsize=256)(_compile)
