"""Settings come from defaults, then EDUHUB_* variables, then test overrides, and are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from eduhub import config, create_app


def test_defaults_put_database_and_media_in_the_instance_folder(tmp_path: Path) -> None:
    settings = config.load({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'eduhub.sqlite3'}"
    assert settings["MEDIA_DIR"] == str(tmp_path / "media")
    assert settings["CONTENT_DIR"].endswith("content")


def test_environment_overrides_defaults_and_test_config_overrides_environment(
    tmp_path: Path,
) -> None:
    environ = {"EDUHUB_PER_PAGE": "30", "EDUHUB_CONTENT_DIR": "/srv/packs"}
    settings = config.load({"INSTANCE_PATH": str(tmp_path)}, environ=environ)
    assert settings["PER_PAGE"] == 30
    assert settings["CONTENT_DIR"] == "/srv/packs"
    settings = config.load({"INSTANCE_PATH": str(tmp_path), "PER_PAGE": 5}, environ=environ)
    assert settings["PER_PAGE"] == 5


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"EDUHUB_PER_PAGE": "many"}, "EDUHUB_PER_PAGE='many' is not a valid int"),
        ({"EDUHUB_PER_PAGE": "0"}, "EDUHUB_PER_PAGE must be a positive integer"),
        ({"EDUHUB_DATABASE_URL": "not a url"}, "EDUHUB_DATABASE_URL is not a database URL"),
        ({"EDUHUB_DATABASE_URL": "mysql://x@y/z"}, "'mysql' is not supported"),
        ({"EDUHUB_SECRET_KEY": "short"}, "at least 16 characters"),
        ({"EDUHUB_LOG_LEVEL": "loud"}, "EDUHUB_LOG_LEVEL must be"),
    ],
)
def test_bad_settings_stop_the_app_with_a_clear_message(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(config.ConfigError, match=message.replace("(", r"\(")):
        config.load({"INSTANCE_PATH": str(tmp_path)}, environ=environ)


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    overrides = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": None, "TESTING": True}
    first = create_app(overrides).config["SECRET_KEY"]
    second = create_app(overrides).config["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_sqlite_runs_with_wal_and_foreign_keys(app, db) -> None:  # type: ignore[no-untyped-def]
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
