"""Reading a pack's files safely: only files inside the pack root, decoded one way everywhere.

Git checkouts and zips from contributors carry symlinks; a path a pack names is read only when
it resolves (symlinks and ``..`` followed) to a place inside the pack's root. Image files are
judged by their content, not their name.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml.common import DefusedXmlException  # type: ignore[import-untyped]

from eduhub.packs.model import Message, PackError


class OutsidePack(PackError):
    """A path a pack names resolves outside the pack root (a safety net: readers check first)."""


def display(path: Path) -> str:
    """How a file is named in messages: the path as given, so it can be opened from there."""
    return str(path)


def is_inside(root: Path, path: Path) -> bool:
    """True when ``path`` resolves, symlinks followed, to ``root`` or something under it."""
    try:
        resolved = path.resolve(strict=False)
    except (OSError, RuntimeError):  # symlink loops
        return False
    return resolved == root.resolve() or resolved.is_relative_to(root.resolve())


def check_inside(root: Path, path: Path) -> None:
    """Raise OutsidePack unless ``path`` (and every symlink on the way) stays inside ``root``."""
    if not is_inside(root, path):
        raise OutsidePack(f"{path} points outside the pack ({root})")


def safe_file(root: Path, rel: str) -> Path | None:
    """The file ``rel`` (POSIX, relative to ``root``) names, or None if it leaves ``root``."""
    if not rel or rel.startswith("/") or re.match(r"^[A-Za-z]:", rel):
        return None
    normal = posixpath.normpath(rel)
    if normal == ".." or normal.startswith("../"):
        return None
    file = root / normal
    return file if is_inside(root, file) else None


def pack_file(root: Path, file: Path) -> bool:
    """True when ``file`` is a regular file (after symlinks) inside ``root``."""
    return file.is_file() and is_inside(root, file)


def pack_dir(root: Path, folder: Path) -> bool:
    """True when ``folder`` is a folder (after symlinks) inside ``root``."""
    return folder.is_dir() and is_inside(root, folder)


def escaping_links(root: Path) -> list[tuple[Path, str]]:
    """Every symbolic link under ``root`` that leads outside it (or nowhere), with its target.

    The walk does not follow links, so a link to a folder outside is reported, never entered.
    """
    found: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        for name in sorted([*dirs, *names]):
            entry = Path(folder) / name
            if entry.is_symlink() and not is_inside(root, entry):
                try:
                    target = os.readlink(entry)
                except OSError:
                    target = "?"
                found.append((entry, target))
    return sorted(found)


def outside_messages(root: Path) -> list[Message]:
    """One error per symbolic link that leaves the pack: it is named, and never read."""
    return [
        Message(
            display(link),
            1,
            "error",
            f"symbolic link points outside the pack (to {target}); it is not read",
        )
        for link, target in escaping_links(root)
    ]


def read_text(file: Path, root: Path | None = None) -> str:
    """Decode a pack file: UTF-8 with or without BOM, any line endings.

    With ``root``, a file that resolves outside it is refused (OutsidePack) before it is opened.
    """
    if root is not None:
        check_inside(root, file)
    data = file.read_bytes()
    text = data.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def read_optional(root: Path, *files: Path) -> tuple[Path, str] | None:
    """The first of ``files`` that exists inside ``root``, with its text; None if none does."""
    for file in files:
        if file.is_file() and is_inside(root, file):
            return file, read_text(file)
    return None


# --------------------------------------------------------------------------- images by content

_MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
_SVG_NS = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?(?!#)|@import", re.I)
#: Event handlers are on<letters> (onload, onclick …); "only_selected" is not one.
_EVENT_HANDLER = re.compile(r"^on[a-z]+$")
#: What an href may name: a fragment of the same file, or an embedded raster image.
_LOCAL_HREF = re.compile(r"^\s*(?:#|data:image/(?:png|jpeg|gif|webp);base64,)", re.I)
_SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}


#: Every refusal of image_problem starts with one of these words.
NOT_AN_IMAGE = ("file named", "SVG image")


def image_problem(data: bytes, suffix: str) -> str | None:
    """Why ``data`` is not an image of the type its name ``suffix`` says, or None when it is."""
    suffix = suffix.lower()
    if suffix == ".webp":
        ok = len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        return None if ok else "file named .webp is not a WebP image"
    if suffix == ".svg":
        return _svg_problem(data)
    magic = _MAGIC.get(suffix)
    if magic is None:
        return None
    if not data.startswith(magic):
        return f"file named {suffix} is not a {suffix.lstrip('.').upper()} image"
    return None


def _svg_problem(data: bytes) -> str | None:
    try:
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        return f"file named .svg is not well-formed SVG ({exc})"
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        return "file named .svg is not an SVG image (its root element is not <svg>)"
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in _SVG_FORBIDDEN:
            return f"SVG image contains <{tag}>; scripts and embedded content are not allowed"
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if _EVENT_HANDLER.match(local):
                return f"SVG image has an event handler ({local}); scripts are not allowed"
            if (local == "href" or name == _XLINK_HREF) and not _LOCAL_HREF.match(value):
                return "SVG image refers to an external resource; only #fragment links allowed"
            if _EXTERNAL_URL.search(value):
                return "SVG image refers to an external resource in a style; not allowed"
        if tag == "style" and element.text and _EXTERNAL_URL.search(element.text):
            return "SVG image refers to an external resource in a style; not allowed"
    return None
