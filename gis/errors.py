"""The one error type of the project: the API, the map pages and the CLI raise it.

A :class:`GISError` says what went wrong for a person to read (``message``), which HTTP
status and OGC exception code answer it, and what it concerns: the request parameter,
the layer field, the feature or the input row. The API answers it as an OGC exception
document (JSON), the map pages as an error page, the CLI as a message with what to do
next (``hint``) and exit status 2.

Vietnamese first: ``vi`` and ``hint_vi`` carry the Vietnamese text beside the English
``message`` and ``hint``; without ``vi`` the Vietnamese title of the status
(:data:`TITLES_VI`) stands in, so every error has Vietnamese. The exception document
carries it as ``description_vi`` (and ``hint_vi``).
"""

from __future__ import annotations

# OGC API - Common exception codes by HTTP status.
CODES = {400: "InvalidParameterValue", 401: "Unauthorized", 403: "Forbidden",
         404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict",
         412: "PreconditionFailed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType",
         422: "UnprocessableEntity", 428: "PreconditionRequired", 429: "TooManyRequests",
         500: "ServerError", 503: "ServiceUnavailable"}

# What a Vietnamese reader sees when an error has no Vietnamese text of its own.
TITLES_VI = {400: "Tham số không hợp lệ", 401: "Chưa đăng nhập", 403: "Không có quyền",
             404: "Không tìm thấy", 405: "Phương thức không được hỗ trợ",
             406: "Không có định dạng được yêu cầu", 409: "Xung đột dữ liệu",
             412: "Dữ liệu đã bị người khác thay đổi", 413: "Tệp quá lớn",
             415: "Loại tệp không được nhận", 422: "Dữ liệu không hợp lệ",
             428: "Thiếu phiên bản dữ liệu (If-Match)", 429: "Quá nhiều yêu cầu, thử lại sau",
             500: "Lỗi máy chủ", 503: "Cơ sở dữ liệu tạm thời không sẵn sàng"}


def title_vi(status: int) -> str:
    """The Vietnamese title of an HTTP status (``Lỗi <status>`` for one not listed)."""
    return TITLES_VI.get(status, f"Lỗi {status}")


class GISError(Exception):
    """A problem with a request, a command or an input file, said to the person."""

    def __init__(self, status: int, message: str, *, parameter: str | None = None,
                 field: str | None = None, feature: str | None = None,
                 row: int | str | None = None, hint: str | None = None,
                 headers: dict | None = None, vi: str | None = None,
                 hint_vi: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter
        self.field = field
        self.feature = feature
        self.row = row
        self.hint = hint
        self.vi = vi
        self.hint_vi = hint_vi
        self.headers = dict(headers or {})

    @property
    def code(self) -> str:
        return CODES.get(self.status, "Error")

    # Older name of ``message`` (the OGC exception member is ``description``).
    @property
    def description(self) -> str:
        return self.message

    @property
    def message_vi(self) -> str:
        """The Vietnamese message: ``vi``, else the Vietnamese title of the status."""
        return self.vi or title_vi(self.status)

    def body(self) -> dict:
        """The OGC exception document (``description_vi`` beside ``description``;
        ``title_vi``: the Vietnamese title of the status, which ``description_vi`` is
        when the error has no Vietnamese text of its own)."""
        out: dict = {"code": self.code, "description": self.message,
                     "description_vi": self.message_vi, "title_vi": title_vi(self.status)}
        for key in ("parameter", "field", "feature", "row", "hint", "hint_vi"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def bad_request(message: str, parameter: str | None = None, **kw) -> GISError:
    return GISError(400, message, parameter=parameter, **kw)


def not_found(message: str, **kw) -> GISError:
    return GISError(404, message, **kw)
