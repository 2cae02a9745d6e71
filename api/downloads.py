"""Downloads of a layer's features (CSV, GeoPackage, zipped Shapefile), same filters."""

from __future__ import annotations

from fastapi import Request


async def download(request: Request, q, fmt: str):
    from api.errors import bad_request

    raise bad_request(f"format {fmt!r} is not available yet", "f")
