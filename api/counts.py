"""``numberMatched``: counted, estimated, or kept a short while for filtered requests on
large tables.

Paging through a filter asks for the same count on every page; on a large table that
count is a scan. Counts are kept for ``ttl`` seconds and dropped for a layer when it
changes (api.changes: at once for the API's own writes, on the table's notification for
``gis load``, psql or another API process).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from gis.errors import GISError
from gis.query import FeatureQuery
from gis.settings import api_settings
from layers.base import Layer


class CountCache:
    def __init__(self, ttl: float = 30.0, size: int = 1024):
        self.ttl, self.size = ttl, size
        self._counts: OrderedDict[tuple, tuple[float, tuple[int, bool]]] = OrderedDict()

    def get(self, key: tuple) -> tuple[int, bool] | None:
        hit = self._counts.get(key)
        if hit is None or time.monotonic() - hit[0] > self.ttl:
            return None
        return hit[1]

    def put(self, key: tuple, value: tuple[int, bool]) -> None:
        self._counts[key] = (time.monotonic(), value)
        self._counts.move_to_end(key)
        while len(self._counts) > self.size:
            self._counts.popitem(last=False)

    def invalidate(self, layer_id: str) -> None:
        for key in [k for k in self._counts if k[0] == layer_id]:
            del self._counts[key]


_ESTIMATE_TTL = 60.0
_table_rows: dict[str, tuple[float, float]] = {}


async def _estimated_rows(conn, layer: Layer) -> float:
    hit = _table_rows.get(layer.id)
    if hit and time.monotonic() - hit[0] < _ESTIMATE_TTL:
        return hit[1]
    cur = await conn.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                             (layer.table,))
    row = await cur.fetchone()
    rows = float(row[0]) if row and row[0] is not None else -1.0
    _table_rows[layer.id] = (time.monotonic(), rows)
    return rows


def known_count(q: FeatureQuery, counts: CountCache | None = None) -> tuple[int, bool] | None:
    """What :func:`number_matched` would answer, when that needs no database: a large
    table's row estimate (unfiltered) or a filtered count kept in ``counts``; else None."""
    hit = _table_rows.get(q.layer.id)
    if hit is None or time.monotonic() - hit[0] >= _ESTIMATE_TTL:
        return None
    if hit[1] <= api_settings().exact_count_max_rows:
        return None
    if not q.filtered:
        return int(hit[1]), False
    return counts.get(q.match_key()) if counts is not None else None


async def number_matched(conn, q: FeatureQuery, counts: CountCache | None = None
                         ) -> tuple[int, bool]:
    """(count, exact). Small tables are counted. On a large table an unfiltered request
    takes the table's row estimate; a filtered one is counted up to
    ``exact_count_filtered`` matches (cheap when the filter is selective) and estimated
    by the planner beyond that; ``counts`` keeps such counts for the next pages of the
    same filter."""
    s = api_settings()
    cap = s.exact_count_max_rows
    table_rows = await _estimated_rows(conn, q.layer)
    if table_rows <= cap:
        cur = await conn.execute(q.count_sql(), q.bind())
        return (await cur.fetchone())[0], True
    if not q.filtered:
        return int(table_rows), False
    key = q.match_key()
    cached = counts.get(key) if counts is not None else None
    if cached is not None:
        return cached
    result = await _count_filtered(conn, q, min(s.exact_count_filtered, cap))
    if counts is not None:
        counts.put(key, result)
    return result


async def _count_filtered(conn, q: FeatureQuery, filtered_cap: int) -> tuple[int, bool]:
    cur = await conn.execute(q.count_sql(filtered_cap), q.bind())
    counted = (await cur.fetchone())[0]
    if counted <= filtered_cap:
        return counted, True
    cur = await conn.execute(q.count_sql(explain=True), q.bind())
    plan = (await cur.fetchone())[0]
    return max(int(plan[0]["Plan"]["Plan Rows"]), counted), False


def check_download_size(q: FeatureQuery, matched: int) -> None:
    """A download (every matching feature at once) larger than ``download_max_features``
    is refused with a 413 naming the limit."""
    limit = api_settings().download_max_features
    if matched > limit:
        raise GISError(413, f"{matched} features match, more than the {limit} a download "
                       f"may hold (GIS_API_DOWNLOAD_MAX_FEATURES); narrow the request "
                       "(bbox, filter) or page through it with limit and offset",
                       hint="add bbox=, filter= or limit=&offset=")
