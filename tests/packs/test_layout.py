"""The packs pipeline has no cycle and one dialect registry (issue 8, seam 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import eduhub.packs
from eduhub.packs import cli, foreign

PACKS = Path(eduhub.packs.__file__).parent


def _imports(module: str) -> set[str]:
    tree = ast.parse((PACKS / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_foreign_and_the_validator_never_import_the_native_reader() -> None:
    for module in ("foreign", "validator", "metadata", "files"):
        assert "eduhub.packs.reader" not in _imports(module), module


def test_foreign_calls_no_private_function_of_another_module() -> None:
    tree = ast.parse((PACKS / "foreign.py").read_text())
    private = [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]
    assert private == []


def test_the_dialect_option_offers_exactly_the_registry() -> None:
    option = next(p for p in cli.validate_command.params if p.name == "dialect")
    assert tuple(option.type.choices) == foreign.DIALECTS == tuple(foreign.REGISTRY)
