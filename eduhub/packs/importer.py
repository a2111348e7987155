"""Import validated content packs into the catalog: add, revise, retire — never delete.

The importer only adds and flushes; the CLI commits once, so a failing import leaves the
database exactly as it was. Media files are written to content-addressed paths first: a rolled
back import can leave an unused file behind, never a wrong one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from eduhub.catalog.media import media_file_path
from eduhub.catalog.models import (
    Course,
    CourseSubject,
    Lesson,
    LessonRevision,
    MediaFile,
    Module,
    Organization,
)
from eduhub.orm import utcnow
from eduhub.packs.model import (
    CourseSpec,
    LessonSpec,
    MediaSpec,
    Message,
    OrgSpec,
    PackTree,
    media_url,
)
from eduhub.packs.validator import OrgResolver
from eduhub.rendering import RENDERER_VERSION, render_markdown


class ImportRefused(Exception):
    """The pack has errors; nothing was imported."""

    def __init__(self, errors: list[Message]) -> None:
        super().__init__(f"{len(errors)} error(s) in the content pack")
        self.errors = errors


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    warnings: int = 0
    courses: int = 0
    media_added: int = 0
    added_uids: list[str] = field(default_factory=list)
    changed_uids: list[str] = field(default_factory=list)
    retired_uids: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.media_added)


def org_spec_from_row(org: Organization) -> OrgSpec:
    """An organization already in the hub, for importing a lone course folder into it."""
    return OrgSpec(
        slug=org.slug,
        name=org.name,
        kind=org.kind,
        city=org.city,
        region=org.region,
        country=org.country,
        website=org.website,
        description=org.description,
        root=Path(),
        from_file=False,
    )


def lesson_paths_of(session: Session, org_slug: str) -> dict[str, str]:
    """Source path -> uid of an organization's live lessons, for resolving links."""
    rows = session.execute(
        select(Lesson.source_path, Lesson.uid)
        .join(Organization, Lesson.organization_id == Organization.id)
        .where(Organization.slug == org_slug, Lesson.retired_at.is_(None))
    )
    return {path: uid for path, uid in rows}


def import_tree(
    session: Session,
    tree: PackTree,
    *,
    media_dir: Path,
    on_lesson: Callable[[LessonSpec], None] | None = None,
) -> ImportReport:
    """Bring the database in line with ``tree``; refuse the whole pack if it has errors."""
    if tree.errors:
        raise ImportRefused(tree.errors)
    report = ImportReport(warnings=len(tree.warnings))
    now = utcnow()
    orgs = {spec.slug: _upsert_org(session, spec) for spec in tree.orgs}
    session.flush()

    for media in tree.media.values():
        if _store_media(session, orgs[media.org_slug], media, media_dir):
            report.media_added += 1

    courses: dict[tuple[str, str], tuple[Course, dict[str, Module]]] = {}
    for course_spec in tree.courses:
        courses[(course_spec.org_slug, course_spec.slug)] = _upsert_course(
            session, orgs[course_spec.org_slug], course_spec, now
        )
        report.courses += 1
    session.flush()

    existing = {
        lesson.uid: lesson
        for lesson in session.scalars(
            select(Lesson).where(Lesson.uid.in_([spec.uid for spec in tree.lessons]))
        )
    }
    for spec in tree.lessons:
        course, modules = courses[(spec.org_slug, spec.course_slug)]
        lesson = existing.get(spec.uid)
        if lesson is None:
            _add_lesson(session, orgs[spec.org_slug], course, modules[spec.module_slug], spec, now)
            report.added += 1
            report.added_uids.append(spec.uid)
        elif _update_lesson(session, lesson, course, modules[spec.module_slug], spec, now):
            course.updated_at = now
            report.updated += 1
            report.changed_uids.append(spec.uid)
        else:
            report.unchanged += 1
        if on_lesson:
            on_lesson(spec)

    seen = {spec.uid for spec in tree.lessons}
    for org_slug, scope in tree.course_scope.items():
        retired = _retire_missing(session, orgs[org_slug], scope, seen, now)
        report.retired += len(retired)
        report.retired_uids.extend(retired)
        if scope is None:
            seen_courses = {c.slug for c in tree.courses if c.org_slug == org_slug}
            _retire_missing_courses(session, orgs[org_slug], seen_courses, now)
    session.flush()
    return report


def _upsert_org(session: Session, spec: OrgSpec) -> Organization:
    org = session.scalar(select(Organization).where(Organization.slug == spec.slug))
    if org is None:
        org = Organization(slug=spec.slug)
        session.add(org)
    if spec.from_file:
        for name in ("name", "kind", "city", "region", "country", "website", "description"):
            if getattr(org, name) != getattr(spec, name):
                setattr(org, name, getattr(spec, name))
    return org


def _upsert_course(
    session: Session, org: Organization, spec: CourseSpec, now: datetime
) -> tuple[Course, dict[str, Module]]:
    course = session.scalar(
        select(Course).where(Course.organization_id == org.id, Course.slug == spec.slug)
    )
    if course is None:
        course = Course(organization=org, slug=spec.slug, created_at=now)
        session.add(course)
    if course.content_hash != spec.content_hash or course.retired_at is not None:
        course.updated_at = now
    course.retired_at = None
    course.title = spec.title
    course.summary = spec.summary
    course.level = spec.level
    course.language = spec.language
    course.license = spec.license
    course.authors = spec.authors
    course.featured = spec.featured
    course.source_path = spec.source_path
    course.content_hash = spec.content_hash
    course.source_url = spec.source_url
    course.dialect = spec.dialect
    if course.subjects != sorted(spec.subjects):
        course.subject_rows = [CourseSubject(subject=s) for s in sorted(set(spec.subjects))]

    by_slug = {module.slug: module for module in course.modules}
    modules: dict[str, Module] = {}
    for position, module_spec in enumerate(spec.modules):
        module = by_slug.pop(module_spec.slug, None)
        if module is None:
            module = Module(slug=module_spec.slug, position=position)
            course.modules.append(module)
        module.title = module_spec.title
        module.summary = module_spec.summary
        module.position = position
        modules[module_spec.slug] = module
    for gone in by_slug.values():
        course.modules.remove(gone)  # its lessons keep living, module_id set to NULL
    return course, modules


def _revision(spec: LessonSpec, number: int, now: datetime) -> LessonRevision:
    rendered = spec.rendered
    if rendered is None:
        raise ValueError(f"{spec.uid} was loaded without rendering")
    return LessonRevision(
        number=number,
        content_hash=spec.content_hash,
        source_path=spec.source_path,
        markdown=spec.markdown,
        html=rendered.html,
        toc=[{"level": t.level, "anchor": t.anchor, "title": t.title} for t in rendered.toc],
        text=rendered.text,
        quizzes=[quiz.to_snapshot() for quiz in rendered.quizzes],
        renderer_version=RENDERER_VERSION,
        imported_at=now,
        rendered_at=now,
    )


_METADATA = (
    "title",
    "summary",
    "objectives",
    "minutes",
    "tags",
    "language",
    "license",
    "authors",
    "translation_of_uid",
    "source_path",
    "position",
    "translators",
    "extra",
)


def _add_lesson(
    session: Session,
    org: Organization,
    course: Course,
    module: Module,
    spec: LessonSpec,
    now: datetime,
) -> None:
    lesson = Lesson(
        uid=spec.uid,
        organization=org,
        course=course,
        module=module,
        revision_number=1,
        created_at=now,
        updated_at=now,
        **{name: getattr(spec, name) for name in _METADATA},
    )
    lesson.revisions.append(_revision(spec, 1, now))
    if spec.retired:  # a source's own archive of retired lessons: kept, never listed
        lesson.retired_at = now
    session.add(lesson)
    course.updated_at = now


def _update_lesson(
    session: Session,
    lesson: Lesson,
    course: Course,
    module: Module,
    spec: LessonSpec,
    now: datetime,
) -> bool:
    """Apply ``spec`` to ``lesson``; True when anything a reader sees changed."""
    changed = False
    current = lesson.current_revision
    if current.content_hash != spec.content_hash:
        number = lesson.revision_number + 1
        lesson.revisions.append(_revision(spec, number, now))
        lesson.revision_number = number
        changed = True
    elif current.renderer_version < RENDERER_VERSION:
        # Same source, newer renderer: refresh the stored HTML in place (no new revision).
        fresh = _revision(spec, current.number, now)
        for name in ("html", "toc", "text", "quizzes", "renderer_version"):
            setattr(current, name, getattr(fresh, name))
        current.rendered_at = now
        changed = True
    for name in _METADATA:
        if getattr(lesson, name) != getattr(spec, name):
            setattr(lesson, name, getattr(spec, name))
            changed = True
    if lesson.course_id != course.id or lesson.module_id != module.id:
        lesson.course = course
        lesson.module = module
        changed = True
    if spec.retired and lesson.retired_at is None:
        lesson.retired_at = now
        changed = True
    elif not spec.retired and lesson.retired_at is not None:
        lesson.retired_at = None
        changed = True
    if changed:
        lesson.updated_at = now
        session.expire(lesson, ["current_revision"])
    return changed


def _retire_missing(
    session: Session,
    org: Organization,
    course_scope: set[str] | None,
    seen: set[str],
    now: datetime,
) -> list[str]:
    query = select(Lesson).where(Lesson.organization_id == org.id, Lesson.retired_at.is_(None))
    if course_scope is not None:
        query = query.join(Course, Lesson.course_id == Course.id).where(
            Course.slug.in_(course_scope)
        )
    retired = []
    for lesson in session.scalars(query):
        if lesson.uid not in seen:
            lesson.retired_at = now
            lesson.updated_at = now
            lesson.course.updated_at = now  # the course outline changed
            retired.append(lesson.uid)
    return retired


def _retire_missing_courses(
    session: Session, org: Organization, seen: set[str], now: datetime
) -> None:
    for course in session.scalars(
        select(Course).where(Course.organization_id == org.id, Course.retired_at.is_(None))
    ):
        if course.slug not in seen:
            course.retired_at = now
            course.updated_at = now


def _store_media(session: Session, org: Organization, spec: MediaSpec, media_dir: Path) -> bool:
    """Copy one image into the content-addressed store and record it; True if new or changed."""
    target = media_file_path(media_dir, spec.sha256)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        shutil.copyfile(spec.file, tmp)
        os.replace(tmp, target)
    row = session.scalar(
        select(MediaFile).where(MediaFile.organization_id == org.id, MediaFile.path == spec.path)
    )
    if row is not None and row.sha256 == spec.sha256:
        return False
    if row is None:
        row = MediaFile(organization_id=org.id, path=spec.path)
        session.add(row)
    row.sha256, row.mime_type, row.size = spec.sha256, spec.mime_type, spec.size
    row.imported_at = utcnow()
    return True


def rerender(session: Session, *, everything: bool = False) -> int:
    """Re-render current revisions made by an older renderer (or all); returns how many.

    Links and images resolve against what the database knows of each organization, the same
    way the importer resolves them against the files.
    """
    query = select(Lesson).join(
        LessonRevision,
        (LessonRevision.lesson_id == Lesson.id) & (LessonRevision.number == Lesson.revision_number),
    )
    if not everything:
        query = query.where(LessonRevision.renderer_version < RENDERER_VERSION)
    lessons = list(session.scalars(query))
    paths: dict[int, dict[str, str]] = {}
    media: dict[int, dict[str, str]] = {}
    for org_id, path, uid in session.execute(
        select(Lesson.organization_id, Lesson.source_path, Lesson.uid).where(
            Lesson.retired_at.is_(None)
        )
    ):
        paths.setdefault(org_id, {})[path] = uid
    for org_id, path, sha in session.execute(
        select(MediaFile.organization_id, MediaFile.path, MediaFile.sha256)
    ):
        media.setdefault(org_id, {})[path] = media_url(sha, path)
    now = utcnow()
    for lesson in lessons:
        revision = lesson.current_revision
        org_media = media.get(lesson.organization_id, {})
        resolver = OrgResolver(
            lesson.source_path, paths.get(lesson.organization_id, {}), org_media.get
        )
        rendered = render_markdown(revision.markdown, resolver)
        revision.html = rendered.html
        revision.text = rendered.text
        revision.quizzes = [quiz.to_snapshot() for quiz in rendered.quizzes]
        revision.toc = [
            {"level": t.level, "anchor": t.anchor, "title": t.title} for t in rendered.toc
        ]
        revision.renderer_version = RENDERER_VERSION
        revision.rendered_at = now
        lesson.updated_at = now
    session.flush()
    return len(lessons)
