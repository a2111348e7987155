"""The three shared corpora import faithfully: every page answers, no source syntax shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from eduhub.catalog.models import Lesson
from eduhub.packs import importer
from eduhub.packs.fidelity import build_report
from eduhub.packs.foreign import ForeignOptions, load_foreign

pytestmark = pytest.mark.corpora

_CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")

#: Source syntax that must never reach a reader, per dialect.
RAW_SYNTAX = {
    "jekyll": [r"\{%", r"%\}", r"\{\{", r"\{:"],
    "carpentries": [r"^:{3,}", r"\{alt=", r"\{r[ ,}]", r"\{\.\w"],
    "d2l": [r":label:`", r":eqref:`", r":numref:`", r":cite:`", r":begin_tab:", r":end_tab:"],
}


def visible_text(html: str) -> str:
    """What a reader sees outside code: tags removed, code blocks and spans dropped."""
    return _TAGS.sub(" ", _CODE.sub(" ", html))


def import_corpus(app, db, path: Path, dialect: str, **options):  # type: ignore[no-untyped-def]
    tree = load_foreign(path, dialect, ForeignOptions(**options))
    assert tree.errors == [], tree.errors[:5]
    importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return tree


def check_pages(client, db, dialect: str) -> list[Lesson]:  # type: ignore[no-untyped-def]
    lessons = list(db.session.scalars(select(Lesson)))
    for lesson in lessons:
        response = client.get(f"/lessons/{lesson.uid}")
        assert response.status_code == 200, lesson.uid
        text = visible_text(lesson.current_revision.html)
        for pattern in RAW_SYNTAX[dialect]:
            found = re.search(pattern, text, re.M)
            near = text[found.start() - 60 : found.end() + 60] if found else ""
            assert found is None, f"{lesson.uid}: raw {pattern!r} near {near!r}"
    return lessons


def check_math(tree, dialect_has_math: re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    for lesson in tree.lessons:
        if dialect_has_math.search(lesson.markdown):
            assert "<math" in lesson.rendered.html, lesson.uid


def check_images(tree, client) -> None:  # type: ignore[no-untyped-def]
    """Every image the corpus actually has is served; only absent files stay unresolved."""
    for lesson in tree.lessons:
        for src in re.findall(r'<img src="([^"]+)"', lesson.rendered.html):
            with client.get(src) as image:
                assert image.status_code == 200, (lesson.uid, src)
    root = tree.orgs[0].root
    missing = [m for m in tree.warnings if m.text.startswith("missing image: ")]
    for message in missing:
        target = message.text.removeprefix("missing image: ")
        base = root if target.startswith("/") else Path(message.path).parent
        file = base / target.lstrip("/")
        assert not file.is_file(), f"{message}: the file exists but did not resolve"


def test_programming_historian(app, db, client, corpora: Path) -> None:  # type: ignore[no-untyped-def]
    tree = import_corpus(
        app, db, corpora / "programming-historian", "jekyll", org_slug="ph", license="CC-BY-4.0"
    )
    assert len(tree.lessons) == 151
    lessons = check_pages(client, db, "jekyll")
    check_math(tree, re.compile(r"\$\$"))
    check_images(tree, client)
    by_uid = {lesson.uid: lesson for lesson in lessons}
    translations = [le for le in lessons if le.translation_of_uid in by_uid]
    assert len(translations) >= 40  # the corpus README counts 40 complete translation groups
    retired = [le for le in lessons if le.retired_at is not None]
    assert len(retired) == 8  # 7 in en/lessons/retired, 1 in es/lecciones/retirada
    totals = build_report(tree)["totals"]
    assert totals["liquid_handled"] > 1000


def test_carpentries(app, db, client, corpora: Path) -> None:  # type: ignore[no-untyped-def]
    tree = import_corpus(app, db, corpora / "carpentries", "carpentries", org_slug="carpentries")
    assert len(tree.courses) == 4
    check_pages(client, db, "carpentries")
    check_images(tree, client)
    totals = build_report(tree)["totals"]
    assert totals["admonitions"] > 100
    episodes = [le for le in tree.lessons if "/episodes/" in le.source_path]
    assert len(episodes) == 48
    assert sum(1 for le in episodes if le.objectives) >= 40


def test_d2l(app, db, client, corpora: Path) -> None:  # type: ignore[no-untyped-def]
    tree = import_corpus(app, db, corpora / "d2l-math", "d2l", org_slug="d2l")
    assert len(tree.lessons) == 42
    check_pages(client, db, "d2l")
    check_math(tree, re.compile(r"\$"))
    check_images(tree, client)
    totals = build_report(tree)["totals"]
    assert totals["math_rendered"] > 1000
    assert totals["roles_handled"] > 100
