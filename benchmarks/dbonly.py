"""The physical limit: the statement our server runs for an items page or a tile,
executed from psycopg on the same database, without HTTP (no parsing, no routing, no
response).

The statements are built by the server's own code from the same paths the HTTP runs ask
for (``api.items.page_statement``: ``page_sql`` over ``FeatureQuery``;
``api.tilesql.layer_subquery``), so the only difference is everything around the
database. ``numberMatched`` is left out: on this 100,000-row table the server takes it
from the catalogue estimate (unfiltered) or from its count cache (the same filter on
every request of a scenario), so a page costs one statement there too. Connections are
autocommit and psycopg prepares a statement after five uses, as in the server's pool;
each connection has run each statement once before the timed run (tiles: the one tile
statement, prepared).
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
from urllib.parse import parse_qs, urlsplit

import psycopg
from psycopg import sql

from api import crs, items, params
from api.cql import compile_filter
from api.tilesql import layer_subquery
from benchmarks import synthetic
from gis.query import FeatureQuery

LAYER = synthetic.LAYER


def statement(path: str) -> tuple[str, dict]:
    """(SQL, parameters) that our server runs for ``path`` (items or a tile)."""
    parts = urlsplit(path)
    segments = parts.path.strip("/").split("/")
    if "tiles" in segments:
        z, y, x = (int(v) for v in segments[-3:])
        query = sql.SQL("SELECT {}").format(layer_subquery(LAYER)).as_string(None)
        return query, {"z": z, "x": x, "y": y, "as_of": None}
    qs = {k: v[0] for k, v in parse_qs(parts.query).items()}
    default = crs.default()
    q = FeatureQuery(
        LAYER, limit=int(qs.get("limit", 100)), offset=int(qs.get("offset", 0)),
        bbox=params.parse_bbox(default, qs.get("bbox")),
        filter=compile_filter(LAYER, qs["filter"], qs.get("filter-lang", "cql2-text"),
                              default) if qs.get("filter") else None)
    return items.page_statement(q, default), q.bind()


def check_same(url: str, base: str, path: str) -> bool:
    """The database's answer for ``path`` is what the server sends (the features of a
    page, the bytes of a tile): the two sides of the ratio do the same work."""
    import urllib.request

    with urllib.request.urlopen(base + path, timeout=120) as r:
        body = r.read()
    query, args = statement(path)
    with _connect(url) as conn:
        row = conn.execute(query, args).fetchone()
    if "/tiles/" in path:  # the same features (their order in a tile may differ)
        same = _features(bytes(row[0] or b"")) == _features(body)
    else:
        same = json.loads(f"[{row[0]}]") == json.loads(body)["features"]
    return same


def _features(tile: bytes) -> dict:
    import mapbox_vector_tile

    return {name: sorted(json.dumps(f, sort_keys=True) for f in layer["features"])
            for name, layer in mapbox_vector_tile.decode(tile).items()}


def _connect(url: str):
    return psycopg.connect(url, autocommit=True)



def _in_threads(work, conns: list) -> float:
    """Run ``work(i)`` on one thread per connection; the seconds they took. The
    connections are closed after."""
    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return elapsed

def rps_timed(url: str, paths: list[str], connections: int, seconds: float) -> float:
    """Statements per second, ``connections`` threads cycling through the paths'
    statements for ``seconds`` (as wrk cycles through the URLs)."""
    stmts = [statement(p) for p in paths]
    counter = itertools.count()
    done = [0] * connections
    conns = [_connect(url) for _ in range(connections)]
    for c in conns:  # warm: pages in the buffer cache, each connection has run each once
        for q, args in stmts:
            c.execute(q, args).fetchone()
    deadline = time.perf_counter() + seconds

    def work(i: int) -> None:
        while time.perf_counter() < deadline:
            q, args = stmts[next(counter) % len(stmts)]
            conns[i].execute(q, args).fetchone()
            done[i] += 1

    elapsed = _in_threads(work, conns)
    return sum(done) / elapsed


def rps_fixed(url: str, paths: list[str], connections: int) -> float:
    """Every path's statement once, ``connections`` at a time (as benchmarks/fixed.py)."""
    stmts = [statement(p) for p in paths]
    todo: queue.Queue = queue.Queue()
    for s in stmts:
        todo.put(s)
    conns = [_connect(url) for _ in range(connections)]
    cheap = min(stmts, key=lambda s: -s[1].get("z", 0))  # the same text for every tile
    for c in conns:  # prepared (after five uses), as on a warm server connection
        for _ in range(6):
            c.execute(*cheap).fetchone()

    def work(i: int) -> None:
        while True:
            try:
                q, args = todo.get_nowait()
            except queue.Empty:
                return
            conns[i].execute(q, args).fetchone()

    elapsed = _in_threads(work, conns)
    return len(stmts) / elapsed
