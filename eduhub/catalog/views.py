"""Catalog pages: home, catalog, cities, courses, lessons, revision history, sitemap."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

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

from eduhub.catalog import services
from eduhub.catalog.services import BadRequest, CatalogFilters, NotFound

bp = Blueprint("catalog", __name__)


_CSRF_META = re.compile(r'<meta name="csrf-token" content="[^"]*">')


def _conditional(body: str, last_modified: datetime) -> Response:
    """Send ETag and Last-Modified; answer 304 when the client's copy is current.

    The ETag hashes the page without its signed CSRF token (re-signed with a timestamp on every
    request) but with the session's raw CSRF secret, so it changes only when the page does or
    when the token in the cached copy would stop being valid.
    """
    response = Response(body, mimetype="text/html")
    stable = _CSRF_META.sub("", body) + str(session.get("csrf_token", ""))
    response.set_etag(hashlib.sha256(stable.encode()).hexdigest()[:32])
    response.last_modified = last_modified
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    return response.make_conditional(request)


@bp.get("/")
def home() -> str:
    return render_template(
        "catalog/home.html",
        featured=services.featured_courses(),
        organizations=services.contributing_organizations(),
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
    body = render_template(
        "catalog/course.html",
        course=found,
        lessons=lessons,
        minutes=sum(lesson.minutes for lesson in lessons),
        license_url=services.license_url(found.license),
    )
    return _conditional(body, max(found.updated_at, found.organization.updated_at))


@bp.get("/lessons/<path:uid>")
def lesson(uid: str) -> Response:
    try:
        found = services.get_lesson(uid)
    except NotFound:
        abort(404, description="No lesson with that id.")
    translations = services.translations(found)
    body = render_template(
        "catalog/lesson.html",
        lesson=found,
        revision=found.current_revision,
        neighbours=services.neighbours(found),
        translations=translations,
        license_url=services.license_url(found.license),
    )
    return _conditional(body, services.page_changed_at(found))


@bp.get("/history/<path:uid>")
def history(uid: str) -> str:
    try:
        found = services.get_lesson(uid)
        number = request.args.get("revision", type=int)
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
