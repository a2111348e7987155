"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

import sys

from eduhub import create_app
from eduhub.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # One line instead of a traceback per worker; 4 is gunicorn's "application failed to load",
    # which stops the master instead of restarting workers forever.
    print(f"eduhub: {exc}", file=sys.stderr)
    raise SystemExit(4) from None
