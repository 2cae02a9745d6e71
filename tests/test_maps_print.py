"""Printed maps: PDF/PNG pages, atlas, bad input, checked with poppler-utils."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from layers import registry
from maps.paths import BOUNDARY_CREDIT

pytestmark = pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils missing")

A4_LANDSCAPE = (841.89, 595.28)
A3_PORTRAIT = (841.89, 1190.55)


def pdfinfo(path: Path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    info = dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    w, h = re.findall(r"[\d.]+", info["Page size"])[:2]
    return {"pages": int(info["Pages"]), "size": (float(w), float(h))}


def pdftext(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else [])
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def raster(path: Path, tmp: Path, page: int = 1) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", "-f", str(page), "-l", str(page),
                    str(path), str(tmp / "page")], check=True)
    return Image.open(next(tmp.glob("page*.png"))).convert("L")


def ink(img: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of non-white pixels in a box given as fractions of the page."""
    w, h = img.size
    crop = img.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    hist = crop.histogram()
    return sum(hist[:235]) / sum(hist)


def fetch(client, url: str, tmp_path: Path, name: str = "map.pdf") -> Path:
    r = client.get(url)
    assert r.status_code == 200, r.text
    path = tmp_path / name
    path.write_bytes(r.content)
    return path


def test_district_pdf_page_text_and_ink(client, tmp_path):
    path = fetch(client, "/exports/map.pdf?district=918&dpi=150&as_of=2024-10-31", tmp_path)
    info = pdfinfo(path)
    assert info["pages"] >= 2  # the map, then its table
    assert info["size"] == pytest.approx(A4_LANDSCAPE, abs=0.5)
    text = pdftext(path, 1)
    flat = " ".join(text.split())
    assert "Quận Bình Thuỷ" in flat  # title, with its diacritics, as selectable text
    assert "Lọc: Bình Thuỷ; số liệu đến 31/10/2024" in flat
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ" in flat
    assert "CHÚ GIẢI" in flat
    for layer in registry.layers():
        if layer.id in ("projects", "districts"):
            assert layer.title_vi in flat, layer.id
    assert re.search(r"Tỷ lệ 1:[\d.]+", flat)
    assert " km" in flat
    assert "Nguồn:" in flat and BOUNDARY_CREDIT in flat
    img = raster(path, tmp_path)
    assert ink(img, (0.05, 0.2, 0.68, 0.85)) > 0.05, "the map area is blank"
    assert ink(img, (0.73, 0.12, 0.98, 0.5)) > 0.01, "the legend is blank"


def test_a3_portrait_and_title(client, tmp_path):
    path = fetch(client, "/exports/map.pdf?size=A3&orientation=portrait&dpi=150"
                         "&layers=projects,flood_works&title=Bản đồ thử nghiệm Cần Thơ", tmp_path)
    info = pdfinfo(path)
    assert info["size"] == pytest.approx(A3_PORTRAIT, abs=0.5)
    flat = " ".join(pdftext(path, 1).split())
    assert "Bản đồ thử nghiệm Cần Thơ" in flat
    assert registry.get("projects").title_vi in flat
    assert registry.get("industrial_zones").title_vi not in flat  # not a chosen layer


def test_png(client):
    r = client.get("/exports/map.png?district=916&dpi=150")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert abs(img.size[0] - 1754) <= 1 and abs(img.size[1] - 1240) <= 1  # A4 at 150 dpi
    assert ink(img.convert("L"), (0.05, 0.2, 0.68, 0.85)) > 0.02


def test_atlas_has_cover_and_one_page_per_district(client, conn, tmp_path):
    path = fetch(client, "/exports/atlas.pdf?dpi=150", tmp_path, "atlas.pdf")
    districts = conn.execute("SELECT full_name FROM admin_district ORDER BY code").fetchall()
    info = pdfinfo(path)
    assert info["size"] == pytest.approx(A4_LANDSCAPE, abs=0.5)
    cover = " ".join(pdftext(path, 1).split())
    assert "Tập bản đồ" in cover and "Mục lục" in cover
    assert "Toàn thành phố" in " ".join(pdftext(path, 2).split())
    # the contents give each district's page: its map page, labelled, with its counters
    for (name,) in districts:
        page = int(re.search(re.escape(name) + r" Trang (\d+)", cover).group(1))
        text = " ".join(pdftext(path, page).split())
        assert name in text and "Số đối tượng" in text, name
        if page + 1 <= info["pages"]:
            after = " ".join(pdftext(path, page + 1).split())
            assert name in after and "Bảng đối tượng" in after, name
    assert len(districts) == 9


def test_no_match_says_so(client, conn, tmp_path):
    # a kind with no project in Ninh Kiều
    used = {k for (k,) in conn.execute(
        "SELECT DISTINCT kind FROM infra_project WHERE '916' = ANY(districts)"
        " OR '916' = ANY(districts_inferred)")}
    kind = next(c.value for c in registry.get("projects").field("kind").choices
                if c.value not in used)
    path = fetch(client, f"/exports/map.pdf?district=916&layers=projects&kind={kind}", tmp_path)
    assert "no features matched" in " ".join(pdftext(path).split())


def test_web_map_filters_apply_to_printed_maps(conn):
    """Progress range, unknown progress and the name search (diacritics optional)."""
    from maps.filters import MapFilter, normalise
    from maps.printdata import load_map_data
    from maps.style import progress_value

    projects = registry.get("projects")
    everything = load_map_data(conn, MapFilter(), [projects]).layers[0].features
    ranged = load_map_data(conn, MapFilter(progress_min=50, include_unknown=False),
                           [projects]).layers[0].features
    shares = [progress_value(projects, props) for _, props in ranged]
    assert all(pv is not None and pv[1] >= 0.5 for pv in shares)
    assert len(ranged) == sum(1 for _, props in everything
                              if (pv := progress_value(projects, props)) and pv[1] >= 0.5)
    known_only = load_map_data(conn, MapFilter(include_unknown=False), [projects])
    assert all(progress_value(projects, p) for _, p in known_only.layers[0].features)
    found = load_map_data(conn, MapFilter(search="duong tinh 918"), [projects]).layers[0]
    expected = [p["name"] for _, p in everything if "duong tinh 918" in normalise(p["name"])]
    assert sorted(p["name"] for _, p in found.features) == sorted(expected)
    assert normalise("Đường tỉnh 918") == "duong tinh 918"


def test_print_legend_lists_what_is_drawn(conn):
    """Progress classes only where a feature is drawn in them, each swatch in the shapes
    (point, line, polygon) of those features."""
    from maps.cartography import legend_entries, shapes
    from maps.classes import CLASSES, UNKNOWN, feature_metric, progress_class
    from maps.filters import MapFilter
    from maps.printdata import load_map_data

    projects = registry.get("projects")
    data = load_map_data(conn, MapFilter(), [projects]).layers[0]
    entries = dict(legend_entries(data))
    drawn = {progress_class(feature_metric(projects, p)[1]) for _, p in data.features}
    for c in (*CLASSES, UNKNOWN):
        assert (c.label_vi in entries) == (c in drawn), c.label_vi
    # a class's swatch has the shapes of the features drawn in it, no others
    for c in drawn:
        found = set().union(*(shapes(g) for g, p in data.features
                              if progress_class(feature_metric(projects, p)[1]) is c))
        assert set(entries[c.label_vi]["shapes"]) == found, c.label_vi


@pytest.mark.parametrize("query,status,words", [
    ("dpi=600", 400, "150 or 300"),
    ("size=A0", 400, "A4 or A3"),
    ("orientation=sideways", 400, "portrait or landscape"),
    ("district=999", 404, "999"),
    ("layers=projects,nope", 400, "nope"),
    ("as_of=2024-13-45", 400, "YYYY-MM-DD"),
    ("dpi=abc", 400, "150 or 300"),
    ("pmin=abc", 400, "0 to 100"),
    ("pmax=120", 400, "0 to 100"),
    ("pmin=80&pmax=20", 400, "minimum"),
    ("unknown=maybe", 400, "1 or 0"),
])
def test_bad_input_is_a_clear_4xx(client, query, status, words):
    for path in ("/exports/map.pdf", "/exports/map.png", "/exports/atlas.pdf"):
        if path.endswith("atlas.pdf") and query.startswith("district"):
            continue
        r = client.get(f"{path}?{query}")
        assert r.status_code == status, (path, query, r.text)
        assert words in r.json()["description"]


def test_cli_print_and_atlas(db_url, tmp_path):
    from gis.cli import main

    runner = CliRunner()
    out = tmp_path / "ninh-kieu.pdf"
    r = runner.invoke(main, ["print", "-o", str(out), "--district", "916", "--orientation",
                             "portrait", "--as-of", "2024-10-31"])
    assert r.exit_code == 0, r.output
    assert pdfinfo(out)["size"] == pytest.approx(A4_LANDSCAPE[::-1], abs=0.5)
    en = tmp_path / "en.pdf"
    r = runner.invoke(main, ["print", "-o", str(en), "--district", "916", "--lang", "en",
                             "--author", "Planning office", "--map-number", "07"])
    assert r.exit_code == 0, r.output
    flat = " ".join(pdftext(en, 1).split())
    assert "LEGEND" in flat and "Filter: Ninh Kiều; latest data" in flat
    assert "Author: Planning office" in flat and "Map no.: 07" in flat
    png = tmp_path / "city.png"
    assert runner.invoke(main, ["print", "-o", str(png), "--layers", "projects"]).exit_code == 0
    assert abs(Image.open(png).size[0] - 1754) <= 1
    bad = runner.invoke(main, ["print", "-o", str(out), "--district", "999"])
    assert bad.exit_code == 2 and "999" in bad.output
    atlas = tmp_path / "atlas.pdf"
    r = runner.invoke(main, ["atlas", "-o", str(atlas), "--layers", "projects,flood_works"])
    assert r.exit_code == 0, r.output
    assert pdfinfo(atlas)["pages"] >= 11  # cover, city, a map page a district, tables


def frame_box(img: Image.Image) -> tuple[float, float, float, float]:
    """The map frame (its black border) as fractions of the page: x0, y0, x1, y1."""
    w, h = img.size
    px = img.load()
    rows = [y for y in range(h) if sum(px[x, y] < 110 for x in range(w)) > 0.45 * w]
    cols = [x for x in range(w) if sum(px[x, y] < 110 for y in range(h)) > 0.30 * h]
    assert rows and cols, "no map frame found"
    return min(cols) / w, min(rows) / h, max(cols) / w, max(rows) / h


@pytest.mark.parametrize("size,orientation", [("A4", "portrait"), ("A3", "portrait"),
                                              ("A4", "landscape")])
def test_map_frame_fits_the_page(client, tmp_path, size, orientation):
    path = fetch(client, f"/exports/map.pdf?size={size}&orientation={orientation}"
                         "&layers=projects", tmp_path)
    img = raster(path, tmp_path)
    x0, y0, x1, y1 = frame_box(img)
    pw, ph = img.size
    frame_aspect = (y1 - y0) * ph / ((x1 - x0) * pw)
    if orientation == "portrait":
        assert x1 - x0 > 0.85, (x0, y0, x1, y1)  # the page's width
        # the city is wider than tall: the frame is as tall as the data need, and the
        # legend and inset below it take the height freed (they are not left blank)
        assert 0.55 < frame_aspect < 0.95 and y1 - y0 > 0.3, (x0, y0, x1, y1)
        assert ink(img, (0.05, y1 + 0.08, 0.6, 0.92)) > 0.01, "the legend is blank"
        assert ink(img, (0.05, 0.93, 0.95, 0.99)) > 0.02, "no sources in the footer"
    else:
        assert frame_aspect < 0.8 and x1 - x0 > 0.6
    # the data fill the frame: no empty band across it, top to bottom
    bands = [ink(img, (x0 + 0.02, y0 + (y1 - y0) * i / 5 + 0.005, x1 - 0.02,
                       y0 + (y1 - y0) * (i + 1) / 5 - 0.005)) for i in range(5)]
    assert min(bands) > 0.004, bands


def test_progress_classes_survive_greyscale():
    from PIL import ImageColor

    from maps.classes import CLASSES, UNKNOWN, progress_class

    grey = [sum(k * v for k, v in zip((0.299, 0.587, 0.114), ImageColor.getrgb(c.color),
                                      strict=True)) for c in CLASSES]
    assert all(a - b > 35 for a, b in zip(grey, grey[1:], strict=False)), grey  # light→dark
    assert progress_class(0.44) is not progress_class(0.67)
    assert [progress_class(s).label_vi for s in (0, 0.25, 0.5, 0.99, 1.0)] == [
        "0–25 %", "25–50 %", "50–75 %", "75–100 %", "75–100 %"]
    assert progress_class(None) is UNKNOWN


def test_labels_table_and_legend_classes(client, conn, tmp_path):
    """Numbers on the map, the table (number, name, district, value, date, source,
    status) continued over pages, and the classes in the legend with metric and date."""
    from maps.classes import CLASSES, feature_metric, progress_class
    from maps.filters import MapFilter
    from maps.labels import numbered
    from maps.printdata import load_map_data

    projects = registry.get("projects")
    path = fetch(client, "/exports/map.pdf?layers=projects", tmp_path)
    data = load_map_data(conn, MapFilter(), [projects])
    items = numbered(data)
    assert len(items) > 40  # the city's projects: the table needs more than one page
    info = pdfinfo(path)
    first = " ".join(pdftext(path, 1).split())
    shown = {progress_class(feature_metric(projects, it.props)[1]) for it in items}
    for c in CLASSES:
        assert (c.label_vi in first) == (c in shown), c.label_vi
    assert "Tiến độ (số liệu mới nhất): " in first, first
    numbers = set(re.findall(r"\b\d{1,3}\b", pdftext(path, 1)))
    assert sum(str(it.number) in numbers for it in items) > 0.8 * len(items)
    tables = " ".join(" ".join(pdftext(path, p).split()) for p in range(2, info["pages"] + 1))
    assert info["pages"] >= 3 and "(tiếp theo, 2/" in tables
    for it in items[:: max(1, len(items) // 8)]:
        assert it.props["name"][:25] in tables, it.props["name"]
    assert "Quận/huyện" in tables and "Ngày số liệu" in tables and "Tình trạng" in tables
    dated = next(it for it in items if any(it.props.get(m) is not None
                                           for m in projects.metrics))
    assert dated.props["name"][:20] in tables


def test_filter_line_says_what_is_shown(client, tmp_path):
    status = registry.get("projects").field("status").choices[0]
    path = fetch(client, f"/exports/map.pdf?district=918&status={status.value}&pmax=50"
                         "&as_of=2024-06-30", tmp_path)
    flat = " ".join(pdftext(path, 1).split())
    assert f"Lọc: Bình Thuỷ, {status.label_vi}, tiến độ 0–50 %; số liệu đến 30/06/2024" in flat


def test_layouts_are_declared_and_checked(client, tmp_path):
    from gis.errors import GISError
    from maps.layouts import get_layout, layout_names, read_layout

    assert {"a4-landscape", "a4-portrait", "a3-landscape", "a3-portrait"} <= set(layout_names())
    for name in layout_names():
        sheet = get_layout(name)
        assert sheet.problems() == []
        map_box = sheet.boxes["map"]
        assert (map_box.h > map_box.w) == (sheet.orientation == "portrait"), name
    own = tmp_path / "agency.yaml"
    import yaml

    raw = yaml.safe_load((Path(__file__).parent.parent / "maps/layouts/a4-portrait.yaml")
                         .read_text())
    x, y, w, h = raw["boxes"]["map"]
    raw["boxes"]["north"] = [x + w - 14, y + h - 10, 14, 18]  # over the map's corner
    own.write_text(yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(GISError, match="'map' and 'north' overlap|'north' and 'map' overlap"):
        read_layout(own)
    r = client.get("/exports/map.pdf?layout=nope")
    assert r.status_code == 400 and "a4-portrait" in r.json()["description"]


def test_cli_layout_file_logo_and_agency(db_url, tmp_path):
    from gis.cli import main

    layout = tmp_path / "so-xay-dung.yaml"
    layout.write_text((Path(__file__).parent.parent / "maps/layouts/a3-landscape.yaml")
                      .read_text())
    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(logo)
    out = tmp_path / "so.pdf"
    r = CliRunner().invoke(main, ["print", "-o", str(out), "--layout", str(layout), "--logo",
                                  str(logo), "--agency", "SỞ XÂY DỰNG THÀNH PHỐ CẦN THƠ",
                                  "--district", "916", "--layers", "projects"])
    assert r.exit_code == 0, r.output
    assert pdfinfo(out)["size"] == pytest.approx((1190.55, 841.89), abs=0.5)
    assert "SỞ XÂY DỰNG THÀNH PHỐ CẦN THƠ" in " ".join(pdftext(out, 1).split())
    img = raster(out, tmp_path)
    assert ink(img, (0.03, 0.03, 0.08, 0.09)) > 0.5, "the logo is not in the header"


def test_crowded_numbers_do_not_collide():
    """Twelve features on one spot and a district name beside it: every number gets a
    place of its own, off the name, those moved away with a leader line."""
    import matplotlib.pyplot as plt
    from shapely.geometry import Point

    from maps.labels import Numbered, district_label, place_labels

    fig = plt.figure(figsize=(4, 4), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1000)
    layer = registry.get("projects")
    items = [Numbered(i, layer, Point(500, 500), {}) for i in range(1, 13)]
    taken: list = []
    district_label(ax, "Ninh Kiều", (520, 500), 8, True, "#000", taken)
    name_box = taken[0]
    placed = place_labels(ax, items, taken)
    rects = taken[1:]
    assert len(placed) == len(rects) == 12
    for i, a in enumerate(rects):
        assert not (a[0] < name_box[2] and name_box[0] < a[2] and a[1] < name_box[3]
                    and name_box[1] < a[3]), "a number covers the district name"
        for b in rects[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    leaders = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(leaders) >= 8  # the nearest ring (9 pt) needs none
    plt.close(fig)


def test_the_table_says_each_figures_period_and_qualifier(conn):
    """A money figure is printed with the period it covers, a qualified one with its sign."""
    from maps.filters import MapFilter
    from maps.labels import numbered
    from maps.printdata import load_map_data
    from maps.tables import table_rows

    projects = registry.get("projects")
    data = load_map_data(conn, MapFilter(), [projects])
    rows = table_rows(data, numbered(data), metric="disbursement_pct")
    yearly = [r["value"] for r in rows if r["value"].startswith("Giải ngân")]
    assert yearly and any("(năm 2024)" in v for v in yearly), yearly
    handover = [r["value"] for r in table_rows(data, numbered(data), metric="site_handover_pct")]
    assert any("≈ " in v for v in handover), handover  # "khoảng 42,28 %" stays "about"
