"""Reads from a hot standby (``DATABASE_REPLICA_URL``), writes to the primary.

- GET/HEAD requests take their connections from the replica's pool while the replica is
  up and its replay lag is under ``GIS_API_REPLICA_MAX_LAG`` seconds; everything else,
  and every request while the replica is away, goes to the primary (fallback).
- Read-your-writes: a user (bearer token or session cookie, else client address) who has
  just written reads from the primary for ``GIS_API_REPLICA_STICKY`` seconds.
- A monitor checks the replica every second; ``/health`` shows its state and lag.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

from psycopg_pool import AsyncConnectionPool

from api.security import SAFE_METHODS, client_key

log = logging.getLogger(__name__)


def replica_url() -> str | None:
    return os.environ.get("DATABASE_REPLICA_URL") or None


class Replica:
    def __init__(self, url: str, make_pool, max_lag: float, sticky: float):
        self.url, self.max_lag, self.sticky = url, max_lag, sticky
        self.pool: AsyncConnectionPool = make_pool(url)
        self.up = False
        self.lag: float | None = None
        self.error: str | None = None
        self._writers: dict[str, float] = {}
        self._task: asyncio.Task | None = None

    async def open(self) -> None:
        await self.pool.open()
        await self.check()
        self._task = asyncio.create_task(self._monitor())

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.pool.close(timeout=1)

    async def check(self) -> None:
        try:
            async with self.pool.connection(timeout=1) as conn:
                row = await (await conn.execute(
                    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = "
                    "pg_last_wal_replay_lsn() THEN 0 ELSE EXTRACT(epoch FROM now() - "
                    "pg_last_xact_replay_timestamp()) END")).fetchone()
            self.up, self.lag, self.error = True, float(row[1] or 0), None
            if not row[0]:
                self.error = "not a standby (promoted?)"
        except Exception as exc:  # away: reads fall back to the primary
            self.up, self.error = False, str(exc) or type(exc).__name__
            with contextlib.suppress(Exception):
                await self.pool.check()

    async def _monitor(self) -> None:
        while True:
            await asyncio.sleep(1)
            await self.check()

    def wrote(self, scope) -> None:
        self._writers[client_key(scope)] = time.monotonic()
        if len(self._writers) > 100_000:
            cutoff = time.monotonic() - self.sticky
            self._writers = {k: t for k, t in self._writers.items() if t > cutoff}

    def serves(self, scope) -> bool:
        """Whether this request may read from the replica."""
        if scope["method"] not in ("GET", "HEAD") or not self.up or self.error:
            return False
        if self.lag is not None and self.lag > self.max_lag:
            return False
        last = self._writers.get(client_key(scope))
        return last is None or time.monotonic() - last > self.sticky

    def health(self) -> dict:
        return {"url_host": self.url.rsplit("@", 1)[-1].split("/")[0], "up": self.up,
                "lag_seconds": self.lag, "error": self.error,
                "serving_reads": self.up and not self.error and
                (self.lag or 0) <= self.max_lag}


class WriteTracker:
    """Remembers who wrote (a non-safe request answered below 400), for read-your-writes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        replica = getattr(scope["app"].state, "replica", None) if scope["type"] == "http" \
            else None
        if replica is None or scope["method"] in SAFE_METHODS:
            return await self.app(scope, receive, send)
        replica.wrote(scope)  # before the write: reads racing it go to the primary too

        async def tracking(message):
            if message["type"] == "http.response.start" and message["status"] < 400:
                replica.wrote(scope)
            await send(message)

        await self.app(scope, receive, tracking)
