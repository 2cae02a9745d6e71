"""XLSX (openpyxl) for planners and consultants: sheet "Dữ liệu" with Vietnamese headers
(label and unit), numbers as numbers shown in Vietnamese notation, dates as dates
(dd/mm/yyyy), lists as "916, 926", the geometry as WKT in the CRS named in its header;
sheet "Cột" maps each header to its field (the import reads it back); sheet "Nguồn"
says what the file holds (layer, filter, as-of date, CRS, when) and lists the source
documents its features cite."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from psycopg import sql

from gis.cell_safety import safe_cell
from gis.db import connect
from gis.export import LIST_SEPARATOR
from gis.frames import column_types
from gis.query import FeatureQuery

DATA_SHEET, COLUMNS_SHEET, SOURCES_SHEET = "Dữ liệu", "Cột", "Nguồn"
# Vietnamese notation whatever the reader's locale ([$-42A]: Vietnamese); Excel shows
# the separators of the reader's settings, LibreOffice those of the locale tag
NUMBER_FORMATS = {"number": "[$-42A]#,##0.######", "integer": "[$-42A]#,##0",
                  "date": "dd/mm/yyyy"}


def header(name: str, label: tuple[str, str, str | None]) -> str:
    vi, _, unit = label
    return f"{vi} ({unit})" if unit else vi


def geometry_header(srid: int) -> str:
    return f"Hình học (WKT, EPSG:{srid})"


def _cell(ws, value, kind: str | None, bold: bool = False):
    if isinstance(value, dict) or (kind == "json" and value is not None):
        value = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, list):
        value = LIST_SEPARATOR.join(map(str, value))
    elif value is not None and kind in ("number", "integer"):
        value = float(value) if kind == "number" else int(value)
    c = WriteOnlyCell(ws, value=safe_cell(value))  # no text read as a formula
    if kind in NUMBER_FORMATS:
        c.number_format = NUMBER_FORMATS[kind]
    if bold:
        c.font = Font(bold=True)
    return c


def _sources(query: FeatureQuery, frame: gpd.GeoDataFrame, url: str | None) -> list[tuple]:
    if "source_doc" not in frame:
        return []
    counts = frame["source_doc"].value_counts()
    with connect(url) as conn:
        rows = conn.execute(sql.SQL("SELECT id, file, title, issued_on FROM source_document "
                                    "WHERE id = ANY(%s) ORDER BY id"),
                            (list(counts.index),)).fetchall()
    return [(i, f, t, d, int(counts[i])) for i, f, t, d in rows]


def write_xlsx(frame: gpd.GeoDataFrame, query: FeatureQuery, dest: Path, url: str | None,
               srid: int) -> Path:
    from gis.export_files import labels

    layer = query.layer
    lab = labels(layer)
    kinds = column_types(layer)
    cols = [c for c in frame.columns if c != "geometry"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.freeze_panes = "B2"
    heads = [header(c, lab.get(c, (c, c, None))) for c in cols] + [geometry_header(srid)]
    ws.append([_cell(ws, h, None, bold=True) for h in heads])
    wkt = frame.geometry.to_wkt()
    for i, row in enumerate(frame[cols].itertuples(index=False)):
        vals = [None if v is None or (not isinstance(v, list | dict) and _isna(v)) else v
                for v in row]
        ws.append([_cell(ws, v, kinds.get(c)) for c, v in zip(cols, vals, strict=True)]
                  + [wkt.iloc[i]])
    cs = wb.create_sheet(COLUMNS_SHEET)
    cs.append(["Tiêu đề cột", "Trường", "English", "Đơn vị"])
    for c, h in zip(cols, heads, strict=False):
        vi, en, unit = lab.get(c, (c, c, None))
        cs.append([h, c, en, unit])
    cs.append([geometry_header(srid), "geometry", f"Geometry (WKT, EPSG:{srid})", None])
    src = wb.create_sheet(SOURCES_SHEET)
    src.append(["Lớp", layer.title_vi])
    src.append(["Bộ lọc", _filter_text(query)])
    src.append(["Tiến độ tính đến ngày", query.as_of.strftime("%d/%m/%Y") if query.as_of
                else "mới nhất"])
    src.append(["Hệ tọa độ", f"EPSG:{srid} ({frame.crs.name})"])
    src.append(["Xuất lúc", datetime.now().strftime("%d/%m/%Y %H:%M")])
    src.append(["Số đối tượng", len(frame)])
    src.append([])
    src.append(["Mã tài liệu", "Tệp", "Tên tài liệu", "Ngày ban hành", "Số đối tượng"])
    for row in _sources(query, frame, url):
        src.append([_cell(src, v, "date" if isinstance(v, date) else None) for v in row])
    wb.save(dest)
    return dest


def _isna(v) -> bool:
    try:
        return bool(v != v)  # NaN, pd.NA raise or compare unequal
    except TypeError:
        return v is None or str(v) == "<NA>"


def _filter_text(query: FeatureQuery) -> str:
    parts = []
    if query.district:
        parts.append(f"quận/huyện {query.district}")
    parts += [f"{n} = {v}" for n, v in query.equals]
    if query.filter is not None:
        parts.append("CQL2")
    if query.bbox is not None:
        parts.append("khung bao")
    return "; ".join(parts) or "không (mọi đối tượng)"
