"""What the search index holds for a lesson or a course, built from the database or a pack."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from eduhub.catalog.models import Course, Lesson, LessonRevision, Module
from eduhub.packs.model import CourseSpec, LessonSpec, OrgSpec, PackTree, lesson_url

#: Lessons are loaded this many at a time so a full reindex never holds every body in memory.
BATCH_SIZE = 500
COURSE_ID_PREFIX = "course:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing: a lesson or a course, flattened to text and facet values.

    ``id`` is the lesson uid for lessons and ``course:ORG/COURSE`` for courses, so the two
    kinds never collide. Facet values (``subjects``, ``level``, ``language``, ``org``,
    ``course``) are compared lowercased.
    """

    id: str
    kind: str  # "lesson" or "course"
    url: str
    title: str
    summary: str = ""
    objectives: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    body: str = ""
    tags: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    level: str = ""
    language: str = "en"
    org: str = ""
    org_name: str = ""
    city: str = ""
    course: str = ""
    course_title: str = ""
    updated: datetime = _EPOCH


def course_document_id(org_slug: str, course_slug: str) -> str:
    """The index id of a course, for removing a retired course from the index."""
    return f"{COURSE_ID_PREFIX}{org_slug}/{course_slug}"


def course_url(org_slug: str, course_slug: str) -> str:
    return f"/courses/{org_slug}/{course_slug}"


def _texts(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in values or () if str(v).strip())


def _toc_titles(toc: Sequence[Any] | None) -> tuple[str, ...]:
    titles = []
    for entry in toc or ():
        title = entry.get("title") if isinstance(entry, dict) else getattr(entry, "title", None)
        if title:
            titles.append(str(title))
    return tuple(titles)


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return _EPOCH
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --------------------------------------------------------------------------- from the database


def from_lesson(lesson: Lesson) -> SearchDocument:
    """A lesson as indexed: its current revision's text, headings and its course's facets."""
    revision = lesson.current_revision
    course = lesson.course
    org = lesson.organization
    headings = _toc_titles(revision.toc if revision else ())
    if lesson.module is not None:
        headings = (lesson.module.title, *headings)
    return SearchDocument(
        id=lesson.uid,
        kind="lesson",
        url=lesson_url(lesson.uid),
        title=lesson.title,
        summary=lesson.summary or "",
        objectives=_texts(lesson.objectives),
        headings=headings,
        body=revision.text if revision else "",
        tags=_texts(lesson.tags),
        subjects=tuple(course.subjects),
        level=course.level,
        language=lesson.language or course.language,
        org=org.slug,
        org_name=org.name,
        city=org.city,
        course=course.uid,
        course_title=course.title,
        updated=_aware(lesson.updated_at),
    )


def _course_document(
    *,
    org_slug: str,
    org_name: str,
    city: str,
    course_slug: str,
    title: str,
    summary: str,
    subjects: Sequence[str],
    level: str,
    language: str,
    modules: Sequence[tuple[str, str | None, Sequence[tuple[str, str | None]]]],
    updated: datetime | None,
) -> SearchDocument:
    """A course as indexed: its summary, module titles and its live lessons' titles and
    summaries, whether it comes from the database or from a pack on disk."""
    lines: list[str] = []
    for _module_title, module_summary, lessons in modules:
        if module_summary:
            lines.append(module_summary)
        for lesson_title, lesson_summary in lessons:
            lines.append(lesson_title)
            if lesson_summary:
                lines.append(lesson_summary)
    return SearchDocument(
        id=course_document_id(org_slug, course_slug),
        kind="course",
        url=course_url(org_slug, course_slug),
        title=title,
        summary=summary or "",
        headings=tuple(module_title for module_title, _, _ in modules),
        body="\n".join(lines),
        tags=tuple(subjects),
        subjects=tuple(subjects),
        level=level,
        language=language,
        org=org_slug,
        org_name=org_name,
        city=city,
        course=f"{org_slug}/{course_slug}",
        course_title=title,
        updated=_aware(updated),
    )


def from_course(course: Course) -> SearchDocument:
    """A course from the database (its live lessons only)."""
    org = course.organization
    return _course_document(
        org_slug=org.slug,
        org_name=org.name,
        city=org.city,
        course_slug=course.slug,
        title=course.title,
        summary=course.summary,
        subjects=course.subjects,
        level=course.level,
        language=course.language,
        modules=[
            (m.title, m.summary, [(le.title, le.summary) for le in m.lessons])
            for m in course.modules
        ],
        updated=course.updated_at,
    )


def lessons_by_id(session: Session, ids: Iterable[int]) -> Iterator[Lesson]:
    """The lessons with these ids, in id order, loaded in batches with all a document needs.

    Each batch takes a fixed number of queries (revision, course, organization, module); the
    identity map only holds weak references, so memory stays bounded by one batch.
    """
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        yield from session.scalars(
            select(Lesson)
            .where(Lesson.id.in_(batch))
            .order_by(Lesson.id)
            .options(
                selectinload(Lesson.current_revision).options(
                    load_only(
                        LessonRevision.lesson_id,
                        LessonRevision.number,
                        LessonRevision.text,
                        LessonRevision.toc,
                    )
                ),
                joinedload(Lesson.organization),
                joinedload(Lesson.module),
                joinedload(Lesson.course).selectinload(Course.subject_rows),
            )
        ).unique()


def _courses(session: Session, *where: Any) -> Iterator[Course]:
    return iter(
        session.scalars(
            select(Course)
            .where(*where)
            .order_by(Course.id)
            .options(
                joinedload(Course.organization),
                selectinload(Course.subject_rows),
                selectinload(Course.modules).selectinload(Module.lessons),
            )
        ).unique()
    )


def courses_by_id(session: Session, ids: Iterable[int]) -> Iterator[Course]:
    """The courses with these ids (retired ones too), loaded with all a document needs."""
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH_SIZE):
        yield from _courses(session, Course.id.in_(ids[start : start + BATCH_SIZE]))


def documents_from_session(session: Session) -> Iterator[SearchDocument]:
    """Every live lesson of a live course, then every live course, for a full rebuild."""
    lesson_ids = session.scalars(
        select(Lesson.id)
        .join(Course, Lesson.course_id == Course.id)
        .where(Lesson.retired_at.is_(None), Course.retired_at.is_(None))
    )
    for lesson in lessons_by_id(session, lesson_ids):
        yield from_lesson(lesson)
    for course in _courses(session, Course.retired_at.is_(None)):
        yield from_course(course)


# --------------------------------------------------------------------------- from a pack


def from_lesson_spec(
    spec: LessonSpec,
    course_spec: CourseSpec,
    org_spec: OrgSpec,
    *,
    updated: datetime | None = None,
) -> SearchDocument:
    """A lesson straight from a loaded pack, for benchmarks and tests without a database.

    Without a rendering (``load_tree(render=False)``) the Markdown source stands in for the
    text. ``updated`` defaults to the lesson file's modification time.
    """
    rendered = spec.rendered
    body = rendered.text if rendered else spec.markdown
    headings = _toc_titles(rendered.toc) if rendered else ()
    module = next((m for m in course_spec.modules if m.slug == spec.module_slug), None)
    if module is not None:
        headings = (module.title, *headings)
    if updated is None:
        try:
            updated = datetime.fromtimestamp(spec.file.stat().st_mtime, UTC)
        except OSError:
            updated = _EPOCH
    return SearchDocument(
        id=spec.uid,
        kind="lesson",
        url=lesson_url(spec.uid),
        title=spec.title,
        summary=spec.summary or "",
        objectives=_texts(spec.objectives),
        headings=headings,
        body=body,
        tags=_texts(spec.tags),
        subjects=tuple(course_spec.subjects),
        level=course_spec.level,
        language=spec.language or course_spec.language,
        org=org_spec.slug,
        org_name=org_spec.name,
        city=org_spec.city,
        course=f"{org_spec.slug}/{course_spec.slug}",
        course_title=course_spec.title,
        updated=_aware(updated),
    )


def from_course_spec(
    course_spec: CourseSpec,
    org_spec: OrgSpec,
    lessons: Iterable[LessonSpec] = (),
    *,
    updated: datetime | None = None,
) -> SearchDocument:
    """A course straight from a loaded pack; ``lessons`` are its live lessons."""
    by_module: dict[str, list[LessonSpec]] = {}
    for lesson in lessons:
        if not lesson.retired:
            by_module.setdefault(lesson.module_slug, []).append(lesson)
    return _course_document(
        org_slug=org_spec.slug,
        org_name=org_spec.name,
        city=org_spec.city,
        course_slug=course_spec.slug,
        title=course_spec.title,
        summary=course_spec.summary,
        subjects=course_spec.subjects,
        level=course_spec.level,
        language=course_spec.language,
        modules=[
            (
                m.title,
                m.summary,
                [
                    (le.title, le.summary)
                    for le in sorted(by_module.get(m.slug, []), key=lambda le: le.position)
                ],
            )
            for m in course_spec.modules
        ],
        updated=updated,
    )


def documents_from_tree(tree: PackTree) -> Iterator[SearchDocument]:
    """Every live lesson and course of a loaded pack, as the database would index them."""
    orgs = {org.slug: org for org in tree.orgs}
    courses = {(c.org_slug, c.slug): c for c in tree.courses}
    by_course: dict[tuple[str, str], list[LessonSpec]] = {}
    for spec in tree.lessons:
        key = (spec.org_slug, spec.course_slug)
        by_course.setdefault(key, []).append(spec)
        if not spec.retired and key in courses:
            yield from_lesson_spec(spec, courses[key], orgs[spec.org_slug])
    for key, course_spec in courses.items():
        yield from_course_spec(course_spec, orgs[course_spec.org_slug], by_course.get(key, []))
