"""The sample packs in content/ are valid, complete and use every feature of the format."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from eduhub.catalog.models import Course, Lesson
from eduhub.packs import importer
from eduhub.packs.reader import load_tree

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def tree():  # type: ignore[no-untyped-def]
    return load_tree(CONTENT)


def test_content_validates_with_no_errors_and_no_warnings(tree) -> None:  # type: ignore[no-untyped-def]
    assert [str(m) for m in tree.messages] == []


def test_content_is_big_enough_to_be_useful(tree) -> None:  # type: ignore[no-untyped-def]
    assert len(tree.orgs) >= 3
    assert len(tree.courses) >= 4
    assert len(tree.lessons) >= 24
    assert any(c.language.startswith("es") for c in tree.courses)
    assert {c.level for c in tree.courses} & {"adult"}


def test_every_lesson_teaches_something(tree) -> None:  # type: ignore[no-untyped-def]
    for lesson in tree.lessons:
        words = len(lesson.rendered.text.split())
        assert words >= 500, f"{lesson.uid} has only {words} words"
        assert lesson.objectives, lesson.uid
        html = lesson.rendered.html
        assert "admonition-exercise" in html, f"{lesson.uid} has no exercise"
        assert "admonition-solution" in html, f"{lesson.uid} has no solution"
        assert (
            'class="footnotes' in html
            or "Sources" in lesson.rendered.headings
            or any("Fuentes" in h for h in lesson.rendered.headings)
        ), f"{lesson.uid} cites no sources"


def test_authors_are_the_project_not_invented_people(tree) -> None:  # type: ignore[no-untyped-def]
    for course in tree.courses:
        assert "EduHub contributors" in course.authors


FEATURES = {
    "table": "<table",
    "strikethrough": "<s>",
    "footnote": 'class="footnote-ref"',
    "task list": 'type="checkbox"',
    "definition list": "<dl",
    "note": "admonition-note",
    "tip": "admonition-tip",
    "warning": "admonition-warning",
    "important": "admonition-important",
    "example": "admonition-example",
    "exercise": "admonition-exercise",
    "solution": "<details",
    "inline math": re.compile(r'<math[^>]* display="inline"'),
    "display math": re.compile(r'<math[^>]* display="block"'),
    "highlighted code": 'class="highlight',
    "image": '<img src="/media/',
    "link to a lesson": 'href="/lessons/',
    "link to a heading of a lesson": re.compile(r'href="/lessons/[^"#]+#[^"]+"'),
}


def test_together_the_packs_use_every_feature_of_the_format(tree) -> None:  # type: ignore[no-untyped-def]
    html = "\n".join(lesson.rendered.html for lesson in tree.lessons)
    missing = [
        name
        for name, needle in FEATURES.items()
        if not (needle.search(html) if isinstance(needle, re.Pattern) else needle in html)
    ]
    assert missing == []
    assert any(le.translation_of_uid for le in tree.lessons)
    assert any(
        le.license != c.license
        for c in tree.courses
        for le in tree.lessons
        if le.course_slug == c.slug
    )
    assert any(c.featured for c in tree.courses)


def test_content_imports_and_every_sitemap_url_answers(app, db, client) -> None:  # type: ignore[no-untyped-def]
    tree = load_tree(CONTENT)
    report = importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    assert report.added == len(tree.lessons)
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [el.text for el in ElementTree.fromstring(sitemap.data).findall("s:url/s:loc", ns)]
    lesson_urls = [loc for loc in locs if "/lessons/" in loc]
    assert len(lesson_urls) == len(tree.lessons)
    for loc in locs:
        response = client.get(urlsplit(loc).path)
        assert response.status_code == 200, loc
    for lesson in db.session.scalars(select(Lesson)):
        for src in re.findall(r'<img src="([^"]+)"', lesson.current_revision.html):
            with client.get(src) as image:  # send_file responses hold the file open
                assert image.status_code == 200, (lesson.uid, src)
    translated = db.session.scalar(select(Lesson).where(Lesson.translation_of_uid.is_not(None)))
    page = client.get(f"/lessons/{translated.uid}").get_data(as_text=True)
    assert f'href="/lessons/{translated.translation_of_uid}"' in page
    assert db.session.scalar(select(Course).where(Course.language == "es")) is not None
