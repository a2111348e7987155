"""The index follows the database: built and updated by the CLI after commits, read by the web.

Every catalog change bumps the content generation in the same transaction (see
``packs.importer.bump_generation``). The index records the generation it reflects, so any
process can tell a current index from a missing or stale one. Web processes only read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from eduhub.catalog import services as catalog
from eduhub.catalog.models import Course, Lesson, LessonRevision, Organization
from eduhub.packs.importer import ImportReport
from eduhub.packs.model import PackTree
from eduhub.search import documents
from eduhub.search.store import IndexStore

log = logging.getLogger(__name__)

_EXTENSION = "eduhub.search"


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
    content = catalog.current_generation()
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


def reindex(session: Session, store: IndexStore) -> int:
    """Rebuild the whole index from the database into a new directory and swap it in."""
    generation = catalog.current_generation()
    store.build(documents.documents_from_session(session), generation)
    return generation


def after_import(
    session: Session, store: IndexStore, tree: PackTree, report: ImportReport, generation: int
) -> str:
    """Bring the index up to date with a committed import; returns what was done."""
    if store.current_generation() is None:
        reindex(session, store)
        return "built"
    changed = report.added_uids + report.changed_uids
    lessons = session.scalars(
        select(Lesson)
        .where(Lesson.uid.in_(changed), Lesson.retired_at.is_(None))
        .options(
            selectinload(Lesson.current_revision).load_only(
                LessonRevision.lesson_id,
                LessonRevision.number,
                LessonRevision.text,
                LessonRevision.toc,
            ),
            selectinload(Lesson.course).selectinload(Course.organization),
            selectinload(Lesson.organization),
            selectinload(Lesson.module),
        )
    ).all()
    docs = [documents.from_lesson(lesson) for lesson in lessons]
    removed = list(report.retired_uids)
    for spec in tree.courses:
        course = catalog.get_course(spec.org_slug, spec.slug)
        docs.append(documents.from_course(course))
    retired_courses = session.execute(
        select(Organization.slug, Course.slug)
        .join(Course.organization)
        .where(Course.retired_at.is_not(None), Organization.slug.in_([o.slug for o in tree.orgs]))
    )
    removed += [documents.course_document_id(org, course) for org, course in retired_courses]
    store.apply(docs, removed, generation)
    return f"updated ({len(docs)} changed, {len(removed)} removed)"
