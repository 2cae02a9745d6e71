"""Keeping the API's caches true to the database, whoever changes it.

The tile cache, the ``numberMatched`` cache and the collection extents are dropped for a
layer when it changes. Writes through the API do so themselves (:func:`invalidate`);
changes made elsewhere (``gis load``, another API process, psql) reach every API process
as a PostgreSQL notification: each layer table carries a statement trigger that sends
``NOTIFY gis_layer_changed, '<table>'`` (gis.schema.layer_ddl), and :func:`listen` runs
for the life of the app on a connection of its own.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg

from api.collections import invalidate_extents
from gis.db import database_url
from layers import registry
from layers.base import Layer

CHANNEL = "gis_layer_changed"
LISTENER_NAME = "gis-cache-listener"  # application_name of the listening connection
log = logging.getLogger(__name__)


def invalidate(app, layer: Layer) -> None:
    """Forget what was cached for ``layer`` and for the views, which may read it."""
    for lyr in registry.layers():
        if lyr.id == layer.id or not lyr.managed_table:
            app.state.tile_cache.invalidate(lyr.id)
            app.state.count_cache.invalidate(lyr.id)
    invalidate_extents(app)


def invalidate_table(app, table: str) -> None:
    for layer in registry.layers():
        if layer.table == table:
            invalidate(app, layer)


def invalidate_all(app) -> None:
    for layer in registry.layers():
        invalidate(app, layer)


async def listen(app, url: str | None = None, retry_seconds: float = 2.0) -> None:
    """Invalidate on every notification until cancelled; reconnect if the server goes,
    and then forget everything cached: what changed while no one listened is not told."""
    connected_before = False
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                    url or database_url(), autocommit=True,
                    application_name=LISTENER_NAME) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                if connected_before:
                    invalidate_all(app)
                connected_before = True
                async for note in conn.notifies():
                    invalidate_table(app, note.payload)
        except asyncio.CancelledError:
            raise
        except psycopg.Error as exc:
            log.warning("cache invalidation listener: %s; reconnecting", exc)
            await asyncio.sleep(retry_seconds)
