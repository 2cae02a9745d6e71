"""The feature query: what to read from a layer, as values, and the one place that turns
them into SQL (items pages, counts, tiles, downloads, printed maps, the web map's data
and the district view all ask it).

Whether the progress row is joined is decided from the inputs: the properties that the
filters, the sort keys and the selection reference (:func:`gis.queries.progress_names`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from threading import Lock

from psycopg import sql

from gis.expr import BBox, Expr, ProgressRange, SortKey
from gis.queries import (
    build_object,
    progress_join,
    progress_names,
    property_exprs,
    queryables,
    sortables,
)
from layers import METRICS
from layers.base import Layer
from layers.report_fields import PLACE_FIELDS

CASTS = {"text": "text", "integer": "numeric", "number": "double precision", "date": "date"}


@dataclass
class FeatureQuery:
    """What to read from a layer: conditions, order, page, selection and the date progress
    is shown for (``as_of``; ``historical`` forces the snapshot join without one).

    Conditions: ``bbox``, a compiled ``filter`` (CQL2), ``equals`` (queryable, value)
    pairs, ``district`` (GSO code), ``progress`` (the shading progress range), ``ids``
    and ``tile_margin`` (features near the tile ``%(z)s/%(x)s/%(y)s``)."""

    layer: Layer
    bbox: BBox | None = None
    filter: Expr | None = None
    equals: list[tuple[str, object]] = field(default_factory=list)
    district: str | None = None
    progress: ProgressRange | None = None
    ids: tuple[str, ...] | None = None
    tile_margin: float | None = None
    sortby: list[SortKey] = field(default_factory=list)
    properties: list[str] | None = None  # None: all
    limit: int | None = None
    offset: int = 0
    as_of: date | None = None
    historical: bool | None = None  # progress as of a date; default: when as_of is set

    @property
    def is_historical(self) -> bool:
        return self.as_of is not None if self.historical is None else self.historical

    # -- conditions ----------------------------------------------------------------------
    def conditions(self) -> list[Expr]:
        out: list[Expr] = []
        if self.ids is not None:
            out.append(Expr(sql.SQL("f.id = ANY(%(ids)s)"), {"ids": list(self.ids)}))
        if self.tile_margin is not None:
            out.append(Expr(sql.SQL("f.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, "
                                    "margin => {})").format(sql.Literal(self.tile_margin))))
        if self.bbox is not None:
            out.append(_bbox_expr(self.bbox))
        if self.filter is not None:
            out.append(self.filter)
        out += [self._equals(i, name, value) for i, (name, value) in enumerate(self.equals)]
        if self.district:
            out.append(self._district())
        if self.progress is not None and self.progress.restricts:
            prog = shading_progress(self.layer)
            if prog is not None:
                out.append(_progress_expr(prog, self.progress))
        return out

    @property
    def filtered(self) -> bool:
        """Does anything restrict the features (beyond the page)?"""
        return bool(self.conditions())

    def _equals(self, i: int, name: str, value) -> Expr:
        q = queryables(self.layer)[name]
        p = f"q{i}"
        if q.type == "text[]":
            clause = sql.SQL("{}::text = ANY({})").format(sql.Placeholder(p), q.expr)
        else:
            clause = sql.SQL("{} = {}::{}").format(q.expr, sql.Placeholder(p),
                                                    sql.SQL(CASTS[q.type]))
        return Expr(clause, {p: value}, frozenset({name}))

    def _district(self) -> Expr:
        params = {"district": self.district}
        if self.layer.feature_fields:
            # named in the text, or inferred (layers.report_fields.PLACE_FIELDS)
            return Expr(sql.SQL("({})").format(sql.SQL(" OR ").join(
                sql.SQL("%(district)s = ANY(f.{})").format(sql.Identifier(n))
                for n in PLACE_FIELDS if self.layer.has_field(n))), params)
        if self.layer.has_field("district"):  # a layer keeping one district code a feature
            return Expr(sql.SQL("f.district = %(district)s"), params)
        return Expr(sql.SQL("f.id = %(district)s"), params)

    def sql_key(self) -> tuple | None:
        """What decides the text of this query's SQL (:data:`SQL_KEY`), for a statement
        rendered once and kept: the values written into the SQL as literals (bbox, page,
        order, selection) and only the presence of those sent as parameters (ids,
        district, ``name=value`` values, the progress range, ``as_of``). None when a
        filter carries no compile key (built by hand): such a query is not kept."""
        if self.filter is not None and not self.filter.key:
            return None
        prog = self.progress
        return (self.layer, self.ids is not None, self.tile_margin,
                self.bbox, self.filter.key if self.filter is not None else None,
                tuple(name for name, _ in self.equals), bool(self.district),
                (prog.include_unknown if prog is not None and prog.restricts else None),
                tuple(self.sortby), None if self.properties is None else tuple(self.properties),
                self.limit, self.offset, self.is_historical)

    def match_key(self) -> tuple:
        """What decides which features match (a key for cached counts)."""
        return (self.layer.id, self.bbox, self.filter.key if self.filter else None,
                tuple((n, repr(v)) for n, v in self.equals), self.district, self.progress,
                self.ids, self.as_of if self.is_historical else None)

    # -- what is read --------------------------------------------------------------------
    def selected(self) -> list[tuple[str, sql.Composable]]:
        exprs = property_exprs(self.layer)
        if self.properties is None:
            return exprs
        return [(n, e) for n, e in exprs if n in self.properties]

    def references(self, *, where: bool = True, order: bool = False,
                   select: bool = False) -> set[str]:
        """The property names the conditions, the sort keys and the selection read."""
        names: set[str] = set()
        if where:
            for c in self.conditions():
                names |= c.refs
        if order:
            names |= {k.name for k in self.sortby}
        if select:
            names |= {n for n, _ in self.selected()}
        return names

    def needs_progress(self, **parts: bool) -> bool:
        """Must the progress row be joined for these parts of the query?"""
        return bool(self.references(**parts) & progress_names(self.layer))

    def _lateral(self, needed: bool = True) -> sql.Composable:
        return progress_join(self.layer, self.is_historical) if needed else sql.SQL("")

    def _where(self, conds: list[Expr]) -> sql.Composable:
        return sql.SQL(" AND ").join(c.sql for c in conds) if conds else sql.SQL("TRUE")

    def from_clause(self, join: sql.Composable | None = None) -> sql.Composable:
        """FROM and WHERE over all matching features (tiles, groups), with ``join`` added
        to the FROM list; progress is joined when the conditions or the selection read it."""
        return sql.SQL("FROM {t} f{lateral}{join} WHERE {where}").format(
            t=sql.Identifier(self.layer.table), lateral=self._lateral(self.needs_progress(
                select=True)),
            join=join or sql.SQL(""), where=self._where(self.conditions()))

    def count_sql(self, cap: int | None = None, explain: bool = False) -> sql.Composable:
        """``count(*)`` of the matching features (at most ``cap + 1`` counted), or the
        planner's estimate with ``explain``; progress joined only when a condition reads it."""
        frm = sql.SQL("FROM {t} f{lateral} WHERE {where}").format(
            t=sql.Identifier(self.layer.table), lateral=self._lateral(self.needs_progress()),
            where=self._where(self.conditions()))
        if explain:
            return sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 {}").format(frm)
        rows = sql.SQL("SELECT 1 {}").format(frm)
        if cap is not None:
            rows = sql.SQL("{} LIMIT {}").format(rows, sql.Literal(cap + 1))
        return sql.SQL("SELECT count(*) FROM ({}) matched").format(rows)

    def _order(self) -> sql.Composable:
        keys = sortables(self.layer)
        order = [sql.SQL("{} {} NULLS LAST").format(
            keys[k.name].expr, sql.SQL("DESC" if k.descending else "ASC")) for k in self.sortby]
        if not any(k.name == "id" for k in self.sortby):
            order.append(sql.SQL("f.id"))  # a stable order
        return sql.SQL(" ORDER BY {}").format(sql.SQL(", ").join(order))

    def _limits(self) -> sql.Composable:
        parts = []
        if self.limit is not None:
            parts.append(sql.SQL(" LIMIT {}").format(sql.Literal(self.limit)))
        if self.offset:
            parts.append(sql.SQL(" OFFSET {}").format(sql.Literal(self.offset)))
        return sql.Composed(parts)

    def _page_from(self) -> sql.Composable:
        """FROM … WHERE … ORDER … LIMIT, with the page chosen before properties are built.

        Rows skipped by OFFSET then cost an index step (ids only), not a progress
        look-up and a GeoJSON encoding each. Progress is joined where the conditions, the
        order or the selection read it.
        """
        t = sql.Identifier(self.layer.table)
        conds = self.conditions()
        if self.limit is None and not self.offset:
            return sql.SQL("FROM {t} f{lateral} WHERE {where}{order}").format(
                t=t, lateral=self._lateral(self.needs_progress(order=True, select=True)),
                where=self._where(conds), order=self._order())
        inner = self._lateral(self.needs_progress(order=True))
        page = sql.SQL("SELECT f.id AS page_id FROM {t} f{lat} WHERE {where}{order}{limits}"
                       ).format(t=t, lat=inner, where=self._where(conds),
                                order=self._order(), limits=self._limits())
        outer = self._lateral(self.needs_progress(where=False, order=True, select=True))
        return sql.SQL("FROM ({page}) page JOIN {t} f ON f.id = page.page_id{lateral}{order}"
                       ).format(page=page, t=t, lateral=outer, order=self._order())

    def bind(self) -> dict:
        params: dict = {"as_of": self.as_of}
        for c in self.conditions():
            params.update(c.params)
        return params

    def rows_sql(self, geom: sql.Composable | None = None) -> sql.Composable:
        """A plain SELECT: ``id``, the properties and ``geom`` (as ``geom``)."""
        cols = [sql.SQL("f.id AS id")]
        cols += [sql.SQL("{} AS {}").format(e, sql.Identifier(n)) for n, e in self.selected()]
        cols.append(sql.SQL("{} AS geom").format(geom or sql.SQL("f.geom")))
        return sql.SQL("SELECT {cols} {frm}").format(
            cols=sql.SQL(", ").join(cols), frm=self._page_from())

    def geojson_sql(self, geom: sql.Composable | None = None,
                    maxdecimaldigits: int = 7) -> sql.Composable:
        """One GeoJSON Feature (text) per row, built by PostGIS."""
        props = build_object(self.selected())
        return sql.SQL(
            "SELECT json_build_object('type', 'Feature', 'id', f.id,"
            " 'geometry', ST_AsGeoJSON({g}, {d})::json,"
            " 'properties', {props})::text {frm}"
        ).format(g=geom or sql.SQL("f.geom"), d=sql.Literal(maxdecimaldigits), props=props,
                 frm=self._page_from())


# How each field of FeatureQuery enters sql_key (tests/test_query.py checks that every
# field is named here): by value, by presence (its values are parameters), or by shape.
SQL_KEY = {
    "by value": ("tile_margin", "bbox", "sortby", "properties", "limit", "offset"),
    "by presence": ("ids", "district", "as_of", "historical"),  # as_of: is_historical
    "by shape": ("layer", "filter", "equals", "progress"),
}


class StatementCache:
    """Statements rendered to text, by key, the least recently used dropped beyond
    ``size`` (any thread); texts longer than ``max_chars`` (long filters) are not kept."""

    def __init__(self, size: int = 512, max_chars: int = 50_000):
        self.size, self.max_chars = size, max_chars
        self._texts: OrderedDict[tuple, str] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple | None, build) -> str:
        """The text for ``key``, made by ``build()`` (a Composable) when not kept; a None
        key is built every time."""
        if key is None:
            return build().as_string(None)
        with self._lock:
            text = self._texts.get(key)
            if text is not None:
                self._texts.move_to_end(key)
                return text
        text = build().as_string(None)
        if len(text) > self.max_chars:
            return text
        with self._lock:
            self._texts[key] = text
            while len(self._texts) > self.size:
                self._texts.popitem(last=False)
        return text


def shading_metrics(layer: Layer) -> list[str]:
    """The percent metrics a layer is shaded by, first one first."""
    return [m for m in layer.shading_metrics if METRICS[m].percent]


def shading_progress(layer: Layer) -> Expr | None:
    """The value a feature is shaded by: its first percent shading metric (0-100),
    clamped as the web map does (greatest/least alone would turn NULL into 0 or 100)."""
    names = shading_metrics(layer)
    if not names:
        return None
    first = sql.SQL("coalesce({})").format(
        sql.SQL(", ").join(sql.SQL("p.{}").format(sql.Identifier(m)) for m in names))
    return Expr(sql.SQL("(CASE WHEN {v} IS NOT NULL THEN greatest(0, least(100, {v})) END)"
                        ).format(v=first), refs=frozenset(names))


def _progress_expr(prog: Expr, rng: ProgressRange) -> Expr:
    within = sql.SQL("{} BETWEEN %(p_min)s AND %(p_max)s").format(prog.sql)
    clause = (sql.SQL("({} OR {} IS NULL)").format(within, prog.sql)
              if rng.include_unknown else within)
    return Expr(clause, {"p_min": rng.low, "p_max": rng.high}, prog.refs)


@lru_cache(maxsize=1024)
def _bbox_expr(b: BBox) -> Expr:
    """``f`` intersects the box (kept: a query asks for its conditions several times)."""
    from gis.vn2000 import sql_to_wgs84

    env = sql.SQL("ST_MakeEnvelope({}, {}, {}, {})").format(
        sql.Literal(b.minx), sql.Literal(b.miny), sql.Literal(b.maxx), sql.Literal(b.maxy))
    env = sql_to_wgs84(env, b.srid)  # VN-2000 with the official parameters
    return Expr(sql.SQL("f.geom && {env} AND ST_Intersects(f.geom, {env})").format(env=env))
