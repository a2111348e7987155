"""Catalog models: organizations contribute courses; courses hold modules; modules hold lessons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from eduhub.extensions import db
from eduhub.orm import utcnow


class Organization(db.Model):
    """A city, district or school that contributes content; every lesson names its city."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(120), index=True)
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    courses: Mapped[list[Course]] = relationship(back_populates="organization")

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class CourseSubject(db.Model):
    """One subject of a course; a table rather than JSON so the catalog can filter on it."""

    __tablename__ = "course_subjects"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("organization_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(10), index=True)
    language: Mapped[str] = mapped_column(String(35), index=True)
    license: Mapped[str] = mapped_column(String(40))
    authors: Mapped[list[Any]] = mapped_column(default=list)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    source_path: Mapped[str] = mapped_column(String(500))
    #: Where the pack comes from (a repository URL), shown in every lesson's attribution.
    source_url: Mapped[str | None] = mapped_column(String(500))
    #: How the pack was written: eduhub, jekyll, carpentries or d2l (see docs/importing.md).
    dialect: Mapped[str] = mapped_column(String(20), default="eduhub", server_default="eduhub")
    content_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="courses")
    subject_rows: Mapped[list[CourseSubject]] = relationship(
        cascade="all, delete-orphan", order_by=CourseSubject.subject
    )
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    @property
    def uid(self) -> str:
        """Hub-wide course id, ``ORG/COURSE``; used in URLs and the API."""
        return f"{self.organization.slug}/{self.slug}"

    @property
    def subjects(self) -> list[str]:
        return [row.subject for row in self.subject_rows]

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module",
        order_by="Lesson.position",
        primaryjoin="and_(Module.id == Lesson.module_id, Lesson.retired_at.is_(None))",
        viewonly=True,
    )


class Lesson(db.Model):
    """A lesson, identified hub-wide by ``uid`` which never changes; progress points at it."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(300), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    # A module can be removed from course.yml while its lessons live on (retired), so the link
    # is nullable rather than cascading.
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("modules.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list[Any]] = mapped_column(default=list)
    minutes: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(35))
    license: Mapped[str] = mapped_column(String(40))
    authors: Mapped[list[Any]] = mapped_column(default=list)
    translators: Mapped[list[Any]] = mapped_column(default=list, server_default=sql_text("'[]'"))
    #: Source metadata worth keeping that EduHub does not model (a DOI, reviewers, a date).
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql_text("'{}'"))
    translation_of_uid: Mapped[str | None] = mapped_column(String(300), index=True)
    source_path: Mapped[str] = mapped_column(String(500))
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    course: Mapped[Course] = relationship()
    module: Mapped[Module | None] = relationship(back_populates="lessons")
    revisions: Mapped[list[LessonRevision]] = relationship(
        back_populates="lesson",
        order_by="LessonRevision.number.desc()",
        cascade="all, delete-orphan",
    )
    current_revision: Mapped[LessonRevision] = relationship(
        primaryjoin=lambda: and_(
            foreign(LessonRevision.lesson_id) == Lesson.id,
            LessonRevision.number == Lesson.revision_number,
        ),
        viewonly=True,
        uselist=False,
    )

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Lesson {self.uid}>"


class LessonRevision(db.Model):
    """One imported version of a lesson: its source, and the HTML the renderer made of it."""

    __tablename__ = "lesson_revisions"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500))
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    toc: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    #: Snapshots of the revision's quizzes (eduhub.rendering.quizzes), graded on the server.
    quizzes: Mapped[list[Any]] = mapped_column(default=list, server_default=sql_text("'[]'"))
    renderer_version: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="revisions")


class MediaFile(db.Model):
    """An image that a pack ships beside its lessons, stored by content hash in the instance."""

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("organization_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContentGeneration(db.Model):
    """A counter the importer bumps in the same transaction as any catalog change.

    The search index records the generation it was built from, so every process can tell
    whether the index is current without asking the importer.
    """

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
