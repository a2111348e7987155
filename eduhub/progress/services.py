"""Recording and reading learners' progress; every write is one atomic upsert, so two tabs or a
double click can neither duplicate a row nor move a completion back to "started"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from eduhub.catalog.models import Course, Lesson, Module
from eduhub.orm import utcnow
from eduhub.progress.grading import QuizResult, answers_revealed, grade, is_pass, unanswered
from eduhub.progress.models import (
    CourseCompletion,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    Status,
)
from eduhub.rendering.quizzes import Quiz

#: One report from the page script counts at most this much time (a tab left open overnight
#: must not claim a day of study).
MAX_SECONDS_PER_REPORT = 300


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


_PROGRESS = LessonProgress.__table__


def _upsert_progress(
    session: Session,
    user_id: int,
    lesson_uid: str,
    *,
    now: datetime,
    new: dict[str, Any],
    on_conflict: dict[str, Any],
) -> None:
    """The one way progress rows are written: insert the learner's row for the lesson, or, when
    it exists (another tab, a double click), apply ``on_conflict`` to it — atomically."""
    row = {
        "user_id": user_id,
        "lesson_uid": lesson_uid,
        "status": Status.STARTED.value,
        "started_at": now,
        "last_seen_at": now,
        "time_spent_seconds": 0,
        **new,
    }
    session.execute(
        _insert(session)(_PROGRESS)
        .values(**row)
        .on_conflict_do_update(
            index_elements=[_PROGRESS.c.user_id, _PROGRESS.c.lesson_uid],
            set_={"last_seen_at": now, **on_conflict},
        )
    )


def record_visit(session: Session, user_id: int, lesson_uid: str) -> None:
    """Opening a lesson: start it if new, else just note when it was last seen."""
    _upsert_progress(session, user_id, lesson_uid, now=utcnow(), new={}, on_conflict={})


def note_visit(
    session: Session, user_id: int, lesson_uid: str, record: LessonProgress | None
) -> bool:
    """Record that a lesson was opened only when that changes what the learner's record says:
    the first open starts the lesson, and the first open on a later day moves "last opened"
    (the dashboard shows the day). ``record`` is the row the page already read. Reading a
    lesson again the same day writes nothing. True when something was written."""
    now = utcnow()
    if record is not None and record.last_seen_at.date() >= now.date():
        return False
    _upsert_progress(session, user_id, lesson_uid, now=now, new={}, on_conflict={})
    return True


def record_activity(
    session: Session, user_id: int, lesson_uid: str, seconds: int, heading: str | None
) -> None:
    """Time on page and the last heading reached, as the optional page script reports them."""
    seconds = max(0, min(int(seconds), MAX_SECONDS_PER_REPORT))
    heading = (heading or "")[:200] or None
    changes: dict[str, Any] = {"time_spent_seconds": _PROGRESS.c.time_spent_seconds + seconds}
    if heading:
        changes["last_heading"] = heading
    _upsert_progress(
        session,
        user_id,
        lesson_uid,
        now=utcnow(),
        new={"time_spent_seconds": seconds, "last_heading": heading},
        on_conflict=changes,
    )


@dataclass(frozen=True)
class Completion:
    progress: LessonProgress
    course_completion: CourseCompletion | None


def mark_complete(session: Session, user_id: int, lesson: Lesson) -> Completion:
    """Complete a lesson (idempotent: the first completion time is kept) and, when it was the
    course's last one, the course."""
    now = utcnow()
    _upsert_progress(
        session,
        user_id,
        lesson.uid,
        now=now,
        new={
            "status": Status.COMPLETED.value,
            "completed_at": now,
            "completed_revision": lesson.revision_number,
        },
        on_conflict={
            "status": Status.COMPLETED.value,
            "completed_at": func.coalesce(_PROGRESS.c.completed_at, now),
            "completed_revision": lesson.revision_number,
        },
    )
    session.expire_all()
    progress = session.scalars(
        select(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_uid == lesson.uid
        )
    ).one()
    return Completion(progress, _complete_course_if_done(session, user_id, lesson.course))


def _complete_course_if_done(
    session: Session, user_id: int, course: Course
) -> CourseCompletion | None:
    live = select(Lesson.uid).where(Lesson.course_id == course.id, Lesson.retired_at.is_(None))
    total = session.scalar(select(func.count()).select_from(live.subquery()))
    done = session.scalar(
        select(func.count(LessonProgress.id)).where(
            LessonProgress.user_id == user_id,
            LessonProgress.status == Status.COMPLETED.value,
            LessonProgress.lesson_uid.in_(live),
        )
    )
    if not total or (done or 0) < total:
        return None
    table = CourseCompletion.__table__
    session.execute(
        _insert(session)(table)
        .values(user_id=user_id, course_id=course.id, completed_at=utcnow(), token=_token())
        .on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.course_id])
    )
    return session.scalars(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user_id, CourseCompletion.course_id == course.id
        )
    ).one()


def _token() -> str:
    from eduhub.progress.models import new_completion_token

    return new_completion_token()


def lesson_progress(session: Session, user_id: int, lesson_uid: str) -> LessonProgress | None:
    return session.scalars(
        select(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_uid == lesson_uid
        )
    ).one_or_none()


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class CourseProgress:
    modules: list[ModuleProgress]
    status_by_uid: dict[str, str]

    @property
    def done(self) -> int:
        return sum(m.done for m in self.modules)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_progress(session: Session, user_id: int, course: Course) -> CourseProgress:
    """Percent complete per module and overall, from one query."""
    uids = [lesson.uid for module in course.modules for lesson in module.lessons]
    rows = session.execute(
        select(LessonProgress.lesson_uid, LessonProgress.status).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_uid.in_(uids)
        )
    )
    status = {uid: value for uid, value in rows}
    modules = [
        ModuleProgress(
            module,
            sum(1 for le in module.lessons if status.get(le.uid) == Status.COMPLETED.value),
            len(module.lessons),
        )
        for module in course.modules
    ]
    return CourseProgress(modules, status)


@dataclass(frozen=True)
class Resume:
    lesson: Lesson
    heading: str | None


@dataclass(frozen=True)
class CourseSummary:
    course: Course
    done: int
    total: int
    completion: CourseCompletion | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class Activity:
    lesson: Lesson
    status: str
    last_seen_at: datetime


@dataclass
class Dashboard:
    resume: Resume | None = None
    in_progress: list[CourseSummary] = field(default_factory=list)
    completed: list[CourseSummary] = field(default_factory=list)
    recent: list[Activity] = field(default_factory=list)
    time_spent_seconds: int = 0
    lessons_completed: int = 0


def dashboard(session: Session, user_id: int, recent_limit: int = 10) -> Dashboard:
    """Everything the dashboard and the home page show, in a fixed number of queries however
    many lessons the learner touched."""
    rows = list(
        session.scalars(
            select(LessonProgress)
            .where(LessonProgress.user_id == user_id)
            .order_by(LessonProgress.last_seen_at.desc(), LessonProgress.id.desc())
        )
    )
    board = Dashboard()
    if not rows:
        return board
    lessons = {
        lesson.uid: lesson
        for lesson in session.scalars(
            select(Lesson)
            .where(Lesson.uid.in_([row.lesson_uid for row in rows]))
            .options(selectinload(Lesson.course).selectinload(Course.organization))
        )
    }
    board.time_spent_seconds = sum(row.time_spent_seconds for row in rows)
    board.lessons_completed = sum(1 for row in rows if row.status == Status.COMPLETED.value)
    for row in rows:
        lesson = lessons.get(row.lesson_uid)
        if lesson is None:
            continue
        if (
            board.resume is None
            and lesson.retired_at is None
            and row.status != Status.COMPLETED.value
        ):
            board.resume = Resume(lesson, row.last_heading)
        if len(board.recent) < recent_limit:
            board.recent.append(Activity(lesson, row.status, row.last_seen_at))
    if board.resume is None:  # everything finished: offer the most recent lesson again
        first = next((lessons[r.lesson_uid] for r in rows if r.lesson_uid in lessons), None)
        board.resume = Resume(first, None) if first else None

    course_ids = {lesson.course_id for lesson in lessons.values()}
    totals = dict(
        session.execute(
            select(Lesson.course_id, func.count(Lesson.id))
            .where(Lesson.course_id.in_(course_ids), Lesson.retired_at.is_(None))
            .group_by(Lesson.course_id)
        ).all()
    )
    done: Counter[int] = Counter(
        lessons[row.lesson_uid].course_id
        for row in rows
        if row.status == Status.COMPLETED.value
        and row.lesson_uid in lessons
        and lessons[row.lesson_uid].retired_at is None
    )
    completions = {
        completion.course_id: completion
        for completion in session.scalars(
            select(CourseCompletion).where(CourseCompletion.user_id == user_id)
        )
    }
    seen: set[int] = set()
    for row in rows:  # most recently used courses first
        lesson = lessons.get(row.lesson_uid)
        if lesson is None or lesson.course_id in seen:
            continue
        seen.add(lesson.course_id)
        summary = CourseSummary(
            lesson.course,
            done[lesson.course_id],
            totals.get(lesson.course_id, 0),
            completions.get(lesson.course_id),
        )
        (board.completed if summary.completion else board.in_progress).append(summary)
    return board


def record_quiz_attempt(
    session: Session,
    user_id: int,
    lesson: Lesson,
    snapshot: dict[str, Any],
    result: Any,
) -> QuizAttempt:
    """Store a graded attempt with every answer; passing a quiz with a pass mark completes
    the lesson."""
    attempt = QuizAttempt(
        user_id=user_id,
        lesson_uid=lesson.uid,
        quiz_id=str(snapshot.get("id", "")),
        revision_number=lesson.revision_number,
        snapshot=snapshot,
        score=float(result.score),
        passed=result.passed,
    )
    for question in result.questions:
        attempt.answers.append(
            QuizAnswer(
                question_id=question.question_id,
                given=list(question.given),
                correct=bool(question.correct),
            )
        )
    session.add(attempt)
    session.flush()
    if result.passed:
        mark_complete(session, user_id, lesson)
    return attempt


class IncompleteSubmission(Exception):
    """A quiz sent with questions left blank: refused, graded for nothing, stored nowhere."""

    def __init__(self, quiz: Quiz, result: QuizResult) -> None:
        self.quiz = quiz
        self.result = result
        self.unanswered = unanswered(result)
        numbers = [
            str(number)
            for number, question in enumerate(quiz.questions, start=1)
            if question.id in self.unanswered
        ]
        if len(numbers) == 1:
            listed = f"question {numbers[0]} is unanswered"
        else:
            listed = f"questions {', '.join(numbers[:-1])} and {numbers[-1]} are unanswered"
        super().__init__(f"Answer every question before checking: {listed}.")


@dataclass(frozen=True)
class QuizOutcome:
    """A graded submission: the result, whether the right answers may be shown, the attempt
    stored for a signed-in learner (None for a guest)."""

    quiz: Quiz
    result: QuizResult
    reveal: bool
    attempt: QuizAttempt | None


def submit_quiz(
    session: Session,
    user_id: int | None,
    lesson: Lesson,
    quiz: Quiz,
    submitted: Mapping[str, Sequence[str]],
) -> QuizOutcome:
    """Grade a submission and, for a signed-in learner, store it as an attempt.

    A submission that leaves any question blank raises IncompleteSubmission and stores
    nothing. Whether the right answers are shown follows the author's rule
    (``answers_revealed``); a guest's attempts are not counted (nothing of theirs is stored),
    so for a guest only a pass can reveal them.
    """
    result = grade(quiz, submitted)
    if unanswered(result):
        raise IncompleteSubmission(quiz, result)
    if user_id is None:
        return QuizOutcome(
            quiz, result, answers_revealed(quiz, attempts=0, passed=is_pass(result)), None
        )
    attempt = record_quiz_attempt(session, user_id, lesson, quiz.to_snapshot(), result)
    return QuizOutcome(quiz, result, _revealed(session, user_id, lesson.uid, quiz), attempt)


def _revealed(session: Session, user_id: int, lesson_uid: str, quiz: Quiz) -> bool:
    """The author's rule applied to all of the learner's attempts at this quiz."""
    rows = session.execute(
        select(QuizAttempt.passed, QuizAttempt.score).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.lesson_uid == lesson_uid,
            QuizAttempt.quiz_id == quiz.id,
        )
    ).all()
    passed = any(row.passed if row.passed is not None else row.score >= 100 for row in rows)
    return answers_revealed(quiz, attempts=len(rows), passed=passed)


def attempt_for(session: Session, user_id: int, attempt_id: int) -> QuizAttempt | None:
    """An attempt, only if it belongs to this learner."""
    attempt = session.get(QuizAttempt, attempt_id)
    return attempt if attempt is not None and attempt.user_id == user_id else None


def graded_attempt(session: Session, user_id: int, attempt_id: int) -> QuizOutcome | None:
    """One of the learner's own attempts, graded again from its snapshot and stored answers
    (the same pure function, so the same result), with the answers shown by today's count."""
    attempt = attempt_for(session, user_id, attempt_id)
    if attempt is None:
        return None
    quiz = Quiz.from_snapshot(attempt.snapshot)
    answers = {answer.question_id: list(answer.given) for answer in attempt.answers}
    result = grade(quiz, answers)
    return QuizOutcome(quiz, result, _revealed(session, user_id, attempt.lesson_uid, quiz), attempt)


def completion_by_token(session: Session, token: str) -> CourseCompletion | None:
    if not token or len(token) > 40:
        return None
    return session.scalars(
        select(CourseCompletion).where(CourseCompletion.token == token)
    ).one_or_none()


def export_progress(session: Session, user_id: int) -> dict[str, Any]:
    """A learner's records, for the data export."""
    progress = session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user_id).order_by(LessonProgress.id)
    )
    attempts = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id)
        .options(selectinload(QuizAttempt.answers))
        .order_by(QuizAttempt.id)
    )
    completions = session.scalars(
        select(CourseCompletion).where(CourseCompletion.user_id == user_id)
    )
    return {
        "lessons": [
            {
                "lesson": row.lesson_uid,
                "status": row.status,
                "started_at": row.started_at.isoformat(),
                "last_seen_at": row.last_seen_at.isoformat(),
                "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                "time_spent_seconds": row.time_spent_seconds,
                "last_heading": row.last_heading,
            }
            for row in progress
        ],
        "quiz_attempts": [
            {
                "lesson": attempt.lesson_uid,
                "quiz": attempt.quiz_id,
                "revision": attempt.revision_number,
                "score": attempt.score,
                "passed": attempt.passed,
                "at": attempt.created_at.isoformat(),
                "answers": [
                    {"question": a.question_id, "given": a.given, "correct": a.correct}
                    for a in attempt.answers
                ],
            }
            for attempt in attempts
        ],
        "course_completions": [
            {"course_id": c.course_id, "token": c.token, "at": c.completed_at.isoformat()}
            for c in completions
        ],
    }


def forget_progress(session: Session, user_id: int, *, anonymise: bool) -> None:
    """On account deletion: unlink the records from the person, or delete them."""
    for model in (LessonProgress, QuizAttempt, CourseCompletion):
        rows: Sequence[Any] = session.scalars(select(model).where(model.user_id == user_id)).all()
        for row in rows:
            if anonymise and model is not CourseCompletion:
                row.user_id = None
            else:
                session.delete(row)
    session.flush()
