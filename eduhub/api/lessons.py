"""``/api/v1/lessons/<id>``: one lesson's metadata, rendered HTML, attribution and revision."""

from __future__ import annotations

from flask import abort, jsonify
from flask.typing import ResponseReturnValue

from eduhub.api import bp, serializers
from eduhub.catalog import services
from eduhub.catalog.services import NotFound


@bp.get("/lessons/<path:uid>")
def lesson(uid: str) -> ResponseReturnValue:
    try:
        found = services.get_lesson(uid)
    except NotFound:
        abort(404, description=f"no lesson '{uid}'")
    return jsonify(serializers.lesson_detail(found))
