"""API writes are committed by the request edge, not by the views: another connection sees them."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import text

from eduhub.extensions import db
from tests.factories import make_user
from tests.progress.helpers import course_pack, signed_in


def committed(sql: str) -> list[tuple[object, ...]]:
    """Rows as a separate connection sees them: only what was committed."""
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_completion_and_progress_reports_are_committed(app: Flask, tmp_path: Path) -> None:
    course_pack(app, db, tmp_path, lessons=1)
    app.config["WTF_CSRF_ENABLED"] = False
    client = signed_in(app, make_user(db))
    assert (
        client.post("/api/v1/lessons/testville/l1/progress", json={"seconds": 7}).status_code == 200
    )
    assert client.post("/api/v1/lessons/testville/l1/complete").status_code == 200
    rows = committed("SELECT lesson_uid, status, time_spent_seconds FROM lesson_progress")
    assert rows == [("testville/l1", "completed", 7)]


def test_a_refused_write_is_not_committed(app: Flask, tmp_path: Path) -> None:
    course_pack(app, db, tmp_path, lessons=1)
    app.config["WTF_CSRF_ENABLED"] = False
    client = signed_in(app, make_user(db))
    response = client.post("/api/v1/lessons/testville/l1/progress", json={"seconds": -1})
    assert response.status_code == 400
    assert committed("SELECT count(*) FROM lesson_progress") == [(0,)]
