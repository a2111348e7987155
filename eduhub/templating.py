"""Template globals: the catalog's language and level labels, and small formatting helpers."""

from __future__ import annotations

from flask import Flask

from eduhub.catalog.vocabulary import language_name, level_label


def duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def init_app(app: Flask) -> None:
    """Register the helpers as template globals; the language data itself is the catalog's."""
    app.jinja_env.globals.update(
        language_name=language_name, level_label=level_label, duration=duration
    )
