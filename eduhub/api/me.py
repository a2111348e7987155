"""``/api/v1/me/…``: the signed-in learner's own progress and courses."""

from __future__ import annotations

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from eduhub.api import bp, schemas
from eduhub.api.contract import operation, respond
from eduhub.extensions import db
from eduhub.progress import services


def require_user() -> int:
    """The signed-in user's id; a JSON 401 otherwise (no redirect to a login page)."""
    if not current_user.is_authenticated:
        abort(401, description="Sign in to use this endpoint.")
    return int(current_user.id)


@bp.get("/me/progress")
@operation(
    "My lessons, quiz attempts and completions", schemas.MyProgress, errors=(401,), signed_in=True
)
def my_progress() -> ResponseReturnValue:
    user_id = require_user()
    return respond(schemas.MyProgress.model_validate(services.export_progress(db.session, user_id)))


@bp.get("/me/courses")
@operation("My courses in progress and completed", schemas.MyCourses, errors=(401,), signed_in=True)
def my_courses() -> ResponseReturnValue:
    user_id = require_user()
    return respond(schemas.MyCourses.of(services.dashboard(db.session, user_id)))
