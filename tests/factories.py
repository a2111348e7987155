"""Write small content packs into a temporary folder, one file at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# A one-pixel PNG, enough for the importer to copy and serve.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def write_org(root: Path, slug: str = "testville", **fields: Any) -> Path:
    org_dir = root / slug
    org_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "name": f"{slug.title()} Schools",
        "kind": "district",
        "city": slug.title(),
        "country": "Nowhere (fictional)",
    }
    data.update(fields)
    (org_dir / "org.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return org_dir


def write_course(
    org_dir: Path, slug: str = "fractions", lessons: list[str] | None = None, **fields: Any
) -> Path:
    course_dir = org_dir / slug
    course_dir.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "title": f"Course {slug}",
        "summary": "A course for tests.",
        "subjects": ["mathematics"],
        "level": "6-8",
        "language": "en",
        "license": "CC-BY-4.0",
        "authors": ["EduHub contributors"],
        "modules": [{"title": "Module one", "lessons": lessons or ["one.md"]}],
    }
    data.update(fields)
    (course_dir / "course.yml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return course_dir


def lesson_text(body: str = "# Title\n\nSome text.\n", **front: Any) -> str:
    data: dict[str, Any] = {
        "title": "A lesson",
        "summary": "What it is about.",
        "objectives": ["Learn one thing"],
        "minutes": 10,
    }
    data.update(front)
    data = {k: v for k, v in data.items() if v is not None}
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body


def write_lesson(
    course_dir: Path, path: str = "one.md", body: str = "# Title\n\nText.\n", **front: Any
) -> Path:
    file = course_dir / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(lesson_text(body, **front), encoding="utf-8")
    return file


def write_pack(
    root: Path, lessons: int = 2, org: str = "testville", course: str = "fractions"
) -> Path:
    """An organization with one course of ``lessons`` lessons, each with an explicit id."""
    org_dir = write_org(root, org)
    names = [f"lesson-{i}.md" for i in range(1, lessons + 1)]
    course_dir = write_course(org_dir, course, lessons=names)
    for i, name in enumerate(names, start=1):
        write_lesson(
            course_dir,
            name,
            body=f"# Lesson {i}\n\n## Part one\n\nThe body of lesson {i}.\n",
            id=f"{course}-lesson-{i}",
            title=f"Lesson {i}",
        )
    return root


# --------------------------------------------------------------------------- accounts

#: The password of every user make_user() creates unless told otherwise.
DEFAULT_PASSWORD = "correct horse battery"
_PASSWORD_HASHES: dict[str, str] = {}


def make_user(
    db: Any,
    username: str = "ada",
    password: str = DEFAULT_PASSWORD,
    role: str = "learner",
    **fields: Any,
) -> Any:
    """A committed user (email USERNAME@example.org unless given) who can sign in with
    ``password``. Hashes are cached per password: scrypt is slow on purpose."""
    from werkzeug.security import generate_password_hash

    from eduhub.accounts.models import User

    if password not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[password] = generate_password_hash(password, method="scrypt")
    data: dict[str, Any] = {
        "username": username,
        "email": f"{username}@example.org",
        "display_name": username.title(),
        "password_hash": _PASSWORD_HASHES[password],
        "role": role,
    }
    data.update(fields)
    user = User(**data)
    db.session.add(user)
    db.session.commit()
    return user
