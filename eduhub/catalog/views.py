"""Catalog pages: home, catalog, cities, courses, lessons, revision history, sitemap."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from eduhub.catalog import services
from eduhub.catalog.models import Lesson
from eduhub.catalog.services import BadRequest, CatalogFilters, NotFound
from eduhub.extensions import db
from eduhub.guards import int_arg
from eduhub.progress import quizzes
from eduhub.progress import services as progress_services

bp = Blueprint("catalog", __name__)


def _conditional(body: str, last_modified: datetime) -> Response:
    """Send ETag and Last-Modified; answer 304 when the client's copy is current.

    The ETag hashes the page without its signed CSRF token (re-signed with a timestamp on every
    request) but with the session's raw CSRF secret, so it changes only when the page does or
    when the token in the cached copy would stop being valid.
    """
    response = Response(body, mimetype="text/html")
    # Every form on the page carries the same signed token: hash the page without it.
    stable = body.replace(generate_csrf(), "") + str(session.get("csrf_token", ""))
    response.set_etag(hashlib.sha256(stable.encode()).hexdigest()[:32])
    response.last_modified = last_modified
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    return response.make_conditional(request)


@bp.get("/")
def home() -> str:
    board = None
    if current_user.is_authenticated:
        board = progress_services.dashboard(db.session, current_user.id, recent_limit=0)
    return render_template(
        "catalog/home.html",
        featured=services.featured_courses(),
        organizations=services.contributing_organizations(),
        board=board,
    )


@bp.get("/courses")
def catalog() -> str:
    try:
        filters = CatalogFilters.from_args(request.args)
    except BadRequest as exc:
        abort(400, description=str(exc))
    page = services.find_courses(filters, current_app.config["PER_PAGE"])
    if filters.page > 1 and filters.page > (page.pages or 1):
        abort(404, description="That page of the catalog does not exist.")
    return render_template(
        "catalog/catalog.html", page=page, filters=filters, options=services.facet_options()
    )


@bp.get("/cities")
def organizations() -> str:
    return render_template(
        "catalog/organizations.html", organizations=services.contributing_organizations()
    )


@bp.get("/cities/<slug>")
def organization(slug: str) -> str:
    try:
        org = services.get_organization(slug)
    except NotFound:
        abort(404, description="No city or organization by that name.")
    return render_template(
        "catalog/organization.html",
        org=org,
        courses=services.organization_courses(org),
    )


@bp.get("/courses/<org_slug>/<course_slug>")
def course(org_slug: str, course_slug: str) -> Response:
    try:
        found = services.get_course(org_slug, course_slug)
    except NotFound:
        abort(404, description="No course by that name.")
    lessons = services.course_lessons(found)
    progress = None
    if current_user.is_authenticated:
        progress = progress_services.course_progress(db.session, current_user.id, found)
    body = render_template(
        "catalog/course.html",
        course=found,
        lessons=lessons,
        minutes=sum(lesson.minutes for lesson in lessons),
        license_url=services.license_url(found.license),
        progress=progress,
    )
    return _conditional(body, max(found.updated_at, found.organization.updated_at))


@bp.get("/lessons/<path:uid>")
def lesson(uid: str) -> Response:
    try:
        found = services.get_lesson(uid)
    except NotFound:
        abort(404, description="No lesson with that id.")
    results = {}
    attempt_id = int_arg("attempt")
    if attempt_id and current_user.is_authenticated:
        shown = progress_services.graded_attempt(db.session, current_user.id, attempt_id)
        if shown is not None:
            results[shown[0]] = shown[1]
    return _conditional(lesson_page(found, results), services.page_changed_at(found))


def lesson_page(found: Lesson, quiz_results: dict[str, Any]) -> str:
    """The lesson page, with any graded quizzes; shared with the quiz form's handler."""
    progress = None
    if current_user.is_authenticated:
        progress_services.record_visit(db.session, current_user.id, found.uid)
        db.session.commit()
        progress = progress_services.lesson_progress(db.session, current_user.id, found.uid)
    revision = found.current_revision
    return render_template(
        "catalog/lesson.html",
        lesson=found,
        revision=revision,
        parts=quizzes.page_parts(revision.html, quizzes.revision_quizzes(revision)),
        quiz_results=quiz_results,
        neighbours=services.neighbours(found),
        translations=services.translations(found),
        license_url=services.license_url(found.license),
        progress=progress,
    )


@bp.get("/history/<path:uid>")
def history(uid: str) -> str:
    try:
        found = services.get_lesson(uid)
        number = int_arg("revision")
        shown = services.get_revision(found, number) if number else None
    except NotFound:
        abort(404, description="No such lesson or revision.")
    return render_template(
        "catalog/history.html",
        lesson=found,
        revisions=services.revisions(found),
        shown=shown,
    )


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    lessons = services.published_lessons()
    courses = services.live_course_keys()
    urls = [(url_for("catalog.home", _external=True), None)]
    urls.append((url_for("catalog.catalog", _external=True), None))
    urls += [
        (url_for("catalog.course", org_slug=o, course_slug=c, _external=True), changed)
        for o, c, changed in courses
    ]
    urls += [
        (url_for("catalog.lesson", uid=uid, _external=True), changed) for uid, changed in lessons
    ]
    body = render_template("sitemap.xml", urls=urls)
    return Response(body, mimetype="application/xml")
