"""Progress pages and forms: mark complete, dashboard, public course-completion pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from eduhub.catalog import services as catalog
from eduhub.catalog.services import NotFound
from eduhub.catalog.views import lesson_page
from eduhub.extensions import db
from eduhub.progress import quizzes, services
from eduhub.progress.grading import grade

bp = Blueprint("progress", __name__)


@bp.post("/lessons/<path:uid>/complete")
@login_required
def complete(uid: str) -> ResponseReturnValue:
    try:
        lesson = catalog.get_lesson(uid)
    except NotFound:
        abort(404, description="No lesson with that id.")
    outcome = services.mark_complete(db.session, current_user.id, lesson)
    db.session.commit()
    if outcome.course_completion is not None:
        flash(
            f"You completed the course “{lesson.course.title}”. Well done!",
            "success",
        )
        return redirect(url_for("progress.completion", token=outcome.course_completion.token))
    flash("Lesson marked as complete.", "success")
    return redirect(url_for("catalog.lesson", uid=uid))


@bp.post("/lessons/<path:uid>/quiz")
def quiz(uid: str) -> ResponseReturnValue:
    """Grade a quiz on the server. Signed-in learners' attempts are stored and shown after a
    redirect; guests get their graded page straight away (nothing is stored)."""
    try:
        lesson = catalog.get_lesson(uid)
    except NotFound:
        abort(404, description="No lesson with that id.")
    available = quizzes.revision_quizzes(lesson.current_revision)
    chosen = available.get(request.form.get("quiz_id", ""))
    if chosen is None:
        abort(
            400,
            description="This quiz is not in the current version of the lesson; reload the page.",
        )
    result = grade(chosen, quizzes.submitted_answers(request.form))
    if not current_user.is_authenticated:
        return lesson_page(lesson, {chosen.id: result})
    attempt = services.record_quiz_attempt(
        db.session, current_user.id, lesson, chosen.to_snapshot(), result
    )
    db.session.commit()
    return redirect(
        url_for("catalog.lesson", uid=uid, attempt=attempt.id, _anchor=f"quiz-{chosen.id}")
    )


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
