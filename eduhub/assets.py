"""Fingerprinted static assets: ``/static/css/eduhub.css?v=<hash>``, cached for a year.

Every ``url_for('static', filename=…)`` gets ``v=`` the first 12 hex digits of the file's
SHA-256 (a URL default, so templates need nothing new). A request whose ``v`` matches the
file's current hash is answered with ``Cache-Control: public, max-age=31536000, immutable``:
the browser never asks again, and a changed file has a new URL. Without ``v``, or with an
old one, the file is served as before (revalidated with its ETag), so an old cached page
never gets a year-long copy of a newer file under its old name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Final

from flask import Flask, Response, current_app, request

IMMUTABLE: Final = "public, max-age=31536000, immutable"

_hashes: dict[tuple[str, int, int], str] = {}


def fingerprint(static_folder: str, filename: str) -> str | None:
    """The file's content hash (12 hex digits), or None when there is no such file."""
    root = Path(static_folder).resolve()
    path = (root / filename).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)  # a changed file is hashed again
    digest = _hashes.get(key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        _hashes[key] = digest
    return digest


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    folder = current_app.static_folder
    if folder:
        digest = fingerprint(folder, values["filename"])
        if digest:
            values["v"] = digest


def _cache_forever(response: Response) -> Response:
    version = request.args.get("v")
    if (
        request.endpoint == "static"
        and version
        and response.status_code in (200, 304)
        and current_app.static_folder
        and request.view_args
        and version == fingerprint(current_app.static_folder, request.view_args["filename"])
    ):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_forever)
