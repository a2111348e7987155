"""Teachers, learners, a class and signed-in clients for the class tests (no login form)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from eduhub.accounts.models import User
from eduhub.classrooms import services
from eduhub.classrooms.models import Classroom
from tests.progress.helpers import course_pack, learner, signed_in

__all__ = ["course_pack", "learner", "signed_in"]

_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def teacher(db, username: str = "tess", **fields) -> User:  # type: ignore[no-untyped-def]
    return learner(db, username, role=fields.pop("role", "teacher"), **fields)


def classroom(db, owner: User, name: str = "7B Science") -> Classroom:  # type: ignore[no-untyped-def]
    made = services.create_classroom(db.session, owner, name=name, group_label="Grade 7")
    db.session.commit()
    return made


def enrol(db, room: Classroom, *users: User) -> None:  # type: ignore[no-untyped-def]
    for user in users:
        services.join(db.session, user, room.join_code)
    db.session.commit()


def csrf(client: FlaskClient, url: str = "/classes") -> str:
    page = client.get(url).get_data(as_text=True)
    match = _META.search(page) or _TOKEN.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post(client: FlaskClient, url: str, data: dict | None = None, form_page: str = "/classes"):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf(client, form_page), **(data or {})})


def pack(app: Flask, db, root: Path, lessons: int = 4, modules: int = 2):  # type: ignore[no-untyped-def]
    """One course (testville/course) of ``lessons`` lessons l1…ln over ``modules`` modules."""
    return course_pack(app, db, root, lessons=lessons, modules=modules)
