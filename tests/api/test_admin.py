"""The admin API: users and tokens for the ``admin`` role only, audited without secrets."""

from __future__ import annotations

import json

import pytest
from test_writes import ITEMS, feature

from gis.users import create_token, create_user


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def heads(db_url):
    import psycopg

    with psycopg.connect(db_url) as c:
        create_user(c, "ta_admin", "admin", None)
        create_user(c, "ta_planner", "planner", None)
        create_user(c, "ta_officer", "district_officer", "916")
        return {k: bearer(create_token(c, f"ta_{k}")) for k in ("admin", "planner", "officer")}


def new_user(client, heads, name, role="district_officer", district="916"):
    r = client.post("/admin/users", json={"name": name, "role": role, "district": district},
                    headers=heads["admin"])
    assert r.status_code == 201, r.text
    r = client.post(f"/admin/users/{name}/tokens", headers=heads["admin"])
    assert r.status_code == 201, r.text
    return r.json()


def test_admin_creates_officer_whose_token_writes_in_district(client, conn, heads, cleanup,
                                                              point_in):
    lon, lat = point_in("916")
    issued = new_user(client, heads, "ta_new_officer")
    assert issued["token"].startswith("ctg_") and issued["user"] == "ta_new_officer"
    r = client.post("/admin/users", json={"name": "ta_new_officer", "role": "planner"},
                    headers=heads["admin"])
    assert r.status_code == 409
    users = {u["name"]: u for u in client.get("/admin/users", headers=heads["admin"]).json()}
    assert users["ta_new_officer"]["role"] == "district_officer"
    assert users["ta_new_officer"]["district"] == "916"
    tokens = client.get("/admin/users/ta_new_officer/tokens", headers=heads["admin"]).json()
    assert [set(t) for t in tokens] == [{"id", "user", "created", "revoked", "name", "expires"}]
    assert tokens[0]["id"] == issued["id"] and tokens[0]["revoked"] is None
    assert issued["token"] not in json.dumps(tokens)
    stored = conn.execute("SELECT count(*) FROM api_token WHERE user_name = 'ta_new_officer' "
                          "AND token_sha256 = encode(sha256(%s::bytea), 'hex')",
                          (issued["token"],)).fetchone()[0]
    assert stored == 1  # stored as the CLI stores it: the SHA-256 only

    h = bearer(issued["token"])
    cleanup += ["t-adm-916", "t-adm-919"]
    assert client.post(ITEMS, json=feature("t-adm-916", lon, lat), headers=h).status_code == 201
    r = client.post(ITEMS, json=feature("t-adm-919", lon, lat, districts=["919"]), headers=h)
    assert r.status_code == 403


def test_change_user_role_and_district(client, conn, heads):
    new_user(client, heads, "ta_moved")
    r = client.patch("/admin/users/ta_moved", json={"district": "919"}, headers=heads["admin"])
    assert r.status_code == 200 and r.json()["district"] == "919", r.text
    r = client.patch("/admin/users/ta_moved", json={"role": "planner", "district": None},
                     headers=heads["admin"])
    assert r.json() | {"created": None} == {"name": "ta_moved", "role": "planner",
                                            "district": None, "created": None,
                                            "has_password": False}
    before, after = conn.execute(
        "SELECT before, after FROM audit_log WHERE layer_id = 'app_user' AND "
        "feature_id = 'ta_moved' AND action = 'update' ORDER BY id DESC LIMIT 1").fetchone()
    assert (before["role"], before["district"]) == ("district_officer", "919")
    assert (after["role"], after["district"]) == ("planner", None)


ENDPOINTS = [("get", "/admin/users", None),
             ("post", "/admin/users", {"name": "ta_x", "role": "planner"}),
             ("patch", "/admin/users/ta_officer", {"role": "admin"}),
             ("post", "/admin/users/ta_officer/tokens", None),
             ("get", "/admin/users/ta_officer/tokens", None),
             ("delete", "/admin/tokens/0000", None)]


@pytest.mark.parametrize("method,url,body", ENDPOINTS)
def test_only_admins(client, heads, method, url, body):
    kw = {"json": body} if body is not None else {}
    r = client.request(method, url, **kw)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    for who in ("planner", "officer"):
        r = client.request(method, url, headers=heads[who], **kw)
        assert r.status_code == 403, (who, r.text)


@pytest.mark.parametrize("body,field", [
    ({"name": "ta_b1", "role": "superuser"}, "role"),
    ({"name": "ta_b2", "role": "district_officer", "district": "123"}, "district"),
    ({"name": "ta_b3", "role": "district_officer"}, "district"),
    ({"name": "ta b4", "role": "planner"}, "name"),
    ({"role": "planner"}, "name"),
    ({"name": "ta_b5", "role": "planner", "district_code": "916"}, "district_code"),
])
def test_bad_user_is_400_naming_the_field(client, conn, heads, body, field):
    r = client.post("/admin/users", json=body, headers=heads["admin"])
    assert r.status_code == 400, r.text
    assert r.json()["parameter"] == field and field in r.json()["description"]
    assert conn.execute("SELECT count(*) FROM app_user WHERE name = %s",
                        (body.get("name"),)).fetchone()[0] == 0


def test_bad_change_is_400_and_unknown_is_404(client, heads):
    a = heads["admin"]
    r = client.patch("/admin/users/ta_planner", json={"role": "district_officer"}, headers=a)
    assert r.status_code == 400 and r.json()["parameter"] == "district"
    r = client.patch("/admin/users/ta_officer", json={"district": "999"}, headers=a)
    assert r.status_code == 400 and r.json()["parameter"] == "district"
    assert client.patch("/admin/users/nobody", json={"role": "admin"},
                        headers=a).status_code == 404
    assert client.post("/admin/users/nobody/tokens", headers=a).status_code == 404
    assert client.get("/admin/users/nobody/tokens", headers=a).status_code == 404
    assert client.delete("/admin/tokens/nope", headers=a).status_code == 404


def test_revoked_token_gets_401(client, conn, heads, cleanup, point_in):
    lon, lat = point_in("916")
    issued = new_user(client, heads, "ta_revoked", role="planner", district=None)
    h = bearer(issued["token"])
    cleanup.append("t-adm-rev")
    assert client.post(ITEMS, json=feature("t-adm-rev", lon, lat), headers=h).status_code == 201
    revoked = client.delete(f"/admin/tokens/{issued['id']}", headers=heads["admin"])
    assert revoked.status_code == 200 and revoked.json()["revoked"] is not None, revoked.text
    assert conn.execute("SELECT revoked_at IS NOT NULL FROM api_token WHERE token_sha256 = %s",
                        (issued["id"],)).fetchone()[0]
    r = client.patch(f"{ITEMS}/t-adm-rev", json={"properties": {"status": "completed"}},
                     headers=h)
    assert r.status_code == 401
    again = client.delete(f"/admin/tokens/{issued['id']}", headers=heads["admin"])
    assert again.status_code == 200 and again.json()["revoked"] == revoked.json()["revoked"]


def test_admin_actions_audited_without_secrets(client, conn, heads):
    issued = new_user(client, heads, "ta_audited")
    client.delete(f"/admin/tokens/{issued['id']}", headers=heads["admin"])
    rows = conn.execute(
        "SELECT user_name, action, layer_id, feature_id, at IS NOT NULL, before, after "
        "FROM audit_log WHERE feature_id IN ('ta_audited', %s) ORDER BY id",
        (issued["id"],)).fetchall()
    assert [r[1:4] for r in rows] == [("create", "app_user", "ta_audited"),
                                      ("create", "api_token", issued["id"]),
                                      ("revoke", "api_token", issued["id"])]
    assert all(r[0] == "ta_admin" and r[4] for r in rows)
    assert rows[0][6]["district"] == "916" and rows[2][5]["revoked"] is None
    everything = json.dumps(conn.execute("SELECT json_agg(a) FROM audit_log a").fetchone()[0])
    assert issued["token"] not in everything and "ctg_" not in everything


def test_cli_and_admin_api_share_the_user_rules(client, conn, heads):
    """`gis user add` / `gis token create` and /admin/users run the same gis.users rules."""
    from click.testing import CliRunner

    from gis.cli import main as cli

    runner = CliRunner()
    r = runner.invoke(cli, ["user", "add", "ta_cli_bad", "--role", "district_officer",
                            "--district", "999", "--no-password"])
    assert r.exit_code == 2 and "district: unknown district '999'" in r.output, r.output
    assert "916 " in r.output  # the valid districts are listed
    api = client.post("/admin/users", json={"name": "ta_cli_bad", "role": "district_officer",
                                            "district": "999"}, headers=heads["admin"])
    assert api.status_code == 400
    assert api.json()["description"].startswith("district: unknown district '999'; the "
                                                 "districts are: ")
    r = runner.invoke(cli, ["token", "create", "ta_nobody"])
    assert r.exit_code == 2 and "no user 'ta_nobody' (add one with `gis user add`)" in r.output
    assert conn.execute("SELECT count(*) FROM app_user WHERE name IN ('ta_cli_bad', "
                        "'ta_nobody')").fetchone()[0] == 0
