"""The planners' import page: upload a file, see the checks, the field mapping (prefilled
from the registry's names and Vietnamese labels) and a map preview, then write it.

``GET /import/features`` is the page; ``POST /import/features/{layer}`` takes the file
as the request body (``?filename=``, ``crs``, ``encoding``, ``key``, ``map=FIELD=COLUMN``,
``dry_run``, ``skip_invalid``) and answers the import report as JSON with the rows as
GeoJSON for the preview. Writing needs a bearer token of a planner or an admin (the
API's token auth); each import is audited under that user.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.access import UserDep
from api.db import database_url
from api.html import render
from gis.errors import GISError
from gis.imports.encodings import ENCODINGS
from gis.settings import security_settings
from gis.uploads import FEATURE_SUFFIXES, UNPACK_FACTOR, check_upload
from layers import registry

router = APIRouter(tags=["Import"])
IMPORTERS = ("planner", "admin")
PREVIEW_FEATURES = 2000


def _layers():
    return [lyr for lyr in registry.layers() if lyr.editable and lyr.managed_table]


@router.get("/import/features", summary="The planners' import page", include_in_schema=False)
async def page(request: Request):
    from api.links import base
    from gis.frames import column_types

    fields = {lyr.id: [{"name": n, "label": _label(lyr, n)} for n in ["id", *column_types(lyr)]]
              for lyr in _layers()}
    return render(request, "import_features.html", title="Nhập dữ liệu / Import",
                  base=base(request), layers=_layers(), encodings=ENCODINGS,
                  fields_json=json.dumps(fields, ensure_ascii=False),
                  # the outlines drawn under the preview: the registry's district layer
                  district_layer=getattr(registry.district_layer(), "id", None))


def _label(layer, name: str) -> str:
    from gis.export_files import labels

    vi, en, unit = labels(layer).get(name, (name, name, None))
    return f"{vi} ({name})" + (f" [{unit}]" if unit else "")


def _preview(path: Path, report) -> dict:
    import shapely

    from gis.imports.readers import read_file

    try:
        frame = read_file(path, report.get("crs_given"), report.get("encoding_given")).frame
    except GISError:
        return {"type": "FeatureCollection", "features": []}
    feats = []
    for i, geom in enumerate(frame.geometry.values[:PREVIEW_FEATURES], start=1):
        if isinstance(geom, shapely.Geometry) and not geom.is_empty:
            feats.append({"type": "Feature", "properties": {"row": i},
                          "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}


@router.post("/import/features/{layer}", summary="Import a file into a layer (planners)")
async def upload(request: Request, layer: str, user: UserDep,
                 filename: Annotated[str, Query(min_length=1)],
                 crs: str | None = None, encoding: str | None = None, key: str = "id",
                 map: Annotated[list[str] | None, Query()] = None,
                 dry_run: bool = True, skip_invalid: bool = False):
    from gis.imports.mapping import parse_maps
    from gis.imports.run import import_file

    if user.role not in IMPORTERS:
        raise GISError(403, f"user {user.name!r} ({user.role}) may not import files; "
                       "planners and admins may", vi=f"Người dùng {user.name!r} không được "
                       "nhập tệp; chỉ cán bộ quy hoạch và quản trị viên được nhập")
    if layer not in {lyr.id for lyr in _layers()}:
        raise GISError(404, f"no layer {layer!r} that takes imports", parameter="layer",
                       vi=f"Không có lớp {layer!r} nhận nhập dữ liệu")
    if encoding and encoding not in ENCODINGS:
        raise GISError(400, f"encoding {encoding!r}: one of {', '.join(ENCODINGS)}",
                       parameter="encoding", vi=f"Bảng mã {encoding!r}: phải là một trong "
                       f"{', '.join(ENCODINGS)}")
    limit, name = security_settings().max_upload_bytes, Path(filename).name
    body = await request.body()
    if not body or len(body) > limit:
        raise GISError(413 if body else 400, f"{name}: send the file as the request body "
                       f"(at most {limit} bytes)", parameter="file",
                       vi=f"{name}: hãy gửi tệp trong thân yêu cầu (tối đa {limit} byte)")
    check_upload(name, body, FEATURE_SUFFIXES, max_unpacked=limit * UNPACK_FACTOR)
    maps = parse_maps(tuple(map or ()), None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(body)
        report = await run_in_threadpool(
            import_file, path, layer, crs=crs or None, encoding=encoding or None, maps=maps,
            key=key, dry_run=dry_run, skip_invalid=skip_invalid,
            url=database_url(request), user=user.name)
        preview = await run_in_threadpool(_preview, path, {"crs_given": crs or None,
                                                           "encoding_given": encoding or None})
    if report.written:
        from api import changes

        changes.invalidate(request.app, registry.get(layer))
    status = 422 if report.problems and not skip_invalid else 200
    return JSONResponse({**json.loads(report.as_json()), "preview": preview},
                        status_code=status)
