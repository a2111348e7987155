"""The ``eduhub`` console script: Flask's CLI with the EduHub app loaded.

Every command ends in one line, never a traceback: an unexpected exception becomes
``Error: <what failed>`` on stderr and exit status 1, with the traceback logged at debug level
(``EDUHUB_LOG_LEVEL=DEBUG`` shows it). This is done once, here, for every command group.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import click
from flask.cli import FlaskGroup

log = logging.getLogger("eduhub.cli")

#: Exceptions click already turns into a message and an exit status.
_CLICK_HANDLED = (click.exceptions.ClickException, click.exceptions.Exit, click.Abort)


def one_line(exc: BaseException) -> str:
    """What failed, in one line: the exception's type and the first line of its message."""
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class EduHubGroup(FlaskGroup):
    """Flask's group, with every unexpected failure reported as one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from eduhub.config import ConfigError

        try:
            return super().invoke(ctx)
        except (*_CLICK_HANDLED, SystemExit, KeyboardInterrupt, ConfigError):
            raise  # ConfigError: main() prints the setting's own message
        except Exception as exc:
            log.debug("command %s failed", ctx.invoked_subcommand, exc_info=True)
            raise click.ClickException(
                f"{one_line(exc)} (set EDUHUB_LOG_LEVEL=DEBUG for the traceback)"
            ) from exc


def make_cli() -> EduHubGroup:
    from eduhub import create_app

    return EduHubGroup(create_app=create_app, help="Run and administer EduHub.")


def main() -> None:
    from eduhub.config import ConfigError

    # Logging set up before the app loads, so a failure to load is logged at the asked level too.
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    level = os.environ.get("EDUHUB_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        logging.getLogger("eduhub").setLevel(level)
    try:
        make_cli().main(prog_name="eduhub")
    except ConfigError as exc:  # a bad setting is one line, not a traceback
        raise SystemExit(f"eduhub: {exc}") from None
