"""Lesson ids never collide silently, and ids that imported before keep their value (defect 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from eduhub.catalog.models import Lesson
from eduhub.packs.foreign import ForeignOptions, load_foreign
from eduhub.packs.reader import load_tree
from tests.factories import write_course, write_lesson, write_org
from tests.packs.test_foreign import carpentries_pack, d2l_pack, jekyll_pack, write

PLAIN = "---\ntitle: T\n---\nText.\n"


def errors(tree) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in tree.errors]


def test_ids_of_lessons_that_import_today_do_not_change(tmp_path: Path) -> None:
    """The values below were produced by the code before this change, on the same trees."""
    jekyll_pack(tmp_path / "ph")
    for rel in ("en/lessons/a/tar.md", "en/lessons/b/tar.md", "es/lecciones/tar.md"):
        write(tmp_path / "ph", rel, PLAIN)
    options = ForeignOptions(org_slug="ph", license="CC-BY-4.0")
    assert sorted(le.uid for le in load_foreign(tmp_path / "ph", "jekyll", options).lessons) == [
        "ph/en-tar",
        "ph/es-tar",
        "ph/intro-to-maps",
        "ph/introduccion-a-mapas",
        "ph/old-tool",
        "ph/second-lesson",
        "ph/tar",
    ]
    swc = load_foreign(carpentries_pack(tmp_path / "swc"), "carpentries", ForeignOptions("swc"))
    assert sorted(le.uid for le in swc.lessons) == [
        "swc/demo-lesson/episodes/01-first",
        "swc/demo-lesson/episodes/02-second",
        "swc/demo-lesson/learners/setup",
    ]
    book = load_foreign(d2l_pack(tmp_path / "book"), "d2l", ForeignOptions("d2l"))
    assert sorted(le.uid for le in book.lessons) == [
        "d2l/book/chapter-one/index",
        "d2l/book/chapter-one/section",
        "d2l/book/index",
    ]
    course = write_course(write_org(tmp_path / "hub"), lessons=["one.md", "sub/Two Words.md"])
    write_lesson(course, "one.md")
    write_lesson(course, "sub/Two Words.md")
    assert sorted(le.uid for le in load_tree(tmp_path / "hub").lessons) == [
        "testville/fractions/one",
        "testville/fractions/sub/two-words",
    ]


def test_same_file_name_in_three_folders_gives_three_ids_in_every_format(tmp_path: Path) -> None:
    names = ["a/tar.md", "b/tar.md", "c/tar.md"]
    course = write_course(write_org(tmp_path / "hub"), lessons=names)
    for name in names:
        write_lesson(course, name)
    native = load_tree(tmp_path / "hub")
    assert errors(native) == []
    assert len({le.uid for le in native.lessons}) == 3

    for name in names:
        write(tmp_path / "ph", f"en/lessons/{name}", PLAIN)
    jekyll = load_foreign(tmp_path / "ph", "jekyll", ForeignOptions("ph", license="CC0-1.0"))
    assert errors(jekyll) == []
    assert sorted(le.uid for le in jekyll.lessons) == ["ph/en-c-tar", "ph/en-tar", "ph/tar"]

    write(tmp_path / "book", "LICENSE", "CC-BY-4.0")
    write(tmp_path / "book", "index.md", "# Book\n")
    for chapter in ("chapter_a", "chapter_b"):
        write(tmp_path / "book", f"{chapter}/index.md", "# Chapter\n")
        write(tmp_path / "book", f"{chapter}/tar.md", "# Tar\n")
    d2l = load_foreign(tmp_path / "book", "d2l", ForeignOptions("d2l"))
    assert errors(d2l) == []
    assert len({le.uid for le in d2l.lessons}) == len(d2l.lessons) == 5


def test_paths_that_slug_alike_are_an_error_naming_both_files(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path), lessons=["x.md", "((.md"])
    write_lesson(course, "x.md")
    write_lesson(course, "((.md")
    assert errors(load_tree(tmp_path)) == [
        f"{course}/((.md:1: error: duplicate lesson id 'testville/fractions/x' (also in "
        f"{course}/x.md:1); their paths give the same id: rename one file or give it an 'id:'"
    ]


@pytest.mark.parametrize("dialect", ["carpentries", "d2l"])
def test_foreign_paths_that_slug_alike_are_an_error(tmp_path: Path, dialect: str) -> None:
    if dialect == "carpentries":
        write(tmp_path, "config.yaml", "title: X\nlicense: CC-BY-4.0\nepisodes:\n- x.md\n- ((.md\n")
        folder = tmp_path / "episodes"
    else:
        write(tmp_path, "LICENSE", "CC-BY-4.0")
        write(tmp_path, "chapter_a/index.md", "# Chapter\n")
        folder = tmp_path / "chapter_a"
    write(folder, "x.md", "# X\n")
    write(folder, "((.md", "# Y\n")
    found = errors(load_foreign(tmp_path, dialect, ForeignOptions("o")))
    assert len(found) == 1
    assert "error: duplicate lesson id" in found[0]
    assert str(folder / "x.md") in found[0]
    assert str(folder / "((.md") in found[0]


def test_an_explicit_id_twice_names_both_files_and_lines(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path), lessons=["one.md", "two.md"])
    write_lesson(course, "one.md", id="same")
    write_lesson(course, "two.md", id="same")
    assert errors(load_tree(tmp_path)) == [
        f"{course}/two.md:7: error: duplicate lesson id 'testville/same' "
        f"(also in {course}/one.md:7)"
    ]


def test_colliding_names_fail_validation_and_import_cleanly(runner, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, "config.yaml", "title: X\nlicense: CC-BY-4.0\nepisodes:\n- x.md\n- ((.md\n")
    write(tmp_path / "episodes", "x.md", PLAIN)
    write(tmp_path / "episodes", "((.md", PLAIN)
    validate = runner.invoke(args=["content", "validate", str(tmp_path), "--org", "o"])
    assert validate.exit_code == 1
    assert "1 error(s)" in validate.output
    result = runner.invoke(args=["content", "import", str(tmp_path), "--org", "o"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "nothing was imported" in result.output
    assert db.session.scalars(select(Lesson)).all() == []


def test_a_tree_of_several_organizations_with_the_same_layout_imports(runner, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for org in ("north", "south"):
        for slug in ("one", "two"):
            course = write_course(write_org(tmp_path, org), slug, lessons=["a/tar.md", "b/tar.md"])
            write_lesson(course, "a/tar.md")
            write_lesson(course, "b/tar.md")
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(db.session.scalars(select(Lesson.uid)).all()) == 8


def test_chapters_whose_module_slugs_collide_are_an_error(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE", "CC-BY-4.0")
    for chapter in ("chapter_a", "chapter-a"):
        write(tmp_path, f"{chapter}/index.md", "# Chapter\n")
    found = errors(load_foreign(tmp_path, "d2l", ForeignOptions("d2l")))
    assert any("module slug 'chapter-a' is used twice" in m for m in found), found


def test_markdown_folders_that_slug_alike_are_still_two_modules(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE", "CC-BY-4.0")
    write(tmp_path, "Intro/a.md", "# A\n")
    write(tmp_path, "intro/b.md", "# B\n")
    tree = load_foreign(tmp_path, "markdown", ForeignOptions("o"))
    assert errors(tree) == []
    assert sorted(m.slug for m in tree.courses[0].modules) == ["intro", "intro-2"]
