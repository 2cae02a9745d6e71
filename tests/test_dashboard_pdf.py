"""The dashboards as PDF made on the server (matplotlib), read back with poppler's
pdftotext: Vietnamese first, English with lang=en; the indicator table with both
verdicts and the source lines, the counters, the stalled list, the sources' titles."""

from __future__ import annotations

import re
import subprocess

from test_dashboard import DISTRICT, OTHER, stalled_project  # noqa: F401  (fixture)


def pdftext(body: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True,
                         check=True).stdout.decode()
    return re.sub(r"[ \t]+", " ", out)


def _pdf(client, path: str, **params) -> str:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    return pdftext(r.content)


def test_city_dashboard_pdf(client):
    text = _pdf(client, "/dashboard.pdf")
    assert "Tổng quan thành phố Cần Thơ" in text and "Số liệu tiến độ mới nhất" in text
    # the indicator table: GRDP growth 5,86 against 7,5-8,0, both verdicts, its source line
    grdp = next(line for line in text.splitlines() if "Tốc độ tăng trưởng tổng sản phẩm" in line)
    assert "5,86" in grdp and "7,5-8,0" in grdp and grdp.count("Chưa đạt NQ") == 2
    assert "002 dòng 13" in grdp
    # a computed verdict that differs from the report's is said so
    assert "Vượt NQ (khác báo cáo)" in text
    # the districts compared, the city column, money by period, the stalled list
    assert "So sánh các quận, huyện" in text and "Toàn TP" in text
    assert "Phong Điền" in text and "Dự án kết cấu hạ tầng" in text
    assert "không có số liệu (chưa rõ, không tính là 0)" in text
    assert "Chậm tiến độ, quá hạn" in text
    # the sources resolved to the documents' titles
    assert "002: Phụ lục I - V (Kèm theo Báo cáo số 320/BC-UBND" in text
    assert "Trang 1/" in text
    # the same through ?f=pdf
    assert "Tổng quan thành phố Cần Thơ" in _pdf(client, "/dashboard", f="pdf")


def test_city_dashboard_pdf_in_english(client):
    text = _pdf(client, "/dashboard.pdf", lang="en")
    assert "Cần Thơ at a glance" in text and "Socio-economic indicators" in text
    assert "Target not met" in text and "Districts compared" in text
    assert "Appendices I-V to Report 320/BC-UBND" in text and "Page 1/" in text
    assert "Chưa đạt NQ" not in text and "Tổng quan thành phố" not in text
    r = client.get("/dashboard.pdf", params={"lang": "fr"})
    assert r.status_code == 400 and r.json()["parameter"] == "lang"


def test_district_dashboard_pdf(client, stalled_project):  # noqa: F811
    text = _pdf(client, f"/maps/district/{DISTRICT}.pdf", as_of="2024-06-30")
    assert "Huyện Phong Điền" in text and "Số liệu mới nhất của quận/huyện" in text
    assert "tiến độ đến 30/06/2024" in text
    # its stalled project with both reasons, the figures' dates and source lines
    assert "Dự án thử chậm tiến độ" in text
    assert "Quá hạn: thời gian thực hiện đến năm 2022" in text
    assert "Tiến độ không đổi giữa hai báo cáo gần nhất" in text
    assert "30/06/2023 002:101 → 30/06/2024 002:102" in text
    assert "Nông thôn mới" in text and "Xã Nhơn Ái" in text
    en = _pdf(client, f"/maps/district/{DISTRICT}", f="pdf", lang="en", as_of="2024-06-30")
    assert "Overdue" in en and "Progress unchanged between the last two reports" in en
    assert "Dự án thử chậm tiến độ" not in _pdf(client, f"/maps/district/{OTHER}.pdf")
    assert client.get("/maps/district/999.pdf").status_code == 404
    assert client.get(f"/maps/district/{DISTRICT}.pdf", params={
        "as_of": "30/06/2024"}).status_code == 400
