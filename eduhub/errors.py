"""Friendly HTML error pages, JSON errors under /api/, and security headers on every response."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if _wants_json():
        detail = {"code": code, "name": error.name, "message": error.description}
        fields = getattr(error, "fields", None)  # api.contract.InvalidBody names bad fields
        if fields:
            detail["fields"] = fields
        response = jsonify(error=detail)
    else:
        template = "errors/404.html" if code == 404 else "errors/error.html"
        response = make_response(render_template(template, error=error, code=code))
    response.status_code = code
    # Keep what the exception says beyond its body, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error on %s %s", request.method, request.path)
    from eduhub.extensions import db

    db.session.rollback()
    if _wants_json():
        return jsonify(
            error={"code": 500, "name": "Internal Server Error", "message": "Something broke."}
        ), 500
    return render_template("errors/500.html", error=InternalServerError(), code=500), 500


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.after_request(security_headers)
