"""One commit at the edge: requests commit on success, roll back on failure; after-commit work."""

from __future__ import annotations

from flask import Flask, abort
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eduhub.catalog.models import Organization
from eduhub.transactions import after_commit, pending_callbacks, unit_of_work


def _org(slug: str) -> Organization:
    return Organization(slug=slug, name=slug, kind="city", city=slug, country="Nowhere")


def _count(app: Flask, slug: str) -> int:
    from eduhub.extensions import db

    with Session(db.engine) as fresh:
        return fresh.scalar(select(func.count()).where(Organization.slug == slug)) or 0


def _routes(app: Flask, db) -> list[str]:  # type: ignore[no-untyped-def]
    ran: list[str] = []

    @app.get("/_t/ok/<slug>")
    def ok(slug: str) -> str:
        db.session.add(_org(slug))
        db.session.flush()
        after_commit(db.session, lambda: ran.append(slug))
        return "ok"

    @app.get("/_t/refused/<slug>")
    def refused(slug: str) -> str:
        db.session.add(_org(slug))
        db.session.flush()
        after_commit(db.session, lambda: ran.append(slug))
        abort(400, description="no")

    @app.get("/_t/broken/<slug>")
    def broken(slug: str) -> str:
        db.session.add(_org(slug))
        db.session.flush()
        after_commit(db.session, lambda: ran.append(slug))
        raise RuntimeError("boom")

    return ran


def test_a_successful_request_commits_once_and_then_runs_after_commit_work(app, db) -> None:
    ran = _routes(app, db)
    response = app.test_client().get("/_t/ok/alpha")
    assert response.status_code == 200
    assert _count(app, "alpha") == 1
    assert ran == ["alpha"]


def test_a_refused_request_writes_nothing_and_drops_its_after_commit_work(app, db) -> None:
    ran = _routes(app, db)
    assert app.test_client().get("/_t/refused/beta").status_code == 400
    assert _count(app, "beta") == 0
    assert ran == []
    assert pending_callbacks(db.session) == 0


def test_a_failing_request_writes_nothing(app, db) -> None:
    ran = _routes(app, db)
    assert app.test_client().get("/_t/broken/gamma").status_code == 500
    assert _count(app, "gamma") == 0
    assert ran == []


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(app, db) -> None:
    ran: list[str] = []
    with unit_of_work(db.session):
        db.session.add(_org("delta"))
        after_commit(db.session, lambda: ran.append("delta"))
    assert _count(app, "delta") == 1
    assert ran == ["delta"]

    try:
        with unit_of_work(db.session):
            db.session.add(_org("epsilon"))
            after_commit(db.session, lambda: ran.append("epsilon"))
            raise ValueError("bad input")
    except ValueError:
        pass
    assert _count(app, "epsilon") == 0
    assert ran == ["delta"]


def test_a_failing_after_commit_callback_does_not_undo_the_commit(app, db, caplog) -> None:
    def fails() -> None:
        raise OSError("index disk full")

    with unit_of_work(db.session):
        db.session.add(_org("zeta"))
        after_commit(db.session, fails)
    assert _count(app, "zeta") == 1
    assert "after-commit work failed" in caplog.text
