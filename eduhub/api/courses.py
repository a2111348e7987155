"""``/api/v1/courses``: the catalog as JSON, with the same filters as the web page."""

from __future__ import annotations

from flask import abort, current_app, request, url_for
from flask.typing import ResponseReturnValue

from eduhub.api import bp, schemas
from eduhub.api.contract import Param, operation, respond, text
from eduhub.catalog import services
from eduhub.catalog.services import BadRequest, CatalogFilters, NotFound
from eduhub.extensions import db

_TEXT = text(max_length=100)
FILTERS = (
    Param("subject", _TEXT, "a subject, such as mathematics"),
    Param("level", _TEXT, "a grade band, such as 6-8 or adult"),
    Param("language", _TEXT, "a language code, such as es"),
    Param("city", _TEXT, "a contributing organization's city or slug"),
    Param("org", _TEXT, "a contributing organization's slug"),
    Param("page", {"type": "integer", "minimum": 1, "maximum": 100_000}),
)


@bp.get("/courses")
@operation("Courses, filtered and paginated", schemas.CoursePage, query=FILTERS, errors=(400, 404))
def courses() -> ResponseReturnValue:
    try:
        filters = CatalogFilters.from_args(request.args)
    except BadRequest as exc:
        abort(400, description=str(exc))
    page = services.find_courses(db.session, filters, current_app.config["PER_PAGE"])
    if filters.page > 1 and filters.page > (page.pages or 1):
        abort(404, description=f"page {filters.page} is past the last page ({page.pages or 1})")

    def link(number: int | None) -> str | None:
        if number is None:
            return None
        return url_for("api.courses", _external=True, **filters.as_args(page=number))

    return respond(
        schemas.CoursePage(
            courses=[schemas.CourseSummaryOut.of(course) for course in page.items],
            page=page.page,
            per_page=page.per_page,
            total=page.total or 0,
            pages=page.pages,
            next=link(page.next_num if page.has_next else None),
            prev=link(page.prev_num if page.has_prev else None),
        )
    )


@bp.get("/courses/<path:course_id>")
@operation("One course: modules, lessons, time", schemas.CourseDetailOut, errors=(404,))
def course(course_id: str) -> ResponseReturnValue:
    org_slug, _, course_slug = course_id.partition("/")
    try:
        found = services.get_course(db.session, org_slug, course_slug)
    except NotFound:
        abort(404, description=f"no course '{course_id}'")
    return respond(schemas.CourseDetailOut.of(found))
