"""Classes, members, assignments, progress and quiz attempts for report tests, made directly
through the models (the class and assignment services are another package's)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

from eduhub.accounts.models import User
from eduhub.catalog.models import Lesson
from eduhub.classrooms.models import (
    Assignment,
    AssignmentLesson,
    AssignmentRecipient,
    Classroom,
    ClassroomMember,
    MemberRole,
)
from eduhub.orm import utcnow
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from eduhub.progress.models import LessonProgress, QuizAnswer, QuizAttempt, Status
from tests.factories import DEFAULT_PASSWORD, write_course, write_lesson, write_org

QUIZ = """```quiz
id: check
title: Check yourself
questions:
  - id: gas
    type: single
    prompt: Which gas do plants take in?
    choices:
      - text: Oxygen
      - text: Carbon dioxide
        correct: true
      - text: Nitrogen
  - id: sides
    type: numeric
    prompt: How many sides has a square?
    answer: 4
```"""


def lesson_body(i: int) -> str:
    return (
        f"# Lesson {i}\n\n## Warm-up\n\nText.\n\n## Plants and gases\n\nPlants breathe.\n\n"
        f"{QUIZ}\n\n## After the quiz\n\nMore text.\n"
    )


def quiz_pack(app: Any, db: Any, root: Path, lessons: int = 3) -> list[str]:
    """One course of ``lessons`` lessons, each with the same two-question quiz under the
    heading “Plants and gases”; returns the lesson uids."""
    org = write_org(root, "reportville")
    names = [f"l{i}.md" for i in range(1, lessons + 1)]
    course = write_course(org, "plants", lessons=names)
    for i, name in enumerate(names, start=1):
        write_lesson(course, name, lesson_body(i), id=f"l{i}", title=f"Lesson {i}")
    importer.import_tree(db.session, load_tree(root), media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return [f"reportville/l{i}" for i in range(1, lessons + 1)]


_HASH: dict[str, str] = {}


def users(db: Any, names: list[str], role: str = "learner") -> list[User]:
    """Users who can sign in with DEFAULT_PASSWORD, added in one flush."""
    if "h" not in _HASH:
        _HASH["h"] = generate_password_hash(DEFAULT_PASSWORD, method="scrypt")
    made = [
        User(
            username=name,
            email=f"{name}@example.org",
            display_name=name.replace("-", " ").title(),
            password_hash=_HASH["h"],
            role=role,
        )
        for name in names
    ]
    db.session.add_all(made)
    db.session.flush()
    return made


def classroom(
    db: Any, teachers: list[User], learners: list[User], name: str = "Grade 7B"
) -> Classroom:
    room = Classroom(name=name, group_label="7B", created_by_id=teachers[0].id)
    for teacher in teachers:
        room.members.append(ClassroomMember(user_id=teacher.id, role=MemberRole.TEACHER.value))
    for learner in learners:
        room.members.append(ClassroomMember(user_id=learner.id, role=MemberRole.LEARNER.value))
    db.session.add(room)
    db.session.flush()
    return room


def assign(
    db: Any,
    room: Classroom,
    uids: list[str],
    title: str = "Homework",
    recipients: list[User] | None = None,
    created_at: datetime | None = None,
    **fields: Any,
) -> Assignment:
    assignment = Assignment(
        classroom_id=room.id,
        title=title,
        whole_class=recipients is None,
        created_at=created_at or utcnow() - timedelta(days=7),
        **fields,
    )
    revisions = dict(
        db.session.execute(
            Lesson.__table__.select()
            .with_only_columns(Lesson.uid, Lesson.revision_number)
            .where(Lesson.uid.in_(uids))
        ).all()
    )
    for position, uid in enumerate(uids):
        assignment.lessons.append(
            AssignmentLesson(
                lesson_uid=uid, position=position, assigned_revision=revisions.get(uid, 1)
            )
        )
    for user in recipients or ():
        assignment.recipients.append(AssignmentRecipient(user_id=user.id))
    db.session.add(assignment)
    db.session.flush()
    return assignment


def progress(
    db: Any,
    user: User,
    uid: str,
    done: bool = False,
    seconds: int = 0,
    completed_at: datetime | None = None,
) -> LessonProgress:
    row = LessonProgress(
        user_id=user.id,
        lesson_uid=uid,
        status=Status.COMPLETED.value if done else Status.STARTED.value,
        completed_at=(completed_at or utcnow()) if done else None,
        time_spent_seconds=seconds,
    )
    db.session.add(row)
    return row


#: Answers to the factory quiz: gas a/b/c (b is right), sides typed.
def attempt(
    db: Any,
    user: User,
    uid: str,
    gas: str,
    sides: str = "4",
    created_at: datetime | None = None,
    snapshot: dict[str, Any] | None = None,
) -> QuizAttempt:
    gas_right, sides_right = gas == "b", sides.strip() == "4"
    score = round(100 * (gas_right + sides_right) / 2, 1)
    row = QuizAttempt(
        user_id=user.id,
        lesson_uid=uid,
        quiz_id="check",
        revision_number=1,
        snapshot=snapshot or {"format": 1, "id": "check"},
        score=score,
        passed=None,
        created_at=created_at or utcnow(),
    )
    row.answers.append(QuizAnswer(question_id="gas", given=[gas], correct=gas_right))
    row.answers.append(QuizAnswer(question_id="sides", given=[sides], correct=sides_right))
    db.session.add(row)
    return row
