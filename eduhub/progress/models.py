"""Learning records: one progress row per learner and lesson, quiz attempts, course completions.

Progress is keyed by the lesson's stable hub id (``Lesson.uid``), never by a row id, so a new
revision, a re-import or a rebuilt catalog keeps every learner's record.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduhub.accounts.models import User
from eduhub.catalog.models import Course
from eduhub.extensions import db
from eduhub.orm import utcnow


class Status(StrEnum):
    STARTED = "started"
    COMPLETED = "completed"


class LessonProgress(db.Model):
    """Where one learner stands in one lesson. Status only moves forward."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL once the learner deleted their account and chose to keep records anonymised.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lesson_uid: Mapped[str] = mapped_column(String(300), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.STARTED.value)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    completed_at: Mapped[datetime | None]
    #: The lesson revision the learner completed, to tell them when it changed since.
    completed_revision: Mapped[int | None] = mapped_column(Integer)
    time_spent_seconds: Mapped[int] = mapped_column(Integer, default=0)
    #: Anchor of the last heading the learner reached (reported by the optional script).
    last_heading: Mapped[str | None] = mapped_column(String(200))


class QuizAttempt(db.Model):
    """One submission of one quiz, with a snapshot of the quiz as it was then."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lesson_uid: Mapped[str] = mapped_column(String(300), index=True)
    quiz_id: Mapped[str] = mapped_column(String(64))
    revision_number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column()
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizAnswer.id"
    )


class QuizAnswer(db.Model):
    """What the learner answered to one question of an attempt, and whether it was right."""

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    given: Mapped[list[Any]] = mapped_column()
    correct: Mapped[bool] = mapped_column(Boolean)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


def new_completion_token() -> str:
    return secrets.token_urlsafe(18)


class CourseCompletion(db.Model):
    """A finished course, with a public page anyone can open to verify it."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_completion_token)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    user: Mapped[User | None] = relationship()
