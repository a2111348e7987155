"""Settings come from defaults, then EDUHUB_* variables, then test overrides, and are checked."""

from __future__ import annotations

import os
import subprocess
import sys
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
        ({"EDUHUB_ENV": "staging"}, "EDUHUB_ENV must be development or production"),
        ({"EDUHUB_MAIL_DELIVERY": "smtp"}, "EDUHUB_MAIL_DELIVERY must be background or command"),
        ({"EDUHUB_MAIL_MAX_ATTEMPTS": "0"}, "EDUHUB_MAIL_MAX_ATTEMPTS must be a positive integer"),
        ({"EDUHUB_BASE_URL": "learn.example.org"}, "must be an http"),
        ({"EDUHUB_BASE_URL": "ftp://learn.example.org"}, "must be an http"),
        ({"EDUHUB_BASE_URL": "https://x.example/?a=1"}, "must be an http"),
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


# --------------------------------------------------------------------------- base URL

PRODUCTION = {"EDUHUB_ENV": "production"}


def test_base_url_is_required_in_production_with_a_one_line_message(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.load({"INSTANCE_PATH": str(tmp_path)}, environ=PRODUCTION)
    message = str(caught.value)
    assert message.startswith("EDUHUB_BASE_URL is not set")
    assert "\n" not in message


@pytest.mark.parametrize("override", [{"TESTING": True}, {"DEBUG": True}])
def test_testing_and_debug_runs_are_never_production(tmp_path: Path, override: dict) -> None:
    settings = config.load({"INSTANCE_PATH": str(tmp_path), **override}, environ=PRODUCTION)
    assert settings["BASE_URL"] == config.DEVELOPMENT_BASE_URL


def test_base_url_keeps_its_port_and_path_prefix_without_a_trailing_slash(tmp_path: Path) -> None:
    environ = {**PRODUCTION, "EDUHUB_BASE_URL": "https://example.org:8443/learn/"}
    settings = config.load({"INSTANCE_PATH": str(tmp_path)}, environ=environ)
    assert settings["BASE_URL"] == "https://example.org:8443/learn"
    assert config.load({"INSTANCE_PATH": str(tmp_path)}, environ={})["BASE_URL"] == (
        "http://127.0.0.1:8000"
    )


def test_absolute_url_outside_a_request_uses_the_base_url(tmp_path: Path) -> None:
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "TESTING": True, "BASE_URL": "http://h.example:81/p"}
    )
    with app.app_context():
        assert config.absolute_url("accounts.reset_password", token="abc") == (
            "http://h.example:81/p/reset-password/abc"
        )


def _clean_environ(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EDUHUB_")}
    environ["EDUHUB_INSTANCE_PATH"] = str(tmp_path / "instance")
    return environ


def test_gunicorn_without_a_base_url_stops_with_one_clear_line(tmp_path: Path) -> None:
    """wsgi.py (how gunicorn serves EduHub) means production: no guessed links there."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=config.PROJECT_ROOT,
        env=_clean_environ(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if "eduhub:" in line]
    assert ours == [
        "eduhub: EDUHUB_BASE_URL is not set: in production the links in emails need the public "
        "address, e.g. EDUHUB_BASE_URL=https://learn.example.org"
    ], result.stderr
    assert "Traceback" not in result.stderr


def test_cli_in_production_without_a_base_url_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from eduhub.cli import main; main()", "users", "list"],
        cwd=config.PROJECT_ROOT,
        env={**_clean_environ(tmp_path), "EDUHUB_ENV": "production"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "eduhub: EDUHUB_BASE_URL is not set: in production the links in emails need the public "
        "address, e.g. EDUHUB_BASE_URL=https://learn.example.org"
    ]


def test_make_run_sets_the_base_url_from_host_and_port_unless_given(tmp_path: Path) -> None:
    def dry_run(*args: str, **environ: str) -> str:
        result = subprocess.run(
            ["make", "-n", "-s", "run", *args],
            cwd=config.PROJECT_ROOT,
            env={**_clean_environ(tmp_path), **environ},
            capture_output=True,
            text=True,
            check=True,
        )
        (line,) = [line for line in result.stdout.splitlines() if "gunicorn" in line]
        return line

    assert 'EDUHUB_BASE_URL="http://127.0.0.1:8100"' in dry_run("PORT=8100")
    assert 'EDUHUB_BASE_URL="http://10.0.0.5:8000"' in dry_run("HOST=10.0.0.5")
    given = dry_run("PORT=8100", EDUHUB_BASE_URL="https://learn.example.org")
    assert 'EDUHUB_BASE_URL="https://learn.example.org"' in given
