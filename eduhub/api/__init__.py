"""JSON API v1: the catalog, search and the learner's progress; its contract is in schemas.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from eduhub.api import courses, lessons, me, openapi, search  # noqa: E402, F401  (routes register on bp)
