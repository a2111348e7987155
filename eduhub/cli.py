"""The ``eduhub`` console script: Flask's CLI with the EduHub app loaded."""

from __future__ import annotations

from flask.cli import FlaskGroup


def main() -> None:
    from eduhub import create_app
    from eduhub.config import ConfigError

    cli = FlaskGroup(create_app=create_app, help="Run and administer EduHub.")
    try:
        cli.main(prog_name="eduhub")
    except ConfigError as exc:  # a bad setting is one line, not a traceback
        raise SystemExit(f"eduhub: {exc}") from None
