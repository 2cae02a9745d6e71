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
    assert info["pages"] == 1
    assert info["size"] == pytest.approx(A4_LANDSCAPE, abs=0.5)
    text = pdftext(path)
    flat = " ".join(text.split())
    assert "Quận Bình Thuỷ" in flat  # title, with its diacritics, as selectable text
    assert "Tiến độ tính đến ngày 31/10/2024" in flat
    assert "CHÚ GIẢI" in flat
    for layer in registry.layers():
        if layer.id in ("projects", "districts"):
            assert layer.title_vi in flat, layer.id
    assert re.search(r"Tỷ lệ / Scale 1:[\d.]+", flat)
    assert " km" in flat
    assert "Nguồn:" in flat and BOUNDARY_CREDIT in flat
    img = raster(path, tmp_path)
    assert ink(img, (0.05, 0.2, 0.68, 0.85)) > 0.05, "the map area is blank"
    assert ink(img, (0.73, 0.12, 0.98, 0.5)) > 0.01, "the legend is blank"


def test_a3_portrait_and_title(client, tmp_path):
    path = fetch(client, "/exports/map.pdf?size=A3&orientation=portrait&dpi=150"
                         "&layers=projects,flood_works&title=Bản đồ thử nghiệm Cần Thơ", tmp_path)
    info = pdfinfo(path)
    assert info["pages"] == 1 and info["size"] == pytest.approx(A3_PORTRAIT, abs=0.5)
    flat = " ".join(pdftext(path).split())
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
    assert info["pages"] == 1 + len(districts) == 10
    assert info["size"] == pytest.approx(A4_LANDSCAPE, abs=0.5)
    assert "Tập bản đồ" in pdftext(path, 1)
    for i, (name,) in enumerate(districts, start=2):
        assert name in " ".join(pdftext(path, i).split()), name


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
    """Kinds only where a feature is drawn in the kind's colour (unknown progress is grey);
    the progress ramp names the metrics features are actually shaded by."""
    from maps.cartography import legend_entries
    from maps.filters import MapFilter
    from maps.printdata import load_map_data
    from maps.style import feature_style

    projects = registry.get("projects")
    data = load_map_data(conn, MapFilter(), [projects]).layers[0]
    labels = [label for label, _ in legend_entries(data)]
    styles = [feature_style(projects, props) for _, props in data.features]
    coloured = {s.category for s in styles if s.progress is not None}
    for c in projects.field("kind").choices:
        assert (c.label_vi in labels) == (c.value in coloured), c.value
    from layers import METRICS

    for m in projects.style.progress_metrics:
        assert (f"– {METRICS[m].label_vi}" in labels) == any(s.metric == m for s in styles), m
    assert ("Chưa rõ tiến độ" in labels) == any(s.progress is None for s in styles)


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
    png = tmp_path / "city.png"
    assert runner.invoke(main, ["print", "-o", str(png), "--layers", "projects"]).exit_code == 0
    assert abs(Image.open(png).size[0] - 1754) <= 1
    bad = runner.invoke(main, ["print", "-o", str(out), "--district", "999"])
    assert bad.exit_code == 2 and "999" in bad.output
    atlas = tmp_path / "atlas.pdf"
    r = runner.invoke(main, ["atlas", "-o", str(atlas), "--layers", "projects,flood_works"])
    assert r.exit_code == 0, r.output
    assert pdfinfo(atlas)["pages"] == 10
