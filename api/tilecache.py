"""An in-process LRU cache of vector tiles, dropped per layer when the layer changes
(api.changes)."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

ALL = "*"  # the combined tile of all layers


@dataclass(frozen=True)
class Tile:
    data: bytes
    etag: str


class TileCache:
    def __init__(self, size: int):
        self.size = size
        self._tiles: OrderedDict[tuple, Tile] = OrderedDict()
        self._generation: dict[str, int] = {}
        self._lock = Lock()
        self.hits = self.misses = 0

    def key(self, layer_id: str, z: int, x: int, y: int, as_of) -> tuple:
        return (layer_id, z, x, y, as_of)

    def get(self, key: tuple, count_miss: bool = True) -> Tile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += count_miss
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return tile

    def put(self, key: tuple, data: bytes) -> Tile:
        digest = hashlib.blake2b(data, digest_size=8).hexdigest()
        tile = Tile(data, f'"{self._generation.get(key[0], 0)}-{digest}"')
        if self.size <= 0:
            return tile
        with self._lock:
            self._tiles[key] = tile
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.size:
                self._tiles.popitem(last=False)
        return tile

    def invalidate(self, layer_id: str) -> int:
        """Drop the layer's tiles and the combined tiles; return how many were dropped."""
        with self._lock:
            for lid in (layer_id, ALL):
                self._generation[lid] = self._generation.get(lid, 0) + 1
            stale = [k for k in self._tiles if k[0] in (layer_id, ALL)]
            for k in stale:
                del self._tiles[k]
            return len(stale)

    def __len__(self) -> int:
        return len(self._tiles)


class CachedTileMiddleware:
    """Answers repeated tile requests straight from the cache, before routing.

    Only plain ``GET …/tiles/WebMercatorQuad/{z}/{y}/{x}`` requests without a query
    string take this path; anything else (and every miss) goes to the tile route, which
    fills the cache. Headers and status codes are the route's own (200, 204, 304).
    """

    def __init__(self, app, max_age: int):
        self.app = app
        self.max_age = max_age

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and not scope["query_string"]:
            match = _TILE_PATH.match(scope["path"])
            cache = getattr(scope["app"].state, "tile_cache", None) if match else None
            if cache is not None:
                layer, z, y, x = match.groups()
                key = cache.key(layer or ALL, int(z), int(x), int(y), None)
                tile = cache.get(key, count_miss=False)  # the route counts the miss
                if tile is not None:
                    await self._send(scope, send, tile)
                    return
        await self.app(scope, receive, send)

    async def _send(self, scope, send, tile: Tile) -> None:
        headers = [(b"etag", tile.etag.encode()),
                   (b"cache-control", f"max-age={self.max_age}".encode()),
                   (b"vary", b"Accept-Encoding")]
        inm = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
        if inm is not None and inm.decode() == tile.etag:
            status, body = 304, b""
        elif not tile.data:
            status, body = 204, b""
        else:
            status, body = 200, tile.data
            headers += [(b"content-type", b"application/vnd.mapbox-vector-tile"),
                        (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


_TILE_PATH = re.compile(r"^/(?:collections/([^/]+)/)?tiles/WebMercatorQuad/(\d+)/(\d+)/(\d+)$")
