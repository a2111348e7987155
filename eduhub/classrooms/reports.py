"""Class reports for teachers: the progress grid, one learner's record, item analysis, CSV.

Two halves. The queries (``load_*``) read a whole class in a fixed number of statements —
whatever its size — as plain column tuples, never one query per learner or lesson. The pure
functions (``build_grid``, ``analyse_question``, ``grid_table`` …) turn those tuples into what
the pages and the CSV files show. The screen and the CSV are both drawn from the one ``Table``
that ``grid_table`` or ``items_table`` returns, so they cannot disagree.
"""

from __future__ import annotations

import csv
import gc
import html as htmllib
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, String, null, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from eduhub.accounts.models import User
from eduhub.catalog.models import Lesson, LessonRevision
from eduhub.classrooms.models import (
    Assignment,
    AssignmentLesson,
    Classroom,
    ClassroomMember,
    MemberRole,
    ScoreRule,
)
from eduhub.classrooms.scoring import counted_attempt
from eduhub.orm import utcnow
from eduhub.progress.models import LessonProgress, QuizAnswer, QuizAttempt
from eduhub.progress.models import Status as ProgressStatus
from eduhub.rendering.quizzes import Question, Quiz

#: Below this many counted attempts a question's statistics say nothing worth acting on.
MIN_ATTEMPTS = 5
#: Share of the class in each of the upper and lower groups of the discrimination index.
GROUP_SHARE = 0.27


class CellStatus(StrEnum):
    NOT_ASSIGNED = "not assigned"
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    OVERDUE = "overdue"


# Members as plain names: in Python 3.11 ``CellStatus.DONE`` is a descriptor call, and the grid
# asks tens of thousands of times.
NOT_ASSIGNED, NOT_STARTED = CellStatus.NOT_ASSIGNED, CellStatus.NOT_STARTED
IN_PROGRESS, DONE, OVERDUE = CellStatus.IN_PROGRESS, CellStatus.DONE, CellStatus.OVERDUE
#: The word a cell's status gives its CSS class.
KIND = {status: status.name.lower() for status in CellStatus}


class SortKey(StrEnum):
    NAME = "name"
    COMPLETION = "completion"
    SCORE = "score"


class BadReportQuery(ValueError):
    """A sort or order the report does not know; the view answers 400 with this message."""


# --------------------------------------------------------------------------- the grid, pure


@dataclass(frozen=True)
class Column:
    """One assigned lesson of one assignment: a column of the grid."""

    assignment_id: int
    assignment_title: str
    lesson_uid: str
    lesson_title: str
    due_at: datetime | None
    score_rule: str
    attempts_counted: int | None
    #: None: the whole class; otherwise the learners it is for.
    recipients: frozenset[int] | None
    #: "retired" or "revised since assigned" when the lesson changed after it was assigned.
    flag: str = ""

    def is_for(self, user_id: int) -> bool:
        return self.recipients is None or user_id in self.recipients

    @cached_property
    def rule(self) -> ScoreRule:
        return ScoreRule(self.score_rule)

    @property
    def label(self) -> str:
        flag = f" — {self.flag}" if self.flag else ""
        return f"{self.lesson_title} ({self.assignment_title}){flag}"


class Progress(NamedTuple):
    status: str
    completed_at: datetime | None
    seconds: int


class AttemptRow(NamedTuple):
    id: int
    user_id: int
    lesson_uid: str
    quiz_id: str
    score: float
    #: None where only the order matters (the grid reads no timestamps: they are slow to parse).
    created_at: datetime | None = None


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    username: str


class Cell(NamedTuple):
    """One learner × one assigned lesson (a tuple: a class's grid makes thousands)."""

    status: CellStatus
    score: float | None = None  # of the counted attempt (mean over the lesson's quizzes)
    seconds: int = 0
    completed_at: datetime | None = None
    #: Per quiz of the lesson: every attempt in order, and the one that counts.
    quizzes: tuple[tuple[str, Sequence[AttemptRow], AttemptRow | None], ...] = ()

    @property
    def assigned(self) -> bool:
        return self.status is not NOT_ASSIGNED

    def text(self) -> str:
        """The cell as the screen and the CSV show it: "done · 80% · 12 min"."""
        parts = [self.status.value]
        if self.score is not None:
            parts.append(percent(self.score))
        if self.seconds > 0:
            parts.append(duration(self.seconds))
        return " · ".join(parts)


class Row:
    """One learner's cells, with the totals the grid shows and sorts by (computed once)."""

    __slots__ = ("assigned", "cells", "done", "learner", "score")

    def __init__(self, learner: Learner, cells: tuple[Cell, ...]) -> None:
        self.learner = learner
        self.cells = cells
        self.assigned = sum(cell.status is not NOT_ASSIGNED for cell in cells)
        self.done = sum(cell.status is DONE for cell in cells)
        scores = [cell.score for cell in cells if cell.score is not None]
        #: Mean of the counted quiz scores of this learner's assigned lessons.
        self.score = round(sum(scores) / len(scores), 1) if scores else None

    @property
    def completion(self) -> float | None:
        """Percent of this learner's assigned lessons done; None when nothing is assigned."""
        return 100 * self.done / self.assigned if self.assigned else None


@dataclass(frozen=True)
class Grid:
    classroom: Classroom
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    now: datetime


def percent(value: float) -> str:
    return f"{value:.0f}%"


def duration(seconds: int) -> str:
    """12 min, 1 h 5 min, <1 min."""
    if seconds < 60:
        return "<1 min"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def group_attempts(
    attempts: Iterable[AttemptRow],
) -> dict[tuple[int, str], dict[str, list[AttemptRow]]]:
    """(user, lesson) → quiz id → attempts, from ``attempts`` in the order they were made."""
    grouped: dict[tuple[int, str], dict[str, list[AttemptRow]]] = {}
    for attempt in attempts:
        quizzes = grouped.get((attempt.user_id, attempt.lesson_uid))
        if quizzes is None:
            quizzes = grouped[(attempt.user_id, attempt.lesson_uid)] = {}
        quizzes.setdefault(attempt.quiz_id, []).append(attempt)
    return grouped


def build_cell(
    column: Column,
    user_id: int,
    progress: Progress | None,
    quizzes: dict[str, list[AttemptRow]] | None,
    now: datetime,
) -> Cell:
    """Status, counted score and time of one learner in one assigned lesson.

    Done when the lesson is completed (whenever that was); overdue when it is not and the due
    date has passed; in progress when it was opened; otherwise not started. The score is the
    counted attempt of each of the lesson's quizzes (by the assignment's rule), averaged.
    """
    if column.recipients is not None and user_id not in column.recipients:
        return _NOT_ASSIGNED
    if progress is not None and progress.status == _COMPLETED:
        status = DONE
    elif column.due_at is not None and now > column.due_at:
        status = OVERDUE
    elif progress is not None:
        status = IN_PROGRESS
    else:
        status = NOT_STARTED
    if not quizzes:
        if progress is None:
            return _BARE[status]
        return Cell(status, None, progress.seconds, progress.completed_at)
    per_quiz = []
    scores = []
    limit = column.attempts_counted
    for quiz_id in sorted(quizzes) if len(quizzes) > 1 else quizzes:
        attempts = quizzes[quiz_id]
        counted: AttemptRow | None
        if len(attempts) == 1 and (limit is None or limit >= 1):
            counted = attempts[0]  # what counted_attempt gives for one attempt, by either rule
        else:
            counted = counted_attempt(attempts, column.rule, limit)
        per_quiz.append((quiz_id, attempts, counted))
        if counted is not None:
            scores.append(counted.score)
    return Cell(
        status,
        round(sum(scores) / len(scores), 1) if scores else None,
        progress.seconds if progress else 0,
        progress.completed_at if progress else None,
        tuple(per_quiz),
    )


_NOT_ASSIGNED = Cell(NOT_ASSIGNED)
#: Cells with nothing but a status are all alike: one of each is enough.
_BARE = {status: Cell(status) for status in CellStatus}
_COMPLETED = ProgressStatus.COMPLETED.value


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Hold the cyclic garbage collector off while a grid is built.

    A grid of 200 learners × 40 lessons allocates some 40,000 small tuples, none in a
    reference cycle (plain reference counting frees them), yet every 700 allocations wake the
    collector and every few dozen wakes scan the whole application heap: that doubled the
    report's p95. The collector runs again as soon as the grid is built.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_grid(
    classroom: Classroom,
    columns: Sequence[Column],
    learners: Sequence[Learner],
    progress: dict[tuple[int, str], Progress],
    attempts: Iterable[AttemptRow],
    now: datetime,
) -> Grid:
    grouped = group_attempts(attempts)
    progress_of, attempts_of = progress.get, grouped.get
    uids = [column.lesson_uid for column in columns]
    rows = []
    for learner in learners:
        user = learner.id
        rows.append(
            Row(
                learner,
                tuple(
                    build_cell(
                        column, user, progress_of((user, uid)), attempts_of((user, uid)), now
                    )
                    for column, uid in zip(columns, uids, strict=True)
                ),
            )
        )
    return Grid(classroom, tuple(columns), sort_rows(rows, SortKey.NAME, False), now)


def parse_sort(sort: str | None, order: str | None) -> tuple[SortKey, bool]:
    """The ``sort`` and ``order`` query parameters; BadReportQuery for anything else."""
    try:
        key = SortKey(sort or SortKey.NAME.value)
    except ValueError:
        raise BadReportQuery(
            f"Unknown sort “{sort[:40] if sort else ''}”: use name, completion or score."
        ) from None
    if order not in (None, "", "asc", "desc"):
        raise BadReportQuery(f"Unknown order “{order[:40]}”: use asc or desc.")
    return key, order == "desc"


_DIGITS = re.compile(r"(\d+)")


def name_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Names as people sort them: case- and accent-blind, "Learner 2" before "Learner 10"."""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)
    )
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part) for part in _DIGITS.split(folded) if part
    )


def sort_rows(rows: Iterable[Row], key: SortKey, descending: bool) -> tuple[Row, ...]:
    """Rows by name, completion or score; learners without a value go last either way."""
    by_name = sorted(rows, key=lambda r: (name_key(r.learner.name), r.learner.username))
    if key is SortKey.NAME:
        return tuple(reversed(by_name)) if descending else tuple(by_name)
    value = (lambda r: r.completion) if key is SortKey.COMPLETION else (lambda r: r.score)
    known = [row for row in by_name if value(row) is not None]
    unknown = [row for row in by_name if value(row) is None]
    known.sort(key=lambda r: value(r) or 0.0, reverse=descending)  # stable: names break ties
    return (*known, *unknown)


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    #: Per cell, a word for styling (a cell status), or "".
    kinds: tuple[str, ...] = ()
    #: The learner or lesson the first cell names, for a link on the screen.
    learner_id: int | None = None

    def rest(self) -> Iterable[tuple[str, str]]:
        """Every cell after the first with its kind, for the template's inner loop."""
        return zip(self.cells[1:], self.kinds[1:] or [""] * len(self.cells), strict=False)


@dataclass(frozen=True)
class Table:
    """Rows of plain strings: the screen renders them, the CSV writes them, cell for cell."""

    header: tuple[str, ...]
    rows: tuple[TableRow, ...]


GRID_FIXED_HEADER = ("Learner", "Completion", "Average score")


def grid_table(grid: Grid, key: SortKey = SortKey.NAME, descending: bool = False) -> Table:
    header = (*GRID_FIXED_HEADER, *(column.label for column in grid.columns))
    rows = []
    for row in sort_rows(grid.rows, key, descending):
        completion = row.completion
        cells = (
            row.learner.name,
            "—" if completion is None else f"{percent(completion)} ({row.done} of {row.assigned})",
            "—" if row.score is None else percent(row.score),
            *(cell.text() for cell in row.cells),
        )
        kinds = ("", "", "", *(KIND[cell.status] for cell in row.cells))
        rows.append(TableRow(cells, kinds, row.learner.id))
    return Table(header, tuple(rows))


# --------------------------------------------------------------------------- completion over time


@dataclass(frozen=True)
class CompletionSeries:
    """How much of one assignment was done, day by day, since it was set."""

    assignment_id: int
    title: str
    due_at: datetime | None
    start: date
    end: date
    total: int  # learners × lessons the assignment asks for
    #: (day, percent of ``total`` done by the end of that day), only days on which it changed,
    #: starting with the first day.
    points: tuple[tuple[date, float], ...]

    @property
    def final(self) -> float:
        return self.points[-1][1] if self.points else 0.0

    def summary(self) -> str:
        if not self.total:
            return f"“{self.title}” is assigned to no learner yet."
        done = round(self.final * self.total / 100)
        text = (
            f"“{self.title}”: {percent(self.final)} done ({done} of {self.total} lessons "
            f"across learners) on {self.end.isoformat()}, since it was set on "
            f"{self.start.isoformat()}."
        )
        if self.due_at is not None:
            text += f" Due {self.due_at.date().isoformat()}."
        return text


def completion_series(
    assignment: Assignment, grid: Grid, created_at: datetime | None = None
) -> CompletionSeries:
    """Cumulative completion of one assignment from the grid's cells; pure."""
    start = (created_at or assignment.created_at).date()
    end = max(grid.now.date(), start)
    indexes = [i for i, c in enumerate(grid.columns) if c.assignment_id == assignment.id]
    total = 0
    days: Counter[date] = Counter()
    for row in grid.rows:
        for i in indexes:
            cell = row.cells[i]
            if not cell.assigned:
                continue
            total += 1
            if cell.status is DONE:
                done_on = cell.completed_at.date() if cell.completed_at else start
                days[min(max(done_on, start), end)] += 1
    points: list[tuple[date, float]] = []
    done = days.pop(start, 0)
    points.append((start, 100 * done / total if total else 0.0))
    for day in sorted(days):
        done += days[day]
        points.append((day, 100 * done / total))
    return CompletionSeries(
        assignment.id, assignment.title, assignment.due_at, start, end, total, tuple(points)
    )


# --------------------------------------------------------------------------- item analysis, pure


@dataclass(frozen=True)
class Heading:
    anchor: str
    title: str


_SLOT = 'class="quiz-slot" id="quiz-{}"'
_HEADING = re.compile(r'<h([1-6])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def plain(html_text: str) -> str:
    return " ".join(htmllib.unescape(_TAGS.sub("", html_text)).split())


def nearest_heading(html_text: str, toc: Sequence[Any] | None, quiz_id: str) -> Heading | None:
    """The heading just before the quiz's slot in the lesson's stored HTML, if any.

    Titles come from the revision's table of contents when the anchor is there (the plain
    text the renderer made), else from the heading's own text.
    """
    at = html_text.find(_SLOT.format(quiz_id))
    if at < 0:
        return None
    last = None
    for match in _HEADING.finditer(html_text, 0, at):
        last = match
    if last is None:
        return None
    anchor = htmllib.unescape(last.group(2))
    titles = {
        str(entry.get("anchor")): str(entry.get("title"))
        for entry in toc or ()
        if isinstance(entry, dict)
    }
    return Heading(anchor, titles.get(anchor) or plain(last.group(3)))


@dataclass(frozen=True)
class Answer:
    """One question's answer inside one counted attempt."""

    attempt_id: int
    given: tuple[str, ...]
    correct: bool
    attempt_score: float  # the whole quiz's score: what the groups are ranked by


@dataclass(frozen=True)
class Hint:
    """A sentence for the teacher; ``link`` is the part of it that links to the lesson."""

    before: str
    link: str = ""
    after: str = ""
    href: str = ""

    @property
    def text(self) -> str:
        return f"{self.before}{self.link}{self.after}"


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    number: int
    n: int
    correct: int
    wrong_answer: str  # the most chosen wrong answer, as the teacher reads it; "" when none
    wrong_share: float | None  # of all n answers
    discrimination: float | None  # None below MIN_ATTEMPTS

    @property
    def facility(self) -> float | None:
        return self.correct / self.n if self.n else None

    @property
    def enough(self) -> bool:
        return self.n >= MIN_ATTEMPTS


def discrimination_index(answers: Sequence[Answer]) -> float | None:
    """Upper–lower 27% index: p(correct) in the top 27% by quiz score minus the bottom 27%.

    Attempts are ranked by their whole quiz score (ties by attempt id, so it is repeatable);
    each group holds round(0.27 × n) attempts, at least one. None below MIN_ATTEMPTS.
    """
    n = len(answers)
    if n < MIN_ATTEMPTS:
        return None
    size = max(1, round(GROUP_SHARE * n))
    ranked = sorted(answers, key=lambda a: (a.attempt_score, a.attempt_id))
    lower, upper = ranked[:size], ranked[-size:]
    return sum(a.correct for a in upper) / size - sum(a.correct for a in lower) / size


def answer_label(question: Question, given: Sequence[str]) -> str:
    """“B: Carbon dioxide”, “A and C”, or a typed answer in quotes."""
    if question.kind in ("single", "multiple"):
        texts = {c.id: plain(c.text_html) for c in question.choices}
        letters = [g.upper() for g in given]
        if len(given) == 1:
            return f"{letters[0]}: {texts.get(given[0], '')}".rstrip(": ")
        return " and ".join(letters)
    typed = given[0] if given else ""
    return f"“{typed[:60]}”"


def analyse_question(question: Question, number: int, answers: Sequence[Answer]) -> QuestionStats:
    """Percent correct, the most chosen wrong answer and the discrimination index; pure."""
    n = len(answers)
    correct = sum(a.correct for a in answers)
    wrong: Counter[tuple[str, ...]] = Counter(
        tuple(a.given) for a in answers if not a.correct and a.given
    )
    label, share = "", None
    if wrong:
        # The most chosen; among equals the first in reading order, so it is repeatable.
        best, count = min(wrong.items(), key=lambda item: (-item[1], item[0]))
        label, share = answer_label(question, best), count / n
    return QuestionStats(question, number, n, correct, label, share, discrimination_index(answers))


def hint_for(stats: QuestionStats, heading: Heading | None, lesson_href: str) -> Hint:
    """What the numbers suggest, in one plain sentence, pointing at the nearest section."""
    if not stats.enough:
        return Hint(f"Too few attempts to judge ({stats.n} so far; {MIN_ATTEMPTS} are needed).")
    if heading is not None:
        where = ("revisit the section “", heading.title, "” of the lesson.")
        href = f"{lesson_href}#{heading.anchor}"
    else:
        where = ("revisit ", "the lesson", ".")
        href = lesson_href
    facility = stats.facility or 0.0
    share = stats.wrong_share or 0.0
    chosen = stats.wrong_answer.split(":")[0] if stats.wrong_answer else ""
    if share > 0.5:
        return Hint(f"Most of the class ({percent(100 * share)}) chose {chosen}: {where[0]}",
                    where[1], where[2], href)  # fmt: skip
    if facility < 0.5:
        also = f"; {percent(100 * share)} chose {chosen}" if chosen else ""
        return Hint(
            f"Fewer than half of the class ({percent(100 * facility)}) got this right{also}: "
            f"{where[0]}",
            where[1],
            where[2],
            href,
        )
    if stats.discrimination is not None and stats.discrimination < 0:
        return Hint(
            "Learners with low quiz scores did better on this question than those with high "
            "ones: check that the question and its marked answer are right."
        )
    if share >= 0.25:
        return Hint(f"Many in the class ({percent(100 * share)}) chose {chosen}: {where[0]}",
                    where[1], where[2], href)  # fmt: skip
    if facility >= 0.9:
        return Hint(f"Almost everyone ({percent(100 * facility)}) got this right.")
    return Hint(f"{percent(100 * facility)} got this right; no wrong answer stands out.")


@dataclass(frozen=True)
class ItemRow:
    assignment_title: str
    lesson_uid: str
    lesson_title: str
    quiz_title: str
    stats: QuestionStats
    heading: Heading | None
    hint: Hint


ITEMS_HEADER = (
    "Assignment",
    "Lesson",
    "Question",
    "Counted attempts",
    "Percent correct",
    "Most chosen wrong answer",
    "Facility index",
    "Discrimination index",
    "Hint",
)
TOO_FEW = "too few attempts to judge"


def items_table(items: Sequence[ItemRow]) -> Table:
    rows = []
    for item in items:
        stats = item.stats
        facility = stats.facility
        prompt = stats.question.prompt_text or plain(stats.question.prompt_html)
        rows.append(
            TableRow(
                (
                    item.assignment_title,
                    item.lesson_title,
                    f"{stats.number}. {prompt}",
                    str(stats.n),
                    "—" if facility is None else percent(100 * facility),
                    stats.wrong_answer or "—",
                    "—" if facility is None else f"{facility:.2f}",
                    TOO_FEW if stats.discrimination is None else f"{stats.discrimination:.2f}",
                    item.hint.text,
                ),
                (),
            )
        )
    return Table(ITEMS_HEADER, tuple(rows))


# --------------------------------------------------------------------------- CSV

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow([safe_cell(cell) for cell in row.cells])
    return out.getvalue()


# --------------------------------------------------------------------------- queries


def _learner_ids(classroom_id: int) -> Select[Any]:
    return select(ClassroomMember.user_id).where(
        ClassroomMember.classroom_id == classroom_id,
        ClassroomMember.role == MemberRole.LEARNER.value,
    )


def _assigned_uids(classroom_id: int) -> Select[Any]:
    return (
        select(AssignmentLesson.lesson_uid)
        .join(Assignment, Assignment.id == AssignmentLesson.assignment_id)
        .where(Assignment.classroom_id == classroom_id, Assignment.withdrawn_at.is_(None))
    )


@dataclass
class ClassData:
    """Everything the class's reports are made from, read in a fixed number of statements."""

    classroom: Classroom
    assignments: list[Assignment]
    columns: list[Column]
    learners: list[Learner]
    progress: dict[tuple[int, str], Progress]
    attempts: list[AttemptRow]
    lessons: dict[str, tuple[str, int]] = field(default_factory=dict)  # uid → (title, lesson id)


def load_class(
    session: Session, classroom_id: int, learner_id: int | None = None
) -> ClassData | None:
    """The class, its live assignments, its learners (or one of them), their progress and
    quiz attempts in the assigned lessons: eight statements, however large the class."""
    classroom = session.get(Classroom, classroom_id)
    if classroom is None:
        return None
    assignments = list(
        session.scalars(
            select(Assignment)
            .where(Assignment.classroom_id == classroom_id, Assignment.withdrawn_at.is_(None))
            .order_by(Assignment.created_at, Assignment.id)
            .options(selectinload(Assignment.lessons), selectinload(Assignment.recipients))
        )
    )
    found = {
        row.uid: row
        for row in session.execute(
            select(
                Lesson.uid, Lesson.title, Lesson.id, Lesson.revision_number, Lesson.retired_at
            ).where(Lesson.uid.in_(_assigned_uids(classroom_id)))
        )
    }
    lessons = {uid: (row.title, row.id) for uid, row in found.items()}

    def flag(item: AssignmentLesson) -> str:
        row = found.get(item.lesson_uid)
        if row is None or row.retired_at is not None:
            return "retired"
        return "revised since assigned" if row.revision_number > item.assigned_revision else ""

    columns = [
        Column(
            assignment_id=a.id,
            assignment_title=a.title,
            lesson_uid=item.lesson_uid,
            lesson_title=lessons.get(item.lesson_uid, (item.lesson_uid, 0))[0],
            due_at=a.due_at,
            score_rule=a.score_rule,
            attempts_counted=a.attempts_counted,
            recipients=None if a.whole_class else frozenset(r.user_id for r in a.recipients),
            flag=flag(item),
        )
        for a in assignments
        for item in a.lessons
    ]
    people = _learner_ids(classroom_id)
    if learner_id is not None:
        people = people.where(ClassroomMember.user_id == learner_id)
    learners = [
        Learner(user_id, name, username)
        for user_id, name, username in session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(people))
        )
    ]
    # Core statements, rows used as they come: a class's grid reads thousands of them, and the
    # ORM's row processing and a second tuple per row cost more than the query.
    connection = session.connection()
    progress = {
        (cast(int, row[0]), row[1]): cast(Progress, row)
        for row in connection.execute(
            select(
                LessonProgress.user_id,
                LessonProgress.lesson_uid,
                LessonProgress.status,
                LessonProgress.completed_at,
                LessonProgress.time_spent_seconds.label("seconds"),
            ).where(
                LessonProgress.user_id.in_(people),
                LessonProgress.lesson_uid.in_(_assigned_uids(classroom_id)),
            )
        ).all()
    }
    # Timestamps only for one learner's page: the grid needs the order, which SQL gives.
    when = QuizAttempt.created_at if learner_id is not None else null().label("created_at")
    attempts = cast(
        list[AttemptRow],
        connection.execute(
            select(
                QuizAttempt.id,
                QuizAttempt.user_id,
                QuizAttempt.lesson_uid,
                QuizAttempt.quiz_id,
                QuizAttempt.score,
                when,
            )
            .where(
                QuizAttempt.user_id.in_(people),
                QuizAttempt.lesson_uid.in_(_assigned_uids(classroom_id)),
            )
            .order_by(QuizAttempt.created_at, QuizAttempt.id)
        ).all(),
    )
    return ClassData(classroom, assignments, columns, learners, progress, attempts, lessons)


def load_grid(
    session: Session, classroom_id: int, now: datetime | None = None
) -> tuple[Grid, ClassData] | None:
    """The class's grid of learners × assigned lessons, or None when there is no such class."""
    with _no_gc_pauses():
        data = load_class(session, classroom_id)
        if data is None:
            return None
        grid = build_grid(
            data.classroom,
            data.columns,
            data.learners,
            data.progress,
            data.attempts,
            now or utcnow(),
        )
    return grid, data


def completion_charts(grid: Grid, data: ClassData) -> list[CompletionSeries]:
    return [completion_series(assignment, grid) for assignment in data.assignments]


def load_learner(
    session: Session, classroom_id: int, learner_id: int, now: datetime | None = None
) -> tuple[Grid, Row] | None:
    """One learner's row of the grid, every attempt included; None when not a learner here."""
    data = load_class(session, classroom_id, learner_id=learner_id)
    if data is None or not data.learners:
        return None
    grid = build_grid(
        data.classroom, data.columns, data.learners, data.progress, data.attempts, now or utcnow()
    )
    return grid, grid.rows[0]


def load_items(
    session: Session,
    classroom_id: int,
    now: datetime | None = None,
    lesson_url: Callable[[str], str] = lambda uid: f"/lessons/{uid}",
) -> tuple[Classroom, list[ItemRow]] | None:
    """Item analysis of every quiz question in the class's assigned lessons, over the counted
    attempts (one per learner and quiz, by each assignment's rule)."""
    loaded = load_grid(session, classroom_id, now)
    if loaded is None:
        return None
    grid, _data = loaded
    revisions = {
        uid: (revision_html, toc, quizzes)
        for uid, revision_html, toc, quizzes in session.execute(
            select(Lesson.uid, LessonRevision.html, LessonRevision.toc, LessonRevision.quizzes)
            .join(
                LessonRevision,
                (LessonRevision.lesson_id == Lesson.id)
                & (LessonRevision.number == Lesson.revision_number),
            )
            .where(Lesson.uid.in_(_assigned_uids(classroom_id)))
        )
    }
    counted_ids = {
        attempt.id
        for row in grid.rows
        for cell in row.cells
        for _quiz, _all, attempt in cell.quizzes
        if attempt is not None
    }
    answers: dict[int, dict[str, tuple[tuple[str, ...], bool]]] = defaultdict(dict)
    # ``given`` is read as text and decoded only for counted attempts: most answers belong to
    # attempts that do not count, and decoding JSON is the slow part of reading them.
    with _no_gc_pauses():
        for attempt_id, question_id, raw, correct in session.connection().execute(
            select(
                QuizAnswer.attempt_id,
                QuizAnswer.question_id,
                type_coerce(QuizAnswer.given, String),
                QuizAnswer.correct,
            )
            .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
            .where(
                QuizAttempt.user_id.in_(_learner_ids(classroom_id)),
                QuizAttempt.lesson_uid.in_(_assigned_uids(classroom_id)),
            )
        ):
            if attempt_id in counted_ids:
                values = json.loads(raw) if isinstance(raw, str) else raw  # psycopg decodes
                answers[attempt_id][question_id] = (
                    tuple(str(v) for v in values or ()),
                    bool(correct),
                )
    items: list[ItemRow] = []
    for index, column in enumerate(grid.columns):
        if column.lesson_uid not in revisions:
            continue
        revision_html, toc, snapshots = revisions[column.lesson_uid]
        counted: dict[str, list[AttemptRow]] = defaultdict(list)
        for row in grid.rows:
            for quiz_id, _all, attempt in row.cells[index].quizzes:
                if attempt is not None:
                    counted[quiz_id].append(attempt)
        for snapshot in snapshots or ():
            try:
                quiz = Quiz.from_snapshot(snapshot)
            except ValueError:
                continue
            heading = nearest_heading(revision_html or "", toc, quiz.id)
            href = lesson_url(column.lesson_uid)
            for number, question in enumerate(quiz.questions, start=1):
                given = [
                    Answer(a.id, *answers[a.id][question.id], a.score)
                    for a in counted.get(quiz.id, ())
                    if question.id in answers.get(a.id, {})
                ]
                stats = analyse_question(question, number, given)
                items.append(
                    ItemRow(
                        column.assignment_title,
                        column.lesson_uid,
                        column.lesson_title,
                        quiz.title,
                        stats,
                        heading,
                        hint_for(stats, heading, href),
                    )
                )
    return grid.classroom, items
