"""Home, course and lesson pages, and the quiz form: what the catalog shows, with the reader's
progress beside it.

The routes keep their public endpoint names (``catalog.home``, ``catalog.course``,
``catalog.lesson``, ``progress.quiz``): templates, the API and e-mails in every domain link to
them, and a URL's name should not change because the code behind it moved.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from eduhub.catalog import services as catalog
from eduhub.catalog.models import Lesson
from eduhub.catalog.services import NotFound
from eduhub.classrooms import services as classrooms
from eduhub.conditional import make_conditional
from eduhub.extensions import csrf, db
from eduhub.guards import int_arg
from eduhub.lessonpage.parts import LessonView, compose
from eduhub.progress import quizzes
from eduhub.progress import services as progress
from eduhub.progress.quizzes import QuizState


def register(app: Flask) -> None:
    app.add_url_rule("/", endpoint="catalog.home", view_func=home)
    app.add_url_rule(
        "/courses/<org_slug>/<course_slug>", endpoint="catalog.course", view_func=course
    )
    app.add_url_rule("/lessons/<path:uid>", endpoint="catalog.lesson", view_func=lesson)
    app.add_url_rule(
        "/lessons/<path:uid>/quiz", endpoint="progress.quiz", view_func=quiz, methods=["POST"]
    )
    # Checked in the view, for signed-in learners only (see quiz()).
    csrf.exempt(quiz)


def _user_id() -> int | None:
    return int(current_user.id) if current_user.is_authenticated else None


def _conditional(body: str, last_modified: datetime) -> Response:
    response = Response(body, mimetype="text/html")
    response.last_modified = last_modified
    return make_conditional(response, request)


def home() -> str:
    user_id = _user_id()
    board = None
    if user_id is not None:
        board = progress.dashboard(db.session, user_id, recent_limit=0)
    return render_template(
        "catalog/home.html",
        featured=catalog.featured_courses(db.session),
        organizations=catalog.contributing_organizations(db.session),
        board=board,
        assigned=classrooms.assigned_to(db.session, user_id) if user_id is not None else [],
    )


def course(org_slug: str, course_slug: str) -> Response:
    try:
        found = catalog.get_course(db.session, org_slug, course_slug)
    except NotFound:
        abort(404, description="No course by that name.")
    lessons = catalog.course_lessons(found)
    user_id = _user_id()
    record = None
    if user_id is not None:
        record = progress.course_progress(db.session, user_id, found)
    body = render_template(
        "catalog/course.html",
        course=found,
        lessons=lessons,
        minutes=sum(lesson.minutes for lesson in lessons),
        license_url=catalog.license_url(found.license),
        progress=record,
    )
    return _conditional(body, max(found.updated_at, found.organization.updated_at))


def _lesson_or_404(uid: str) -> Lesson:
    try:
        return catalog.get_lesson(db.session, uid)
    except NotFound:
        abort(404, description="No lesson with that id.")


def lesson(uid: str) -> Response:
    found = _lesson_or_404(uid)
    user_id = _user_id()
    states = {}
    # ?attempt= shows one of the learner's stored attempts graded; without it, clean forms.
    attempt_id = int_arg("attempt")
    if attempt_id and user_id is not None:
        shown = progress.graded_attempt(db.session, user_id, attempt_id)
        if shown is not None:
            # A teacher's rule for an assigned lesson replaces the author's (classrooms decide;
            # progress knows nothing of classes).
            reveal = classrooms.answers_shown(db.session, user_id, found.uid, shown.reveal)
            states[shown.quiz.id] = QuizState(shown.result, reveal=reveal)
    context = compose(LessonView(found, user_id, states))
    response = _conditional(
        render_template("catalog/lesson.html", **context),
        catalog.page_changed_at(db.session, found),
    )
    # Only after the page is known to be sent: a 304 writes nothing. The page never shows
    # "started" or the day it was opened, so writing after rendering changes nothing on it.
    if user_id is not None and response.status_code == 200:
        progress.note_visit(db.session, user_id, found.uid, context["progress"])
    return response


def quiz(uid: str) -> ResponseReturnValue:
    """Grade a quiz on the server. Signed-in learners' attempts are stored and shown after a
    redirect; guests get their graded page straight away (nothing is stored).

    Only a signed-in learner's submission needs a CSRF token: a forged guest submission
    stores nothing and shows its result only to the browser that sent it, so the guest form
    carries no token and a lesson with a quiz stays cacheable for guests.
    """
    if current_user.is_authenticated:
        csrf.protect()
    found = _lesson_or_404(uid)
    available = quizzes.revision_quizzes(found.current_revision)
    chosen = available.get(request.form.get("quiz_id", ""))
    if chosen is None:
        abort(
            400,
            description="This quiz is not in the current version of the lesson; reload the page.",
        )
    user_id = _user_id()
    try:
        outcome = progress.submit_quiz(
            db.session, user_id, found, chosen, quizzes.submitted_answers(request.form)
        )
    except progress.IncompleteSubmission as refused:
        state = QuizState(refused.result, refused=str(refused))
        page = render_template(
            "catalog/lesson.html", **compose(LessonView(found, user_id, {chosen.id: state}))
        )
        return page, 422
    if outcome.attempt is None:
        state = QuizState(outcome.result, reveal=outcome.reveal)
        return render_template(
            "catalog/lesson.html", **compose(LessonView(found, None, {chosen.id: state}))
        )
    return redirect(
        url_for("catalog.lesson", uid=uid, attempt=outcome.attempt.id, _anchor=f"quiz-{chosen.id}")
    )
