"""The planners' report page (#11 §4) over HTTPS in a test client: the browser session
(cookie and CSRF token, as the edit forms) or an API client's bearer token; sign-in first,
other roles refused with the reason; review, resolve, apply, audited with the file's hash;
a PDF refused with the advice."""

from __future__ import annotations

import re

import psycopg
import pytest
from report_docs import forget, make_docx

from gis.passwords import hash_password
from gis.users import create_token, create_user

PASSWORD = "báo cáo quý một 2025"
DOC = "45-BC-UBND"


@pytest.fixture(scope="module")
def people(db_url):
    with psycopg.connect(db_url) as c:
        create_user(c, "rp_planner", "planner", None, hash_password(PASSWORD))
        create_user(c, "rp_officer", "district_officer", "916", hash_password(PASSWORD))
        heads = {k: {"Authorization": f"Bearer {create_token(c, f'rp_{k}')}"}
                 for k in ("planner", "officer")}
    yield heads
    with psycopg.connect(db_url) as c:  # what the page applied, and the users
        forget(c, DOC)
        c.execute("DELETE FROM app_user WHERE name LIKE 'rp\\_%'")


def sign_in(client, name):
    page = client.get("/signin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/signin", data={"username": name, "password": PASSWORD,
                                     "csrf_token": csrf, "next": "/reports/import"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def page_csrf(client) -> str:
    page = client.get("/reports/import")
    assert page.status_code == 200, page.text
    return re.search(r'data-csrf="([^"]+)"', page.text).group(1)


def test_the_page_needs_a_signed_in_planner(https_client, people):
    r = https_client.get("/reports/import", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/reports/import"
    sign_in(https_client, "rp_officer")
    r = https_client.get("/reports/import")
    assert r.status_code == 403 and 'id="refused"' in r.text
    assert "Chỉ cán bộ quy hoạch hoặc quản trị viên được nhập báo cáo" in r.text
    assert "tài khoản của bạn là cán bộ quận/huyện" in r.text
    assert 'id="report-form"' not in r.text
    r = https_client.get("/reports/import?lang=en")
    assert "Only planners and admins may import reports" in r.text


def test_planner_reviews_resolves_and_applies_by_session(https_client, people, tmp_path, db_url):
    path = make_docx(tmp_path / "bc45.docx")

    def post(headers=None, **form):
        with path.open("rb") as fh:
            return https_client.post("/reports/review", headers=headers or {}, data=form,
                              files={"file": ("bc45.docx", fh)}, params=form.pop("params", {}))

    sign_in(https_client, "rp_planner")
    csrf = page_csrf(https_client)
    page = https_client.get("/reports/import")
    assert "rp_planner" in page.text and "Bearer" not in page.text  # no token to paste
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
    blocks = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", page.text)
    assert len(blocks) >= 2 and all(f'nonce="{nonce}"' in attrs for _, attrs in blocks)
    # the session without its CSRF token may not post, with a wrong one neither
    assert post().status_code == 403
    assert post({"X-CSRF-Token": "x" * 20}).status_code == 403
    head = {"X-CSRF-Token": csrf}
    html = post(head, params={"f": "html"})
    assert html.status_code == 200 and 'name="match" data-row="III/3"' in html.text
    assert "KHÔNG KHỚP" in html.text and "15/02/2025" in html.text
    english = post(head, params={"f": "html", "lang": "en"})
    assert "DISAGREE" in english.text and "Site handed over" in english.text
    review = post(head, match=["III/3=002-III-10"]).json()
    assert review["applied"] is False and review["figures"]["changed"] >= 1
    assert post(head, apply="true", sha256="0" * 64).status_code == 409
    done = post(head, apply="true", sha256=review["report"]["sha256"],
                match=["III/3=002-III-10"]).json()
    assert done["applied"] is True
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT count(*) FROM progress_snapshot WHERE source_doc = %s AND "
                         "feature_id = '002-III-10'", (DOC,)).fetchone()[0] == 2
        user, after = c.execute("SELECT user_name, after FROM audit_log WHERE action = "
                                "'report_import' AND feature_id = %s", (DOC,)).fetchone()
    assert user == "rp_planner" and after["sha256"] == review["report"]["sha256"]
    again = post(head, apply="true", match=["III/3=002-III-10"]).json()
    assert again["figures"]["new"] == again["figures"]["changed"] == 0


def test_bearer_tokens_still_work_and_roles_are_checked(client, people, tmp_path):
    path = make_docx(tmp_path / "bc45.docx")

    def post(headers):
        with path.open("rb") as fh:
            return client.post("/reports/review", headers=headers,
                               files={"file": ("bc45.docx", fh)})

    assert post({}).status_code == 401
    refused = post(people["officer"])
    assert refused.status_code == 403
    assert "Only planners and admins" in refused.json()["description"]
    ok = post(people["planner"])
    assert ok.status_code == 200 and ok.json()["applied"] is False


def test_a_pdf_is_refused_with_the_advice(client, people):
    r = client.post("/reports/review", headers=people["planner"],
                    files={"file": ("bc45.pdf", b"%PDF-1.4 ...")})
    assert r.status_code == 415
    body = r.json()
    assert "not supported" in body["description"]
    assert "export the appendix tables as .docx or .xlsx" in body["hint"]


def test_report_number_and_date_given_on_the_page(client, people):
    """A file whose heading lacks them: the page's fields give number and date, the date
    as people write it (dd/mm/yyyy)."""
    text = ("Phụ lục III\nTT\tNhiệm vụ\tCơ quan\tLập\tTriển khai\tNguồn vốn\t"
            "Báo cáo tình hình thực hiện\n1\tNâng cấp, mở rộng Đường tỉnh 917\t\t\t\t\t"
            "Ước khối lượng thi công đạt 71,5%\n").encode()

    def post(**form):
        return client.post("/reports/review", headers=people["planner"], data=form,
                           files={"file": ("bc52.txt", text)})

    assert "no report date" in post().json()["description"]
    review = post(report_no="52/BC-UBND", date="01/05/2025").json()
    assert (review["report"]["report_no"], review["report"]["date"]) == ("52/BC-UBND",
                                                                        "2025-05-01")
    assert review["details"][0]["figures"][0]["valid_on"] == "2025-05-01"
    wrong = post(report_no="52/BC-UBND", date="31/02/2025")
    assert wrong.status_code == 400 and wrong.json()["parameter"] == "date"
