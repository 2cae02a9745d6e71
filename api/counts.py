"""A short-lived cache of ``numberMatched`` for filtered requests on large tables.

Paging through a filter asks for the same count on every page; on a large table that
count is a scan. Counts are kept for ``ttl`` seconds and dropped for a layer when it
changes (api.changes: at once for the API's own writes, on the table's notification for
``gis load``, psql or another API process).
"""

from __future__ import annotations

import time
from collections import OrderedDict


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
