"""Quizzes at request time: find a revision's quizzes and lay them into the lesson's HTML."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eduhub.catalog.models import LessonRevision
from eduhub.progress.grading import QuizResult
from eduhub.rendering.quizzes import Quiz

_SLOT = re.compile(r'<div class="quiz-slot" id="quiz-([a-z0-9-]+)"></div>')

#: Form fields that are not answers.
_NOT_ANSWERS = {"csrf_token", "quiz_id"}


@dataclass(frozen=True)
class PagePart:
    """A stretch of stored lesson HTML, or the quiz that stands at that place."""

    html: str = ""
    quiz: Quiz | None = None


@dataclass(frozen=True)
class QuizState:
    """How one quiz form is shown again: graded (answers shown or not), or refused."""

    result: QuizResult
    reveal: bool = False
    #: Why the submission was refused ("question 2 is unanswered"); the form is shown again.
    refused: str = ""


def revision_quizzes(revision: LessonRevision) -> dict[str, Quiz]:
    quizzes = {}
    for snapshot in revision.quizzes or []:
        quiz = Quiz.from_snapshot(snapshot)
        quizzes[quiz.id] = quiz
    return quizzes


def page_parts(html: str, quizzes: Mapping[str, Quiz]) -> list[PagePart]:
    """Split stored HTML at its quiz slots; a slot whose quiz is unknown is dropped."""
    parts: list[PagePart] = []
    position = 0
    for match in _SLOT.finditer(html):
        parts.append(PagePart(html=html[position : match.start()]))
        quiz = quizzes.get(match.group(1))
        if quiz is not None:
            parts.append(PagePart(quiz=quiz))
        position = match.end()
    parts.append(PagePart(html=html[position:]))
    return parts


def submitted_answers(form: Any) -> dict[str, Sequence[str]]:
    """Question id → posted values, from a form (MultiDict) or a JSON mapping."""
    if hasattr(form, "getlist"):
        return {key: form.getlist(key) for key in form if key not in _NOT_ANSWERS}
    answers: dict[str, Sequence[str]] = {}
    for key, value in dict(form).items():
        if isinstance(value, list):
            answers[str(key)] = [str(item) for item in value[:20]]
        elif value is not None:
            answers[str(key)] = [str(value)]
    return answers
