"""`gis user add/list/passwd`, `gis token create/list/revoke` (#10 §1): passwords from a
prompt or stdin, districts by name or code, refusals naming the valid choices, every
action audited as the CLI's."""

from __future__ import annotations

from click.testing import CliRunner

from gis.cli import main as cli
from gis.passwords import verify


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_user_add_takes_a_district_by_name_and_a_prompted_password(db_url, conn):
    r = run("user", "add", "c_pd", "--role", "district_officer", "--district", "phong điền",
            input="mật khẩu thật dài\nmật khẩu thật dài\n")
    assert r.exit_code == 0, r.output
    code, stored = conn.execute("SELECT district_code, password_hash FROM app_user WHERE "
                                "name = 'c_pd'").fetchone()
    name = conn.execute("SELECT name FROM admin_district WHERE code = %s", (code,)).fetchone()[0]
    assert "Phong Điền" in name and stored.startswith("$argon2")
    assert verify(stored, "mật khẩu thật dài") and not verify(stored, "wrong")
    assert f"c_pd\tdistrict_officer\t{code}\tpassword" in run("user", "list").output
    row = conn.execute("SELECT user_name, action FROM audit_log WHERE layer_id = 'app_user' "
                       "AND feature_id = 'c_pd' ORDER BY id DESC LIMIT 1").fetchone()
    assert row[0].startswith("cli") and row[1] == "create"
    assert "mật khẩu" not in str(conn.execute("SELECT json_agg(a) FROM audit_log a").fetchone())


def test_refusals_name_what_is_valid(db_url, conn):
    r = run("user", "add", "c_x", "--role", "district_officer", "--district", "Hà Nội",
            "--no-password")
    assert r.exit_code == 2 and "unknown district 'Hà Nội'" in r.output
    assert "Phong Điền" in r.output  # the valid districts are listed
    r = run("user", "add", "c_x", "--role", "planner", "--district", "916", "--no-password")
    assert r.exit_code == 2 and "a planner has no district" in r.output
    r = run("user", "add", "c_x", "--role", "planner", "--password-stdin", input="short\n")
    assert r.exit_code == 2 and "at least 10 characters" in r.output
    assert conn.execute("SELECT count(*) FROM app_user WHERE name = 'c_x'").fetchone()[0] == 0


def test_passwd_and_tokens(db_url, conn):
    assert run("user", "add", "c_tok", "--role", "planner", "--no-password").exit_code == 0
    r = run("user", "passwd", "c_tok", "--password-stdin", input="một mật khẩu mới\n")
    assert r.exit_code == 0, r.output
    assert verify(conn.execute("SELECT password_hash FROM app_user WHERE name = 'c_tok'"
                               ).fetchone()[0], "một mật khẩu mới")
    r = run("token", "create", "c_tok", "--label", "QGIS phòng", "--days", "30")
    assert r.exit_code == 0 and r.output.startswith("ctg_")
    listed = [line for line in run("token", "list", "--user", "c_tok").output.splitlines()]
    assert len(listed) == 1 and "QGIS phòng" in listed[0] and "active" in listed[0]
    prefix = listed[0].split("\t")[0]
    r = run("token", "revoke", prefix)
    assert r.exit_code == 0, r.output
    assert "revoked" in run("token", "list", "--user", "c_tok").output
    actions = [a for (a,) in conn.execute(
        "SELECT action FROM audit_log WHERE user_name LIKE 'cli%%' AND layer_id IN "
        "('app_user', 'api_token') AND (feature_id = 'c_tok' OR after->>'user' = 'c_tok') "
        "ORDER BY id")]
    assert actions == ["create", "password", "create", "revoke"]


def test_setup_creates_the_first_admin_once(db_url, conn, monkeypatch, capsys):
    """What `make run` does on a database without an admin who can sign in."""
    from gis.cli_users import ensure_first_admin

    saved = conn.execute("SELECT name, password_hash FROM app_user WHERE role = 'admin' AND "
                         "password_hash IS NOT NULL").fetchall()
    conn.execute("UPDATE app_user SET password_hash = NULL WHERE role = 'admin'")
    conn.commit()
    try:
        monkeypatch.setenv("GIS_ADMIN_PASSWORD", "mật khẩu quản trị đầu tiên")
        ensure_first_admin()
        assert "first admin: user 'admin'" in capsys.readouterr().out
        stored = conn.execute("SELECT password_hash FROM app_user WHERE name = 'admin' AND "
                              "role = 'admin'").fetchone()[0]
        assert verify(stored, "mật khẩu quản trị đầu tiên")
        ensure_first_admin()  # there is one now: nothing happens
        assert capsys.readouterr().out == ""
    finally:
        for name, hashed in saved:
            conn.execute("UPDATE app_user SET password_hash = %s WHERE name = %s", (hashed, name))
        conn.commit()
