"""`gis backup` / `gis restore`: a round trip keeps every table's rows exactly."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner

from gis.backup import backup, restore, table_checksums
from gis.errors import GISError


def _other(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _drop(url: str, *names: str) -> None:
    with psycopg.connect(_other(url, "postgres"), autocommit=True) as conn:
        for n in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')


def test_backup_and_restore_round_trip(db_url, tmp_path):
    before = table_checksums(db_url)
    assert before["progress_snapshot"][0] > 0 and "audit_log" in before and "app_user" in before
    dump = backup(db_url, tmp_path / "cantho.dump")
    name = urlsplit(db_url).path.lstrip("/") + "_copy"
    target = _other(db_url, name)
    kept = None
    try:
        assert restore(dump, target) is None  # a new database: nothing replaced
        assert table_checksums(target) == before
        with psycopg.connect(target) as conn:  # a change, then restore over it
            conn.execute("DELETE FROM progress_snapshot")
        kept = restore(dump, target)
        assert kept and kept.startswith(f"{name}_before_restore_")
        assert table_checksums(target) == before
        assert table_checksums(_other(db_url, kept))["progress_snapshot"][0] == 0
    finally:
        _drop(db_url, name, *([kept] if kept else []))


def test_a_bad_file_changes_nothing(db_url, tmp_path):
    bad = tmp_path / "not-a-dump"
    bad.write_text("hello")
    name = urlsplit(db_url).path.lstrip("/") + "_bad"
    with pytest.raises(GISError, match="could not be restored"):
        restore(bad, _other(db_url, name))
    with psycopg.connect(_other(db_url, "postgres")) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                            (f"{name}%",)).fetchall()
    assert left == []  # the staging database is gone, no target was made


def test_cli_backup_says_what_to_do(tmp_path, db_url, monkeypatch):
    from gis.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    from gis import settings

    settings.database_settings.cache_clear()
    out = tmp_path / "b.dump"
    result = CliRunner().invoke(main, ["backup", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0 and "backup written" in result.output
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "missing.dump"), "--yes"])
    assert result.exit_code == 2
    assert "no backup file" in result.output and "what to do" in result.output
