"""Plain Markdown folders: titles from headings, languages and modules from folder names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from eduhub.catalog.models import Course, Lesson
from eduhub.packs.dialects.markdown import convert, first_heading
from eduhub.packs.fidelity import build_report
from eduhub.packs.foreign import ForeignOptions, detect_dialect, load_foreign, split_language
from eduhub.packs.model import PackError


def write(root: Path, rel: str, data: str | bytes) -> Path:
    file = root / rel
    file.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        file.write_bytes(data)
    else:
        file.write_text(data, encoding="utf-8")
    return file


def district(root: Path) -> Path:
    write(root, "LICENSE", "Creative Commons Attribution 4.0 International\n")
    write(root, "README.md", "# Fractions for grade 5\n\nOur district's fraction unit.\n")
    write(root, "pages/01-intro/welcome.md", "# Welcome\n\nWhat this unit is about.\n")
    write(root, "pages/01-intro/2-numbers.md", "# Numbers\n\nCounting.\n")
    write(root, "pages/01-intro/10-more.md", "# More\n\nLater.\n")
    write(root, "pages/02-halves/halves.md", "# Halves\n\nOne of two.\n")
    write(root, "pages.es/01-intro/welcome.md", "# Bienvenida\n\nDe qué trata.\n")
    write(root, "pages/fr-CA/01-intro/welcome.md", "# Bienvenue\n\nDe quoi il s'agit.\n")
    return root


def load(root: Path, **options: str) -> object:
    return load_foreign(root, "markdown", ForeignOptions(org_slug="springfield", **options))


def test_a_plain_markdown_folder_is_detected_when_nothing_else_matches(tmp_path: Path) -> None:
    assert detect_dialect(district(tmp_path / "d")) == "markdown"
    write(tmp_path / "fm", "a.md", "---\ntitle: A\n---\n# A\n")
    with pytest.raises(PackError, match="cannot tell how this pack is written"):
        detect_dialect(tmp_path / "fm")
    write(tmp_path / "swc", "config.yaml", "title: X\n")
    write(tmp_path / "swc", "episodes/plain.md", "# Plain\n")
    assert detect_dialect(tmp_path / "swc") == "carpentries"


def test_titles_summaries_and_minutes_are_inferred() -> None:
    converted = convert("# The *title*\n\nFirst paragraph\nof two lines.\n\nMore.\n", path="a.md")
    assert converted.front["title"] == "The title"
    assert converted.front["summary"] == "First paragraph of two lines."
    assert converted.front["minutes"] >= 1
    assert converted.counts == {"titles_inferred": 1, "summaries_inferred": 1}
    assert first_heading("```\n# not a title\n```\n\nSetext title\n===\n") == "Setext title"


def test_a_file_without_any_heading_is_titled_from_its_name() -> None:
    converted = convert("Just some text.\n", path="units/03-adding_fractions.md")
    assert converted.front["title"] == "Adding fractions"
    assert converted.counts["titles_from_file_name"] == 1
    assert converted.messages == [
        (1, "warning", "no '# heading' to take a title from; titled from the file name")
    ]


def test_crlf_and_a_byte_order_mark_are_tolerated(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE", "CC0-1.0")
    write(tmp_path, "a.md", b"\xef\xbb\xbfSetext title\r\n============\r\n\r\nThe summary.\r\n")
    write(tmp_path, "b.md", b"\xef\xbb\xbf# ATX title\r\n\r\nAnother summary.\r\n")
    tree = load(tmp_path)
    assert [(le.title, le.summary) for le in tree.lessons] == [
        ("Setext title", "The summary."),
        ("ATX title", "Another summary."),
    ]
    assert tree.errors == []
    assert "\r" not in tree.lessons[0].markdown


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("pages.es/a/x.md", ("es", "pages/a/x.md")),
        ("docs/fr/x.md", ("fr", "docs/x.md")),
        ("es/x.md", ("es", "x.md")),
        ("fr-CA/x.md", ("fr-CA", "x.md")),
        ("pt_BR/x.md", ("pt-BR", "x.md")),
        ("docs/x.md", (None, "docs/x.md")),
        ("img/src/x.md", (None, "img/src/x.md")),
        ("es.md", (None, "es.md")),
    ],
)
def test_languages_are_read_from_folder_names(rel: str, expected: tuple) -> None:  # type: ignore[type-arg]
    assert split_language(rel) == expected


def test_one_course_per_language_with_modules_and_translations(tmp_path: Path) -> None:
    tree = load(district(tmp_path / "d"))
    assert tree.errors == []
    courses = {c.slug: c for c in tree.courses}
    assert {s: (c.language, c.title) for s, c in courses.items()} == {
        "d": ("en", "Fractions for grade 5"),
        "d-es": ("es", "Fractions for grade 5 (Español)"),
        "d-fr-ca": ("fr-CA", "Fractions for grade 5 (Français (fr-CA))"),
    }
    assert courses["d"].license == "CC-BY-4.0"
    assert courses["d"].summary == "Our district's fraction unit."
    english = courses["d"]
    assert [(m.slug, m.title) for m in english.modules] == [
        ("intro", "Intro"),
        ("halves", "Halves"),
    ]
    assert english.modules[0].lesson_paths == [
        "pages/01-intro/2-numbers.md",
        "pages/01-intro/10-more.md",
        "pages/01-intro/welcome.md",
    ]
    by_uid = {le.uid: le for le in tree.lessons}
    welcome = "springfield/d/pages/01-intro/welcome"
    assert by_uid[welcome].language == "en"
    spanish = by_uid["springfield/d-es/pages/01-intro/welcome"]
    assert (spanish.language, spanish.translation_of_uid) == ("es", welcome)
    french = by_uid["springfield/d-fr-ca/pages/01-intro/welcome"]
    assert (french.language, french.translation_of_uid) == ("fr-CA", welcome)


def test_language_option_names_the_language_outside_language_folders(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE", "CC0-1.0")
    write(tmp_path, "lecciones/uno.md", "# Uno\n\nTexto.\n")
    write(tmp_path, "en/uno.md", "# One\n\nText.\n")
    tree = load(tmp_path, language="es", course_slug="curso")
    assert {c.slug: c.language for c in tree.courses} == {"curso": "es", "curso-en": "en"}
    english = next(le for le in tree.lessons if le.language == "en")
    # en/uno.md mirrors lecciones/uno.md: the only default-language file its path ends
    assert english.translation_of_uid == "springfield/curso/lecciones/uno"


def test_license_is_required(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "# A\n")
    with pytest.raises(PackError, match="pass --license SPDX"):
        load(tmp_path)
    assert load(tmp_path, license="CC-BY-SA-4.0").courses[0].license == "CC-BY-SA-4.0"


def test_fidelity_report_counts_what_was_inferred(tmp_path: Path) -> None:
    district(tmp_path)
    write(tmp_path, "pages/02-halves/no-heading.md", "Only text.\n")
    totals = build_report(load(tmp_path))["totals"]
    assert totals["inferred_titles"] == 6
    assert totals["inferred_titles_from_file_names"] == 1
    assert totals["inferred_summaries"] == 7
    assert totals["inferred_languages"] == 3
    assert totals["inferred_modules"] == 4  # intro + halves in English, one each in es, fr-CA


def test_plain_markdown_imports_from_the_command_line(runner, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    district(tmp_path / "d")
    report = tmp_path / "report.json"
    args = [
        "content",
        "import",
        str(tmp_path / "d"),
        "--org",
        "springfield",
        "--report",
        str(report),
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "inferred: languages 3, modules 4, summaries 6, titles 6" in result.output
    assert {c.slug for c in db.session.scalars(select(Course))} == {"d", "d-es", "d-fr-ca"}
    titles = {le.title: le.language for le in db.session.scalars(select(Lesson))}
    assert titles["Bienvenida"] == "es"
    assert json.loads(report.read_text())["totals"]["inferred_titles"] == 6
    again = runner.invoke(args=[*args[:-2], "--dialect", "markdown"])
    assert "added 0, updated 0, unchanged 6" in again.output
