"""The planners' page for a new report: upload, review, resolve matches, apply.

``GET /reports/import`` is the page; ``POST /reports/review`` takes the file (multipart)
with the same choices as ``gis import report`` (report number, date, ``match`` lines
``ROW=FEATURE_ID``, ``create_new``, ``set`` lines ``FIELD=VALUE``) and answers the review
(JSON, or the review table with ``f=html``); with ``apply`` it writes it in one
transaction, audited under the token's user with the file's SHA-256. ``sha256`` (the hash
the review showed) guards against applying another file than the one reviewed. Writes
need a planner's or admin's bearer token (sign-in by cookie comes with issue #10).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

import psycopg
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from api.access import UserDep
from api.db import database_url
from api.links import base
from gis.errors import GISError, bad_request
from gis.reports.tables import SUPPORTED
from gis.settings import security_settings
from gis.uploads import UNPACK_FACTOR, check_upload
from maps.templating import templates

router = APIRouter(tags=["Reports"])
IMPORTERS = ("planner", "admin")


@router.get("/reports/import", response_class=HTMLResponse, include_in_schema=False)
async def import_page(request: Request):
    return templates.TemplateResponse(request, "report_import.html", {
        "base": base(request), "title": "Nhập báo cáo / Import a report"})


def _pairs(lines: list[str], name: str) -> dict[str, str]:
    out = {}
    for line in lines:
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise bad_request(f"{name} {line!r}: expected NAME=VALUE", name)
        out[key.strip()] = value.strip()
    return out


def _run(url: str, path: Path, report_no, on, matches, create_new, new_values, apply,
         sha256, user_name) -> dict:
    from gis.reports.apply import apply_review
    from gis.reports.review import build_review

    with psycopg.connect(url) as conn:
        review = build_review(conn, path, report_no, on, matches, create_new)
        if apply:
            if sha256 and sha256 != review.identity.sha256:
                raise GISError(409, "the file is not the one reviewed (its SHA-256 differs)",
                               parameter="sha256", hint="review the file again, then apply")
            apply_review(conn, review, user=user_name, new_values=new_values)
            conn.commit()
        else:
            conn.rollback()
    return review.as_json()


@router.post("/reports/review", summary="Review (and with apply=true, apply) a report's "
             "appendix tables (.txt, .docx, .xlsx)")
async def review_report(
        request: Request, user: UserDep,
        file: Annotated[UploadFile, File(description="the appendix tables")],
        report_no: Annotated[str | None, Form()] = None,
        on: Annotated[date | None, Form(alias="date")] = None,
        match: Annotated[list[str], Form(description="ROW=FEATURE_ID")] = [],  # noqa: B006
        create_new: Annotated[bool, Form()] = False,
        set_: Annotated[list[str], Form(alias="set")] = [],  # noqa: B006
        apply: Annotated[bool, Form()] = False,
        sha256: Annotated[str | None, Form()] = None,
        f: Annotated[str, Query(pattern="^(json|html)$")] = "json"):
    if user.role not in IMPORTERS:
        raise GISError(403, f"user {user.name!r} ({user.role}) may not import reports "
                       f"(roles: {', '.join(IMPORTERS)})")
    limit = security_settings().max_upload_bytes
    name = Path(file.filename or "report").name
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise GISError(413, f"{name}: the file is larger than {limit} bytes",
                       parameter="file", hint="raise GIS_SECURITY_MAX_UPLOAD_BYTES")
    check_upload(name, data, SUPPORTED, max_unpacked=limit * UNPACK_FACTOR)
    suffix = Path(name).suffix
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{Path(file.filename or 'report').stem}{suffix}"
        path.write_bytes(data)
        result = await run_in_threadpool(
            _run, database_url(request), path, report_no or None, on,
            _pairs(match, "match"), create_new, _pairs(set_, "set"), apply, sha256, user.name)
    if apply:
        from api import changes
        from layers import registry

        for layer in registry.layers():
            if layer.metrics:
                changes.invalidate(request.app, layer)
    if f == "html":
        return templates.TemplateResponse(request, "_report_review.html", {"r": result})
    return JSONResponse(result)
