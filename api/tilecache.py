"""An in-process LRU cache of vector tiles, invalidated per layer on writes."""

from __future__ import annotations

import hashlib
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

    def get(self, key: tuple) -> Tile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += 1
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
