"""Progress pages and forms: mark complete, dashboard, public course-completion pages.

The quiz form is answered by :mod:`eduhub.lessonpage`: it shows the lesson page again.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from eduhub.catalog import services as catalog
from eduhub.catalog.services import NotFound
from eduhub.extensions import db
from eduhub.progress import services

bp = Blueprint("progress", __name__)


@bp.post("/lessons/<path:uid>/complete")
@login_required
def complete(uid: str) -> ResponseReturnValue:
    try:
        lesson = catalog.get_lesson(db.session, uid)
    except NotFound:
        abort(404, description="No lesson with that id.")
    outcome = services.mark_complete(db.session, current_user.id, lesson)
    if outcome.course_completion is not None:
        flash(
            f"You completed the course “{lesson.course.title}”. Well done!",
            "success",
        )
        return redirect(url_for("progress.completion", token=outcome.course_completion.token))
    flash("Lesson marked as complete.", "success")
    return redirect(url_for("catalog.lesson", uid=uid))


@bp.get("/dashboard")
@login_required
def dashboard() -> str:
    return render_template(
        "progress/dashboard.html", board=services.dashboard(db.session, current_user.id)
    )


@bp.get("/completions/<token>")
def completion(token: str) -> str:
    found = services.completion_by_token(db.session, token)
    if found is None:
        abort(404, description="No course completion has that address.")
    return render_template("progress/completion.html", completion=found)
