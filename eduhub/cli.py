"""The ``eduhub`` console script: Flask's CLI with the EduHub app loaded."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    """The app, or a one-line error (exit 1) when a setting is wrong: no traceback."""
    from eduhub import create_app
    from eduhub.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, help="Run and administer EduHub.")
    cli.main(prog_name="eduhub")
