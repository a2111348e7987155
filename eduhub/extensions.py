"""Flask extensions, created unbound here and attached in create_app()."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.errors import ConfigurationError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from eduhub.orm import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (web workers) continue while an import writes; foreign keys are off by
    # default in SQLite and we rely on them.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def init_app(app: Flask) -> None:
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    _init_limiter(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def _migrations_dir() -> Any:
    from eduhub.config import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"


def _init_limiter(app: Flask) -> None:
    """Attach the rate limiter, refusing to start on a storage it cannot use.

    A mistyped or unreachable ``EDUHUB_RATELIMIT_STORAGE_URI`` would otherwise start fine and
    then fail every sign-in; a missing driver would stop the app with a bare traceback.
    """
    from eduhub.config import ConfigError

    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    shown = _without_password(uri)
    # A Redis outage later on degrades to per-process counting instead of failing sign-ins.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # Explicit: the limiter is one object for every app in a process (tests make many), and it
    # would otherwise keep the last app's RATELIMIT_ENABLED as its default.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    try:
        limiter.init_app(app)
    except (ConfigurationError, ValueError) as exc:
        raise storage_error(uri, exc) from exc
    if limiter.enabled and not limiter.storage.check():
        raise ConfigError(
            f"EDUHUB_RATELIMIT_STORAGE_URI={shown!r} does not answer: is Redis running there?"
        )


def storage_error(uri: str, exc: Exception) -> Exception:
    """The one-line ConfigError for a rate-limit storage URI that ``limits`` refused."""
    from eduhub.config import ConfigError

    shown = _without_password(uri)
    if isinstance(exc, ValueError):  # a malformed URL, such as a port that is not a number
        return ConfigError(f"EDUHUB_RATELIMIT_STORAGE_URI={shown!r} is not a valid URL: {exc}")
    if "prerequisite not available" in str(exc) or "minimum version of" in str(exc):
        return ConfigError(
            f"EDUHUB_RATELIMIT_STORAGE_URI={shown!r} needs a driver that is not installed "
            f"({exc.args[0].split('.')[0]}): pip install -e '.[redis]' (docs/deployment.md)"
        )
    return ConfigError(
        f"EDUHUB_RATELIMIT_STORAGE_URI={shown!r} is not a storage EduHub can count rate "
        f"limits in ({exc}); use memory:// or redis://host:6379"
    )


def check_ratelimit_storage(uri: str) -> None:
    """Raise the ConfigError start-up would raise for ``uri``, without building an app
    (gunicorn's arbiter checks this once, before any worker starts)."""
    from limits.storage import storage_from_string

    try:
        storage_from_string(uri)
    except (ConfigurationError, ValueError) as exc:
        raise storage_error(uri, exc) from exc


def _without_password(uri: str) -> str:
    """``uri`` with any password masked, fit for an error message."""
    parts = urlsplit(uri)
    if not parts.password:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
