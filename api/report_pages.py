"""The planners' page for a new report: upload, review, resolve matches, apply.

``GET /reports/import`` is the page, for a signed-in planner or admin (a browser without
a session goes to ``/signin`` and comes back; other roles get a page saying why not).
``POST /reports/review`` takes the file (multipart) with the same choices as ``gis import
report`` (report number, date, ``match`` lines ``ROW=FEATURE_ID``, ``create_new``, ``set``
lines ``FIELD=VALUE``) and answers the review (JSON, or the review table with ``f=html``);
with ``apply`` it writes it in one transaction, audited under the user with the file's
SHA-256. ``sha256`` (the hash the review showed) guards against applying another file
than the one reviewed. It takes the page's session cookie with its CSRF token (header
``X-CSRF-Token``, as the edit forms send it) or an API client's bearer token
(:mod:`api.auth`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import psycopg
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.access import UserDep
from api.db import database_url
from api.links import base
from api.pages import page_session, render
from api.params import typed_day
from gis.errors import GISError, bad_request
from gis.reports.tables import SUPPORTED, check_supported
from gis.settings import security_settings
from gis.uploads import UNPACK_FACTOR, check_upload

router = APIRouter(tags=["Reports"])
IMPORTERS = ("planner", "admin")
# the roles of gis.users.ROLES as people read them (Vietnamese, English)
ROLE_WORDS = {"admin": ("quản trị viên", "admin"), "planner": ("cán bộ quy hoạch", "planner"),
              "district_officer": ("cán bộ quận/huyện", "district officer")}


def refusal(role: str) -> tuple[str, str] | None:
    """Why a role may not import reports (Vietnamese, English), or None."""
    if role in IMPORTERS:
        return None
    vi, en = ROLE_WORDS.get(role, (role, role))
    return ("Chỉ cán bộ quy hoạch hoặc quản trị viên được nhập báo cáo; tài khoản của bạn là "
            f"{vi}.", f"Only planners and admins may import reports; your account's role is "
            f"{en}.")


@router.get("/reports/import", response_class=HTMLResponse, include_in_schema=False)
async def import_page(request: Request):
    session = await page_session(request)
    if isinstance(session, Response):
        return session
    why = refusal(session.user.role)
    return render(request, "report_import.html", 403 if why else 200, base=base(request),
                  user=session.user, csrf=session.csrf, refused=why)


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
                               parameter="sha256", hint="review the file again, then apply",
                               vi="Tệp không phải tệp đã xem trước (mã SHA-256 khác)",
                               hint_vi="hãy xem trước tệp lại rồi mới ghi")
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
        on: Annotated[str | None, Form(alias="date", description="dd/mm/yyyy")] = None,
        match: Annotated[list[str], Form(description="ROW=FEATURE_ID")] = [],  # noqa: B006
        create_new: Annotated[bool, Form()] = False,
        set_: Annotated[list[str], Form(alias="set")] = [],  # noqa: B006
        apply: Annotated[bool, Form()] = False,
        sha256: Annotated[str | None, Form()] = None,
        f: Annotated[str, Query(pattern="^(json|html)$")] = "json"):
    why = refusal(user.role)
    if why:
        raise GISError(403, f"{why[0]} / {user.name!r}: {why[1]}", vi=why[0])
    limit = security_settings().max_upload_bytes
    name = Path(file.filename or "report").name
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise GISError(413, f"{name}: the file is larger than {limit} bytes",
                       parameter="file", hint="raise GIS_SECURITY_MAX_UPLOAD_BYTES",
                       vi=f"{name}: tệp lớn hơn {limit} byte",
                       hint_vi="tăng GIS_SECURITY_MAX_UPLOAD_BYTES trên máy chủ")
    check_supported(name, "file")  # a PDF: the advice to export the tables
    check_upload(name, data, SUPPORTED, max_unpacked=limit * UNPACK_FACTOR)
    suffix = Path(name).suffix
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{Path(file.filename or 'report').stem}{suffix}"
        path.write_bytes(data)
        result = await run_in_threadpool(
            _run, database_url(request), path, report_no or None, typed_day(on, "date"),
            _pairs(match, "match"), create_new, _pairs(set_, "set"), apply, sha256, user.name)
    if apply:
        from api import changes
        from layers import registry

        for layer in registry.layers():
            if layer.metrics:
                changes.invalidate(request.app, layer)
    if f == "html":
        return render(request, "_report_review.html", r=result)
    return JSONResponse(result)
