"""Catalog pages: the catalog, cities, revision history, sitemap.

The home, course and lesson pages show the reader's progress too: they are composed above
catalog and progress, in :mod:`eduhub.lessonpage`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)

from eduhub.catalog import services
from eduhub.catalog.services import BadRequest, CatalogFilters, NotFound
from eduhub.extensions import db
from eduhub.guards import int_arg

bp = Blueprint("catalog", __name__)


@bp.get("/courses")
def catalog() -> str:
    try:
        filters = CatalogFilters.from_args(request.args)
    except BadRequest as exc:
        abort(400, description=str(exc))
    page = services.find_courses(db.session, filters, current_app.config["PER_PAGE"])
    if filters.page > 1 and filters.page > (page.pages or 1):
        abort(404, description="That page of the catalog does not exist.")
    return render_template(
        "catalog/catalog.html",
        page=page,
        filters=filters,
        options=services.facet_options(db.session),
    )


@bp.get("/cities")
def organizations() -> str:
    return render_template(
        "catalog/organizations.html", organizations=services.contributing_organizations(db.session)
    )


@bp.get("/cities/<slug>")
def organization(slug: str) -> str:
    try:
        org = services.get_organization(db.session, slug)
    except NotFound:
        abort(404, description="No city or organization by that name.")
    return render_template(
        "catalog/organization.html",
        org=org,
        courses=services.organization_courses(db.session, org),
    )


@bp.get("/history/<path:uid>")
def history(uid: str) -> str:
    try:
        found = services.get_lesson(db.session, uid)
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
    lessons = services.published_lessons(db.session)
    courses = services.live_course_keys(db.session)
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
