"""Read-side catalog queries shared by the web pages and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from eduhub.catalog.models import Course, CourseSubject, Lesson, Module, Organization
from eduhub.catalog.vocabulary import LICENSES


class NotFound(LookupError):
    """The organization, course or lesson does not exist (retired ones do exist)."""


class BadRequest(ValueError):
    """A query parameter cannot be understood; the message says which and why."""


@dataclass(frozen=True)
class CatalogFilters:
    subject: str | None = None
    level: str | None = None
    language: str | None = None
    city: str | None = None
    org: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> CatalogFilters:
        """Parse request arguments; empty values mean "any"; each may be given once."""
        for name in ("page", "subject", "level", "language", "city", "org"):
            if len(args.getlist(name)) > 1:
                raise BadRequest(f"{name} may be given only once")
        raw_page = args.get("page", "1")  # "?page=" is no page number: a 400, as the API says
        try:
            page = int(raw_page)
        except ValueError as exc:
            raise BadRequest("page must be a whole number") from exc
        if page < 1 or page > 100_000:
            raise BadRequest("page must be between 1 and 100000")

        def clean(name: str) -> str | None:
            value = (args.get(name) or "").strip()
            if len(value) > 100:
                raise BadRequest(f"{name} is too long")
            return value or None

        return cls(
            subject=clean("subject"),
            level=clean("level"),
            language=clean("language"),
            city=clean("city"),
            org=clean("org"),
            page=page,
        )

    def as_args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for a link that keeps these filters (pagination, removing one)."""
        values = {
            "subject": self.subject,
            "level": self.level,
            "language": self.language,
            "city": self.city,
            "org": self.org,
            "page": self.page if self.page != 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}

    @property
    def active(self) -> bool:
        return any((self.subject, self.level, self.language, self.city, self.org))


@dataclass(frozen=True)
class FacetOptions:
    subjects: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)


def live_courses() -> Select[tuple[Course]]:
    return select(Course).where(Course.retired_at.is_(None))


def _course_loading() -> tuple[Any, ...]:
    return (selectinload(Course.organization), selectinload(Course.subject_rows))


def find_courses(session: Session, filters: CatalogFilters, per_page: int) -> Pagination:
    """The catalog: live courses matching every filter given, newest changes last."""
    query = live_courses().options(*_course_loading())
    if filters.subject:
        query = query.where(
            Course.id.in_(
                select(CourseSubject.course_id).where(
                    CourseSubject.subject == filters.subject.lower()
                )
            )
        )
    if filters.level:
        query = query.where(func.lower(Course.level) == filters.level.lower())
    if filters.language:
        query = query.where(func.lower(Course.language) == filters.language.lower())
    if filters.city or filters.org:
        query = query.join(Organization, Course.organization_id == Organization.id)
        if filters.city:
            query = query.where(func.lower(Organization.city) == filters.city.lower())
        if filters.org:
            query = query.where(Organization.slug == filters.org)
    query = query.order_by(Course.featured.desc(), Course.title, Course.id)
    return SelectPagination(
        select=query,
        session=session,
        page=filters.page,
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        count=True,
    )


def facet_options(session: Session) -> FacetOptions:
    """Values that filters can take, drawn from what live courses actually use."""
    live = live_courses().subquery()
    subjects = session.scalars(
        select(CourseSubject.subject)
        .join(live, live.c.id == CourseSubject.course_id)
        .distinct()
        .order_by(CourseSubject.subject)
    ).all()
    levels = session.scalars(select(live.c.level).distinct()).all()
    languages = session.scalars(select(live.c.language).distinct().order_by(live.c.language)).all()
    cities = session.scalars(
        select(Organization.city)
        .join(live, live.c.organization_id == Organization.id)
        .distinct()
        .order_by(Organization.city)
    ).all()
    return FacetOptions(list(subjects), _sort_levels(levels), list(languages), list(cities))


def _sort_levels(levels: Any) -> list[str]:
    def key(level: str) -> tuple[int, str]:
        if level == "adult":
            return (100, level)
        first = level.split("-")[0]
        return (0 if first == "K" else int(first) if first.isdigit() else 99, level)

    return sorted(levels, key=key)


def featured_courses(session: Session, limit: int = 6) -> list[Course]:
    query = (
        live_courses()
        .options(*_course_loading())
        .order_by(Course.featured.desc(), Course.updated_at.desc(), Course.id)
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class OrgSummary:
    organization: Organization
    courses: int
    lessons: int


def contributing_organizations(session: Session) -> list[OrgSummary]:
    """Every organization with its live course and lesson counts, for home and /cities."""
    course_counts = dict(
        session.execute(
            select(Course.organization_id, func.count(Course.id))
            .where(Course.retired_at.is_(None))
            .group_by(Course.organization_id)
        ).all()
    )
    lesson_counts = dict(
        session.execute(
            select(Lesson.organization_id, func.count(Lesson.id))
            .where(Lesson.retired_at.is_(None))
            .group_by(Lesson.organization_id)
        ).all()
    )
    orgs = session.scalars(select(Organization).order_by(Organization.name))
    return [
        OrgSummary(org, course_counts.get(org.id, 0), lesson_counts.get(org.id, 0)) for org in orgs
    ]


def get_organization(session: Session, slug: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound(f"no organization '{slug}'")
    return org


def organization_courses(session: Session, org: Organization) -> list[Course]:
    query = (
        live_courses()
        .where(Course.organization_id == org.id)
        .options(*_course_loading())
        .order_by(Course.title)
    )
    return list(session.scalars(query))


def get_course(session: Session, org_slug: str, course_slug: str) -> Course:
    course = session.scalar(
        select(Course)
        .join(Organization, Course.organization_id == Organization.id)
        .where(Organization.slug == org_slug, Course.slug == course_slug)
        .options(
            *_course_loading(),
            selectinload(Course.modules).selectinload(Module.lessons),
        )
    )
    if course is None:
        raise NotFound(f"no course '{org_slug}/{course_slug}'")
    return course


def course_lessons(course: Course) -> list[Lesson]:
    """Live lessons of a course in reading order."""
    return [lesson for module in course.modules for lesson in module.lessons]


def course_minutes(course: Course) -> int:
    return sum(lesson.minutes for lesson in course_lessons(course))


def get_lesson(session: Session, uid: str) -> Lesson:
    lesson = session.scalar(
        select(Lesson)
        .where(Lesson.uid == uid)
        # Each is one row: joined into the lesson's own statement rather than four more.
        .options(
            joinedload(Lesson.organization),
            joinedload(Lesson.course),
            joinedload(Lesson.module),
            joinedload(Lesson.current_revision),
        )
    )
    if lesson is None:
        raise NotFound(f"no lesson '{uid}'")
    return lesson


@dataclass(frozen=True)
class LessonLink:
    """Enough of a lesson to link to it: the previous/next links need no more."""

    uid: str
    title: str


@dataclass(frozen=True)
class Neighbours:
    previous: LessonLink | None
    next: LessonLink | None


def neighbours(session: Session, lesson: Lesson) -> Neighbours:
    """Previous and next live lessons in the course's reading order, from one small query.

    A window over the course's live lessons (module position, then lesson position) gives
    each row its neighbours' uid and title; only the row of ``lesson`` comes back, so a long
    course costs no more than a short one to the page.
    """
    order = (Module.position, Lesson.position, Lesson.id)
    window = (
        select(
            Lesson.id.label("id"),
            func.lag(Lesson.uid).over(order_by=order).label("prev_uid"),
            func.lag(Lesson.title).over(order_by=order).label("prev_title"),
            func.lead(Lesson.uid).over(order_by=order).label("next_uid"),
            func.lead(Lesson.title).over(order_by=order).label("next_title"),
        )
        .join(Module, Lesson.module_id == Module.id)
        .where(Lesson.course_id == lesson.course_id, Lesson.retired_at.is_(None))
        .subquery()
    )
    row = session.execute(select(window).where(window.c.id == lesson.id)).first()
    if row is None:  # retired, or in no module of the course
        return Neighbours(None, None)
    return Neighbours(
        LessonLink(row.prev_uid, row.prev_title) if row.prev_uid is not None else None,
        LessonLink(row.next_uid, row.next_title) if row.next_uid is not None else None,
    )


def translations(session: Session, lesson: Lesson) -> list[Lesson]:
    """Other live language versions: the original and every translation of it."""
    root = lesson.translation_of_uid or lesson.uid
    query = (
        select(Lesson)
        .where(
            Lesson.retired_at.is_(None),
            Lesson.id != lesson.id,
            (Lesson.uid == root) | (Lesson.translation_of_uid == root),
        )
        .order_by(Lesson.language)
    )
    return list(session.scalars(query))


def page_changed_at(session: Session, lesson: Lesson) -> datetime:
    """When anything a lesson page shows last changed: the lesson, its course (outline,
    neighbours), its organization, and any language version, retired ones included."""
    root = lesson.translation_of_uid or lesson.uid
    versions = session.scalar(
        select(func.max(Lesson.updated_at)).where(
            (Lesson.uid == root) | (Lesson.translation_of_uid == root)
        )
    )
    times = [lesson.updated_at, lesson.course.updated_at, lesson.organization.updated_at]
    return max(times + ([versions] if versions else []))


def revisions(lesson: Lesson) -> list[Any]:
    return list(lesson.revisions)


def get_revision(lesson: Lesson, number: int) -> Any:
    for revision in lesson.revisions:
        if revision.number == number:
            return revision
    raise NotFound(f"lesson '{lesson.uid}' has no revision {number}")


def license_url(spdx: str) -> str | None:
    return LICENSES.get(spdx)


def published_lessons(session: Session) -> list[tuple[str, datetime]]:
    """(uid, last change) of every live lesson in a live course, for the sitemap."""
    rows = session.execute(
        select(Lesson.uid, Lesson.updated_at)
        .join(Course, Lesson.course_id == Course.id)
        .where(Lesson.retired_at.is_(None), Course.retired_at.is_(None))
        .order_by(Lesson.uid)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def live_course_keys(session: Session) -> list[tuple[str, str, datetime]]:
    rows = session.execute(
        select(Organization.slug, Course.slug, Course.updated_at)
        .join(Organization, Course.organization_id == Organization.id)
        .where(Course.retired_at.is_(None))
        .order_by(Organization.slug, Course.slug)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def current_generation(session: Session) -> int:
    """The catalog's content generation (0 before the first import)."""
    from eduhub.catalog.models import ContentGeneration

    value = session.scalar(select(ContentGeneration.generation).where(ContentGeneration.id == 1))
    return value or 0


def advance_generation(session: Session) -> tuple[int, int]:
    """Count one more catalog change in the caller's transaction; returns (before, after).

    Adds but does not flush, so it is safe inside a ``before_flush`` hook. The row lock
    (SELECT … FOR UPDATE) serialises concurrent writers on PostgreSQL until their commit;
    SQLite has one writer anyway.
    """
    from eduhub.catalog.models import ContentGeneration
    from eduhub.orm import utcnow

    row = session.get(ContentGeneration, 1, with_for_update=True)
    if row is None:
        row = ContentGeneration(id=1, generation=0)
        session.add(row)
    before = row.generation
    row.generation += 1
    row.changed_at = utcnow()
    return before, row.generation
