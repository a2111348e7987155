"""Learners and signed-in clients for progress tests, without going through the login form."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from eduhub.accounts.models import User
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.factories import write_course, write_lesson, write_org


def learner(db, username: str = "ada", **fields) -> User:  # type: ignore[no-untyped-def]
    user = User(
        username=username,
        email=f"{username}@example.org",
        password_hash=generate_password_hash("correct horse battery", method="scrypt"),
        display_name=fields.pop("display_name", username.title()),
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def signed_in(app: Flask, user: User | str) -> FlaskClient:
    """A test client whose session is signed in as ``user`` (or a user's session token), the
    way Flask-Login stores it."""
    client = app.test_client()
    token = user if isinstance(user, str) else user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def course_pack(app, db, root: Path, lessons: int = 3, modules: int = 1):  # type: ignore[no-untyped-def]
    """One organization, one course with ``lessons`` lessons spread over ``modules`` modules."""
    org = write_org(root)
    names = [f"l{i}.md" for i in range(1, lessons + 1)]
    per = -(-lessons // modules)
    course = write_course(
        org,
        "course",
        modules=[
            {"title": f"Module {m + 1}", "lessons": names[m * per : (m + 1) * per]}
            for m in range(modules)
            if names[m * per : (m + 1) * per]
        ],
    )
    for i, name in enumerate(names, start=1):
        write_lesson(
            course,
            name,
            id=f"l{i}",
            title=f"Lesson {i}",
            body=f"# Lesson {i}\n\n## Part\n\nText {i}.\n",
        )
    tree = load_tree(root)
    importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return tree
