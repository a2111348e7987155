"""Fast anonymous pages: few SQL statements, one render per content generation, never personal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event

from eduhub.extensions import db as _db
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.factories import write_course, write_lesson, write_org
from tests.progress.helpers import learner, signed_in

LESSON = "/lessons/testville/l3"


def write_library(root: Path, third_body: str = "The third lesson.") -> None:
    """One course of two modules (l1 l2 | l3 l4) and a retired-later lesson l5."""
    org = write_org(root)
    course = write_course(
        org,
        "course",
        modules=[
            {"title": "First", "lessons": ["l1.md", "l2.md"]},
            {"title": "Second", "lessons": ["l3.md", "l4.md"]},
        ],
    )
    bodies = {3: third_body}
    for i in range(1, 5):
        body = f"# Lesson {i}\n\n{bodies.get(i, f'Text of lesson {i}.')}\n"
        write_lesson(course, f"l{i}.md", id=f"l{i}", title=f"Lesson {i}", body=body)


def import_library(app: Flask, root: Path) -> None:
    importer.import_tree(_db.session, load_tree(root), media_dir=Path(app.config["MEDIA_DIR"]))
    _db.session.commit()


@pytest.fixture
def library(app: Flask, db, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "packs"
    write_library(root)
    import_library(app, root)
    return root


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_anonymous_lesson_page_needs_few_sql_statements(app: Flask, library: Path) -> None:
    with counting_statements(app) as first:
        page = app.test_client().get(LESSON)
    assert page.status_code == 200
    assert page.headers["X-Page-Cache"] == "miss"
    # Rendered: the lesson joined to its revision, organization, course and module, neighbours
    # (one query), translations, the page's last change and the generation. Was 12.
    assert len(first) <= 6, first
    with counting_statements(app) as again:
        cached = app.test_client().get(LESSON)
    assert cached.headers["X-Page-Cache"] == "hit"
    assert cached.get_data() == page.get_data()
    assert len(again) == 1, again  # the content generation, nothing else
    assert "content_generation" in again[0]


def test_previous_and_next_cross_module_boundaries(app: Flask, library: Path) -> None:
    html = app.test_client().get(LESSON).get_data(as_text=True)
    assert 'rel="prev" href="/lessons/testville/l2"' in html
    assert 'rel="next" href="/lessons/testville/l4"' in html
    first = app.test_client().get("/lessons/testville/l1").get_data(as_text=True)
    assert 'rel="prev"' not in first
    assert 'rel="next" href="/lessons/testville/l2"' in first
    last = app.test_client().get("/lessons/testville/l4").get_data(as_text=True)
    assert 'rel="next"' not in last


def test_neighbours_skip_a_retired_lesson(app: Flask, library: Path) -> None:
    course = library / "testville" / "course"
    (course / "l2.md").unlink()
    write_course(
        library / "testville",
        "course",
        modules=[
            {"title": "First", "lessons": ["l1.md"]},
            {"title": "Second", "lessons": ["l3.md", "l4.md"]},
        ],
    )
    import_library(app, library)
    html = app.test_client().get(LESSON).get_data(as_text=True)
    assert 'rel="prev" href="/lessons/testville/l1"' in html


def test_a_new_content_generation_replaces_the_cached_page(
    app: Flask, library: Path, tmp_path: Path
) -> None:
    guest = app.test_client()
    assert "The third lesson." in guest.get(LESSON).get_data(as_text=True)
    assert guest.get(LESSON).headers["X-Page-Cache"] == "hit"
    write_library(library, third_body="A rewritten third lesson.")
    import_library(app, library)
    fresh = guest.get(LESSON)
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "A rewritten third lesson." in fresh.get_data(as_text=True)
    # The neighbour's page shows its neighbours' titles: a new generation renders it again too.
    assert guest.get("/lessons/testville/l4").headers["X-Page-Cache"] == "miss"


def test_signed_in_pages_never_come_from_the_guest_cache(app: Flask, db, library: Path) -> None:  # type: ignore[no-untyped-def]
    guest = app.test_client()
    guest.get(LESSON)
    assert guest.get(LESSON).headers["X-Page-Cache"] == "hit"
    reader = signed_in(app, learner(db, "ada", display_name="Ada Reader"))
    page = reader.get(LESSON)
    assert page.status_code == 200
    assert "X-Page-Cache" not in page.headers
    assert "Ada Reader" in page.get_data(as_text=True)
    # …and the reader's page was not stored for guests.
    after = guest.get(LESSON)
    assert after.headers["X-Page-Cache"] == "hit"
    assert "Ada Reader" not in after.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "cookie"),
    [
        ("/lessons/testville/l3?attempt=1", None),  # query-dependent state
        ("/courses?subject=mathematics", None),
        (LESSON, "session"),  # a session cookie may carry a flash message or a user
        (LESSON, "remember_token"),
    ],
)
def test_personal_or_query_dependent_requests_bypass_the_cache(
    app: Flask, library: Path, url: str, cookie: str | None
) -> None:
    client = app.test_client()
    if cookie:
        client.set_cookie(cookie, "something")
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response.headers


def test_a_304_from_the_cache(app: Flask, library: Path) -> None:
    guest = app.test_client()
    etag = guest.get(LESSON).headers["ETag"]
    assert guest.get(LESSON).headers["X-Page-Cache"] == "hit"
    again = guest.get(LESSON, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_cache_can_be_turned_off(tmp_path: Path, postgres_url: str | None) -> None:
    from tests.conftest import make_app

    app = make_app(tmp_path, postgres_url, PAGE_CACHE=False)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        write_library(tmp_path / "packs")
        import_library(app, tmp_path / "packs")
        for _ in range(2):
            assert "X-Page-Cache" not in app.test_client().get(LESSON).headers
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()
