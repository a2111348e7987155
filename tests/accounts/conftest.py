"""Account tests run every request in its own application context, as in production.

The shared ``app`` fixture keeps one application context pushed for the whole test, and Flask
reuses an active context for requests: ``g`` then outlives a request, so Flask-Login's cached
``current_user``, Flask-WTF's cached CSRF token and the database session would carry over from
one request (or one client) to the next. Tests about who is signed in must not see that, so
here each request runs in an empty ``contextvars`` context and pushes a fresh one. The test's
own ``db.session`` is then separate from the requests': call ``db.session.rollback()`` before
reading what a request changed.
"""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class IsolatedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def _isolated_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Flask, "test_client_class", IsolatedClient)


@pytest.fixture
def organization(db: Any) -> Any:
    """A committed organization, slug ``testville``."""
    from eduhub.catalog.models import Organization

    org = Organization(
        slug="testville",
        name="Testville Schools",
        kind="district",
        city="Testville",
        country="Nowhere",
    )
    db.session.add(org)
    db.session.commit()
    return org
