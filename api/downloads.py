"""Downloads of a layer's features through :mod:`gis.export` (the CLI's exporter):
CSV streamed from a server-side cursor, GeoPackage, zipped Shapefile and XLSX written
from the query's GeoDataFrame, all in the ``crs`` asked for (VN-2000 included).

The same filters as ``/items`` apply; paging applies only when ``limit`` or ``offset``
is given explicitly. A download of every match larger than ``download_max_features`` is
a 413. Text stays UTF-8 (CSV with a BOM for Excel, Shapefile with .cpg). Everything is
read from the app's database (:func:`api.db.database_url`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psycopg
from fastapi import Request
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api.counts import check_download_size, number_matched
from api.crs import CrsInfo
from api.db import database_url, pool
from gis.errors import GISError
from gis.export import FORMATS, export_filename, export_layer, iter_csv
from gis.query import FeatureQuery


def _csv_rows(url: str, q: FeatureQuery, srid: int):
    with psycopg.connect(url) as conn:
        yield from iter_csv(conn, q, srid=srid)


async def download(request: Request, q: FeatureQuery, fmt: str, out_crs: CrsInfo):
    if "limit" not in request.query_params and "offset" not in request.query_params:
        q.limit, q.offset = None, 0
        async with pool(request).connection() as conn:
            matched, _ = await number_matched(conn, q, request.app.state.count_cache)
        check_download_size(q, matched)
    url = database_url(request)
    media, _ = FORMATS[fmt]
    srid = out_crs.srid
    disposition = {"Content-Disposition":
                   f'attachment; filename="{export_filename(q, fmt, srid)}"',
                   "Content-Crs": f"<{out_crs.uri}>"}
    if fmt == "csv":
        return StreamingResponse(_csv_rows(url, q, srid), media_type=media,
                                 headers=disposition)
    fd, name = tempfile.mkstemp(suffix=FORMATS[fmt][1])
    os.close(fd)
    dest = Path(name)
    try:
        await run_in_threadpool(export_layer, q, fmt, dest, url, srid)
    except (RuntimeError, OSError) as exc:
        dest.unlink(missing_ok=True)
        raise GISError(503, f"export to {fmt} is not available: {exc}") from None
    except Exception:
        dest.unlink(missing_ok=True)
        raise
    return FileResponse(dest, media_type=media, headers=disposition,
                        background=BackgroundTask(dest.unlink, missing_ok=True))
