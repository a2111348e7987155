"""Progress services: visits, completion that never goes back, course percentages, dashboard."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from eduhub.catalog import services as catalog
from eduhub.progress import services
from eduhub.progress.models import CourseCompletion, LessonProgress
from tests.factories import write_lesson
from tests.progress.helpers import course_pack, learner


def rows(db):  # type: ignore[no-untyped-def]
    return db.session.scalars(select(LessonProgress).order_by(LessonProgress.id)).all()


def test_a_visit_starts_a_lesson_once(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path)
    ada = learner(db)
    services.record_visit(db.session, ada.id, "testville/l1")
    services.record_visit(db.session, ada.id, "testville/l1")
    db.session.commit()
    (row,) = rows(db)
    assert (row.status, row.lesson_uid, row.completed_at) == ("started", "testville/l1", None)


def test_completion_is_idempotent_and_never_goes_back(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path)
    ada = learner(db)
    lesson = catalog.get_lesson(db.session, "testville/l1")
    first = services.mark_complete(db.session, ada.id, lesson).progress.completed_at
    db.session.commit()
    services.mark_complete(db.session, ada.id, lesson)
    services.record_visit(db.session, ada.id, lesson.uid)
    services.record_activity(db.session, ada.id, lesson.uid, 40, "part")
    db.session.commit()
    (row,) = rows(db)
    assert row.status == "completed"
    assert row.completed_at == first
    assert row.completed_revision == 1
    assert (row.time_spent_seconds, row.last_heading) == (40, "part")


def test_reported_time_is_capped_per_report(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path)
    ada = learner(db)
    services.record_activity(db.session, ada.id, "testville/l1", 10_000, None)
    services.record_activity(db.session, ada.id, "testville/l1", -5, None)
    db.session.commit()
    assert rows(db)[0].time_spent_seconds == services.MAX_SECONDS_PER_REPORT


def test_course_percent_per_module_and_overall(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=4, modules=2)
    ada = learner(db)
    for uid in ("testville/l1", "testville/l2", "testville/l3"):
        services.mark_complete(db.session, ada.id, catalog.get_lesson(db.session, uid))
    db.session.commit()
    progress = services.course_progress(
        db.session, ada.id, catalog.get_course(db.session, "testville", "course")
    )
    assert [(m.done, m.total, m.percent) for m in progress.modules] == [(2, 2, 100), (1, 2, 50)]
    assert (progress.done, progress.total, progress.percent) == (3, 4, 75)


def test_completing_the_last_lesson_completes_the_course_once(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=2)
    ada = learner(db)
    assert (
        services.mark_complete(
            db.session, ada.id, catalog.get_lesson(db.session, "testville/l1")
        ).course_completion
        is None
    )
    outcome = services.mark_complete(
        db.session, ada.id, catalog.get_lesson(db.session, "testville/l2")
    )
    db.session.commit()
    assert outcome.course_completion is not None
    token = outcome.course_completion.token
    again = services.mark_complete(
        db.session, ada.id, catalog.get_lesson(db.session, "testville/l2")
    )
    db.session.commit()
    assert again.course_completion.token == token
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 1
    assert services.completion_by_token(db.session, token).course.slug == "course"
    assert services.completion_by_token(db.session, "nope") is None


def test_a_new_revision_keeps_progress_and_is_noticed(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from eduhub.packs import importer
    from eduhub.packs.reader import load_tree

    course_pack(app, db, tmp_path, lessons=1)
    ada = learner(db)
    services.mark_complete(db.session, ada.id, catalog.get_lesson(db.session, "testville/l1"))
    db.session.commit()
    write_lesson(
        tmp_path / "testville" / "course", "l1.md", id="l1", title="Lesson 1", body="# New text\n"
    )
    importer.import_tree(db.session, load_tree(tmp_path), media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    lesson = catalog.get_lesson(db.session, "testville/l1")
    (row,) = rows(db)
    assert lesson.revision_number == 2
    assert (row.status, row.completed_revision) == ("completed", 1)


def test_dashboard_resume_courses_and_activity(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=3)
    ada = learner(db)
    services.mark_complete(db.session, ada.id, catalog.get_lesson(db.session, "testville/l1"))
    services.record_activity(db.session, ada.id, "testville/l2", 90, "part")
    db.session.commit()
    board = services.dashboard(db.session, ada.id)
    assert board.resume.lesson.uid == "testville/l2"
    assert board.resume.heading == "part"
    assert [(c.course.slug, c.done, c.total) for c in board.in_progress] == [("course", 1, 3)]
    assert board.completed == []
    assert [a.lesson.uid for a in board.recent] == ["testville/l2", "testville/l1"]
    assert (board.time_spent_seconds, board.lessons_completed) == (90, 1)


def test_one_learner_never_sees_another(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path)
    ada, bo = learner(db, "ada"), learner(db, "bo")
    services.mark_complete(db.session, ada.id, catalog.get_lesson(db.session, "testville/l1"))
    db.session.commit()
    assert services.dashboard(db.session, bo.id).lessons_completed == 0
    assert services.export_progress(db.session, bo.id)["lessons"] == []
    assert len(services.export_progress(db.session, ada.id)["lessons"]) == 1


def test_forgetting_anonymises_or_deletes(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    ada, bo = learner(db, "ada"), learner(db, "bo")
    for user in (ada, bo):
        services.mark_complete(db.session, user.id, catalog.get_lesson(db.session, "testville/l1"))
    db.session.commit()
    services.forget_progress(db.session, ada.id, anonymise=True)
    services.forget_progress(db.session, bo.id, anonymise=False)
    db.session.commit()
    (row,) = rows(db)
    assert (row.user_id, row.status) == (None, "completed")
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 0
