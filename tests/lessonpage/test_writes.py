"""A GET of the lesson page writes only when the learner's record changes, and never on a 304."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, select

from eduhub.orm import utcnow
from eduhub.progress.models import LessonProgress
from tests.progress.helpers import course_pack, learner, signed_in

LESSON = "/lessons/testville/l1"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@contextmanager
def writes(db) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Every INSERT, UPDATE or DELETE statement the app sends while the block runs."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(_WRITES):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def stored_rows(app):  # type: ignore[no-untyped-def]
    """The learner's progress rows as committed (read on a connection of its own)."""
    from eduhub.extensions import db

    with db.engine.connect() as connection:
        return connection.execute(select(LessonProgress.__table__)).all()


def days_ago(db, days: int) -> None:  # type: ignore[no-untyped-def]
    """Move every progress row's last visit ``days`` back."""
    for row in db.session.scalars(select(LessonProgress)):
        row.last_seen_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_first_open_writes_and_commits_the_start(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    client = signed_in(app, learner(db))
    with writes(db) as seen:
        assert client.get(LESSON).status_code == 200
    assert seen, "the first open of a lesson starts it"
    db.session.remove()
    rows = stored_rows(app)
    assert [row.status for row in rows] == ["started"]


def test_second_get_writes_nothing(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    client = signed_in(app, learner(db))
    client.get(LESSON)
    with writes(db) as seen:
        again = client.get(LESSON)
    assert again.status_code == 200
    assert seen == []


def test_a_304_writes_nothing_even_on_a_first_open_of_the_day(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    client = signed_in(app, learner(db))
    etag = client.get(LESSON).headers["ETag"]
    # Yesterday's visit: a 200 today would move "last opened"; a 304 must not.
    days_ago(db, 2)
    with writes(db) as seen:
        cached = client.get(LESSON, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert seen == []


def test_first_open_on_a_later_day_moves_last_opened(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    client = signed_in(app, learner(db))
    client.get(LESSON)
    days_ago(db, 2)
    before = stored_rows(app)[0].last_seen_at
    with writes(db) as seen:
        client.get(LESSON)
    assert len(seen) == 1
    db.session.remove()
    assert stored_rows(app)[0].last_seen_at > before


def test_marking_complete_is_committed_by_the_request_edge(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import re

    course_pack(app, db, tmp_path, lessons=2)
    client = signed_in(app, learner(db))
    page = client.get(LESSON).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post(f"{LESSON}/complete", data={"csrf_token": token}).status_code == 302
    db.session.remove()
    assert [row.status for row in stored_rows(app)] == ["completed"]
