"""People: learners, teachers, contributors, reviewers and administrators."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the account pages and the ``users`` and ``mail`` CLI groups; configure
    Flask-Login."""
    from flask_wtf.csrf import CSRFError

    from eduhub.accounts import cli, views
    from eduhub.extensions import login_manager

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.users)
    app.cli.add_command(cli.mail)
    app.register_error_handler(CSRFError, views.csrf_error)

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "notice"
    # The JSON API answers 401 instead of redirecting to the sign-in page.
    login_manager.blueprint_login_views["api"] = None  # type: ignore[assignment]
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=30))
