"""Account tests run every request in its own application context, as in production.

The shared ``app`` fixture keeps one application context pushed for the whole test, and Flask
reuses an active context for requests: ``g`` then outlives a request, so Flask-Login's cached
``current_user``, Flask-WTF's cached CSRF token and the database session would carry over from
one request (or one client) to the next. Tests about who is signed in must not see that, so
here each request runs in an empty ``contextvars`` context and pushes a fresh one. The test's
own ``db.session`` is then separate from the requests': call ``db.session.rollback()`` before
reading what a request changed.

Mail leaves in a background thread after the request's commit. The client waits for that thread
to go idle after each request (as a person reads their inbox a moment later), unless a test sets
``client.wait_for_mail = False`` to look at the request alone; every worker stops before the
database is dropped.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from eduhub.accounts import mail


class IsolatedClient(FlaskClient):
    wait_for_mail = True

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if self.wait_for_mail:
            assert mail.worker_for(self.application).wait_until_idle(), "mail worker stuck"
        return response


@pytest.fixture(autouse=True)
def _isolated_requests(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setattr(Flask, "test_client_class", IsolatedClient)
    # Set up the app inside this fixture, so that its teardown (dropping the tables) comes after
    # the mail worker has stopped.
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is not None:
        mail.worker_for(app).stop()


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
