"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from eduhub import create_app

app = create_app()
