"""The lesson page is composed above catalog and progress: lower domains never import upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

EDUHUB = Path(__file__).resolve().parents[2] / "eduhub"


def imported_modules(package: str) -> dict[str, set[str]]:
    """File → every module it imports, at the top or inside a function (``from x import y``
    also counts as importing ``x.y``, which may be a module)."""
    found: dict[str, set[str]] = {}
    for path in sorted((EDUHUB / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(EDUHUB.parent))] = names
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        path: sorted(
            n for n in names if n in forbidden or n.startswith(tuple(f + "." for f in forbidden))
        )
        for path, names in imported_modules(package).items()
        if any(n in forbidden or n.startswith(tuple(f + "." for f in forbidden)) for n in names)
    }


def test_the_scanner_sees_imports_inside_functions(tmp_path: Path) -> None:
    tree = ast.parse("def f():\n    from eduhub.progress import services\n")
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert modules == {"eduhub.progress"}


def test_catalog_never_imports_progress_or_the_composed_pages() -> None:
    assert offending("catalog", ("eduhub.progress", "eduhub.lessonpage")) == {}


@pytest.mark.parametrize("package", ["progress", "rendering"])
def test_progress_never_imports_catalog_views_or_the_composed_pages(package: str) -> None:
    assert offending(package, ("eduhub.catalog.views", "eduhub.lessonpage")) == {}


def test_the_lesson_page_is_gathered_in_one_place() -> None:
    from eduhub.lessonpage import parts

    assert parts.LESSON_PARTS, "the lesson page has no parts"
    owners = {part.__module__ for part in parts.LESSON_PARTS}
    assert owners == {"eduhub.lessonpage.parts"}
