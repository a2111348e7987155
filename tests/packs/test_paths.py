"""Every path a pack names stays inside the pack; images are judged by content (defects 12, 14)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from eduhub.catalog.models import MediaFile
from eduhub.packs.files import image_problem
from eduhub.packs.foreign import ForeignOptions, load_foreign
from eduhub.packs.reader import load_tree
from tests.factories import PNG_BYTES, write_course, write_lesson, write_org
from tests.packs.test_foreign import write

SECRET = "the instance secret key\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1"/></svg>'


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the pack with a secret in it, as instance/secret_key is."""
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "secret_key").write_text(SECRET)
    write(folder, "course/course.yml", (tmp_path / "x").as_posix())  # any text
    return folder


def pack_with_image(root: Path, image: str = "pic.png") -> Path:
    course = write_course(write_org(root / "pack"))
    write_lesson(course, body=f"# T\n\n![a picture]({image})\n")
    return course


def texts(tree) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{m.severity}: {m.text}" for m in tree.messages]


def never_read(tree, secret: str = SECRET) -> None:  # type: ignore[no-untyped-def]
    assert tree.media == {}
    for lesson in tree.lessons:
        assert secret.strip() not in lesson.markdown


def test_an_image_symlinked_to_a_secret_is_an_error_and_never_read(tmp_path, outside) -> None:  # type: ignore[no-untyped-def]
    course = pack_with_image(tmp_path)
    os.symlink(outside / "secret_key", course / "pic.png")
    tree = load_tree(tmp_path / "pack")
    found = [str(m) for m in tree.errors]
    assert any(
        m.startswith(f"{course}/pic.png:1: error: symbolic link points outside the pack (to ")
        for m in found
    ), found
    assert any(
        m.startswith(f"{course}/one.md:10: error: image is a symbolic link to a file outside")
        for m in found
    ), found
    never_read(tree)


def test_an_image_symlinked_to_etc_passwd_is_refused(tmp_path: Path) -> None:
    course = pack_with_image(tmp_path)
    os.symlink("/etc/passwd", course / "pic.png")
    tree = load_tree(tmp_path / "pack")
    assert "error: symbolic link points outside the pack (to /etc/passwd); it is not read" in (
        texts(tree)
    )
    never_read(tree, "root:")


def test_import_of_a_pack_with_an_outside_symlink_stores_nothing(  # type: ignore[no-untyped-def]
    runner, db, tmp_path, outside
) -> None:
    course = pack_with_image(tmp_path)
    os.symlink(outside / "secret_key", course / "pic.png")
    result = runner.invoke(args=["content", "import", str(tmp_path / "pack")])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert db.session.scalars(select(MediaFile)).all() == []


def test_a_symlinked_lesson_file_is_not_read(tmp_path, outside) -> None:  # type: ignore[no-untyped-def]
    course = write_course(write_org(tmp_path / "pack"))
    (outside / "one.md").write_text(
        "---\ntitle: Stolen\nsummary: s\nobjectives: [o]\nminutes: 3\n---\n" + SECRET
    )
    os.symlink(outside / "one.md", course / "one.md")
    tree = load_tree(tmp_path / "pack")
    assert tree.lessons == []
    assert "error: module 'Module one' lists a lesson outside the pack: one.md" in texts(tree)
    assert any(m.path == str(course / "one.md") and m.is_error for m in tree.messages)


def test_a_symlinked_course_or_org_folder_is_not_read(tmp_path, outside) -> None:  # type: ignore[no-untyped-def]
    elsewhere = write_org(outside, "elsewhere")
    write_lesson(write_course(elsewhere, "stolen"), body="# Stolen\n\n" + SECRET)
    org = write_org(tmp_path / "pack")
    write_lesson(write_course(org))
    os.symlink(elsewhere / "stolen", org / "stolen")
    os.symlink(elsewhere, tmp_path / "pack" / "elsewhere")
    tree = load_tree(tmp_path / "pack")
    assert [c.slug for c in tree.courses] == ["fractions"]
    assert [o.slug for o in tree.orgs] == ["testville"]
    outside_links = sorted(m.path for m in tree.errors if "outside the pack" in m.text)
    assert outside_links == [str(tmp_path / "pack" / "elsewhere"), str(org / "stolen")]
    never_read(tree)


def test_a_symlink_that_stays_inside_the_pack_is_allowed(tmp_path: Path) -> None:
    course = pack_with_image(tmp_path)
    (course / "real.png").write_bytes(PNG_BYTES)
    os.symlink("real.png", course / "pic.png")
    tree = load_tree(tmp_path / "pack")
    assert tree.errors == []
    assert len(tree.media) == 1


@pytest.mark.parametrize("image", ["../../../private/secret_key.png", "../../x.png"])
def test_an_image_path_with_dot_dot_out_of_the_pack_is_an_error(tmp_path, outside, image) -> None:  # type: ignore[no-untyped-def]
    (outside / "secret_key.png").write_bytes(PNG_BYTES)
    pack_with_image(tmp_path, image)
    tree = load_tree(tmp_path / "pack")
    assert f"error: missing image: {image}" in texts(tree)
    never_read(tree)


def test_absolute_paths_never_read_the_file_system(tmp_path: Path) -> None:
    course = pack_with_image(tmp_path, "/etc/passwd")
    write_course(course.parent, lessons=["one.md", "/etc/passwd.md"])
    tree = load_tree(tmp_path / "pack")
    assert any(t.startswith("error: missing image: /etc/passwd") for t in texts(tree)), texts(tree)
    assert "error: module 'Module one' lists a lesson outside the pack: /etc/passwd.md" in (
        texts(tree)
    )
    never_read(tree, "root:")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("pic.png", b"just some text\n", "file named .png is not a PNG image"),
        ("pic.jpg", PNG_BYTES, "file named .jpg is not a JPG image"),
        ("pic.gif", b"<html>", "file named .gif is not a GIF image"),
        ("pic.webp", b"RIFF0000WAVE", "file named .webp is not a WebP image"),
        ("pic.svg", b"not xml at all", "file named .svg is not well-formed SVG"),
        ("pic.svg", b"<html><body/></html>", "file named .svg is not an SVG image"),
        (
            "pic.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG image contains <script>",
        ),
        (
            "pic.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "SVG image has an event handler (onload)",
        ),
        (
            "pic.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<image x:href="https://tracker.example/p.png"/></svg>',
            "SVG image refers to an external resource",
        ),
        (
            "pic.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);'
            b"</style></svg>",
            "SVG image refers to an external resource in a style",
        ),
    ],
)
def test_files_named_as_images_must_be_images(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    course = pack_with_image(tmp_path, name)
    (course / name).write_bytes(data)
    tree = load_tree(tmp_path / "pack")
    assert any(t.startswith(f"error: {reason}") and t.endswith(f": {name}") for t in texts(tree)), (
        texts(tree)
    )
    assert tree.media == {}


def test_real_images_of_every_type_pass(tmp_path: Path) -> None:
    assert image_problem(PNG_BYTES, ".png") is None
    assert image_problem(b"\xff\xd8\xff\xe0rest", ".jpeg") is None
    assert image_problem(b"GIF89a....", ".gif") is None
    assert image_problem(b"RIFF\x00\x00\x00\x00WEBPVP8 ", ".webp") is None
    gradient = (
        '<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs>'
        '<rect fill="url(#g)" width="1"/><image href="data:image/png;base64,iVBO"/></svg>'
    )
    assert image_problem(gradient.encode(), ".svg") is None
    course = pack_with_image(tmp_path, "pic.svg")
    (course / "pic.svg").write_text(SVG)
    assert load_tree(tmp_path / "pack").errors == []


# --------------------------------------------------------------------------- foreign packs


def test_a_jekyll_lesson_symlinked_outside_is_an_error_and_not_converted(tmp_path, outside) -> None:  # type: ignore[no-untyped-def]
    pack = tmp_path / "ph"
    write(pack, "en/lessons/fine.md", "---\ntitle: Fine\n---\nText.\n")
    (outside / "stolen.md").write_text("---\ntitle: Stolen\n---\n" + SECRET)
    os.symlink(outside / "stolen.md", pack / "en/lessons/stolen.md")
    tree = load_foreign(pack, "jekyll", ForeignOptions("ph", license="CC0-1.0"))
    assert [le.title for le in tree.lessons] == ["Fine"]
    assert [m.path for m in tree.errors] == [str(pack / "en/lessons/stolen.md")]


def test_a_carpentries_image_symlinked_outside_is_an_error_even_though_lenient(  # type: ignore[no-untyped-def]
    tmp_path, outside
) -> None:
    pack = tmp_path / "swc"
    write(pack, "config.yaml", "title: X\nlicense: CC-BY-4.0\nepisodes:\n- one.md\n")
    write(pack, "episodes/one.md", "---\ntitle: One\n---\n\n![chart](fig/chart.png)\n")
    (pack / "episodes/fig").mkdir()
    os.symlink(outside / "secret_key", pack / "episodes/fig/chart.png")
    tree = load_foreign(pack, "carpentries", ForeignOptions("swc"))
    assert any(
        m.path == str(pack / "episodes/one.md")
        and m.is_error
        and m.text.startswith("image is a symbolic link to a file outside the pack")
        for m in tree.messages
    ), tree.messages
    never_read(tree)


def test_d2l_bibliography_and_license_symlinked_outside_are_not_read(tmp_path, outside) -> None:  # type: ignore[no-untyped-def]
    pack = tmp_path / "book"
    write(pack, "index.md", "# Book\n")
    write(pack, "chapter_one/index.md", "# One\n\nSee :cite:`Secret`.\n")
    (outside / "LICENSE").write_text("CC-BY-4.0")
    (outside / "d2l.bib").write_text("@article{Secret,\n title={" + SECRET.strip() + "},\n}\n")
    os.symlink(outside / "LICENSE", pack / "LICENSE")
    os.symlink(outside / "d2l.bib", pack / "d2l.bib")
    tree = load_foreign(pack, "d2l", ForeignOptions("d2l", license="CC0-1.0"))
    assert tree.courses[0].license == "CC0-1.0"  # the outside LICENSE was not read
    assert sorted(m.path for m in tree.errors) == [str(pack / "LICENSE"), str(pack / "d2l.bib")]
    for lesson in tree.lessons:
        assert SECRET.strip() not in (lesson.rendered.html if lesson.rendered else "")


def test_a_foreign_image_path_out_of_the_pack_is_an_error_not_a_warning(tmp_path, outside) -> None:  # type: ignore[no-untyped-def]
    (outside / "secret_key.png").write_bytes(PNG_BYTES)
    pack = tmp_path / "swc"
    write(pack, "config.yaml", "title: X\nlicense: CC-BY-4.0\nepisodes:\n- one.md\n")
    write(pack, "episodes/one.md", "---\ntitle: One\n---\n\n![k](../../private/secret_key.png)\n")
    tree = load_foreign(pack, "carpentries", ForeignOptions("swc"))
    assert "error: missing image: ../../private/secret_key.png" in texts(tree)
    never_read(tree)
