"""What an uploaded file is, by its bytes: a file whose content does not match its name's
type is refused before any reader opens it (a ``.docx`` that is not a zip, an ``.xlsx``
that is an HTML page, a ``.gpkg`` that is not SQLite), with a 415 naming the file.

:func:`check_upload` is called by every route that takes a file (the report import, the
feature import) and by the readers of ``gis import``, so that a file is judged the same
way wherever it comes from. Zip containers are also checked for what they would unpack
to (a zip bomb is refused with 413).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from gis.errors import GISError

SQLITE = b"SQLite format 3\x00"
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
SHAPEFILE = b"\x00\x00\x27\x0a"  # the .shp file code 9994, big-endian
# what a zip of each Office type must hold
OFFICE_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
TEXT = {".txt", ".tsv", ".csv"}
JSON = {".geojson", ".json"}
XML = {".kml"}
# what `gis import features` reads (gis.imports.readers)
FEATURE_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp", ".kml", ".csv", ".xlsx")
UNPACK_FACTOR = 20  # a zip may unpack to at most this many times the upload limit


def _refuse(name: str, kind: str, what: str) -> GISError:
    return GISError(415, f"{name}: the file's content is not {kind} ({what})",
                    parameter="file", hint=f"send the {kind} file itself, saved under its "
                    "own type, or rename it to what it is",
                    vi=f"{name}: nội dung tệp không phải {kind} ({what})",
                    hint_vi=f"hãy gửi đúng tệp {kind}, lưu đúng loại, hoặc đổi tên tệp cho "
                    "đúng loại của nó")


def _text_start(data: bytes) -> bytes:
    return data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")


def _looks_like_html(data: bytes) -> bool:
    start = _text_start(data)[:64].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script"))


def _check_zip(name: str, data: bytes, suffix: str, max_unpacked: int | None) -> None:
    kind = {".docx": "a Word document (.docx)", ".xlsx": "an Excel workbook (.xlsx)"}.get(
        suffix, "a zip archive")
    if not data.startswith(ZIP):
        found = "an HTML page" if _looks_like_html(data) else "not a zip archive"
        raise _refuse(name, kind, found)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise _refuse(name, kind, f"a damaged zip archive: {exc}") from None
    part = OFFICE_PARTS.get(suffix)
    if part and part not in {m.filename for m in members}:
        raise _refuse(name, kind, f"a zip archive without {part}")
    unpacked = sum(m.file_size for m in members)
    if max_unpacked is not None and unpacked > max_unpacked:
        raise GISError(413, f"{name}: the archive would unpack to {unpacked} bytes, more "
                       f"than {max_unpacked}", parameter="file",
                       hint="send a smaller archive, or the files it holds one by one",
                       vi=f"{name}: tệp nén khi giải nén sẽ lớn {unpacked} byte, quá giới hạn "
                       f"{max_unpacked}",
                       hint_vi="hãy gửi tệp nén nhỏ hơn, hoặc gửi từng tệp bên trong")


def check_upload(name: str, data: bytes, allowed: tuple[str, ...],
                 max_unpacked: int | None = None) -> str:
    """The lower-case suffix of ``name`` if it is one of ``allowed`` and ``data`` is that
    kind of file; else a :class:`GISError` (415) naming the file."""
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        raise GISError(415, f"{name}: {suffix or 'a file without a type'} is not taken here",
                       parameter="file", hint=f"send one of {', '.join(allowed)}",
                       vi=f"{name}: không nhận {suffix or 'tệp không có đuôi'} ở đây",
                       hint_vi=f"hãy gửi một trong các loại {', '.join(allowed)}")
    if not data:
        raise GISError(400, f"{name}: the file is empty", parameter="file",
                       vi=f"{name}: tệp rỗng")
    if suffix in OFFICE_PARTS or suffix == ".zip":
        _check_zip(name, data, suffix, max_unpacked)
    elif suffix == ".gpkg":
        if not data.startswith(SQLITE):
            raise _refuse(name, "a GeoPackage (.gpkg, SQLite)", "no SQLite header")
    elif suffix == ".shp":
        if not data.startswith(SHAPEFILE):
            raise _refuse(name, "a shapefile (.shp)", "no shapefile header")
    elif suffix in TEXT | JSON | XML:
        kind = {".csv": "a CSV table", ".geojson": "GeoJSON", ".json": "GeoJSON",
                ".kml": "KML"}.get(suffix, "plain text")
        if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _refuse(name, kind, "binary data")
        if _looks_like_html(data):
            raise _refuse(name, kind, "an HTML page")
        start = _text_start(data)[:1]
        if suffix in JSON and start not in (b"{", b"["):
            raise _refuse(name, kind, "it does not start with { or [")
        if suffix in XML and start != b"<":
            raise _refuse(name, kind, "it does not start with <")
    return suffix


def check_file(path: Path, allowed: tuple[str, ...]) -> str:
    """:func:`check_upload` for a file on disk (what ``gis import`` reads): zip containers
    are read whole, other files by their first bytes."""
    path = Path(path)
    if not path.is_file():
        raise GISError(400, f"{path}: no such file", parameter="file",
                       vi=f"{path}: không có tệp này")
    whole = path.suffix.lower() in OFFICE_PARTS or path.suffix.lower() == ".zip"
    with open(path, "rb") as fh:
        data = fh.read() if whole else fh.read(65536)
    return check_upload(path.name, data, allowed)
