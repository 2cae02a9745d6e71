"""The print dialog's options at the endpoints: layout, metric, author, map number, agency
and the uploaded logo (POST, checked by its bytes), each reaching the PDF (poppler) and
each bad value answered 4xx naming its parameter."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from layers import METRICS, registry
from maps.classes import class_metrics

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")


def pdf_text(pdf: bytes, page: int = 1) -> str:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-", "-"],
                         input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(out.split())


def png_bytes(size=(60, 60), color=(200, 30, 30), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


def header_ink(pdf: bytes, tmp: Path) -> float:
    """Share of dark pixels in the header's top left corner (where the logo goes)."""
    (tmp / "h.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", "-singlefile", str(tmp / "h.pdf"),
                    str(tmp / "h")], check=True)
    img = Image.open(tmp / "h.png").convert("L")
    w, h = img.size
    hist = img.crop((int(0.03 * w), int(0.03 * h), int(0.09 * w), int(0.09 * h))).histogram()
    return sum(hist[:200]) / sum(hist)


def test_class_metrics_come_from_the_registry():
    for layer in registry.layers():
        for m in class_metrics(layer):
            assert m in layer.metrics and layer.style.progress_metrics
    projects = registry.get("projects")
    assert "site_handover_pct" in class_metrics(projects)
    assert not [m for m in class_metrics(projects) if m == "capital_plan_bil_vnd"]  # no total


def test_dialog_options_reach_the_page(client):
    metric = "site_handover_pct"
    r = client.get("/exports/map.pdf", params={
        "layout": "a3-portrait", "dpi": "150", "layers": "projects", "metric": metric,
        "author": "Phòng Quy hoạch", "map_number": "07/BĐ", "agency": "SỞ XÂY DỰNG CẦN THƠ"})
    assert r.status_code == 200, r.text
    text = pdf_text(r.content)
    assert "Người lập: Phòng Quy hoạch" in text and "Bản đồ số: 07/BĐ" in text
    assert "SỞ XÂY DỰNG CẦN THƠ" in text and "ỦY BAN NHÂN DÂN" not in text
    assert f"Tiến độ (số liệu mới nhất): {METRICS[metric].label_vi}" in text


def test_logo_upload_reaches_the_header_and_is_checked_by_its_bytes(client, tmp_path):
    url = "/exports/map.pdf?layers=projects&district=916"
    plain = client.get(url)
    assert plain.status_code == 200
    r = client.post(url, files={"logo": ("logo.png", png_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert header_ink(r.content, tmp_path) > 0.5 > header_ink(plain.content, tmp_path) + 0.3
    jpeg = client.post(url, files={"logo": ("x.jpg", png_bytes(fmt="JPEG"), "image/jpeg")})
    assert jpeg.status_code == 200
    png = client.post(url.replace(".pdf", ".png"),
                      files={"logo": ("logo.png", png_bytes(), "image/png")})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    # no file chosen: the map without a logo
    assert client.post(url, files={"other": ("a.txt", b"x", "text/plain")}).status_code == 200


@pytest.mark.parametrize("name,data,status,words", [
    ("fake.png", b"GIF89a" + b"\0" * 100, 400, "not a PNG or JPEG"),  # the name lies
    ("page.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", 400, "not a PNG or JPEG"),
    ("cut.png", png_bytes()[:40], 400, "damaged"),
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024), 413, "512 KB"),
    ("huge.png", png_bytes(size=(5000, 10), color=(0, 0, 0)), 400, "4000"),
])
def test_bad_logos_are_refused_naming_the_logo(client, name, data, status, words):
    r = client.post("/exports/map.pdf?layers=projects",
                    files={"logo": (name, data, "image/png")})
    assert r.status_code == status, r.text
    body = r.json()
    assert body["parameter"] == "logo" and words in body["description"], body


def test_a_logo_must_come_as_a_form(client):
    r = client.post("/exports/map.pdf", content=png_bytes(),
                    headers={"Content-Type": "image/png"})
    assert r.status_code == 415 and r.json()["parameter"] == "logo"


@pytest.mark.parametrize("query,parameter,words", [
    ("metric=capital_plan_bil_vnd&layers=projects", "metric", "not a metric"),
    ("metric=site_handover_pct&layers=industrial_zones", "metric", "occupancy_pct"),
    ("author=" + "a" * 121, "author", "at most 120"),
    ("map_number=" + "9" * 41, "map_number", "at most 40"),
    ("agency=A%0AB", "agency", "control characters"),
    ("title=" + "t" * 201, "title", "at most 200"),
    ("layout=../etc", "layout", "not a layout"),
    ("layout=a5-portrait", "layout", "a4-portrait"),
])
def test_bad_options_are_a_clear_4xx(client, query, parameter, words):
    get = client.get(f"/exports/map.pdf?{query}")
    # with a logo: the bad parameter is refused before the logo is read
    post = client.post(f"/exports/map.pdf?{query}",
                       files={"logo": ("l.png", png_bytes(), "image/png")})
    for r in (get, post):
        assert r.status_code == 400, (query, r.text)
        assert r.json()["parameter"] == parameter and words in r.json()["description"]


def test_the_config_offers_every_layout_and_the_class_metrics(client):
    from maps.layouts import layout_names

    cfg = client.get("/maps/config.json").json()
    assert [la["name"] for la in cfg["print"]["layouts"]] == layout_names()
    assert cfg["print"]["agency"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ"
    assert cfg["print"]["dpis"] == [150, 300]
    for la in cfg["layers"]:
        assert la["class_metrics"] == class_metrics(registry.get(la["id"]))


@pytest.mark.parametrize("layout", ["a4-portrait", "a4-landscape"])
def test_footer_sources_and_credit_stay_on_the_page(client, tmp_path, layout):
    """All layers' sources and the boundaries' credit, in full, inside the page."""
    import re

    from maps.paths import BOUNDARY_CREDIT

    r = client.get(f"/exports/map.pdf?layout={layout}")
    assert r.status_code == 200
    (tmp_path / "m.pdf").write_bytes(r.content)
    assert BOUNDARY_CREDIT in pdf_text(r.content)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(tmp_path / "m.pdf"),
                           "-"], capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', html)]
    assert max(bottoms) <= height - 2, (max(bottoms), height)  # no line below the page


def test_each_table_page_keys_the_documents_it_cites(client, conn):
    """A table page names each document its rows cite by title (short if need be)."""
    from maps.filters import MapFilter
    from maps.labels import numbered
    from maps.printdata import load_map_data
    from maps.tables import table_pages, table_rows

    data = load_map_data(conn, MapFilter(), [registry.get("projects")])
    pages = table_pages(table_rows(data, numbered(data)), (297, 210))
    r = client.get("/exports/map.pdf?layers=projects")
    assert r.status_code == 200
    titles = {s["id"]: s["title"] for s in data.sources}
    for i, rows in enumerate(pages, start=2):
        text = pdf_text(r.content, i)
        cited = {row["doc"] for row in rows if row["doc"]}
        assert cited, i
        for doc in cited:
            assert f"{doc} = {titles[doc][:12]}" in text, (i, doc)
