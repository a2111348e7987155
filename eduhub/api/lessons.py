"""``/api/v1/lessons/<id>``: one lesson's metadata, rendered HTML, attribution and revision."""

from __future__ import annotations

from flask import abort, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from eduhub.api import bp, serializers
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
        return services.get_lesson(uid)
    except NotFound:
        abort(404, description=f"no lesson '{uid}'")


@bp.get("/lessons/<path:uid>")
def lesson(uid: str) -> ResponseReturnValue:
    try:
        found = services.get_lesson(uid)
    except NotFound:
        abort(404, description=f"no lesson '{uid}'")
    return jsonify(serializers.lesson_detail(found))


@bp.post("/lessons/<path:uid>/complete")
def complete(uid: str) -> ResponseReturnValue:
    """Idempotent: completing twice keeps the first completion time."""
    user_id = require_user()
    lesson = _lesson_or_404(uid)
    outcome = progress.mark_complete(db.session, user_id, lesson)
    db.session.commit()
    row = outcome.progress
    return jsonify(
        lesson=lesson.uid,
        status=row.status,
        completed_at=row.completed_at.isoformat() if row.completed_at else None,
        course_completed=outcome.course_completion is not None,
    )


@bp.post("/lessons/<path:uid>/progress")
def report_progress(uid: str) -> ResponseReturnValue:
    """Time on page and last heading, from the optional page script."""
    user_id = require_user()
    lesson = _lesson_or_404(uid)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description='send a JSON object: {"seconds": 30, "heading": "anchor"}')
    seconds = data.get("seconds", 0)
    heading = data.get("heading")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        abort(400, description="seconds must be a whole number of seconds, 0 or more")
    if heading is not None and not isinstance(heading, str):
        abort(400, description="heading must be a heading anchor (text) or null")
    progress.record_activity(db.session, user_id, lesson.uid, seconds, heading)
    db.session.commit()
    return jsonify(ok=True)


@bp.post("/lessons/<path:uid>/quiz")
def quiz(uid: str) -> ResponseReturnValue:
    """Answers in, score and feedback out. Signed-in attempts are stored; guests' are not."""
    lesson = _lesson_or_404(uid)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
        abort(400, description='send {"quiz": "quiz-id", "answers": {"question-id": ["a"]}}')
    available = quizzes.revision_quizzes(lesson.current_revision)
    chosen = available.get(str(data.get("quiz", "")))
    if chosen is None:
        abort(404, description=f"lesson '{uid}' has no quiz {data.get('quiz')!r}")
    user_id = current_user.id if current_user.is_authenticated else None
    try:
        outcome = progress.submit_quiz(
            db.session, user_id, lesson, chosen, quizzes.submitted_answers(data.get("answers", {}))
        )
    except progress.IncompleteSubmission as refused:
        abort(400, description=f"{refused} Unanswered: {', '.join(refused.unanswered)}.")
    result = outcome.result
    stored = outcome.attempt.id if outcome.attempt is not None else None
    reveal = classrooms.answers_shown(db.session, user_id, lesson.uid, outcome.reveal)
    return jsonify(
        quiz=chosen.id,
        score=result.score,
        correct=result.correct_count,
        total=result.total,
        passed=result.passed,
        stored_attempt=stored,
        questions=[
            {
                "id": q.question_id,
                "correct": q.correct,
                "answered": q.answered,
                "feedback_html": list(q.feedback_html),
                # "" until the quiz's author lets the answers be shown (reveal: in the quiz)
                "expected_html": q.expected_html if reveal else "",
            }
            for q in result.questions
        ],
    )
