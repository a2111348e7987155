"""Assignments: teachers assign a course, modules or lessons; learners see where they stand."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from eduhub.catalog.models import Lesson, Module
from eduhub.classrooms import services
from eduhub.classrooms.forms import due_at
from eduhub.classrooms.models import Assignment, Scope
from eduhub.orm import utcnow
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from eduhub.progress import services as progress
from tests.classrooms.people import classroom, enrol, learner, pack, post, signed_in, teacher
from tests.progress.test_queries import counted

COURSE = "testville/course"
STEP_TWO = f"/assignments/new?course={COURSE}"


def lesson(db, uid: str) -> Lesson:  # type: ignore[no-untyped-def]
    return db.session.scalars(select(Lesson).where(Lesson.uid == uid)).one()


def spec(**fields) -> services.AssignmentSpec:  # type: ignore[no-untyped-def]
    fields.setdefault("title", "")
    fields.setdefault("scope", Scope.LESSONS)
    fields.setdefault("course_key", COURSE)
    return services.AssignmentSpec(**fields)


@pytest.fixture
def setting(app, db, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A course of four lessons in two modules, a teacher, a class with two learners."""
    pack(app, db, tmp_path / "content")
    tess = teacher(db)
    room = classroom(db, tess)
    ada, bo = learner(db), learner(db, "bo")
    enrol(db, room, ada, bo)
    return tess, room, ada, bo


def state_of(db, user, **kwargs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    groups = services.assigned_to(db.session, user.id, **kwargs)
    return {item.assignment.title: item.state.value for group in groups for item in group.items}


# --------------------------------------------------------------------------- the form


def test_the_form_works_in_two_steps_without_a_script(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, _ada, _bo = setting
    client = signed_in(app, tess)
    base = f"/classes/{room.id}"
    first = client.get(f"{base}/assignments/new").get_data(as_text=True)
    assert '<form method="get"' in first
    assert f'<option value="{COURSE}">' in first
    second = client.get(base + STEP_TWO).get_data(as_text=True)
    for text in ("Module 1", "Module 2", "Lesson 1", "Lesson 4", "Ada", "Bo"):
        assert text in second
    response = post(
        client,
        base + STEP_TWO,
        {
            "scope": "lessons",
            "lessons": ["testville/l2", "testville/l3"],
            "audience": "class",
            "score_rule": "best",
            "answer_reveal": "after-submission",
            "due_date": "2031-05-02",
            "instructions": "Read both before Friday.",
            "title": "Homework",
        },
        form_page=base + STEP_TWO,
    )
    assert response.status_code == 302
    made = db.session.scalars(select(Assignment)).one()
    assert [link.lesson_uid for link in made.lessons] == ["testville/l2", "testville/l3"]
    assert made.due_at is not None
    assert made.due_at.date().isoformat() == "2031-05-02"
    assert made.instructions == "Read both before Friday."
    assert made.whole_class is True
    assert "Homework" in client.get(base).get_data(as_text=True)


def test_the_form_says_what_is_missing(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, *_ = setting
    client = signed_in(app, tess)
    url = f"/classes/{room.id}" + STEP_TWO
    fields = {"audience": "some", "score_rule": "best", "answer_reveal": "never"}
    response = post(client, url, {"scope": "modules", **fields}, form_page=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tick at least one module." in page
    assert "Tick at least one learner, or choose the whole class." in page
    unknown = client.get(f"/classes/{room.id}/assignments/new?course=nope/nothing")
    assert unknown.status_code == 422
    assert "Choose a course from the list." in unknown.get_data(as_text=True)
    assert db.session.scalars(select(Assignment)).first() is None


def test_a_module_or_course_is_expanded_into_its_lessons(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, *_ = setting
    second = db.session.scalars(select(Module).where(Module.title == "Module 2")).one()
    modules = services.assign(
        db.session, room, tess.id, spec(scope=Scope.MODULES, module_ids=[second.id])
    )
    course = services.assign(db.session, room, tess.id, spec(scope=Scope.COURSE))
    assert [link.lesson_uid for link in modules.lessons] == ["testville/l3", "testville/l4"]
    assert len(course.lessons) == 4
    assert course.title == "Course course"
    assert all(link.assigned_revision == 1 for link in course.lessons)


def test_some_learners_only(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, bo = setting
    services.assign(
        db.session,
        room,
        tess.id,
        spec(title="Extra", lesson_uids=["testville/l1"], learner_ids=[bo.id]),
    )
    db.session.commit()
    assert state_of(db, ada) == {}
    assert state_of(db, bo) == {"Extra": "not started"}
    outsider = learner(db, "cy")
    with pytest.raises(services.InvalidData):
        services.assign(
            db.session, room, tess.id, spec(lesson_uids=["testville/l1"], learner_ids=[outsider.id])
        )


# --------------------------------------------------------------------------- status


def test_status_not_started_in_progress_done_overdue(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    now = utcnow()
    two = ["testville/l1", "testville/l2"]
    services.assign(
        db.session,
        room,
        tess.id,
        spec(title="Later", lesson_uids=two, due_at=now + timedelta(days=3)),
    )
    services.assign(
        db.session,
        room,
        tess.id,
        spec(title="Past", lesson_uids=two, due_at=now - timedelta(days=1)),
    )
    services.assign(db.session, room, tess.id, spec(title="Open", lesson_uids=["testville/l3"]))
    db.session.commit()
    assert state_of(db, ada) == {"Later": "not started", "Past": "overdue", "Open": "not started"}
    progress.record_visit(db.session, ada.id, "testville/l1")
    assert state_of(db, ada)["Later"] == "in progress"
    for uid in two:
        progress.mark_complete(db.session, ada.id, lesson(db, uid))
    db.session.commit()
    assert state_of(db, ada) == {"Later": "done", "Past": "done", "Open": "not started"}


def test_the_next_unfinished_lesson_is_linked(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    services.assign(
        db.session,
        room,
        tess.id,
        spec(title="Three", lesson_uids=["testville/l1", "testville/l2", "testville/l3"]),
    )
    progress.mark_complete(db.session, ada.id, lesson(db, "testville/l1"))
    db.session.commit()
    [group] = services.assigned_to(db.session, ada.id)
    assert group.items[0].next_lesson is not None
    assert group.items[0].next_lesson.uid == "testville/l2"
    page = signed_in(app, ada).get("/dashboard").get_data(as_text=True)
    assert 'href="/lessons/testville/l2">Continue: Lesson 2' in page


def test_assigned_to_me_on_home_and_dashboard_grouped_by_class(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    other = classroom(db, tess, "Evening class")
    enrol(db, other, ada)
    services.assign(
        db.session,
        room,
        tess.id,
        spec(
            title="Science homework",
            lesson_uids=["testville/l1"],
            due_at=utcnow() + timedelta(days=2),
        ),
    )
    services.assign(
        db.session, other, tess.id, spec(title="Evening reading", lesson_uids=["testville/l2"])
    )
    db.session.commit()
    client = signed_in(app, ada)
    for url in ("/", "/dashboard"):
        page = client.get(url).get_data(as_text=True)
        assert "Assigned to me" in page, url
        science = page.index(">7B Science</a>")
        evening = page.index(">Evening class</a>")
        assert page.index("Science homework") > science
        assert page.index("Evening reading") > evening
        assert "Not started" in page
        assert "due " in page
    nothing = signed_in(app, learner(db, "cy")).get("/dashboard").get_data(as_text=True)
    assert "Assigned to me" not in nothing


def test_status_costs_the_same_queries_for_many_assignments(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    uids = ["testville/l1", "testville/l2", "testville/l3", "testville/l4"]

    def queries() -> int:
        db.session.expire_all()
        with counted(db.engine) as statements:
            services.assigned_to(db.session, ada.id)
        return len(statements)

    services.assign(db.session, room, tess.id, spec(lesson_uids=uids[:1]))
    db.session.commit()
    few = queries()
    for n in range(30):
        services.assign(
            db.session, room, tess.id, spec(title=f"A{n}", lesson_uids=uids[: 1 + n % 4])
        )
        progress.record_visit(db.session, ada.id, uids[n % 4])
    db.session.commit()
    assert queries() == few


# --------------------------------------------------------------------------- editing, withdrawing


def test_the_teacher_edits_an_assignment(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, bo = setting
    made = services.assign(
        db.session, room, tess.id, spec(title="Read", lesson_uids=["testville/l1"])
    )
    db.session.commit()
    client = signed_in(app, tess)
    url = f"/classes/{room.id}/assignments/{made.id}/edit"
    assert 'value="Read"' in client.get(url).get_data(as_text=True)
    response = post(
        client,
        url,
        {
            "title": "Read again",
            "due_date": "2030-01-31",
            "audience": "some",
            "learners": [str(bo.id)],
            "attempts_counted": "2",
            "score_rule": "last",
            "answer_reveal": "after-due",
        },
        form_page=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (made.title, made.attempts_counted, made.score_rule, made.answer_reveal) == (
        "Read again",
        2,
        "last",
        "after-due",
    )
    assert [r.user_id for r in made.recipients] == [bo.id]
    assert state_of(db, ada) == {}


def test_withdrawing_asks_first_and_keeps_the_history(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    made = services.assign(
        db.session, room, tess.id, spec(title="Old task", lesson_uids=["testville/l1"])
    )
    db.session.commit()
    client = signed_in(app, tess)
    url = f"/classes/{room.id}/assignments/{made.id}/withdraw"
    assert "Withdraw Old task?" in client.get(url).get_data(as_text=True)
    assert state_of(db, ada) == {"Old task": "not started"}
    assert post(client, url, form_page=url).status_code == 302
    db.session.expire_all()
    assert made.withdrawn_at is not None
    assert state_of(db, ada) == {}
    page = client.get(f"/classes/{room.id}").get_data(as_text=True)
    assert "Old task" in page
    assert "withdrawn" in page
    edit = client.get(f"/classes/{room.id}/assignments/{made.id}/edit")
    assert edit.status_code == 302


# ------------------------------------------------------------------ the lesson page, changes


def test_the_lesson_page_shows_the_assignment(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    services.assign(
        db.session,
        room,
        tess.id,
        spec(
            title="Week 3",
            lesson_uids=["testville/l2"],
            instructions="Take notes on part 2.",
            due_at=utcnow() + timedelta(days=1),
        ),
    )
    db.session.commit()
    page = signed_in(app, ada).get("/lessons/testville/l2").get_data(as_text=True)
    assert "Assigned to you" in page
    assert "Week 3" in page
    assert "Take notes on part 2." in page
    assert ">7B Science</a>" in page
    other = signed_in(app, ada).get("/lessons/testville/l1").get_data(as_text=True)
    assert "Assigned to you" not in other
    assert "Assigned to you" not in app.test_client().get("/lessons/testville/l2").get_data(
        as_text=True
    )


def reimport(app, db, root: Path) -> None:  # type: ignore[no-untyped-def]
    importer.import_tree(db.session, load_tree(root), media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()


def test_a_revised_or_retired_lesson_is_flagged_on_both_sides(app, db, setting, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    services.assign(
        db.session, room, tess.id, spec(title="Pair", lesson_uids=["testville/l1", "testville/l4"])
    )
    db.session.commit()
    root = tmp_path / "content"
    lesson_file = root / "testville" / "course" / "l1.md"
    lesson_file.write_text(lesson_file.read_text().replace("Text 1.", "Text 1, rewritten."))
    course_file = root / "testville" / "course" / "course.yml"
    data = yaml.safe_load(course_file.read_text())
    data["modules"][1]["lessons"].remove("l4.md")
    course_file.write_text(yaml.safe_dump(data, sort_keys=False))
    reimport(app, db, root)
    assert lesson(db, "testville/l1").revision_number == 2
    assert lesson(db, "testville/l4").retired_at is not None
    teacher_page = signed_in(app, tess).get(f"/classes/{room.id}").get_data(as_text=True)
    assert "Changed since you assigned it" in teacher_page
    assert "Lesson 1 (revised)" in teacher_page
    assert "Lesson 4 (retired)" in teacher_page
    client = signed_in(app, ada)
    board = client.get("/dashboard").get_data(as_text=True)
    assert "Lesson 1 (revised)" in board
    assert "Lesson 4 (retired)" in board
    lesson_page = client.get("/lessons/testville/l1").get_data(as_text=True)
    assert "This lesson has been revised since it was assigned" in lesson_page
    # A retired lesson no longer holds the assignment open.
    progress.mark_complete(db.session, ada.id, lesson(db, "testville/l1"))
    db.session.commit()
    assert state_of(db, ada) == {"Pair": "done"}


def test_a_lesson_is_flagged_from_its_numbers(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, *_ = setting
    made = services.assign(db.session, room, tess.id, spec(lesson_uids=["testville/l1"]))
    link = made.lessons[0]
    found = lesson(db, "testville/l1")
    assert services.lesson_change(link, found) is None
    found.revision_number = link.assigned_revision + 1
    assert services.lesson_change(link, found) is services.Change.REVISED
    found.retired_at = utcnow()
    assert services.lesson_change(link, found) is services.Change.RETIRED
    assert services.lesson_change(link, None) is services.Change.RETIRED
    db.session.rollback()


def test_nothing_is_assigned_in_an_archived_class(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    services.assign(db.session, room, tess.id, spec(title="Before", lesson_uids=["testville/l1"]))
    services.archive(db.session, room)
    db.session.commit()
    assert state_of(db, ada) == {}
    with pytest.raises(services.ClassroomError, match="archived"):
        services.assign(db.session, room, tess.id, spec(lesson_uids=["testville/l1"]))


def test_due_dates_are_shown_as_the_day(app, db, setting) -> None:  # type: ignore[no-untyped-def]
    tess, room, ada, _ = setting
    made = services.assign(
        db.session,
        room,
        tess.id,
        spec(title="Dated", lesson_uids=["testville/l1"], due_at=due_at(date(2031, 3, 7))),
    )
    db.session.commit()
    page = signed_in(app, ada).get("/").get_data(as_text=True)
    assert re.search(r"due <time datetime=\"2031-03-07T23:59:59[^\"]*\">7 March 2031</time>", page)
    assert made.due_at is not None
