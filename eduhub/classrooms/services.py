"""Running classes: create, join, manage the roster; assign lessons and tell learners where they
stand. Every function takes the session first, checks who may do it, and only adds and flushes
(the request or CLI command commits)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from eduhub.accounts.models import User
from eduhub.accounts.permissions import Permission, has_permission
from eduhub.catalog.models import Course, Lesson, Module, Organization
from eduhub.classrooms.models import (
    JOIN_CODE_ALPHABET,
    AnswerReveal,
    Assignment,
    AssignmentLesson,
    AssignmentRecipient,
    Classroom,
    ClassroomMember,
    MemberRole,
    Scope,
    ScoreRule,
    new_join_code,
)
from eduhub.classrooms.permissions import member_role
from eduhub.classrooms.scoring import counted_attempt
from eduhub.orm import utcnow
from eduhub.progress.models import LessonProgress, QuizAttempt, Status

NAME_MAX_LENGTH = 200
GROUP_MAX_LENGTH = 100
TITLE_MAX_LENGTH = 300
INSTRUCTIONS_MAX_LENGTH = 5000
ROSTER_PAGE_SIZE = 50
MAX_ATTEMPTS_COUNTED = 100

T = TypeVar("T")


# --------------------------------------------------------------------------- errors


class ClassroomError(Exception):
    """Something a teacher or learner asked for that cannot be done; the message says why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(ClassroomError):
    """No such class or assignment — or not one of yours: the same answer, so ids cannot be
    probed."""


class JoinRefused(ClassroomError):
    """A wrong, disabled or archived join code."""


class InvalidData(ClassroomError):
    """A form value the service refuses (views show it next to ``field``)."""


def _as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- classes


def may_teach(user: User) -> bool:
    return has_permission(user, Permission.CLASSROOM_MANAGE)


def _clean(value: str | None, max_length: int, field: str, label: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > max_length:
        raise InvalidData(f"{label} is too long: use at most {max_length} characters.", field)
    return text


def create_classroom(
    session: Session,
    teacher: User,
    *,
    name: str,
    group_label: str | None = None,
    organization_id: int | None = None,
) -> Classroom:
    """A new class with ``teacher`` as its first teacher and a fresh join code."""
    if not may_teach(teacher):
        raise ClassroomError("Only teachers can create classes; ask an administrator.")
    clean_name = _clean(name, NAME_MAX_LENGTH, "name", "The name")
    if not clean_name:
        raise InvalidData("Give the class a name.", "name")
    if organization_id is not None and session.get(Organization, organization_id) is None:
        raise InvalidData("Choose an organization from the list.", "organization_id")
    classroom = Classroom(
        name=clean_name,
        group_label=_clean(group_label, GROUP_MAX_LENGTH, "group_label", "The group") or None,
        organization_id=organization_id,
        created_by_id=teacher.id,
        join_code=_unused_code(session),
    )
    classroom.members.append(ClassroomMember(user_id=teacher.id, role=MemberRole.TEACHER.value))
    session.add(classroom)
    session.flush()
    return classroom


def _unused_code(session: Session) -> str:
    # 31**8 codes: a clash is astronomically rare, but checking costs one indexed query.
    while True:
        code = new_join_code()
        if session.scalar(select(Classroom.id).where(Classroom.join_code == code)) is None:
            return code


def organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))


@dataclass(frozen=True)
class ClassSummary:
    classroom: Classroom
    role: MemberRole
    learners: int


def my_classes(session: Session, user_id: int, *, archived: bool = False) -> list[ClassSummary]:
    """The classes the user teaches or learns in (live ones, or archived ones), in two queries."""
    rows = session.execute(
        select(Classroom, ClassroomMember.role)
        .join(ClassroomMember, ClassroomMember.classroom_id == Classroom.id)
        .where(
            ClassroomMember.user_id == user_id,
            Classroom.archived_at.is_not(None) if archived else Classroom.archived_at.is_(None),
        )
        .order_by(Classroom.name, Classroom.id)
    ).all()
    ids = [classroom.id for classroom, _ in rows]
    counts = dict(
        session.execute(
            select(ClassroomMember.classroom_id, func.count(ClassroomMember.id))
            .where(
                ClassroomMember.classroom_id.in_(ids),
                ClassroomMember.role == MemberRole.LEARNER.value,
            )
            .group_by(ClassroomMember.classroom_id)
        ).all()
    )
    return [
        ClassSummary(classroom, MemberRole(role), counts.get(classroom.id, 0))
        for classroom, role in rows
    ]


def get_classroom(
    session: Session, user_id: int, classroom_id: int
) -> tuple[Classroom, MemberRole]:
    """The class and the user's role in it; NotFound when they are not in it."""
    role = member_role(session, user_id, classroom_id)
    classroom = session.get(Classroom, classroom_id) if role is not None else None
    if classroom is None or role is None:
        raise NotFound("No class with that number is yours.")
    return classroom, role


def taught_classroom(session: Session, user_id: int, classroom_id: int) -> Classroom:
    """A class the user teaches (archived ones too: their history stays readable)."""
    classroom, role = get_classroom(session, user_id, classroom_id)
    if role is not MemberRole.TEACHER:
        raise NotFound("No class with that number is yours.")
    return classroom


def _live(classroom: Classroom) -> None:
    if classroom.archived_at is not None:
        raise ClassroomError("This class is archived: nothing in it can change.")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with what the pagination macro needs."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def members(
    session: Session, classroom_id: int, role: MemberRole, *, page: int = 1, per_page: int = 0
) -> Page[ClassroomMember]:
    """Members of one role by name; ``per_page`` 0 lists them all."""
    query = (
        select(ClassroomMember)
        .join(User, User.id == ClassroomMember.user_id)
        .where(ClassroomMember.classroom_id == classroom_id, ClassroomMember.role == role.value)
        .options(selectinload(ClassroomMember.user))
        .order_by(func.lower(User.display_name), User.id)
    )
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if per_page <= 0:
        return Page(list(session.scalars(query)), 1, max(total, 1), total)
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def normalise_code(code: str) -> str:
    """What the learner typed, as stored: capitals, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", code or "").upper()[:32]


def looks_like_code(code: str) -> bool:
    return len(code) >= 4 and all(char in JOIN_CODE_ALPHABET for char in code)


def classroom_for_code(session: Session, code: str) -> Classroom:
    """The class a join code opens; JoinRefused (with a message to show) when none does."""
    normal = normalise_code(code)
    classroom = None
    if looks_like_code(normal):
        classroom = session.scalars(
            select(Classroom).where(Classroom.join_code == normal)
        ).one_or_none()
    if classroom is None:
        raise JoinRefused(
            "No class has that code. Check it with your teacher: codes have 8 letters and "
            "digits, without 0, O, 1, I or L."
        )
    if classroom.archived_at is not None or not classroom.join_enabled:
        raise JoinRefused(
            "This class is not taking new members with that code. Ask your teacher for a new one."
        )
    return classroom


@dataclass(frozen=True)
class Joined:
    classroom: Classroom
    role: MemberRole
    #: False when the user was already in the class (joining twice is harmless).
    new: bool


def join(session: Session, user: User, code: str) -> Joined:
    """Join the class the code opens, as a learner; already in it, nothing changes."""
    classroom = classroom_for_code(session, code)
    role = member_role(session, user.id, classroom.id)
    if role is not None:
        return Joined(classroom, role, new=False)
    try:
        with session.begin_nested():
            session.add(
                ClassroomMember(
                    classroom_id=classroom.id, user_id=user.id, role=MemberRole.LEARNER.value
                )
            )
    except IntegrityError:  # the same learner joining from two tabs at once
        role = member_role(session, user.id, classroom.id) or MemberRole.LEARNER
        return Joined(classroom, role, new=False)
    return Joined(classroom, MemberRole.LEARNER, new=True)


def regenerate_code(session: Session, classroom: Classroom) -> str:
    """A new join code; the old one stops working at once. Members stay."""
    _live(classroom)
    classroom.join_code = _unused_code(session)
    session.flush()
    return classroom.join_code


def set_joining(session: Session, classroom: Classroom, enabled: bool) -> None:
    _live(classroom)
    classroom.join_enabled = enabled
    session.flush()


def _membership(session: Session, classroom_id: int, user_id: int) -> ClassroomMember | None:
    return session.scalars(
        select(ClassroomMember).where(
            ClassroomMember.classroom_id == classroom_id, ClassroomMember.user_id == user_id
        )
    ).one_or_none()


def learner_in(session: Session, classroom: Classroom, user_id: int) -> ClassroomMember:
    member = _membership(session, classroom.id, user_id)
    if member is None or member.role != MemberRole.LEARNER.value:
        raise NotFound("That learner is not in this class.")
    return member


def _drop_member(session: Session, classroom: Classroom, member: ClassroomMember) -> None:
    # Assignments addressed to them in this class forget them too; their progress stays.
    session.execute(
        AssignmentRecipient.__table__.delete().where(
            AssignmentRecipient.user_id == member.user_id,
            AssignmentRecipient.assignment_id.in_(
                select(Assignment.id).where(Assignment.classroom_id == classroom.id)
            ),
        )
    )
    session.delete(member)
    session.flush()


def remove_learner(session: Session, classroom: Classroom, user_id: int) -> User:
    """Take a learner off the roster. Their progress and attempts are theirs and stay."""
    _live(classroom)
    member = learner_in(session, classroom, user_id)
    user = member.user
    _drop_member(session, classroom, member)
    return user


def add_co_teacher(session: Session, classroom: Classroom, who: str) -> User:
    """Make another teacher (found by username or email) a teacher of this class too."""
    _live(classroom)
    key = (who or "").strip().lower()
    if not key:
        raise InvalidData("Enter the username or email of the teacher to add.", "who")
    user = session.scalars(
        select(User).where(or_(User.username == key, func.lower(User.email) == key))
    ).first()
    if user is None or not user.is_active:
        raise InvalidData("No account has that username or email.", "who")
    if not may_teach(user):
        raise InvalidData(
            f"{user.display_name} is not a teacher: an administrator must give them the "
            "teacher role first.",
            "who",
        )
    member = _membership(session, classroom.id, user.id)
    if member is None:
        session.add(
            ClassroomMember(classroom_id=classroom.id, user_id=user.id, role=MemberRole.TEACHER)
        )
    else:  # a teacher who had joined as a learner becomes a teacher of it
        member.role = MemberRole.TEACHER.value
    session.flush()
    return user


def archive(session: Session, classroom: Classroom) -> None:
    """Close the class: no joining, no changes; teachers and learners can still read it."""
    _live(classroom)
    classroom.archived_at = utcnow()
    classroom.join_enabled = False
    session.flush()


def leave(session: Session, user_id: int, classroom_id: int) -> Classroom:
    """A learner leaves a class; their own progress stays theirs."""
    classroom, role = get_classroom(session, user_id, classroom_id)
    if role is not MemberRole.LEARNER:
        raise ClassroomError("Teachers cannot leave their class; archive it instead.")
    member = learner_in(session, classroom, user_id)
    _drop_member(session, classroom, member)
    return classroom


# --------------------------------------------------------------------------- assignments


def assignable_courses(session: Session) -> list[Course]:
    return list(
        session.scalars(
            select(Course)
            .where(Course.retired_at.is_(None))
            .options(selectinload(Course.organization))
            .order_by(Course.title, Course.id)
        )
    )


def course_by_key(session: Session, key: str) -> Course:
    """A live course by ``org-slug/course-slug``."""
    org_slug, _, course_slug = (key or "").partition("/")
    course = session.scalars(
        select(Course)
        .join(Organization, Organization.id == Course.organization_id)
        .where(
            Organization.slug == org_slug, Course.slug == course_slug, Course.retired_at.is_(None)
        )
        .options(selectinload(Course.modules).selectinload(Module.lessons))
    ).one_or_none()
    if course is None:
        raise InvalidData("Choose a course from the list.", "course")
    return course


@dataclass(frozen=True)
class AssignmentSpec:
    """What the teacher chose on the form, checked by :func:`assign`."""

    title: str
    scope: Scope
    course_key: str
    module_ids: Sequence[int] = ()
    lesson_uids: Sequence[str] = ()
    due_at: datetime | None = None
    instructions: str = ""
    #: None: the whole class; else these learners of it.
    learner_ids: Sequence[int] | None = None
    attempts_counted: int | None = None
    score_rule: ScoreRule = ScoreRule.BEST
    answer_reveal: AnswerReveal = AnswerReveal.AFTER_SUBMISSION


def _chosen_lessons(course: Course, spec: AssignmentSpec) -> list[Lesson]:
    if spec.scope is Scope.COURSE:
        chosen = [lesson for module in course.modules for lesson in module.lessons]
    elif spec.scope is Scope.MODULES:
        wanted = set(spec.module_ids)
        chosen = [m_lesson for m in course.modules if m.id in wanted for m_lesson in m.lessons]
        if not chosen:
            raise InvalidData("Choose at least one module with lessons in it.", "modules")
    else:
        wanted_uids = set(spec.lesson_uids)
        chosen = [
            lesson
            for module in course.modules
            for lesson in module.lessons
            if lesson.uid in wanted_uids
        ]
        if not chosen:
            raise InvalidData("Choose at least one lesson.", "lessons")
    if not chosen:
        raise InvalidData("That course has no lessons to assign.", "course")
    return chosen


def _learner_ids(session: Session, classroom: Classroom, wanted: Iterable[int]) -> list[int]:
    wanted = set(wanted)
    found = set(
        session.scalars(
            select(ClassroomMember.user_id).where(
                ClassroomMember.classroom_id == classroom.id,
                ClassroomMember.role == MemberRole.LEARNER.value,
                ClassroomMember.user_id.in_(wanted),
            )
        )
    )
    if not found or found != wanted:
        raise InvalidData("Choose learners of this class, or the whole class.", "learners")
    return sorted(found)


def _check_common(spec: AssignmentSpec) -> tuple[str, str | None]:
    title = _clean(spec.title, TITLE_MAX_LENGTH, "title", "The title")
    instructions = (spec.instructions or "").strip()
    if len(instructions) > INSTRUCTIONS_MAX_LENGTH:
        raise InvalidData(
            f"Instructions are too long: use at most {INSTRUCTIONS_MAX_LENGTH} characters.",
            "instructions",
        )
    if spec.attempts_counted is not None and not 1 <= spec.attempts_counted <= MAX_ATTEMPTS_COUNTED:
        raise InvalidData(
            f"Count between 1 and {MAX_ATTEMPTS_COUNTED} attempts, or leave it empty for all.",
            "attempts_counted",
        )
    return title, instructions or None


def assign(
    session: Session, classroom: Classroom, teacher_id: int, spec: AssignmentSpec
) -> Assignment:
    """Assign a course, modules or lessons of one course to the class or some of its learners.

    A course or module scope is expanded into its lessons now, each with its current revision:
    a teacher assigns what they saw.
    """
    _live(classroom)
    title, instructions = _check_common(spec)
    course = course_by_key(session, spec.course_key)
    lessons = _chosen_lessons(course, spec)
    if not title:
        title = course.title if spec.scope is Scope.COURSE or len(lessons) > 1 else lessons[0].title
        title = title[:TITLE_MAX_LENGTH]
    learner_ids = (
        None if spec.learner_ids is None else _learner_ids(session, classroom, spec.learner_ids)
    )
    assignment = Assignment(
        classroom_id=classroom.id,
        title=title,
        instructions=instructions,
        scope=spec.scope.value,
        course_key=course.uid,
        due_at=spec.due_at,
        whole_class=learner_ids is None,
        attempts_counted=spec.attempts_counted,
        score_rule=spec.score_rule.value,
        answer_reveal=spec.answer_reveal.value,
        created_by_id=teacher_id,
    )
    for position, lesson in enumerate(lessons):
        assignment.lessons.append(
            AssignmentLesson(
                lesson_uid=lesson.uid, position=position, assigned_revision=lesson.revision_number
            )
        )
    for user_id in learner_ids or ():
        assignment.recipients.append(AssignmentRecipient(user_id=user_id))
    session.add(assignment)
    session.flush()
    return assignment


def get_assignment(session: Session, classroom: Classroom, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.classroom_id != classroom.id:
        raise NotFound("No assignment with that number in this class.")
    return assignment


def update_assignment(session: Session, assignment: Assignment, spec: AssignmentSpec) -> Assignment:
    """Change what an assignment asks (title, date, instructions, who, quiz rules); its lessons
    stay as assigned (withdraw it and assign again to change them)."""
    _live(assignment.classroom)
    if assignment.withdrawn_at is not None:
        raise ClassroomError("This assignment was withdrawn; assign the lessons again instead.")
    title, instructions = _check_common(spec)
    learner_ids = (
        None
        if spec.learner_ids is None
        else _learner_ids(session, assignment.classroom, spec.learner_ids)
    )
    assignment.title = title or assignment.title
    assignment.instructions = instructions
    assignment.due_at = spec.due_at
    assignment.attempts_counted = spec.attempts_counted
    assignment.score_rule = spec.score_rule.value
    assignment.answer_reveal = spec.answer_reveal.value
    assignment.whole_class = learner_ids is None
    wanted = set(learner_ids or ())
    for recipient in list(assignment.recipients):
        if recipient.user_id not in wanted:
            assignment.recipients.remove(recipient)
    have = {recipient.user_id for recipient in assignment.recipients}
    for user_id in sorted(wanted - have):
        assignment.recipients.append(AssignmentRecipient(user_id=user_id))
    session.flush()
    return assignment


def withdraw(session: Session, assignment: Assignment) -> None:
    """Withdraw an assignment: learners no longer see it; the teacher's history keeps it."""
    _live(assignment.classroom)
    if assignment.withdrawn_at is None:
        assignment.withdrawn_at = utcnow()
        session.flush()


# --------------------------------------------------------------------------- where learners stand


class AssignmentState(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    OVERDUE = "overdue"


class Change(StrEnum):
    REVISED = "revised"
    RETIRED = "retired"


@dataclass(frozen=True)
class AssignedLesson:
    link: AssignmentLesson
    lesson: Lesson | None
    status: str | None  # the learner's progress status, None when never opened

    @property
    def change(self) -> Change | None:
        """Whether the lesson changed since it was assigned (flagged to both sides)."""
        return lesson_change(self.link, self.lesson)

    @property
    def done(self) -> bool:
        return self.status == Status.COMPLETED.value


def lesson_change(link: AssignmentLesson, lesson: Lesson | None) -> Change | None:
    if lesson is None or lesson.retired_at is not None:
        return Change.RETIRED
    if lesson.revision_number > link.assigned_revision:
        return Change.REVISED
    return None


@dataclass(frozen=True)
class LearnerAssignment:
    assignment: Assignment
    lessons: list[AssignedLesson]
    state: AssignmentState
    #: The first assigned lesson the learner has not finished (None when all are done).
    next_lesson: Lesson | None

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.lessons if item.done)

    @property
    def changed(self) -> list[AssignedLesson]:
        return [item for item in self.lessons if item.change is not None]


def assignment_state(
    lessons: Sequence[AssignedLesson], due_at: datetime | None, now: datetime
) -> AssignmentState:
    """Done when every live assigned lesson is complete; overdue when not, past the due date."""
    live = [item for item in lessons if item.change is not Change.RETIRED] or list(lessons)
    if live and all(item.done for item in live):
        return AssignmentState.DONE
    due = _as_utc(due_at)
    if due is not None and now > due:
        return AssignmentState.OVERDUE
    if any(item.status is not None for item in lessons):
        return AssignmentState.IN_PROGRESS
    return AssignmentState.NOT_STARTED


@dataclass
class ClassAssignments:
    classroom: Classroom
    items: list[LearnerAssignment] = field(default_factory=list)


def _visible_to(user_id: int) -> Select[int]:
    """Ids of the live assignments a learner has: their classes', whole-class or addressed to
    them, not withdrawn, in a class not archived."""
    mine = select(ClassroomMember.classroom_id).where(
        ClassroomMember.user_id == user_id, ClassroomMember.role == MemberRole.LEARNER.value
    )
    return (
        select(Assignment.id)
        .join(Classroom, Classroom.id == Assignment.classroom_id)
        .where(
            Assignment.classroom_id.in_(mine),
            Assignment.withdrawn_at.is_(None),
            Classroom.archived_at.is_(None),
            or_(
                Assignment.whole_class.is_(True),
                Assignment.id.in_(
                    select(AssignmentRecipient.assignment_id).where(
                        AssignmentRecipient.user_id == user_id
                    )
                ),
            ),
        )
    )


def _learner_assignments_query(user_id: int, classroom_id: int | None = None) -> Select[Assignment]:
    query = (
        select(Assignment)
        .join(Classroom, Classroom.id == Assignment.classroom_id)
        .where(Assignment.id.in_(_visible_to(user_id)))
        .options(selectinload(Assignment.lessons), selectinload(Assignment.classroom))
        .order_by(Classroom.name, Classroom.id, Assignment.due_at, Assignment.id)
    )
    if classroom_id is not None:
        query = query.where(Assignment.classroom_id == classroom_id)
    return query


def assigned_to(
    session: Session, user_id: int, *, now: datetime | None = None, classroom_id: int | None = None
) -> list[ClassAssignments]:
    """A learner's live assignments grouped by class, each with its state and next lesson.

    A fixed number of queries however many assignments: the assignments (with their lessons
    and classes), the lessons by uid, and one query for the learner's progress rows over every
    assigned lesson uid.
    """
    now = now or utcnow()
    assignments = list(session.scalars(_learner_assignments_query(user_id, classroom_id)))
    if not assignments:
        return []
    uids = {link.lesson_uid for assignment in assignments for link in assignment.lessons}
    lessons = {
        lesson.uid: lesson for lesson in session.scalars(select(Lesson).where(Lesson.uid.in_(uids)))
    }
    status = dict(
        session.execute(
            select(LessonProgress.lesson_uid, LessonProgress.status).where(
                LessonProgress.user_id == user_id, LessonProgress.lesson_uid.in_(uids)
            )
        ).all()
    )
    groups: dict[int, ClassAssignments] = {}
    for assignment in assignments:
        items = [
            AssignedLesson(link, lessons.get(link.lesson_uid), status.get(link.lesson_uid))
            for link in assignment.lessons
        ]
        next_lesson = next(
            (
                item.lesson
                for item in items
                if not item.done and item.lesson is not None and item.lesson.retired_at is None
            ),
            None,
        )
        group = groups.setdefault(assignment.classroom_id, ClassAssignments(assignment.classroom))
        group.items.append(
            LearnerAssignment(
                assignment, items, assignment_state(items, assignment.due_at, now), next_lesson
            )
        )
    return list(groups.values())


@dataclass(frozen=True)
class TeacherAssignment:
    assignment: Assignment
    lessons: list[tuple[AssignmentLesson, Lesson | None]]
    recipients: list[User]

    @property
    def changed(self) -> list[tuple[AssignmentLesson, Lesson | None, Change]]:
        found = []
        for link, lesson in self.lessons:
            change = lesson_change(link, lesson)
            if change is not None:
                found.append((link, lesson, change))
        return found


def class_assignments(session: Session, classroom: Classroom) -> list[TeacherAssignment]:
    """Every assignment of the class, withdrawn ones too (history), in four queries."""
    assignments = list(
        session.scalars(
            select(Assignment)
            .where(Assignment.classroom_id == classroom.id)
            .options(selectinload(Assignment.lessons), selectinload(Assignment.recipients))
            .order_by(
                Assignment.withdrawn_at.is_not(None),
                Assignment.created_at.desc(),
                Assignment.id.desc(),
            )
        )
    )
    uids = {link.lesson_uid for assignment in assignments for link in assignment.lessons}
    lessons = (
        {
            lesson.uid: lesson
            for lesson in session.scalars(select(Lesson).where(Lesson.uid.in_(uids)))
        }
        if uids
        else {}
    )
    user_ids = {r.user_id for assignment in assignments for r in assignment.recipients}
    users = (
        {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return [
        TeacherAssignment(
            assignment,
            [(link, lessons.get(link.lesson_uid)) for link in assignment.lessons],
            [users[r.user_id] for r in assignment.recipients if r.user_id in users],
        )
        for assignment in assignments
    ]


# --------------------------------------------------------------------------- the lesson page


@dataclass(frozen=True)
class QuizCount:
    """How an assigned quiz counts for the learner: "attempt 2 of 3, best score 80%"."""

    quiz_id: str
    attempts: int
    attempts_counted: int | None
    rule: ScoreRule
    score: float | None

    @property
    def summary(self) -> str:
        """``attempt 2 of 3, best score 80%``; attempts past the counted ones are practice."""
        if self.attempts == 0:
            text = "no attempt yet"
        elif self.attempts_counted is not None and self.attempts > self.attempts_counted:
            text = f"attempt {self.attempts} (only the first {self.attempts_counted} count)"
        else:
            text = f"attempt {self.attempts}"
            if self.attempts_counted is not None:
                text += f" of {self.attempts_counted}"
        if self.score is not None:
            text += f", {self.rule.value} score {self.score:g}%"
        return text


@dataclass(frozen=True)
class LessonAssignment:
    assignment: Assignment
    link: AssignmentLesson
    change: Change | None
    quizzes: dict[str, QuizCount]


def lesson_assignments(
    session: Session, user_id: int, lesson: Lesson, quiz_ids: Sequence[str] = ()
) -> list[LessonAssignment]:
    """The learner's live assignments that include this lesson, with how each quiz counts."""
    assignments = [
        assignment
        for assignment in session.scalars(_learner_assignments_query(user_id))
        if any(link.lesson_uid == lesson.uid for link in assignment.lessons)
    ]
    if not assignments:
        return []
    attempts: dict[str, list[QuizAttempt]] = defaultdict(list)
    if quiz_ids:
        for attempt in session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.lesson_uid == lesson.uid)
            .order_by(QuizAttempt.created_at, QuizAttempt.id)
        ):
            attempts[attempt.quiz_id].append(attempt)
    found = []
    for assignment in assignments:
        link = next(link for link in assignment.lessons if link.lesson_uid == lesson.uid)
        rule = ScoreRule(assignment.score_rule)
        counts = {}
        for quiz_id in quiz_ids:
            tries = attempts.get(quiz_id, [])
            counted = counted_attempt(tries, rule, assignment.attempts_counted)
            counts[quiz_id] = QuizCount(
                quiz_id,
                len(tries),
                assignment.attempts_counted,
                rule,
                counted.score if counted is not None else None,
            )
        found.append(LessonAssignment(assignment, link, lesson_change(link, lesson), counts))
    return found


def reveal_allowed(reveal: AnswerReveal | str, due_at: datetime | None, now: datetime) -> bool:
    """Whether one assignment's rule lets the answers show now (after a submission).

    "After the due date" with no due date never reveals: the teacher asked to wait for a date
    that was not set.
    """
    rule = AnswerReveal(reveal)
    if rule is AnswerReveal.AFTER_SUBMISSION:
        return True
    if rule is AnswerReveal.AFTER_DUE:
        due = _as_utc(due_at)
        return due is not None and now >= due
    return False


def answers_shown(
    session: Session,
    user_id: int | None,
    lesson_uid: str,
    author_reveal: bool,
    *,
    now: datetime | None = None,
) -> bool:
    """The reveal decision for the learner's quiz on this lesson: the author's, unless the
    lesson is assigned to them, when the strictest of their assignments' rules decides."""
    if user_id is None:
        return author_reveal
    now = now or utcnow()
    rules = session.execute(
        select(Assignment.answer_reveal, Assignment.due_at)
        .join(AssignmentLesson, AssignmentLesson.assignment_id == Assignment.id)
        .where(
            AssignmentLesson.lesson_uid == lesson_uid,
            Assignment.id.in_(_visible_to(user_id)),
        )
    ).all()
    if not rules:
        return author_reveal
    return all(reveal_allowed(rule, due_at, now) for rule, due_at in rules)


def reveal_note(
    assignments: Sequence[LessonAssignment], *, now: datetime | None = None
) -> str | None:
    """What the quiz says about its answers when a teacher's rule replaced the author's: the
    strictest rule among the learner's assignments of the lesson (None: not assigned)."""
    if not assignments:
        return None
    now = now or utcnow()
    rules = [
        (AnswerReveal(item.assignment.answer_reveal), item.assignment.due_at)
        for item in assignments
    ]
    if any(rule is AnswerReveal.NEVER for rule, _ in rules):
        return "Your teacher does not show the right answers to this quiz."
    dues = [_as_utc(due) for rule, due in rules if rule is AnswerReveal.AFTER_DUE]
    if any(due is None for due in dues):
        return "Your teacher shows the right answers after the due date; none is set yet."
    pending = [due for due in dues if due is not None and due > now]
    if pending:
        return f"Your teacher shows the right answers after the due date, {max(pending):%-d %B %Y}."
    return None
