"""Who sees which class, as a matrix: every class route × every visitor who is not its teacher.

The routes are read from ``app.url_map``, so a class page added later is covered without
editing this file; a route of the blueprint without a class in its URL must be listed in
``OPEN_ROUTES`` on purpose.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule

from eduhub.classrooms.models import (
    Assignment,
    AssignmentLesson,
    Classroom,
    ClassroomMember,
    Scope,
)
from tests.classrooms.people import classroom, csrf, enrol, learner, pack, signed_in, teacher
from tests.conftest import make_app

#: Routes of the blueprint that name no class: each decides for itself who may use it.
OPEN_ROUTES = {
    "classrooms.index",  # your own classes only (tested below)
    "classrooms.new",  # teachers only (test_classes.py)
    "classrooms.join",  # any signed-in user, rate-limited
    "classrooms.join_link",  # whoever holds the code, rate-limited
}
#: Class routes a learner of the class may use.
LEARNER_ROUTES = {"classrooms.show", "classrooms.leave"}


def _class_rules() -> list[tuple[str, str, bool]]:
    """(endpoint, method, names a class) for every route of the classrooms blueprint."""
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp), None)
        rules: list[Rule] = list(app.url_map.iter_rules())
    found = []
    for rule in rules:
        if not rule.endpoint.startswith("classrooms."):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, "class_id" in rule.arguments))
    return sorted(found)


CLASS_RULES = _class_rules()
CLASS_ROUTES = [(endpoint, method) for endpoint, method, named in CLASS_RULES if named]


def test_every_route_without_a_class_is_listed_on_purpose() -> None:
    assert {endpoint for endpoint, _, named in CLASS_RULES if not named} == OPEN_ROUTES
    assert len(CLASS_ROUTES) >= 16


@pytest.fixture
def world(app, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Tess's class (Ada and Bo in it, one assignment) and everyone who is not its teacher."""
    tess = teacher(db)
    room = classroom(db, tess)
    ada, bo = learner(db), learner(db, "bo")
    enrol(db, room, ada, bo)
    # Made directly (no content pack to import): the matrix runs once per route and visitor.
    made = Assignment(classroom_id=room.id, title="Homework", scope=Scope.LESSONS.value)
    made.lessons.append(AssignmentLesson(lesson_uid="testville/l1"))
    db.session.add(made)
    db.session.commit()
    tom = teacher(db, "tom")
    classroom(db, tom, "Tom's class")
    cy = learner(db, "cy")
    return {"tess": tess, "room": room, "ada": ada, "bo": bo, "made": made, "tom": tom, "cy": cy}


def _url(app, endpoint: str, world: dict[str, Any]) -> str:  # type: ignore[no-untyped-def]
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {
        "class_id": world["room"].id,
        "assignment_id": world["made"].id,
        "user_id": world["bo"].id,
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def _snapshot(db) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    room = db.session.scalars(select(Classroom).where(Classroom.name == "7B Science")).one()
    members = sorted(
        (m.user_id, m.role)
        for m in db.session.scalars(
            select(ClassroomMember).where(ClassroomMember.classroom_id == room.id)
        )
    )
    made = db.session.scalars(select(Assignment)).one()
    return (room.join_code, room.join_enabled, room.archived_at, members, made.withdrawn_at)


@pytest.mark.parametrize(("endpoint", "method"), CLASS_ROUTES)
@pytest.mark.parametrize("visitor", ["tom", "cy", "bo", "anonymous"])
def test_nobody_but_its_teachers_uses_a_class_page(  # type: ignore[no-untyped-def]
    app, db, world, endpoint: str, method: str, visitor: str
) -> None:
    if visitor == "bo" and endpoint in LEARNER_ROUTES:
        pytest.skip("a learner of the class may see it and leave it")
    url = _url(app, endpoint, world)
    before = _snapshot(db)
    if visitor == "anonymous":
        client = app.test_client()
        data = {"csrf_token": csrf(client, "/login")}
    else:
        client = signed_in(app, world[visitor])
        data = {"csrf_token": csrf(client)}
    data |= {"who": "tom", "enabled": "off", "title": "Hijacked", "audience": "class"}
    response = client.open(url, method=method, data=data if method == "POST" else None)
    if visitor == "anonymous":
        assert response.status_code == 302, (url, method)
        assert response.location.startswith("/login"), (url, method)
    else:
        assert response.status_code in (403, 404), (url, method, response.status_code)
    assert _snapshot(db) == before, "nothing changed"


def test_a_teacher_sees_only_the_classes_they_teach(app, db, world) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(app, world["tom"]).get("/classes").get_data(as_text=True)
    assert "Tom&#39;s class" in page
    assert "7B Science" not in page
    assert world["room"].join_code not in page


def test_a_learner_never_sees_classmates(app, db, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack(app, db, tmp_path / "content", lessons=2, modules=1)
    from eduhub.catalog.models import Lesson
    from eduhub.progress import services as progress

    bo_lesson = db.session.scalars(select(Lesson).where(Lesson.uid == "testville/l1")).one()
    progress.mark_complete(db.session, world["bo"].id, bo_lesson)
    db.session.commit()
    client = signed_in(app, world["ada"])
    room = world["room"]
    mine = client.get(f"/classes/{room.id}").get_data(as_text=True)
    assert "Not started" in mine  # Ada's own status, not Bo's "done"
    assert "Done" not in mine
    for url in (f"/classes/{room.id}", "/classes", "/dashboard", "/", "/lessons/testville/l1"):
        page = client.get(url).get_data(as_text=True)
        assert "Bo" not in page, url
        assert "bo@example.org" not in page, url
        assert room.join_code not in page, url


def test_a_class_number_too_large_for_the_database_is_not_found(app, db, world) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, world["tess"])
    huge = 2**63
    for url in (
        f"/classes/{huge}",
        f"/classes/{world['room'].id}/assignments/{huge}/edit",
        f"/classes/{world['room'].id}/learners/{huge}/remove",
    ):
        assert client.get(url).status_code == 404, url
