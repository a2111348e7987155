"""Serve images that content packs ship, from the content-addressed store in the instance."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_file
from sqlalchemy import select

from eduhub.catalog.models import MediaFile
from eduhub.extensions import db


def media_file_path(media_dir: Path, sha256: str) -> Path:
    """Where an imported image lives in the content-addressed store."""
    return Path(media_dir) / sha256[:2] / sha256


bp = Blueprint("media", __name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@bp.get("/media/<sha256>/<name>")
def media(sha256: str, name: str) -> Response:
    """Serve by hash alone (cacheable forever); the name is only for people saving the file."""
    if not SHA256_RE.match(sha256):
        abort(404)
    mime_type = db.session.scalar(
        select(MediaFile.mime_type).where(MediaFile.sha256 == sha256).limit(1)
    )
    path = media_file_path(Path(current_app.config["MEDIA_DIR"]), sha256)
    if mime_type is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mime_type, max_age=365 * 24 * 3600, etag=sha256)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    # An SVG opened on its own must not run script or load anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response
