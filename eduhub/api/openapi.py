"""``/api/v1/openapi.json``: the API's OpenAPI 3.1 document, generated from its contract."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from eduhub.api import bp
from eduhub.api.contract import document, operation


@bp.get("/openapi.json")
@operation("This document: OpenAPI 3.1 for every route under /api/v1", None)
def openapi_document() -> ResponseReturnValue:
    return jsonify(document(current_app))
