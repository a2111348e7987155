"""Settings: defaults, then EDUHUB_* environment variables, then test overrides; validated."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Settings read from the environment as ``EDUHUB_<NAME>``, with how to parse each.
ENV_SETTINGS: dict[str, type] = {
    "DATABASE_URL": str,
    "INSTANCE_PATH": str,
    "SECRET_KEY": str,
    "CONTENT_DIR": str,
    "PER_PAGE": int,
    "MAX_MEDIA_BYTES": int,
    "LOG_LEVEL": str,
    "RATELIMIT_STORAGE_URI": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_FROM": str,
    "MAIL_DELIVERY": str,
    "MAIL_MAX_ATTEMPTS": int,
    "BASE_URL": str,
    "ENV": str,
}

#: Where the app runs when nothing says otherwise (``flask run``, ``eduhub …`` commands).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start rather than misbehave."""


def _defaults() -> dict[str, Any]:
    return {
        "INSTANCE_PATH": str(PROJECT_ROOT / "instance"),
        "DATABASE_URL": None,  # derived from INSTANCE_PATH below
        "SECRET_KEY": None,  # generated once and kept in the instance folder
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "PER_PAGE": 12,
        "MAX_MEDIA_BYTES": 5 * 1024 * 1024,
        "LOG_LEVEL": "INFO",
        # memory:// counts per worker process; use redis://… in production (docs/decisions.md).
        "RATELIMIT_STORAGE_URI": "memory://",
        # No MAIL_SERVER: emails (password reset) are written to the log instead of sent.
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": True,
        "MAIL_FROM": "EduHub <no-reply@localhost>",
        # Mail leaves through an outbox after the commit: "background" (a thread in each app
        # process) or "command" (only `eduhub mail send-pending`, from cron). See mail.py.
        "MAIL_DELIVERY": "background",
        "MAIL_MAX_ATTEMPTS": 5,
        # Absolute links built outside a request (emails): required in production, where it
        # cannot be guessed; DEVELOPMENT_BASE_URL otherwise. `make run` sets it from HOST, PORT.
        "BASE_URL": None,
        # "production" (wsgi.py, the gunicorn entry point, defaults to it) or "development".
        "ENV": "development",
        "TESTING": False,
    }


def _from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, kind in ENV_SETTINGS.items():
        raw = environ.get(f"EDUHUB_{name}")
        if raw is None or raw == "":
            continue
        try:
            found[name] = _parse_bool(raw) if kind is bool else kind(raw)
        except ValueError as exc:
            raise ConfigError(f"EDUHUB_{name}={raw!r} is not a valid {kind.__name__}") from exc
    return found


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def load(
    test_config: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    """Merge the three layers and validate; returns Flask config keys."""
    settings = _defaults()
    settings.update(_from_environment(os.environ if environ is None else environ))
    settings.update(test_config or {})

    instance = Path(settings["INSTANCE_PATH"]).expanduser().resolve()
    settings["INSTANCE_PATH"] = str(instance)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'eduhub.sqlite3'}"
    settings["CONTENT_DIR"] = str(Path(settings["CONTENT_DIR"]).expanduser())
    settings["MEDIA_DIR"] = str(instance / "media")
    _validate(settings)
    settings["BASE_URL"] = _base_url(settings)

    settings["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    settings["MAX_CONTENT_LENGTH"] = settings["MAX_MEDIA_BYTES"] + 1024 * 1024
    settings["JSON_SORT_KEYS"] = False
    # CSRF tokens live as long as the session rather than one hour, so a page revalidated with
    # a 304 still carries a valid token (see docs/decisions.md).
    settings.setdefault("WTF_CSRF_TIME_LIMIT", None)
    settings["RATELIMIT_STORAGE_URI"] = settings["RATELIMIT_STORAGE_URI"]
    settings.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    settings.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    settings.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    settings.setdefault("SESSION_COOKIE_HTTPONLY", True)
    settings.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    return settings


def _validate(settings: dict[str, Any]) -> None:
    try:
        url = make_url(settings["DATABASE_URL"])
    except ArgumentError as exc:
        raise ConfigError(f"EDUHUB_DATABASE_URL is not a database URL: {exc}") from exc
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"EDUHUB_DATABASE_URL: {url.get_backend_name()!r} is not supported "
            "(use sqlite:/// or postgresql+psycopg://)"
        )
    if settings["MAIL_DELIVERY"] not in {"background", "command"}:
        raise ConfigError("EDUHUB_MAIL_DELIVERY must be background or command")
    for name in ("PER_PAGE", "MAX_MEDIA_BYTES", "MAIL_MAX_ATTEMPTS"):
        if not isinstance(settings[name], int) or settings[name] < 1:
            raise ConfigError(f"EDUHUB_{name} must be a positive integer")
    if settings["PER_PAGE"] > 100:
        raise ConfigError("EDUHUB_PER_PAGE must be at most 100")
    if str(settings["LOG_LEVEL"]).upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError("EDUHUB_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if settings["ENV"] not in {"development", "production"}:
        raise ConfigError("EDUHUB_ENV must be development or production")
    if settings["SECRET_KEY"] is not None and len(settings["SECRET_KEY"]) < 16:
        raise ConfigError("EDUHUB_SECRET_KEY must be at least 16 characters")


def is_production(settings: dict[str, Any]) -> bool:
    """Production is declared (EDUHUB_ENV=production, the default of wsgi.py), never guessed;
    testing and debug runs are never production."""
    return (
        settings.get("ENV") == "production"
        and not settings.get("TESTING")
        and not settings.get("DEBUG")
    )


def _base_url(settings: dict[str, Any]) -> str:
    raw = settings.get("BASE_URL")
    if not raw:
        if is_production(settings):
            raise ConfigError(
                "EDUHUB_BASE_URL is not set: in production the links in emails need the public "
                "address, e.g. EDUHUB_BASE_URL=https://learn.example.org"
            )
        return DEVELOPMENT_BASE_URL
    parts = urlsplit(str(raw))
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"EDUHUB_BASE_URL={raw!r} must be an http(s) address such as "
            "https://learn.example.org or https://example.org/learn (no query)"
        )
    return str(raw).rstrip("/")


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` on BASE_URL, for emails and anything built outside a
    request. Never from the request's Host header: a client chooses that one. BASE_URL may
    carry a path prefix (``https://example.org/learn``); the route is appended to it."""
    from flask import current_app

    adapter = current_app.url_map.bind("localhost", script_name="/")
    path = adapter.build(endpoint, values)
    return str(current_app.config["BASE_URL"]) + path


def prepare_instance(app: Any) -> None:
    """Create the instance folder and keep a generated secret key there when none is set."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    Path(app.config["MEDIA_DIR"]).mkdir(parents=True, exist_ok=True)
    if app.config.get("SECRET_KEY"):
        return
    key_file = instance / "secret_key"
    if not key_file.exists():
        # O_EXCL: two workers starting at once must agree on one key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    app.config["SECRET_KEY"] = key_file.read_text().strip()
