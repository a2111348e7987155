"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from eduhub.extensions import db
from tests.conftest import make_app


def _fresh_app(tmp_path: Path, postgres_url: str | None):  # type: ignore[no-untyped-def]
    app = make_app(tmp_path, postgres_url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    return app


def test_upgrade_from_empty_matches_the_models(tmp_path: Path, postgres_url: str | None) -> None:
    app = _fresh_app(tmp_path, postgres_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"organizations", "courses", "lessons", "lesson_revisions", "media_files"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)
        assert drift == [], f"models and migrations differ: {drift}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_cli_db_upgrade_creates_the_schema(tmp_path: Path, postgres_url: str | None) -> None:
    app = _fresh_app(tmp_path, postgres_url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "lessons" in inspect(db.engine).get_table_names()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def test_upgrading_an_existing_catalog_keeps_every_row(
    tmp_path: Path, postgres_url: str | None
) -> None:
    """Lessons imported under the first schema survive every later migration unchanged."""
    app = _fresh_app(tmp_path, postgres_url)
    with app.app_context():
        upgrade(revision="2fb2d0e57146")
        statements = [
            "INSERT INTO organizations (id, slug, name, kind, city, country, created_at, "
            "updated_at) VALUES (1, 'o', 'O', 'city', 'C', 'X', '2026-01-01', '2026-01-01')",
            "INSERT INTO courses (id, organization_id, slug, title, summary, level, language, "
            "license, authors, featured, source_path, content_hash, created_at, updated_at) "
            "VALUES (1, 1, 'c', 'T', 'S', 'adult', 'en', 'CC0-1.0', '[]', false, 'c', 'h', "
            "'2026-01-01', '2026-01-01')",
            "INSERT INTO lessons (id, uid, organization_id, course_id, position, title, summary, "
            "objectives, minutes, tags, language, license, authors, source_path, "
            "revision_number, created_at, updated_at) VALUES (1, 'o/l', 1, 1, 0, 'L', 'S', "
            "'[\"x\"]', 5, '[]', 'en', 'CC0-1.0', '[\"A\"]', 'c/l.md', 1, "
            "'2026-01-01', '2026-01-01')",
        ]
        with db.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
        upgrade()
        with db.engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT uid, title, objectives, authors, translators, extra FROM lessons"
            ).one()
            dialect = connection.exec_driver_sql("SELECT dialect FROM courses").scalar()
        assert row[0:2] == ("o/l", "L")
        as_json = [value if not isinstance(value, str) else json.loads(value) for value in row[2:]]
        assert as_json == [["x"], ["A"], [], {}]
        assert dialect == "eduhub"
        downgrade(revision="base")
        db.engine.dispose()


def test_upgrading_keeps_every_learners_progress(tmp_path: Path, postgres_url: str | None) -> None:
    """Progress recorded under the first schema that had it survives every later migration."""
    app = _fresh_app(tmp_path, postgres_url)
    with app.app_context():
        upgrade(revision="778b1e5cd663")  # 0004: progress tables
        statements = [
            "INSERT INTO users (id, username, email, password_hash, display_name, "
            "preferred_language, role, show_name_publicly, session_token, active, created_at) "
            "VALUES (1, 'ada', 'ada@example.org', 'x', 'Ada', 'en', 'learner', false, 'tok', "
            "true, '2026-01-01')",
            "INSERT INTO lesson_progress (id, user_id, lesson_uid, status, started_at, "
            "last_seen_at, completed_at, completed_revision, time_spent_seconds, last_heading) "
            "VALUES (1, 1, 'o/l', 'completed', '2026-01-01', '2026-01-02', '2026-01-02', 3, 600, "
            "'part')",
            "INSERT INTO quiz_attempts (id, user_id, lesson_uid, quiz_id, revision_number, "
            "snapshot, score, passed, created_at) VALUES (1, 1, 'o/l', 'q', 3, '{\"id\": \"q\"}', "
            "75.0, true, '2026-01-02')",
            "INSERT INTO quiz_answers (id, attempt_id, question_id, given, correct) "
            "VALUES (1, 1, 'q1', '[\"b\"]', true)",
        ]
        with db.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
        upgrade()
        with db.engine.connect() as connection:
            progress = connection.exec_driver_sql(
                "SELECT user_id, lesson_uid, status, completed_revision, time_spent_seconds, "
                "last_heading FROM lesson_progress"
            ).all()
            attempt = connection.exec_driver_sql(
                "SELECT user_id, score, passed FROM quiz_attempts"
            ).one()
            answer = connection.exec_driver_sql(
                "SELECT question_id, correct FROM quiz_answers"
            ).one()
        assert [tuple(row) for row in progress] == [(1, "o/l", "completed", 3, 600, "part")]
        assert tuple(attempt) == (1, 75.0, True)
        assert tuple(answer) == ("q1", True)
        downgrade(revision="base")
        db.engine.dispose()
