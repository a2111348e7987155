"""Shared fixtures: an app with a fresh database per test, on SQLite or a throwaway PostgreSQL."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from eduhub import create_app
from eduhub.extensions import db as _db
from tests.factories import DEFAULT_PASSWORD

PG_ADMIN_URL = os.environ.get("EDUHUB_TEST_POSTGRES_ADMIN_URL")
CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A PostgreSQL database made for this test run and dropped after it (when asked for)."""
    if not PG_ADMIN_URL:
        yield None
        return
    name = f"eduhub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_app(tmp_path: Path, postgres_url: str | None, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": postgres_url or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "PER_PAGE": 2,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path, postgres_url: str | None) -> Iterator[Flask]:
    app = make_app(tmp_path, postgres_url)

    @app.before_request
    def fresh_g() -> None:
        # Requests made while this fixture's app context is pushed share its `g`; in production
        # each request has its own. Clear what earlier requests cached (the signed-in user,
        # the CSRF token) so one test client never sees another's.
        for name in list(g):
            g.pop(name)

    with app.app_context():
        _db.drop_all()  # PostgreSQL: the run's database is shared by tests in sequence
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask):  # type: ignore[no-untyped-def]
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    return CORPORA


_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[..., TestResponse]:
    """``login_as(user, password=…, client=…, remember=False)`` signs in through POST /login
    (the default client unless another is given) and fails the test if that does not work."""

    def login(
        user: Any,
        password: str = DEFAULT_PASSWORD,
        client: FlaskClient = client,
        remember: bool = False,
    ) -> TestResponse:
        page = client.get("/login")
        assert page.status_code == 200, "already signed in? POST /logout first"
        match = _CSRF_META.search(page.get_data(as_text=True))
        assert match, "no csrf-token meta on /login"
        form = {"csrf_token": match.group(1), "username": user.username, "password": password}
        if remember:
            form["remember"] = "y"
        response = client.post("/login", data=form)
        assert response.status_code == 302, f"sign-in failed: {response.status_code}"
        return response

    return login
