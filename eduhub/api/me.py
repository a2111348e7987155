"""``/api/v1/me/…``: the signed-in learner's own progress and courses."""

from __future__ import annotations

from flask import abort, jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from eduhub.api import bp
from eduhub.extensions import db
from eduhub.progress import services


def require_user() -> int:
    """The signed-in user's id; a JSON 401 otherwise (no redirect to a login page)."""
    if not current_user.is_authenticated:
        abort(401, description="Sign in to use this endpoint.")
    return int(current_user.id)


@bp.get("/me/progress")
def my_progress() -> ResponseReturnValue:
    user_id = require_user()
    return jsonify(services.export_progress(db.session, user_id))


@bp.get("/me/courses")
def my_courses() -> ResponseReturnValue:
    user_id = require_user()
    board = services.dashboard(db.session, user_id)

    def course(item: services.CourseSummary) -> dict[str, object]:
        return {
            "id": item.course.uid,
            "title": item.course.title,
            "done": item.done,
            "total": item.total,
            "percent": item.percent,
            "completed_at": item.completion.completed_at.isoformat() if item.completion else None,
            "certificate_url": url_for(
                "progress.completion", token=item.completion.token, _external=True
            )
            if item.completion
            else None,
            "url": url_for(
                "catalog.course",
                org_slug=item.course.organization.slug,
                course_slug=item.course.slug,
                _external=True,
            ),
        }

    resume = board.resume
    return jsonify(
        in_progress=[course(item) for item in board.in_progress],
        completed=[course(item) for item in board.completed],
        resume={
            "lesson": resume.lesson.uid,
            "heading": resume.heading,
            "url": url_for("catalog.lesson", uid=resume.lesson.uid, _external=True),
        }
        if resume
        else None,
        time_spent_seconds=board.time_spent_seconds,
        lessons_completed=board.lessons_completed,
    )
