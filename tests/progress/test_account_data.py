"""A learner's progress is part of their data export, and of their account's deletion."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from eduhub.accounts import services as accounts
from eduhub.catalog import services as catalog
from eduhub.progress import services
from eduhub.progress.models import LessonProgress
from tests.progress.helpers import course_pack, learner


def test_export_contains_progress_and_deletion_anonymises_on_request(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=2)
    ada, bo = learner(db, "ada"), learner(db, "bo")
    for user in (ada, bo):
        services.mark_complete(db.session, user.id, catalog.get_lesson(db.session, "testville/l1"))
    db.session.commit()
    exported = accounts.export_user_data(db.session, ada)
    assert [row["lesson"] for row in exported["progress"]["lessons"]] == ["testville/l1"]
    accounts.delete_account(
        db.session, ada, password="correct horse battery", confirm_username="ada", anonymise=True
    )
    accounts.delete_account(
        db.session, bo, password="correct horse battery", confirm_username="bo", anonymise=False
    )
    db.session.commit()
    rows = db.session.scalars(select(LessonProgress)).all()
    assert [(row.user_id, row.lesson_uid, row.status) for row in rows] == [
        (None, "testville/l1", "completed")
    ]
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 1
    assert Path(app.config["MEDIA_DIR"]).is_dir()
