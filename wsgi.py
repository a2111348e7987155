"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``. Served this way, EduHub is in
production (EDUHUB_ENV=production) unless the environment says otherwise."""

import os

from eduhub import create_app
from eduhub.config import ConfigError

os.environ.setdefault("EDUHUB_ENV", "production")

try:
    app = create_app()
except ConfigError as exc:
    message = f"eduhub: {exc}"
    try:
        from gunicorn.errors import AppImportError
    except ImportError:  # another WSGI server
        raise SystemExit(message) from None
    # gunicorn prints an AppImportError as one line and stops instead of respawning workers.
    raise AppImportError(message) from None
