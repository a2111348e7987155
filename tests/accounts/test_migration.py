"""The mail outbox migration (0006) upgrades a database with accounts in it and downgrades."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from eduhub.extensions import db
from tests.test_migrations import _fresh_app

BEFORE_OUTBOX = "a751672ccd19"  # 0005


def test_upgrade_to_the_outbox_keeps_every_account_and_downgrades(
    tmp_path: Path, postgres_url: str | None
) -> None:
    app = _fresh_app(tmp_path, postgres_url)
    with app.app_context():
        upgrade(revision=BEFORE_OUTBOX)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, email, password_hash, display_name, "
                "preferred_language, role, show_name_publicly, session_token, active, "
                "created_at) VALUES (1, 'ada', 'ada@example.org', 'x', 'Ada', 'en', 'learner', "
                "false, 'tok', true, '2026-01-01')"
            )
        upgrade()
        assert "mail_outbox" in inspect(db.engine).get_table_names()
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT username FROM users").all() == [("ada",)]
            connection.exec_driver_sql(
                "INSERT INTO mail_outbox (recipient, subject, body, status, attempts, "
                "next_attempt_at, created_at) VALUES ('ada@example.org', 'Reset', 'Body', "
                "'pending', 0, '2026-01-01', '2026-01-01')"
            )
        downgrade(revision=BEFORE_OUTBOX)
        assert "mail_outbox" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT username FROM users").all() == [("ada",)]
        downgrade(revision="base")
        db.engine.dispose()
