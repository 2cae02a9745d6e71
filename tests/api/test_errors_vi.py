"""Every error has Vietnamese beside its English: ``description_vi`` in the exception
JSON (the error's own text, else the Vietnamese title of its status), the error page
Vietnamese first, the CLI both."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from gis.cli import main as cli
from gis.errors import GISError
from gis.users import create_token, create_user

ITEMS = "/collections/projects/items"


@pytest.fixture(scope="module")
def officer(db_url):
    import psycopg

    with psycopg.connect(db_url) as c:
        create_user(c, "t_vi_officer", "district_officer", "916")
        create_user(c, "t_vi_planner", "planner", None)
        return ({"Authorization": f"Bearer {create_token(c, 't_vi_officer')}"},
                {"Authorization": f"Bearer {create_token(c, 't_vi_planner')}"})


def feature(fid, lon, lat):
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point",
                                                       "coordinates": [lon, lat]},
            "properties": {"name": "Cầu thử nghiệm", "kind": "bridge", "districts": ["916"],
                           "geom_quality": "indicative", "source_doc": "002",
                           "source_line": 10, "valid_on": "2024-11-15"}}


def test_a_body_without_vietnamese_text_has_the_title_of_its_status():
    plain = GISError(413, "too big").body()
    assert plain["description_vi"] == plain["title_vi"] == "Tệp quá lớn"
    own = GISError(400, "bad", vi="sai", hint="fix it", hint_vi="sửa lại").body()
    assert own["description_vi"] == "sai" and own["hint_vi"] == "sửa lại"
    assert own["title_vi"] == "Tham số không hợp lệ"
    assert own["description"] == "bad" and own["hint"] == "fix it"


def test_the_json_carries_vietnamese_beside_the_english(client, officer, point_in, cleanup,
                                                         one_point_project):
    r = client.post(ITEMS, json=feature("t-vi-x", 105.7, 10.0))  # not signed in
    assert r.status_code == 401 and "sign in" in r.json()["description"]
    assert "đăng nhập" in r.json()["description_vi"]
    lon, lat = point_in("919")  # an officer of 916, a point in 919
    cleanup.append("t-vi-away")
    r = client.post(ITEMS, json=feature("t-vi-away", lon, lat), headers=officer[0])
    body = r.json()
    assert r.status_code == 403 and "outside district 916" in body["description"]
    assert "nằm ngoài quận/huyện 916" in body["description_vi"]
    r = client.get(ITEMS, params={"bbox": "1,2,3"})  # no text of its own: the title
    assert r.status_code == 400 and r.json()["parameter"] == "bbox"
    assert r.json()["description_vi"] == "Tham số không hợp lệ"
    # a record check shared with the loader: the field's Vietnamese label
    f = feature("t-vi-kind", *one_point_project[1:])
    f["properties"]["kind"] = "castle"
    r = client.post(ITEMS, json=f, headers=officer[1])
    assert r.status_code == 400 and "is not one of" in r.json()["description"]
    assert "không phải một trong các giá trị" in r.json()["description_vi"]


def test_progress_dates_are_refused_in_vietnamese(client, conn, officer):
    from layers import registry

    start = registry.get("projects").starts_field
    fid, saved = conn.execute(f"SELECT id, {start} FROM infra_project ORDER BY id LIMIT 1"
                              ).fetchone()
    conn.execute(f"UPDATE infra_project SET {start} = 2024 WHERE id = %s", (fid,))
    conn.commit()
    url, body = f"{ITEMS}/{fid}/progress", {"metric": "length_done_m", "value": 5,
                                            "note": "kiểm tra"}
    try:
        later = (dt.date.today() + dt.timedelta(days=2))
        r = client.post(url, headers=officer[1], json={**body, "valid_on": later.isoformat()})
        assert r.status_code == 400 and "future" in r.json()["description"]
        assert "tương lai" in r.json()["description_vi"]
        assert later.strftime("%d/%m/%Y") in r.json()["description_vi"]
        r = client.post(url, headers=officer[1], json={**body, "valid_on": "2023-12-31"})
        err = r.json()
        assert r.status_code == 422 and "before the start" in err["description"]
        assert "trước năm bắt đầu" in err["description_vi"] and "01/01/2024" in \
            err["description_vi"]
        assert err["hint"].startswith("if the work") and err["hint_vi"].startswith("nếu")
    finally:
        conn.execute(f"UPDATE infra_project SET {start} = %s WHERE id = %s", (saved, fid))
        conn.execute("DELETE FROM progress_snapshot WHERE origin = 'api'")
        conn.commit()


def test_the_error_page_is_vietnamese_first(client):
    r = client.get("/maps/district/999")
    assert r.status_code == 404
    vi, en = r.text.index("Không có quận/huyện mã"), r.text.index("No district with code")
    assert vi < en and "Không tìm thấy" in r.text
    r = client.get("/maps/district/918", params={"as_of": "yesterday"})
    assert r.status_code == 400 and "Tham số không hợp lệ" in r.text and "as_of" in r.text


def test_the_cli_says_vietnamese_then_english(db_url):
    r = CliRunner().invoke(cli, ["export", "projects", "--format", "csv", "-o", "/dev/null",
                                 "--filter", "nonsense"])
    assert r.exit_code == 2
    assert r.output.index("lỗi: Tham số không hợp lệ") < r.output.index("error: --filter")


def test_the_restore_form_refused_is_an_error_page_in_vietnamese(client, conn):
    r = client.post("/collections/projects/deleted", data={"feature": "x", "csrf_token": "y"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    assert r.text.index("Hãy đăng nhập") < r.text.index("sign in (/signin)")
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'refused_post' AND "
                        "detail->>'path' = '/collections/projects/deleted'").fetchone()[0] >= 1


def test_a_load_problem_is_said_in_vietnamese_then_english():
    from gis.dataset.problems import LoadError, Problem

    text = str(LoadError([Problem("a.yaml", 2, "feature x: missing required field 'name'",
                                  "đối tượng x: thiếu trường bắt buộc Tên"),
                          Problem("b.yaml", None, "only English")]))
    assert text.index("a.yaml:2: đối tượng x: thiếu trường bắt buộc Tên") < \
        text.index("feature x: missing required field 'name'")
    assert "b.yaml: only English" in text and "1 lỗi" not in text and "2 lỗi" in text
