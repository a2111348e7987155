"""``/api/v1/lessons/<id>``: one lesson's metadata, rendered HTML, attribution and revision."""

from __future__ import annotations

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from eduhub.api import bp, schemas
from eduhub.api.contract import operation, parse_body, respond
from eduhub.api.me import require_user
from eduhub.catalog import services
from eduhub.catalog.models import Lesson
from eduhub.catalog.services import NotFound
from eduhub.classrooms import services as classrooms
from eduhub.extensions import db
from eduhub.progress import quizzes
from eduhub.progress import services as progress


def _lesson_or_404(uid: str) -> Lesson:
    try:
        return services.get_lesson(db.session, uid)
    except NotFound:
        abort(404, description=f"no lesson '{uid}'")


@bp.get("/lessons/<path:uid>")
@operation(
    "One lesson: metadata, HTML, attribution, revision", schemas.LessonDetailOut, errors=(404,)
)
def lesson(uid: str) -> ResponseReturnValue:
    return respond(schemas.LessonDetailOut.of(_lesson_or_404(uid)))


@bp.post("/lessons/<path:uid>/complete")
@operation(
    "Complete a lesson (idempotent)",
    schemas.CompletionOut,
    errors=(400, 401, 404),
    signed_in=True,
)
def complete(uid: str) -> ResponseReturnValue:
    """Idempotent: completing twice keeps the first completion time."""
    user_id = require_user()
    lesson = _lesson_or_404(uid)
    outcome = progress.mark_complete(db.session, user_id, lesson)
    row = outcome.progress
    return respond(
        schemas.CompletionOut(
            lesson=lesson.uid,
            status=row.status,
            completed_at=row.completed_at.isoformat() if row.completed_at else None,
            course_completed=outcome.course_completion is not None,
        )
    )


@bp.post("/lessons/<path:uid>/progress")
@operation(
    "Report time on page and the last heading reached",
    schemas.Ok,
    body=schemas.ProgressReport,
    errors=(400, 401, 404),
    signed_in=True,
)
def report_progress(uid: str) -> ResponseReturnValue:
    """Time on page and last heading, from the optional page script."""
    user_id = require_user()
    lesson = _lesson_or_404(uid)
    report = parse_body(schemas.ProgressReport, '{"seconds": 30, "heading": "anchor"}')
    progress.record_activity(db.session, user_id, lesson.uid, report.seconds, report.heading)
    return respond(schemas.Ok(ok=True))


@bp.post("/lessons/<path:uid>/quiz")
@operation(
    "Grade a quiz; a signed-in learner's attempt is stored",
    schemas.QuizResultOut,
    body=schemas.QuizSubmission,
    errors=(400, 404),
)
def quiz(uid: str) -> ResponseReturnValue:
    """Answers in, score and feedback out. Signed-in attempts are stored; guests' are not."""
    lesson = _lesson_or_404(uid)
    data = parse_body(
        schemas.QuizSubmission, '{"quiz": "quiz-id", "answers": {"question-id": ["a"]}}'
    )
    available = quizzes.revision_quizzes(lesson.current_revision)
    chosen = available.get(data.quiz)
    if chosen is None:
        abort(404, description=f"lesson '{uid}' has no quiz {data.quiz!r}")
    user_id = current_user.id if current_user.is_authenticated else None
    try:
        outcome = progress.submit_quiz(
            db.session, user_id, lesson, chosen, quizzes.submitted_answers(data.answers)
        )
    except progress.IncompleteSubmission as refused:
        abort(400, description=f"{refused} Unanswered: {', '.join(refused.unanswered)}.")
    stored = outcome.attempt.id if outcome.attempt is not None else None
    reveal = classrooms.answers_shown(db.session, user_id, lesson.uid, outcome.reveal)
    return respond(schemas.QuizResultOut.of(chosen, outcome.result, stored, reveal=reveal))
