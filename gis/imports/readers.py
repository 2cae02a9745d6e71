"""Reading a file to import into a GeoDataFrame of text/number columns and WGS 84
geometries: GeoJSON, GeoPackage (``layer``), Shapefile (plain or zipped, with our
``fields.csv``/``long_text.csv`` sidecars), KML, CSV and XLSX with WKT or
longitude/latitude columns. DBF text in TCVN3/VNI/cp1258 is decoded to NFC
(:mod:`gis.imports.encodings`); the CRS is decided by :mod:`gis.imports.crs`."""

from __future__ import annotations

import csv
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from gis.errors import GISError
from gis.imports import crs as crsmod
from gis.imports.encodings import decode, detect, redecode
from gis.uploads import FEATURE_SUFFIXES, check_file

FORMATS = ("geojson", "gpkg", "shp", "kml", "csv", "xlsx")
WKT_HEADER = re.compile(r"^(geometry_wkt|wkt|geometry|geom|hình học)\b(?:.*?(EPSG:\d+))?",
                        re.IGNORECASE)
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "kinh_do", "kinh độ")
LAT_NAMES = ("lat", "latitude", "y", "vi_do", "vĩ độ")


@dataclass
class Read:
    """A file read: its rows, the CRS it was in, the encoding of its text and the column
    names the file itself maps to fields (shapefile short names, XLSX headers)."""

    frame: gpd.GeoDataFrame
    crs: str
    encoding: str
    columns: dict[str, str] = field(default_factory=dict)
    long_text: dict[tuple[str, str], str] = field(default_factory=dict)


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in ((".geojson", "geojson"), (".json", "geojson"), (".gpkg", "gpkg"),
                        (".zip", "shp"), (".shp", "shp"), (".kml", "kml"), (".csv", "csv"),
                        (".xlsx", "xlsx")):
        if name.endswith(suffix):
            return fmt
    raise GISError(400, f"{path.name}: unknown file type; import reads "
                   ".geojson, .gpkg, .shp or .zip, .kml, .csv, .xlsx", parameter="file")


def _to_wgs84(frame: gpd.GeoDataFrame, file_crs, given: str | None) -> tuple[gpd.GeoDataFrame,
                                                                              str]:
    bounds = frame.total_bounds if len(frame) and frame.geometry.notna().any() else \
        (float("nan"),) * 4
    crs = crsmod.decide(CRS(file_crs) if file_crs else None, given, bounds)
    if crs.to_epsg() == 4326:  # already longitude/latitude in WGS 84
        out = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs="EPSG:4326")
        if out.geometry.name != "geometry":
            out = out.rename_geometry("geometry")
        return out, crsmod.describe(crs)
    t = crsmod.to_wgs84(crs)
    geoms = shapely.transform(frame.geometry.values, lambda xy: _apply(t, xy))
    return gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=list(geoms),
                            crs="EPSG:4326"), crsmod.describe(crs)


def _apply(t, xy):
    import numpy as np

    x, y = t.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != "geometry" and (
        frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))]


def _decode_dbf(frame: pd.DataFrame, encoding: str | None, cpg: str | None) -> str:
    """Text read as Latin-1 (byte = character) in its real encoding, in place."""
    cols = _text_columns(frame)
    samples = [v.encode("latin-1") for c in cols for v in frame[c].dropna()
               if isinstance(v, str)][:2000]
    enc = encoding
    if enc is None and cpg:
        c = cpg.strip().lower().replace("-", "")
        enc = "utf-8" if c in ("utf8", "65001") else "cp1258" if c in ("1258", "cp1258") \
            else None
    if enc is None:
        enc = detect(samples)
        if enc is None:
            raise GISError(400, "the text of the file is not UTF-8 and its encoding is not "
                           "clear (TCVN3, VNI or cp1258?)", parameter="encoding",
                           hint="give it: --encoding tcvn3 | vni | cp1258 | utf-8")
    for c in cols:
        frame[c] = frame[c].map(lambda v: redecode(v, enc) if isinstance(v, str) else v)
    frame.columns = [redecode(c, enc) if isinstance(c, str) else c for c in frame.columns]
    return enc


def _read_shapefiles(paths: list[Path], encoding: str | None) -> tuple[gpd.GeoDataFrame, object,
                                                                       str]:
    frames, crs, enc = [], None, "utf-8"
    for p in paths:
        cpg = p.with_suffix(".cpg")
        cpg_text = cpg.read_text(errors="replace") if cpg.exists() else None
        utf8 = encoding in (None, "utf-8") and cpg_text and \
            cpg_text.strip().lower().replace("-", "") == "utf8"
        f = pyogrio.read_dataframe(p, encoding="UTF-8" if utf8 else "latin1")
        if not utf8:
            enc = _decode_dbf(f, encoding, cpg_text)
        if not isinstance(f, gpd.GeoDataFrame):
            f = gpd.GeoDataFrame(f, geometry=[None] * len(f))
        crs = crs or f.crs
        frames.append(f)
    frame = pd.concat(frames, ignore_index=True) if frames else gpd.GeoDataFrame()
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs), crs, enc


def _sidecars(folder: Path, read: Read) -> None:
    fields_csv = next(folder.rglob("fields.csv"), None)
    if fields_csv:
        with open(fields_csv, encoding="utf-8", newline="") as fh:
            read.columns.update({r["short_name"]: r["full_name"] for r in csv.DictReader(fh)})
    long_csv = next(folder.rglob("long_text.csv"), None)
    if long_csv:
        with open(long_csv, encoding="utf-8", newline="") as fh:
            read.long_text.update({(r["id"], r["field"]): r["text"]
                                   for r in csv.DictReader(fh)})


def _read_ogr(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """A GeoPackage layer, GeoJSON or KML through Arrow (columnar, several times faster
    for large files), or feature by feature where Arrow cannot read it."""
    import pyarrow as pa

    try:
        meta, table = pyogrio.raw.read_arrow(path, layer=layer)
    except Exception:  # an Arrow build without this driver's support: the plain reader
        return pyogrio.read_dataframe(path, layer=layer)
    geom_col = meta.get("geometry_name") or "wkb_geometry"
    wkb = table.column(geom_col).to_numpy(zero_copy_only=False) if geom_col in \
        table.column_names else None
    strings = pd.StringDtype(na_value=float("nan"))
    df = table.drop_columns([geom_col] if wkb is not None else []).to_pandas(
        types_mapper={pa.string(): strings, pa.large_string(): strings}.get)
    geoms = shapely.from_wkb(wkb) if wkb is not None else [None] * len(df)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=meta.get("crs"))


def read_file(path: Path, given_crs: str | None = None, encoding: str | None = None,
              layer: str | None = None) -> Read:
    fmt = file_format(path)
    check_file(path, FEATURE_SUFFIXES)  # the bytes are what the name says
    if fmt == "shp":
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if path.suffix.lower() == ".zip":
                with zipfile.ZipFile(path) as zf:
                    zf.extractall(folder)
            else:
                folder = path.parent
            paths = sorted(folder.rglob("*.shp")) if path.suffix.lower() == ".zip" else [path]
            paths += [d for d in sorted(folder.rglob("*.dbf")) if not d.with_suffix(".shp")
                      .exists()] if path.suffix.lower() == ".zip" else []
            if not paths:
                raise GISError(400, f"{path.name}: no shapefile inside", parameter="file")
            frame, crs, enc = _read_shapefiles(paths, encoding)
            frame, crs_name = _to_wgs84(frame, crs, given_crs)
            read = Read(frame, crs_name, enc)
            _sidecars(folder, read)
            return read
    if fmt in ("csv", "xlsx"):
        from gis.imports.tables import read_table

        return read_table(path, fmt, given_crs, encoding)
    if fmt == "gpkg":
        layers = [name for name, _ in pyogrio.list_layers(path)]
        if layer is None and len(layers) > 1:
            raise GISError(400, f"{path.name} has {len(layers)} layers: {', '.join(layers)}",
                           parameter="layer", hint="choose one with --layer NAME")
        frame = _read_ogr(path, layer or layers[0])
    else:
        frame = _read_ogr(path, None)
    if encoding and encoding != "utf-8":  # a legacy text in a UTF-8 container
        for c in _text_columns(frame):
            frame[c] = frame[c].map(lambda v: decode(v.encode("latin-1", "replace"), encoding)
                                    if isinstance(v, str) else v)
    frame, crs_name = _to_wgs84(frame, frame.crs, given_crs)
    return Read(frame, crs_name, encoding or "utf-8")
