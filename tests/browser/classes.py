"""A class for the browser checks: Tess teaches it, the learner is in it, one assignment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eduhub.accounts.models import User
from eduhub.classrooms import services
from eduhub.classrooms.models import AnswerReveal, Scope
from tests.progress.helpers import learner


def user_named(db, username: str) -> User:  # type: ignore[no-untyped-def]
    return db.session.scalars(select(User).where(User.username == username)).one()


def session_cookie(app, user: User, host: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    return {"name": "session", "value": value, "domain": host, "path": "/"}


def class_pages(db, pupil: User) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Make the class; return the teacher and (name, URL) of the teacher's and learner's pages."""
    tess = learner(db, "tess", role="teacher", display_name="Tess Teacher")
    room = services.create_classroom(db.session, tess, name="7B Science", group_label="Grade 7")
    services.join(db.session, pupil, room.join_code)
    made = services.assign(
        db.session,
        room,
        tess.id,
        services.AssignmentSpec(
            title="Solar homework",
            scope=Scope.LESSONS,
            course_key="riverbend/solar-energy",
            lesson_uids=["riverbend/what-is-solar-power", "riverbend/sun-hours-and-irradiance"],
            instructions="Read both lessons and take the quiz before Friday.",
            attempts_counted=3,
            answer_reveal=AnswerReveal.AFTER_DUE,
        ),
    )
    db.session.commit()
    base = f"/classes/{room.id}"
    return {
        "teacher": tess,
        "teacher_pages": [
            ("classes, teacher", "/classes"),
            ("new class", "/classes/new"),
            ("class, teacher", base),
            ("assign, step 1", f"{base}/assignments/new"),
            ("assign, step 2", f"{base}/assignments/new?course=riverbend/solar-energy"),
            ("edit assignment", f"{base}/assignments/{made.id}/edit"),
            ("withdraw assignment", f"{base}/assignments/{made.id}/withdraw"),
            ("remove learner", f"{base}/learners/{pupil.id}/remove"),
            ("archive class", f"{base}/archive"),
        ],
        "learner_pages": [
            ("classes, learner", "/classes"),
            ("class, learner", base),
            ("join form", "/classes/join"),
            ("join link", f"/join/{room.join_code}"),
            ("join link, wrong code", "/join/ZZZZZZZZ"),
            ("leave class", f"{base}/leave"),
            ("assigned lesson with quiz", "/lessons/riverbend/what-is-solar-power"),
        ],
    }
