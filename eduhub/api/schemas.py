"""Every JSON shape under /api/v1, declared once: responses are built from these models, request
bodies are validated by them, and /api/v1/openapi.json is generated from them.

Response models are built from domain objects by their ``of()`` class methods (URLs are built
here, not in the ORM models); request models are strict, so ``"seconds": "10"`` or ``true`` is a
400 naming the field rather than a silent conversion.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from flask import request, url_for
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from eduhub.catalog import services

if TYPE_CHECKING:
    from eduhub.catalog.models import Course, Lesson, Organization
    from eduhub.progress.grading import Quiz, QuizResult
    from eduhub.progress.services import CourseSummary as ProgressSummary
    from eduhub.progress.services import Dashboard
    from eduhub.search.services import SearchResults


class Response(BaseModel):
    """What the API sends: every field always present (null when unknown), nothing else."""

    model_config = ConfigDict(extra="forbid")


#: Text a request may carry: no control characters but tab and line breaks (eduhub.guards).
NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NO_CONTROL_CHARACTER = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


#: Request text of any length, then bounded kinds of it.
Text = Annotated[str, StringConstraints(pattern=NO_CONTROL)]
Filter = Annotated[str, StringConstraints(max_length=100, pattern=NO_CONTROL)]
CourseId = Annotated[str, StringConstraints(max_length=201, pattern=NO_CONTROL)]
Anchor = Annotated[str, StringConstraints(max_length=200, pattern=NO_CONTROL)]
QuizId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROL)]
AnswerText = Annotated[str, StringConstraints(max_length=2000, pattern=NO_CONTROL)]


class Body(BaseModel):
    """What the API accepts: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --------------------------------------------------------------------------- errors


class ErrorDetail(Response):
    code: int
    name: str
    message: str
    #: Request fields that failed validation, as ``answers.q1`` → what is wrong with it.
    fields: dict[str, str] | None = None


class Error(Response):
    error: ErrorDetail


# --------------------------------------------------------------------------- catalog


class OrganizationOut(Response):
    slug: str
    name: str
    kind: str
    city: str | None
    region: str | None
    country: str | None
    website: str | None
    url: str

    @classmethod
    def of(cls, org: Organization) -> OrganizationOut:
        return cls(
            slug=org.slug,
            name=org.name,
            kind=org.kind,
            city=org.city,
            region=org.region,
            country=org.country,
            website=org.website,
            url=url_for("catalog.organization", slug=org.slug, _external=True),
        )


class CourseSummaryOut(Response):
    id: str
    title: str
    summary: str | None
    subjects: list[str]
    level: str | None
    language: str
    license: str
    authors: list[str]
    source_url: str | None
    organization: OrganizationOut
    retired: bool
    url: str
    api_url: str

    @classmethod
    def fields_of(cls, course: Course) -> dict[str, Any]:
        return {
            "id": course.uid,
            "title": course.title,
            "summary": course.summary,
            "subjects": course.subjects,
            "level": course.level,
            "language": course.language,
            "license": course.license,
            "authors": course.authors,
            "source_url": course.source_url,
            "organization": OrganizationOut.of(course.organization),
            "retired": course.retired_at is not None,
            "url": url_for(
                "catalog.course",
                org_slug=course.organization.slug,
                course_slug=course.slug,
                _external=True,
            ),
            "api_url": url_for("api.course", course_id=course.uid, _external=True),
        }

    @classmethod
    def of(cls, course: Course) -> CourseSummaryOut:
        return cls(**cls.fields_of(course))


class CoursePage(Response):
    courses: list[CourseSummaryOut]
    page: int
    per_page: int
    total: int
    pages: int
    next: str | None
    prev: str | None


class LessonSummaryOut(Response):
    id: str
    title: str
    summary: str | None
    minutes: int
    url: str
    api_url: str

    @classmethod
    def fields_of(cls, lesson: Lesson) -> dict[str, Any]:
        return {
            "id": lesson.uid,
            "title": lesson.title,
            "summary": lesson.summary,
            "minutes": lesson.minutes,
            "url": url_for("catalog.lesson", uid=lesson.uid, _external=True),
            "api_url": url_for("api.lesson", uid=lesson.uid, _external=True),
        }

    @classmethod
    def of(cls, lesson: Lesson) -> LessonSummaryOut:
        return cls(**cls.fields_of(lesson))


class ModuleOut(Response):
    slug: str
    title: str
    summary: str | None
    lessons: list[LessonSummaryOut]


class CourseDetailOut(CourseSummaryOut):
    modules: list[ModuleOut]
    minutes: int

    @classmethod
    def of(cls, course: Course) -> CourseDetailOut:
        return cls(
            **cls.fields_of(course),
            modules=[
                ModuleOut(
                    slug=module.slug,
                    title=module.title,
                    summary=module.summary,
                    lessons=[LessonSummaryOut.of(lesson) for lesson in module.lessons],
                )
                for module in course.modules
            ],
            minutes=services.course_minutes(course),
        )


class CourseRef(Response):
    id: str
    title: str
    api_url: str


class Attribution(Response):
    organization: OrganizationOut
    authors: list[str]
    translators: list[str]
    license: str
    license_url: str | None
    source_path: str
    source_url: str | None
    doi: str | None


class RevisionOut(Response):
    number: int
    content_hash: str
    imported_at: str
    renderer_version: int


class TocEntry(Response):
    level: int
    anchor: str
    title: str


class LessonDetailOut(LessonSummaryOut):
    objectives: list[str]
    tags: list[str]
    language: str
    retired: bool
    course: CourseRef
    module: str | None
    translation_of: str | None
    attribution: Attribution
    revision: RevisionOut
    toc: list[TocEntry]
    html: str

    @classmethod
    def of(cls, lesson: Lesson) -> LessonDetailOut:
        revision = lesson.current_revision
        doi = lesson.extra.get("doi")
        return cls(
            **cls.fields_of(lesson),
            objectives=lesson.objectives,
            tags=lesson.tags,
            language=lesson.language,
            retired=lesson.is_retired,
            course=CourseRef(
                id=lesson.course.uid,
                title=lesson.course.title,
                api_url=url_for("api.course", course_id=lesson.course.uid, _external=True),
            ),
            module=lesson.module.title if lesson.module else None,
            translation_of=lesson.translation_of_uid,
            attribution=Attribution(
                organization=OrganizationOut.of(lesson.organization),
                authors=lesson.authors,
                translators=lesson.translators,
                license=lesson.license,
                license_url=services.license_url(lesson.license),
                source_path=lesson.source_path,
                source_url=lesson.course.source_url,
                doi=str(doi) if doi is not None else None,
            ),
            revision=RevisionOut(
                number=revision.number,
                content_hash=revision.content_hash,
                imported_at=revision.imported_at.isoformat(),
                renderer_version=revision.renderer_version,
            ),
            toc=[TocEntry(**entry) for entry in revision.toc],
            html=revision.html,
        )


# --------------------------------------------------------------------------- search


class Query(BaseModel):
    """A query string: values arrive as text, so numbers are parsed (not strict)."""

    model_config = ConfigDict(extra="ignore")


class SearchQuery(Query):
    #: Any length: the search service shortens long queries itself, and says so.
    q: Annotated[Text, Field(description="the words to look for")] = ""
    lang: Annotated[Filter, Field(description="a language code, such as es")] = ""
    subject: Annotated[Filter, Field(description="a subject, such as mathematics")] = ""
    level: Annotated[Filter, Field(description="a grade band, such as 6-8")] = ""
    org: Annotated[Filter, Field(description="an organization's slug")] = ""
    course: Annotated[CourseId, Field(description="a course id, ORG/COURSE")] = ""
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    sort: Literal["relevance", "newest"] = "relevance"


class SearchHitOut(Response):
    id: str
    kind: str
    title: str
    url: str
    snippet: str
    score: float
    course: str
    course_title: str
    organization: str
    organization_name: str
    language: str


class FacetCount(Response):
    value: str
    count: int


class SearchResultsOut(Response):
    query: str
    total: int
    page: int
    pages: int
    per_page: int
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetCount]]
    filters: dict[str, str]
    suggestion: str | None
    fuzzy_used: bool
    message: str | None
    generation: int | None

    @classmethod
    def of(cls, results: SearchResults) -> SearchResultsOut:
        host = request.host_url.rstrip("/")
        return cls(
            query=results.query,
            total=results.total,
            page=results.page,
            pages=results.pages,
            per_page=results.per_page,
            hits=[
                SearchHitOut(
                    id=hit.id,
                    kind=hit.kind,
                    title=hit.title,
                    url=host + hit.url,
                    snippet=hit.snippet,
                    score=round(hit.score, 4),
                    course=hit.course,
                    course_title=hit.course_title,
                    organization=hit.org,
                    organization_name=hit.org_name,
                    language=hit.language,
                )
                for hit in results.hits
            ],
            facets={
                name: [FacetCount(value=v, count=c) for v, c in values]
                for name, values in results.facets.items()
            },
            filters=results.filters,
            suggestion=results.suggestion,
            fuzzy_used=results.fuzzy_used,
            message=results.message,
            generation=results.generation,
        )


# --------------------------------------------------------------------------- the learner's own


class LessonProgressOut(Response):
    lesson: str
    status: str
    started_at: str
    last_seen_at: str
    completed_at: str | None
    time_spent_seconds: int
    last_heading: str | None


class AnswerOut(Response):
    question: str
    given: list[Any]
    correct: bool


class QuizAttemptOut(Response):
    lesson: str
    quiz: str
    revision: int | None
    score: float
    passed: bool | None
    at: str
    answers: list[AnswerOut]


class CourseCompletionOut(Response):
    course_id: str
    token: str
    at: str


class MyProgress(Response):
    lessons: list[LessonProgressOut]
    quiz_attempts: list[QuizAttemptOut]
    course_completions: list[CourseCompletionOut]


class MyCourse(Response):
    id: str
    title: str
    done: int
    total: int
    percent: int
    completed_at: str | None
    certificate_url: str | None
    url: str

    @classmethod
    def of(cls, item: ProgressSummary) -> MyCourse:
        completion = item.completion
        return cls(
            id=item.course.uid,
            title=item.course.title,
            done=item.done,
            total=item.total,
            percent=item.percent,
            completed_at=completion.completed_at.isoformat() if completion else None,
            certificate_url=url_for("progress.completion", token=completion.token, _external=True)
            if completion
            else None,
            url=url_for(
                "catalog.course",
                org_slug=item.course.organization.slug,
                course_slug=item.course.slug,
                _external=True,
            ),
        )


class ResumeOut(Response):
    lesson: str
    heading: str | None
    url: str


class MyCourses(Response):
    in_progress: list[MyCourse]
    completed: list[MyCourse]
    resume: ResumeOut | None
    time_spent_seconds: int
    lessons_completed: int

    @classmethod
    def of(cls, board: Dashboard) -> MyCourses:
        resume = board.resume
        return cls(
            in_progress=[MyCourse.of(item) for item in board.in_progress],
            completed=[MyCourse.of(item) for item in board.completed],
            resume=ResumeOut(
                lesson=resume.lesson.uid,
                heading=resume.heading,
                url=url_for("catalog.lesson", uid=resume.lesson.uid, _external=True),
            )
            if resume
            else None,
            time_spent_seconds=board.time_spent_seconds,
            lessons_completed=board.lessons_completed,
        )


# --------------------------------------------------------------------------- writes


class CompletionOut(Response):
    lesson: str
    status: str
    completed_at: str | None
    course_completed: bool


class ProgressReport(Body):
    """Time on page and the last heading reached, from the page script."""

    seconds: Annotated[
        int, Field(ge=0, description="whole seconds on the page since the last report")
    ] = 0
    heading: Anchor | None = None


class Ok(Response):
    ok: Literal[True]


#: One question's answer: the chosen choice ids, or the one text typed.
Answer: TypeAlias = Annotated[list[AnswerText], Field(max_length=50)] | AnswerText


class QuizSubmission(Body):
    quiz: Annotated[QuizId, Field(description="the quiz's id")]
    #: Question id → answer. Keys are checked like text by the validator below; the schema
    #: says so with propertyNames (pydantic would write patternProperties, which lets any
    #: other key through unchecked).
    answers: Annotated[
        dict[str, Answer],
        Field(
            max_length=200,
            json_schema_extra={"propertyNames": {"maxLength": 200, "pattern": NO_CONTROL}},
        ),
    ] = Field(default_factory=dict)

    @field_validator("answers")
    @classmethod
    def _question_ids_are_text(cls, answers: dict[str, Any]) -> dict[str, Any]:
        for key in answers:
            if len(key) > 200 or re.search(NO_CONTROL_CHARACTER, key):
                raise ValueError(f"{key[:40]!r} is not a question id")
        return answers


class QuestionOut(Response):
    id: str
    correct: bool
    answered: bool
    feedback_html: list[str]
    expected_html: str


class QuizResultOut(Response):
    quiz: str
    score: float
    correct: int
    total: int
    passed: bool | None
    stored_attempt: int | None
    questions: list[QuestionOut]

    @classmethod
    def of(
        cls, quiz: Quiz, result: QuizResult, stored: int | None, *, reveal: bool = True
    ) -> QuizResultOut:
        """``reveal`` False blanks the expected answers until the quiz's rule lets them show."""
        return cls(
            quiz=quiz.id,
            score=result.score,
            correct=result.correct_count,
            total=result.total,
            passed=result.passed,
            stored_attempt=stored,
            questions=[
                QuestionOut(
                    id=q.question_id,
                    correct=q.correct,
                    answered=q.answered,
                    feedback_html=list(q.feedback_html),
                    expected_html=q.expected_html if reveal else "",
                )
                for q in result.questions
            ],
        )
