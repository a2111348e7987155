"""Classes a teacher runs, who is in them, and what is assigned to them.

Assignments point at lessons by their stable hub id (``Lesson.uid``), like progress does, so a
re-import, a new revision or a retirement never orphans an assignment; the revision assigned is
recorded so both sides can be told when the lesson changed since.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduhub.accounts.models import User
from eduhub.catalog.models import Organization
from eduhub.extensions import db
from eduhub.orm import utcnow

#: Join codes avoid letters and digits that read alike (0/O, 1/I/L) so they can be dictated.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8  # 31**8 ≈ 8.5e11 codes: unguessable behind a rate limit


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class MemberRole(StrEnum):
    TEACHER = "teacher"
    LEARNER = "learner"


class Scope(StrEnum):
    """What the teacher picked; the lessons themselves are listed in AssignmentLesson."""

    COURSE = "course"
    MODULES = "modules"
    LESSONS = "lessons"


class ScoreRule(StrEnum):
    BEST = "best"
    LAST = "last"


class AnswerReveal(StrEnum):
    AFTER_SUBMISSION = "after-submission"
    AFTER_DUE = "after-due"
    NEVER = "never"


class Classroom(db.Model):
    """A class: a teacher (or several), learners, a join code, assignments."""

    __tablename__ = "classrooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Grade or group as the school says it ("Grade 7", "7B", "Adult evening class").
    group_label: Mapped[str | None] = mapped_column(String(100))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    join_code: Mapped[str] = mapped_column(String(16), unique=True, default=new_join_code)
    join_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    organization: Mapped[Organization | None] = relationship()
    members: Mapped[list[ClassroomMember]] = relationship(
        back_populates="classroom", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="classroom",
        cascade="all, delete-orphan",
        order_by="Assignment.created_at",
    )


class ClassroomMember(db.Model):
    """One person in one class, as a teacher (co-teachers too) or a learner."""

    __tablename__ = "classroom_members"
    __table_args__ = (UniqueConstraint("classroom_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(
        ForeignKey("classrooms.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=MemberRole.LEARNER.value)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """Lessons a teacher asks a class (or some of its learners) to do, maybe by a date."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(
        ForeignKey("classrooms.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    instructions: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(10), default=Scope.LESSONS.value)
    #: For a course or modules scope: the course it was taken from (org slug / course slug).
    course_key: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None]
    #: True: everyone who is (or later becomes) a learner of the class; False: the recipients.
    whole_class: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Quizzes as assessments: how many attempts count (None: all), which one, when answers show.
    attempts_counted: Mapped[int | None] = mapped_column(Integer)
    score_rule: Mapped[str] = mapped_column(String(10), default=ScoreRule.BEST.value)
    answer_reveal: Mapped[str] = mapped_column(
        String(20), default=AnswerReveal.AFTER_SUBMISSION.value
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None]

    classroom: Mapped[Classroom] = relationship(back_populates="assignments")
    lessons: Mapped[list[AssignmentLesson]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
        order_by="AssignmentLesson.position",
    )
    recipients: Mapped[list[AssignmentRecipient]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class AssignmentLesson(db.Model):
    """One lesson of an assignment, with the revision that was current when it was assigned."""

    __tablename__ = "assignment_lessons"
    __table_args__ = (UniqueConstraint("assignment_id", "lesson_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    lesson_uid: Mapped[str] = mapped_column(String(300), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    assigned_revision: Mapped[int] = mapped_column(Integer, default=1)

    assignment: Mapped[Assignment] = relationship(back_populates="lessons")


class AssignmentRecipient(db.Model):
    """A learner an assignment is for, when it is not for the whole class."""

    __tablename__ = "assignment_recipients"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    assignment: Mapped[Assignment] = relationship(back_populates="recipients")
