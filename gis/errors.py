"""The one error type of the project: the API, the map pages and the CLI raise it.

A :class:`GISError` says what went wrong for a person to read (``message``), which HTTP
status and OGC exception code answer it, and what it concerns: the request parameter,
the layer field, the feature or the input row. The API answers it as an OGC exception
document (JSON), the map pages as an error page, the CLI as a message with what to do
next (``hint``) and exit status 2.
"""

from __future__ import annotations

# OGC API - Common exception codes by HTTP status.
CODES = {400: "InvalidParameterValue", 401: "Unauthorized", 403: "Forbidden",
         404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict",
         412: "PreconditionFailed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType",
         422: "UnprocessableEntity", 428: "PreconditionRequired", 429: "TooManyRequests",
         500: "ServerError", 503: "ServiceUnavailable"}


class GISError(Exception):
    """A problem with a request, a command or an input file, said to the person."""

    def __init__(self, status: int, message: str, *, parameter: str | None = None,
                 field: str | None = None, feature: str | None = None,
                 row: int | str | None = None, hint: str | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter
        self.field = field
        self.feature = feature
        self.row = row
        self.hint = hint
        self.headers = dict(headers or {})

    @property
    def code(self) -> str:
        return CODES.get(self.status, "Error")

    # Older name of ``message`` (the OGC exception member is ``description``).
    @property
    def description(self) -> str:
        return self.message

    def body(self) -> dict:
        """The OGC exception document."""
        out: dict = {"code": self.code, "description": self.message}
        for key in ("parameter", "field", "feature", "row", "hint"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def bad_request(message: str, parameter: str | None = None, **kw) -> GISError:
    return GISError(400, message, parameter=parameter, **kw)


def not_found(message: str, **kw) -> GISError:
    return GISError(404, message, **kw)
