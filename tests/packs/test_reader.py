"""The validator names every problem with its file and line, and accepts what is well formed."""

from __future__ import annotations

from pathlib import Path

import pytest

from eduhub.packs.model import SUBJECTS, PackError, slugify
from eduhub.packs.reader import load_tree
from tests.factories import (
    PNG_BYTES,
    lesson_text,
    write_course,
    write_lesson,
    write_org,
    write_pack,
)


def messages(root: Path) -> list[str]:
    tree = load_tree(root)
    return [str(m).replace(str(root) + "/", "") for m in tree.messages]


def test_a_well_formed_pack_has_no_messages(tmp_path: Path) -> None:
    write_pack(tmp_path, lessons=3)
    tree = load_tree(tmp_path)
    assert tree.messages == []
    assert [le.uid for le in tree.lessons] == [
        "testville/fractions-lesson-1",
        "testville/fractions-lesson-2",
        "testville/fractions-lesson-3",
    ]
    assert tree.courses[0].modules[0].lesson_paths == [
        "fractions/lesson-1.md",
        "fractions/lesson-2.md",
        "fractions/lesson-3.md",
    ]


def test_bad_yaml_reports_the_line_of_the_yaml_error(tmp_path: Path) -> None:
    org = write_org(tmp_path)
    (org / "org.yml").write_text("name: Testville\nkind: city\ncity: [unclosed\ncountry: X\n")
    assert messages(tmp_path)[0].startswith("testville/org.yml:4: error: invalid YAML")


def test_bad_front_matter_yaml_reports_the_line_in_the_lesson_file(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    (course / "one.md").write_text("---\ntitle: Fine\nsummary: also fine\nminutes: : 3\n---\n# x\n")
    found = messages(tmp_path)
    assert len(found) == 1
    assert found[0].startswith("testville/fractions/one.md:4: error: invalid YAML")


def test_missing_required_fields_are_named(tmp_path: Path) -> None:
    org = write_org(tmp_path)
    course = write_course(org)
    (course / "one.md").write_text("---\ntitle: Only a title\n---\n# Body\n")
    found = messages(tmp_path)
    assert "testville/fractions/one.md:2: error: missing required field 'summary'" in found
    assert "testville/fractions/one.md:2: error: missing required field 'objectives'" in found
    assert "testville/fractions/one.md:2: error: missing required field 'minutes'" in found


def test_missing_front_matter_is_an_error_on_line_one(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    (course / "one.md").write_text("# Just Markdown\n")
    assert messages(tmp_path) == [
        "testville/fractions/one.md:1: error: missing YAML front matter "
        "(a '---' block with title, summary …)"
    ]


def test_unknown_license_is_reported_on_its_line(tmp_path: Path) -> None:
    org = write_org(tmp_path)
    course = write_course(org, license="CC-BY-NC-4.0")
    write_lesson(course)
    found = messages(tmp_path)
    assert len(found) == 1
    assert found[0].startswith(
        "testville/fractions/course.yml:7: error: unknown license 'CC-BY-NC-4.0'"
    )


def test_lesson_license_override_must_be_allowed_too(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    write_lesson(course, license="All rights reserved")
    found = messages(tmp_path)
    assert found[0].startswith("testville/fractions/one.md:7: error: unknown license")


def test_invalid_level_language_and_subject(tmp_path: Path) -> None:
    org = write_org(tmp_path)
    course = write_course(org, subjects=["cooking"], level="13-14", language="english language")
    write_lesson(course)
    found = messages(tmp_path)
    assert (
        "testville/fractions/course.yml:3: error: unknown subject 'cooking'; use one of: "
        + ", ".join(SUBJECTS)
    ) in found
    assert (
        "testville/fractions/course.yml:5: error: level '13-14' must be a grade band "
        "like 6-8, K-2 or 'adult'" in found
    )
    assert (
        "testville/fractions/course.yml:6: error: language 'english language' is not a BCP 47 tag"
        in found
    )


def test_duplicate_ids_within_an_organization(tmp_path: Path) -> None:
    org = write_org(tmp_path)
    course = write_course(org, lessons=["a.md", "b.md"])
    write_lesson(course, "a.md", id="same")
    write_lesson(course, "b.md", id="same")
    found = messages(tmp_path)
    assert len(found) == 1
    assert found[0].startswith(
        "testville/fractions/b.md:7: error: duplicate lesson id 'testville/same'"
    )


def test_same_layout_in_two_organizations_never_collides(tmp_path: Path) -> None:
    write_pack(tmp_path, org="north")
    write_pack(tmp_path, org="south")
    tree = load_tree(tmp_path)
    assert tree.messages == []
    uids = [le.uid for le in tree.lessons]
    assert len(uids) == len(set(uids)) == 4


def test_lesson_without_id_gets_one_from_org_course_and_path(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path), lessons=["01 Intro/Qué es.md"])
    write_lesson(course, "01 Intro/Qué es.md")
    assert [le.uid for le in load_tree(tmp_path).lessons] == ["testville/fractions/01-intro/que-es"]


def test_module_naming_a_missing_lesson(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path), lessons=["one.md", "missing.md"])
    write_lesson(course)
    assert messages(tmp_path) == [
        "testville/fractions/course.yml:14: error: module 'Module one' lists a missing lesson "
        "file: missing.md"
    ]


def test_lesson_listed_twice(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path), lessons=["one.md", "one.md"])
    write_lesson(course)
    found = messages(tmp_path)
    assert found == [
        "testville/fractions/course.yml:14: error: lesson one.md is listed twice (also on line 13)"
    ]


def test_unlisted_markdown_is_a_warning_and_readme_is_ignored(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    write_lesson(course)
    write_lesson(course, "extra.md")
    (course / "README.md").write_text("# About this folder\n")
    assert messages(tmp_path) == [
        "testville/fractions/extra.md:1: warning: not listed in any module; not imported"
    ]


def test_broken_link_and_missing_image_with_their_lines(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    body = "# Title\n\nSee [the next](next.md).\n\nText\n\n![A chart](chart.png)\n"
    write_lesson(course, body=body)
    # Front matter is 7 lines (--- + 4 keys + list item + ---), so the body starts on line 8.
    assert messages(tmp_path) == [
        "testville/fractions/one.md:10: error: broken link: next.md",
        "testville/fractions/one.md:14: error: missing image: chart.png",
    ]


def test_image_without_alt_text_is_a_warning(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    (course / "chart.png").write_bytes(PNG_BYTES)
    write_lesson(course, body="# Title\n\n![](chart.png)\n")
    assert messages(tmp_path) == [
        "testville/fractions/one.md:10: warning: image without alt text: chart.png"
    ]


def test_image_of_a_forbidden_type_or_too_large(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    (course / "page.html").write_text("<script>alert(1)</script>")
    (course / "big.png").write_bytes(PNG_BYTES + b"\0" * 2048)
    write_lesson(course, body="# T\n\n![page](page.html)\n\n![big](big.png)\n")
    tree = load_tree(tmp_path, max_media_bytes=1024)
    found = [str(m).replace(str(tmp_path) + "/", "") for m in tree.messages]
    assert found[0].startswith(
        "testville/fractions/one.md:10: error: image type '.html' is not allowed"
    )
    assert found[
        1
    ] == "testville/fractions/one.md:12: error: image is larger than 0 MB: big.png" or (
        found[1].startswith("testville/fractions/one.md:12: error: image is larger")
    )
    assert tree.media == {}


def test_links_and_images_resolve_across_folders_of_the_organization(tmp_path: Path) -> None:
    org = write_org(tmp_path)
    course = write_course(org, lessons=["a/one.md", "b/two.md"])
    (course / "a" / "img").mkdir(parents=True)
    (course / "a" / "img" / "dot.png").write_bytes(PNG_BYTES)
    write_lesson(
        course, "a/one.md", body="# One\n\n[two](../b/two.md#part)\n\n![dot](img/dot.png)\n"
    )
    write_lesson(
        course, "b/two.md", id="second", body="# Two\n\n## Part\n\n![dot](../a/img/dot.png)\n"
    )
    tree = load_tree(tmp_path)
    assert tree.messages == []
    html = tree.lessons[0].rendered.html
    assert 'href="/lessons/testville/second#part"' in html
    assert len(tree.media) == 1  # one file, referenced twice
    (media,) = tree.media.values()
    assert f'src="/media/{media.sha256}/dot.png"' in html


def test_links_outside_the_organization_folder_are_broken(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    (tmp_path / "secret.png").write_bytes(PNG_BYTES)
    write_lesson(course, body="# T\n\n![x](../../secret.png)\n")
    assert messages(tmp_path) == [
        "testville/fractions/one.md:10: error: missing image: ../../secret.png"
    ]


def test_translation_of_an_unknown_lesson_is_a_warning(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    write_lesson(course, translation_of="nowhere")
    assert messages(tmp_path) == [
        "testville/fractions/one.md:7: warning: translation_of names a lesson not in this pack: "
        "testville/nowhere"
    ]


def test_unknown_keys_and_admonitions_and_bad_math_are_warnings(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    body = "# T\n\n::: sidebar\nx\n:::\n\n$x^$\n"
    write_lesson(course, body=body, colour="blue")
    found = messages(tmp_path)
    assert (
        "testville/fractions/one.md:7: warning: unknown field 'colour' is ignored; known fields: "
        "authors, id, license, minutes, objectives, summary, tags, title, translation_of"
    ) in found
    assert any(
        m.startswith("testville/fractions/one.md:11: warning: unknown admonition kind")
        for m in found
    )
    assert any(
        m.startswith("testville/fractions/one.md:15: warning: could not render math") for m in found
    )


def test_crlf_and_bom_files_are_read(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    text = lesson_text("# Title\n\n[broken](nope.md)\n").replace("\n", "\r\n")
    (course / "one.md").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert messages(tmp_path) == ["testville/fractions/one.md:10: error: broken link: nope.md"]


def test_bad_minutes_and_id(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    write_lesson(course, minutes="ten", id="Not Valid!")
    found = messages(tmp_path)
    assert "testville/fractions/one.md:7: error: id 'Not Valid!' must match [a-z0-9-]+" in found
    assert (
        "testville/fractions/one.md:6: error: minutes must be a whole number from 1 to 600" in found
    )


def test_not_a_pack_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# hi")
    with pytest.raises(PackError, match=r"no org\.yml or course\.yml"):
        load_tree(tmp_path)


def test_course_folder_without_org_needs_an_org(tmp_path: Path) -> None:
    course = write_course(tmp_path / "loose")
    write_lesson(course)
    with pytest.raises(PackError, match="pass --org SLUG"):
        load_tree(course)


def test_limit_to_one_course_still_resolves_links_into_the_others(tmp_path: Path) -> None:
    org = write_org(tmp_path)
    first = write_course(org, "first")
    write_lesson(first, id="target")
    second = write_course(org, "second")
    write_lesson(second, body="# T\n\n[see](../first/one.md)\n")
    tree = load_tree(tmp_path, course_slug="second")
    assert [c.slug for c in tree.courses] == ["second"]
    assert tree.errors == []
    assert 'href="/lessons/testville/target"' in tree.lessons[0].rendered.html
    assert tree.course_scope == {"testville": {"second"}}


def test_slugify_folds_accents() -> None:
    assert slugify("Energía Solar: ¿qué es?") == "energia-solar-que-es"


def test_links_to_missing_headings_are_warnings(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path), lessons=["one.md", "two.md"])
    body = (
        "# One\n\n## Cómo regar\n\n[ok](two.md#practice) and [also ok](#cómo-regar)\n\n"
        "[bad](two.md#nowhere)\n\n[bad too](#missing)\n"
    )
    write_lesson(course, "one.md", body=body)
    write_lesson(course, "two.md", id="two", body="# Two\n\n## Practice\n\nText.\n")
    assert messages(tmp_path) == [
        "testville/fractions/one.md:14: warning: link to a missing heading: #nowhere in "
        "/lessons/testville/two",
        "testville/fractions/one.md:16: warning: link to a missing heading: #missing "
        "in this lesson",
    ]


def test_site_absolute_images_resolve_from_the_pack_root_only(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path))
    (course.parent / "images").mkdir()
    (course.parent / "images" / "map.png").write_bytes(PNG_BYTES)
    write_lesson(course, body="# T\n\n![A map](/images/map.png)\n\n![x](/etc/passwd.png)\n")
    tree = load_tree(tmp_path)
    assert [str(m).replace(str(tmp_path) + "/", "") for m in tree.messages] == [
        "testville/fractions/one.md:12: error: missing image: /etc/passwd.png"
    ]
    assert [m.path for m in tree.media.values()] == ["images/map.png"]


def test_a_lesson_missing_minutes_is_reported_once_and_links_to_it_are_not_broken(
    tmp_path: Path,
) -> None:
    course = write_course(write_org(tmp_path), lessons=["one.md", "two.md"])
    write_lesson(course, "one.md", body="# One\n\nSee [two](two.md) and [part](two.md#part).\n")
    write_lesson(course, "two.md", body="# Two\n\n## Part\n", minutes=None)
    assert messages(tmp_path) == [
        "testville/fractions/two.md:2: error: missing required field 'minutes'"
    ]


def test_unknown_values_list_what_is_allowed_and_suggest_the_closest(tmp_path: Path) -> None:
    org = write_org(tmp_path, kind="citty")
    course = write_course(org, subjects=["mathematic"], dialect="jekyl")
    write_lesson(course)
    found = messages(tmp_path)
    assert any(
        m.startswith(
            "testville/fractions/course.yml:3: error: unknown subject 'mathematic' "
            "(did you mean 'mathematics'?); use one of: mathematics, science"
        )
        for m in found
    ), found
    assert any(
        "error: unknown dialect 'jekyl' (did you mean 'jekyll'?); use one of: eduhub, jekyll" in m
        for m in found
    ), found
    assert any(
        "org.yml" in m and "error: unknown kind 'citty' (did you mean 'city'?)" in m for m in found
    )
