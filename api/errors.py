"""Errors as JSON bodies (OGC exception shape): every :class:`gis.errors.GISError` (400
for bad input, 404, 401/403/412, 413) answers with its ``body()``.

FastAPI's 422 for invalid parameters is turned into 400, and anything unexpected into a
500 with a JSON body, so every response of the API is JSON the client can read.
"""

from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import audit
from gis.errors import GISError, bad_request, not_found

log = logging.getLogger(__name__)

def body(status: int, description: str, parameter: str | None = None) -> dict:
    return GISError(status, description, parameter=parameter).body()


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    problems, param = [], None
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        name = loc[-1] if loc else None
        param = param or name
        where = f"{loc[0]} parameter {name!r}" if len(loc) > 1 else "request"
        value = err.get("input")
        shown = f" (got {value!r})" if value is not None and not isinstance(value, dict) else ""
        problems.append(f"{where}: {err.get('msg')}{shown}")
    return "; ".join(problems) or "invalid request", param


def install(app: FastAPI) -> None:
    @app.exception_handler(GISError)
    async def _gis_error(request: Request, exc: GISError):
        await audit.refused(request, exc)  # refused writes are audited too
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        msg, param = _validation_message(exc)
        return JSONResponse(body(400, msg, param), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse(body(exc.status_code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(psycopg.DataError)
    async def _data_error(request: Request, exc: psycopg.DataError):
        # A value the database cannot use (a coordinate out of range, a bad geometry):
        # the request's fault, since every value reaches SQL as a typed parameter.
        return JSONResponse(body(400, f"invalid value: {exc.diag.message_primary or exc}"),
                            status_code=400)

    @app.exception_handler(psycopg.errors.InternalError_)
    async def _internal(request: Request, exc: psycopg.errors.InternalError_):
        msg = exc.diag.message_primary or str(exc)
        if "transform" in msg.lower() or "project" in msg.lower():
            # PROJ cannot transform the coordinates given (far outside the CRS's area)
            return JSONResponse(body(400, f"coordinates cannot be transformed: {msg}"),
                                status_code=400)
        log.exception("database error")
        return JSONResponse(body(500, "database error"), status_code=500)


__all__ = ["GISError", "bad_request", "body", "install", "not_found"]
