"""The ``eduhub`` console script: Flask's CLI with the EduHub app loaded."""

from __future__ import annotations

from flask.cli import FlaskGroup


def main() -> None:
    from eduhub import create_app

    cli = FlaskGroup(create_app=create_app, help="Run and administer EduHub.")
    cli.main(prog_name="eduhub")
