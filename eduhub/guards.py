"""Request-input guards: refuse, with a clear 400, input that no view or database can take.

A fuzz of every endpoint found three kinds of input that reached the database or the JSON parser
and ended in a 500: NUL bytes (PostgreSQL text cannot hold them), integers wider than a 64-bit
column, and JSON nested deeply enough to exhaust Python's recursion limit. One ``before_request``
hook checks the path, the query string, form fields and JSON bodies before any view runs;
:func:`int_arg` reads integer query arguments for the views that take them.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request

#: The widest integer a database column (BIGINT, SQLite INTEGER) holds.
MAX_DB_INT = 2**63 - 1
#: JSON bodies are small (quiz answers, time on page); anything larger is not for this API.
MAX_JSON_BYTES = 64 * 1024
#: Deep enough for any body this API takes, far below Python's recursion limit.
MAX_JSON_DEPTH = 32

#: In the path: any C0 control character or DEL.
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: In query and form values: control characters other than tab and line breaks, which text
#: areas send.
_VALUE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def int_arg(name: str) -> int | None:
    """The query argument ``name`` as an int; None when absent or not a whole number (as
    ``request.args.get(name, type=int)``), a 400 when too large for a database column."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        number = int(raw)
    except ValueError:
        return None
    if not -MAX_DB_INT - 1 <= number <= MAX_DB_INT:
        abort(400, description=f"{name} is out of range (at most {MAX_DB_INT})")
    return number


def _check_text(where: str, value: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(value)
    if found:
        abort(
            400,
            description=(
                f"The {where} contains a control character (U+{ord(found.group()):04X}), "
                "which EduHub does not accept."
            ),
        )


def _check_json(data: Any) -> None:
    """Depth and NUL bytes of a parsed body, iteratively (the body may be deeply nested)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                abort(400, description=f"The JSON body is nested deeper than {MAX_JSON_DEPTH}.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text("JSON body", key, _VALUE_CONTROL)
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            _check_text("JSON body", value, _VALUE_CONTROL)


def check_request() -> None:
    """Refuse bad input before any view (and before CSRF or sign-in checks) sees it."""
    _check_text("address", request.path, _PATH_CONTROL)
    for key, value in request.args.items(multi=True):
        _check_text("query string", key + value, _VALUE_CONTROL)
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if request.is_json:
        if not request.path.startswith("/api/"):
            # Pages take forms; Flask-WTF would read a JSON body as the form and fail on
            # anything but a flat object.
            abort(415, description="This page takes a form, not JSON; the JSON API is /api/v1.")
        length = request.content_length
        if length is not None and length > MAX_JSON_BYTES:
            abort(413, description=f"A JSON body may be at most {MAX_JSON_BYTES} bytes.")
        if len(request.get_data(cache=True)) > MAX_JSON_BYTES:
            abort(413, description=f"A JSON body may be at most {MAX_JSON_BYTES} bytes.")
        try:
            # Parsed once here; views' get_json() gets the cached result.
            data = request.get_json(silent=True)
        except RecursionError:
            abort(400, description=f"The JSON body is nested deeper than {MAX_JSON_DEPTH}.")
        _check_json(data)
        return
    for key, value in request.form.items(multi=True):
        _check_text("form", key + value, _VALUE_CONTROL)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
