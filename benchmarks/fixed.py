"""A fixed amount of work: every path of a list requested exactly once, ``connections`` at
a time (each on a kept-alive HTTP connection); requests per second = paths / wall time.

For slow requests (uncached vector tiles, up to a second each) a timed run (wrk) counts
only the requests that finish inside its window, which favours the quick ones and moves
with whichever slow tile happens to be in flight at the end; here every server renders
the same tiles.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
from urllib.parse import urlsplit


def rps(base: str, paths: list[str], connections: int) -> float:
    host = urlsplit(base)
    todo: queue.Queue[str] = queue.Queue()
    for p in paths:
        todo.put(p)
    errors: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
        try:
            while True:
                try:
                    path = todo.get_nowait()
                except queue.Empty:
                    return
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                if r.status >= 300:
                    errors.append(f"{r.status} {base}{path}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return len(paths) / elapsed
