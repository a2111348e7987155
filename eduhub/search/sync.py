"""The index follows every commit: catalog changes are collected at flush, applied after commit.

Any writer — an import, a publish from the web, a retirement, a script — changes lessons,
courses and organizations through a session. ``before_flush`` notes what changed and bumps the
content generation in the same flush; ``after_flush`` turns new objects into ids; once the
outermost transaction commits, :func:`eduhub.transactions.after_commit` runs one callback that
opens its own session, loads the changed documents and applies them to the index store. A
rollback drops everything. The index records the generation it reflects, so any process can
tell a current index from a missing or stale one (Warehouse's ``search/__init__.py`` pattern).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from eduhub.catalog import services as catalog
from eduhub.catalog.models import (
    ContentGeneration,
    Course,
    CourseSubject,
    Lesson,
    LessonRevision,
    MediaFile,
    Module,
    Organization,
)
from eduhub.search import documents
from eduhub.search.store import IndexBehind, IndexMissing, IndexStore
from eduhub.transactions import after_commit

log = logging.getLogger(__name__)

_EXTENSION = "eduhub.search"
_CHANGES = "eduhub.search.changes"
_RESULT = "eduhub.search.result"

#: Rows whose change counts as a catalog change (a new content generation).
CATALOG_MODELS = (Organization, Course, CourseSubject, Module, Lesson, LessonRevision, MediaFile)
#: Course columns that lesson documents copy: changing one re-indexes the course's lessons.
_COURSE_FIELDS_IN_LESSONS = (
    "title",
    "level",
    "language",
    "retired_at",
    "organization_id",
    "subject_rows",
)
_ORG_FIELDS_IN_DOCUMENTS = ("slug", "name", "city")


def store_for(app: Flask | None = None) -> IndexStore:
    """This process's index store (one per app; it keeps the searcher open between requests)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get(_EXTENSION)
    if store is None:
        store = IndexStore(Path(app.instance_path) / "search")
        app.extensions[_EXTENSION] = store
    return store


@dataclass(frozen=True)
class IndexStatus:
    state: str  # "ok", "missing" or "stale"
    index_generation: int | None
    content_generation: int

    @property
    def ok(self) -> bool:
        return self.state == "ok"


_warned: set[tuple[str, int | None, int]] = set()


def status(store: IndexStore) -> IndexStatus:
    """Compare the index's generation with the database's; log once per new discrepancy."""
    from eduhub.extensions import db

    content = content_generation(db.session)
    indexed = store.current_generation()
    if indexed is None:
        state = "missing" if content else "ok"
    else:
        state = "stale" if indexed < content else "ok"
    if state != "ok" and (key := (state, indexed, content)) not in _warned:
        _warned.add(key)
        log.warning(
            "search index is %s (index generation %s, content generation %s): "
            "run `eduhub search reindex`",
            state,
            indexed,
            content,
        )
    return IndexStatus(state, indexed, content)


def content_generation(session: Session | Any) -> int:
    """The catalog's content generation as ``session`` sees it (0 before the first change)."""
    return catalog.current_generation(session)


def reindex(session: Session, store: IndexStore) -> int:
    """Rebuild the whole index from the database into a new directory and swap it in."""
    # The generation is read first: the documents are then at least that new.
    generation = content_generation(session)
    store.build(documents.documents_from_session(session), generation)
    return generation


def last_result(session: Session | Any) -> str | None:
    """What the index did after the session's last commit ("updated (…)", "built"), once."""
    result: str | None = session.info.pop(_RESULT, None)
    return result


# --------------------------------------------------------------------------- collecting


@dataclass
class Changes:
    """What one transaction changed, as ids, and the generations it moved between."""

    lesson_ids: set[int] = field(default_factory=set)
    course_ids: set[int] = field(default_factory=set)
    #: courses, modules and organizations whose lessons' documents copy a changed field
    lessons_of_courses: set[int] = field(default_factory=set)
    lessons_of_modules: set[int] = field(default_factory=set)
    org_ids: set[int] = field(default_factory=set)
    #: document ids of deleted rows (the database can no longer say what they were)
    removed_ids: set[str] = field(default_factory=set)
    #: the generation before this transaction's bump, and the last one it flushed
    base: int = 0
    generation: int = 0
    #: new and changed rows, whose ids and foreign keys are settled only once the flush has run
    pending: list[Any] = field(default_factory=list)
    queued: bool = False


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _note_before_flush(changes: Changes, obj: Any) -> None:
    """What only the attribute history of a changed row can tell (it is gone after the flush)."""
    if isinstance(obj, Lesson):  # a lesson moved to another course leaves that one's document
        attrs: Any = inspect(obj).attrs
        changes.course_ids.update(attrs["course_id"].history.deleted or ())
        changes.course_ids.update(c.id for c in attrs["course"].history.deleted or () if c)
    elif isinstance(obj, Course) and _changed(obj, _COURSE_FIELDS_IN_LESSONS):
        changes.lessons_of_courses.add(obj.id)
    elif isinstance(obj, Module) and _changed(obj, ("title",)):
        changes.lessons_of_modules.add(obj.id)
    elif isinstance(obj, Organization) and _changed(obj, _ORG_FIELDS_IN_DOCUMENTS):
        changes.org_ids.add(obj.id)


def _note_after_flush(changes: Changes, obj: Any) -> None:
    """The ids of a new or changed row, which the flush has assigned and synchronised."""
    if isinstance(obj, Lesson):
        changes.lesson_ids.add(obj.id)
        changes.course_ids.add(obj.course_id)
    elif isinstance(obj, LessonRevision):
        changes.lesson_ids.add(obj.lesson_id)
    elif isinstance(obj, Course):
        changes.course_ids.add(obj.id)
    elif isinstance(obj, CourseSubject):
        changes.course_ids.add(obj.course_id)
        changes.lessons_of_courses.add(obj.course_id)
    elif isinstance(obj, Module):
        changes.course_ids.add(obj.course_id)


def _note_deleted(changes: Changes, obj: Any) -> None:
    if isinstance(obj, Lesson):
        changes.removed_ids.add(obj.uid)
        changes.course_ids.add(obj.course_id)
    elif isinstance(obj, Course):
        changes.removed_ids.add(documents.course_document_id(obj.organization.slug, obj.slug))
    elif isinstance(obj, CourseSubject | Module):
        changes.course_ids.add(obj.course_id)


def _bump_generation(session: Session, changes: Changes) -> None:
    """One new content generation per transaction, in its first flush that changes the catalog."""
    changes.base, changes.generation = catalog.advance_generation(session)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: Any, _instances: Any) -> None:
    changes: Changes | None = session.info.get(_CHANGES)
    found = changes or Changes()
    touched = False
    for obj in session.new:
        if isinstance(obj, CATALOG_MODELS):
            found.pending.append(obj)
            touched = True
    for obj in session.dirty:
        if isinstance(obj, CATALOG_MODELS) and session.is_modified(obj):
            _note_before_flush(found, obj)
            found.pending.append(obj)
            touched = True
    for obj in session.deleted:
        if isinstance(obj, CATALOG_MODELS):
            _note_deleted(found, obj)
            touched = True
    if touched and changes is None:
        session.info[_CHANGES] = found
        _bump_generation(session, found)


@event.listens_for(Session, "after_flush")
def _resolve(session: Session, _context: Any) -> None:
    changes: Changes | None = session.info.get(_CHANGES)
    if changes is None:
        return
    for obj in changes.pending:
        _note_after_flush(changes, obj)
    changes.pending.clear()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, ContentGeneration):  # an explicit bump in the same transaction
            changes.generation = max(changes.generation, obj.generation)
    if not changes.queued and has_app_context():
        changes.queued = True
        store = store_for()
        after_commit(session, lambda: _after_commit(session, store, changes))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGES, None)


# --------------------------------------------------------------------------- applying


def _after_commit(writer: Session, store: IndexStore, changes: Changes) -> None:
    """Bring the index up to date with one committed transaction, in a session of its own.

    A failure is logged and reported, never raised: the data is committed, the index keeps
    its older generation (``/healthz`` says "stale"), and the next commit that finds the
    index behind rebuilds it whole.
    """
    engine = writer.get_bind()
    try:
        with Session(bind=engine) as session:
            result = apply_changes(session, store, changes)
    except Exception as exc:
        log.exception("search index update failed")
        result = f"NOT updated ({exc}); run `eduhub search reindex`"
    else:
        log.info("search index %s (generation %d)", result, changes.generation)
    writer.info[_RESULT] = result


def _documents(
    session: Session, changes: Changes
) -> tuple[list[documents.SearchDocument], list[str]]:
    lesson_ids = set(changes.lesson_ids)
    course_ids = set(changes.course_ids)
    wider = [
        column.in_(ids)
        for column, ids in (
            (Lesson.course_id, changes.lessons_of_courses),
            (Lesson.module_id, changes.lessons_of_modules),
            (Lesson.organization_id, changes.org_ids),
        )
        if ids
    ]
    if wider:
        lesson_ids.update(session.scalars(select(Lesson.id).where(or_(*wider))))
    if changes.org_ids:
        course_ids.update(
            session.scalars(select(Course.id).where(Course.organization_id.in_(changes.org_ids)))
        )
    docs = []
    removed = set(changes.removed_ids)
    for lesson in documents.lessons_by_id(session, lesson_ids):
        if lesson.retired_at is None and lesson.course.retired_at is None:
            docs.append(documents.from_lesson(lesson))
        else:
            removed.add(lesson.uid)
    for course in documents.courses_by_id(session, course_ids):
        if course.retired_at is None:
            docs.append(documents.from_course(course))
        else:
            removed.add(documents.course_document_id(course.organization.slug, course.slug))
    return docs, sorted(removed)


def apply_changes(session: Session, store: IndexStore, changes: Changes) -> str:
    """Apply one committed transaction's changes to the index; returns what was done.

    No index yet, or an index that missed an earlier transaction (its generation is older
    than the one these changes were made on): rebuild it whole instead of patching.
    """
    if store.current_generation() is None:
        reindex(session, store)
        return "built"
    docs, removed = _documents(session, changes)
    try:
        applied = store.apply(docs, removed, changes.generation, since=changes.base)
    except (IndexBehind, IndexMissing) as exc:
        log.warning("search: %s; rebuilding the index", exc)
        reindex(session, store)
        return "rebuilt (it had missed earlier changes)"
    if not applied:
        return "already current"
    return f"updated ({len(docs)} changed, {len(removed)} removed)"
