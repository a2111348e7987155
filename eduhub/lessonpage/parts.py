"""The parts of the lesson page, each contributed by one domain, gathered in one place.

A part is a function of the lesson and the viewer that returns template variables. Adding a
part (a teacher's assignment, a reviewer's banner) is one function and one line in
``LESSON_PARTS``; the views and the other parts do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eduhub.catalog import services as catalog
from eduhub.catalog.models import Lesson
from eduhub.classrooms import services as classrooms
from eduhub.extensions import db
from eduhub.progress import quizzes
from eduhub.progress import services as progress


@dataclass(frozen=True)
class LessonView:
    """What the page is composed for: a lesson, who reads it, and quiz forms to show filled in."""

    lesson: Lesson
    user_id: int | None = None
    #: quiz id → the state of that quiz's form (a graded attempt, or a refused submission)
    quiz_states: Mapping[str, Any] = field(default_factory=dict)


Part = Callable[[LessonView], Mapping[str, Any]]


def content(view: LessonView) -> dict[str, Any]:
    """Catalog: the published revision laid out around its quizzes, neighbours, translations."""
    lesson = view.lesson
    revision = lesson.current_revision
    return {
        "lesson": lesson,
        "revision": revision,
        "parts": quizzes.page_parts(revision.html, quizzes.revision_quizzes(revision)),
        "neighbours": catalog.neighbours(db.session, lesson),
        "translations": catalog.translations(db.session, lesson),
        "license_url": catalog.license_url(lesson.license),
    }


def learner_progress(view: LessonView) -> dict[str, Any]:
    """Progress: the reader's own record of the lesson, and the quiz forms' states."""
    record = None
    if view.user_id is not None:
        record = progress.lesson_progress(db.session, view.user_id, view.lesson.uid)
    return {"progress": record, "quiz_results": view.quiz_states}


def class_assignment(view: LessonView) -> dict[str, Any]:
    """Classrooms: the reader's assignments that include this lesson (class, due date,
    instructions, whether it changed since), and how each of its quizzes counts."""
    if view.user_id is None:
        return {"assignments": [], "reveal_note": None}
    quiz_ids = list(quizzes.revision_quizzes(view.lesson.current_revision))
    found = classrooms.lesson_assignments(db.session, view.user_id, view.lesson, quiz_ids)
    return {"assignments": found, "reveal_note": classrooms.reveal_note(found)}


LESSON_PARTS: tuple[Part, ...] = (content, learner_progress, class_assignment)


def compose(view: LessonView, parts: tuple[Part, ...] = LESSON_PARTS) -> dict[str, Any]:
    """Every part's variables for the template; two parts may not claim the same name."""
    context: dict[str, Any] = {}
    for part in parts:
        contributed = part(view)
        clash = context.keys() & contributed.keys()
        if clash:
            raise RuntimeError(f"lesson page parts both define {sorted(clash)}")
        context.update(contributed)
    return context
