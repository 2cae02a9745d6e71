"""CSV and XLSX rows with their geometry as WKT (the column may name its CRS:
``geometry_wkt (EPSG:5897)``, "Hình học (WKT, EPSG:5897)") or longitude/latitude
columns; the XLSX "Cột" sheet of our exports maps headers back to fields."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from gis.cell_safety import unsafe_cell
from gis.errors import GISError
from gis.imports.encodings import decode, detect


def _geometry(df: pd.DataFrame):
    """(geometry list, CRS named by the header or None, the columns used)."""
    from gis.imports.readers import LAT_NAMES, LON_NAMES, WKT_HEADER

    for c in df.columns:
        m = WKT_HEADER.match(str(c))
        if m:
            geoms = [None if v is None or (isinstance(v, float) and v != v) or str(v) == ""
                     else shapely.from_wkt(str(v)) for v in df[c]]
            return geoms, m.group(2), [c]
    low = {str(c).strip().lower(): c for c in df.columns}
    lon = next((low[n] for n in LON_NAMES if n in low), None)
    lat = next((low[n] for n in LAT_NAMES if n in low), None)
    if lon is not None and lat is not None:
        xs, ys = pd.to_numeric(df[lon], errors="coerce"), pd.to_numeric(df[lat], errors="coerce")
        return ([None if x != x or y != y else shapely.Point(x, y) for x, y in zip(xs, ys,
                                                                                 strict=True)],
                None, [lon, lat])
    return [None] * len(df), None, []


def read_table(path: Path, fmt: str, given_crs: str | None, encoding: str | None):
    from gis.imports.readers import Read, _to_wgs84

    columns: dict[str, str] = {}
    if fmt == "csv":
        raw = path.read_bytes()
        enc = encoding or detect([raw[:200_000]])
        if enc is None:
            raise GISError(400, f"{path.name}: the text is not UTF-8 and its encoding is not "
                           "clear", parameter="encoding",
                           hint="give it: --encoding tcvn3 | vni | cp1258 | utf-8")
        text = decode(raw, enc).lstrip("\ufeff")
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        df = df.replace({"": None})
    else:
        import openpyxl

        enc = "utf-8"
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        from gis.export_xlsx import COLUMNS_SHEET, DATA_SHEET

        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            raise GISError(400, f"{path.name}: the sheet is empty", parameter="file")
        df = pd.DataFrame(rows[1:], columns=[str(h) for h in rows[0]], dtype=object)
        if COLUMNS_SHEET in wb.sheetnames:
            for row in list(wb[COLUMNS_SHEET].iter_rows(values_only=True))[1:]:
                if row and row[0] and row[1] and row[1] != "geometry":
                    columns[str(row[0])] = str(row[1])
    df = df.map(unsafe_cell)  # the apostrophe our exports put before formula-like text
    geoms, header_crs, used = _geometry(df)
    frame = gpd.GeoDataFrame(df.drop(columns=used), geometry=geoms)
    frame, crs_name = _to_wgs84(frame, header_crs, given_crs)
    return Read(frame, crs_name, enc, columns)
