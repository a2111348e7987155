"""JSON API v1: the read side of the catalog."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from eduhub.api import courses, lessons, me, search  # noqa: E402, F401  (routes register on bp)
