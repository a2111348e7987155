"""Admonitions: ``::: kind [title]`` … ``:::`` blocks rendered as asides, solutions as details."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

KINDS = ("note", "tip", "warning", "important", "example", "exercise", "solution")
OPEN_TYPE = "container_admonition_open"
CLOSE_TYPE = "container_admonition_close"

# One container rule accepts any word so an unknown kind can be reported instead of silently
# showing its ":::" lines as text.
_INFO = re.compile(r"\s*([A-Za-z][\w-]*)(?:\s+(.*?))?\s*\Z")


@dataclass(frozen=True)
class Admonition:
    """What the opening line says."""

    kind: str  # as written, lower-cased
    title: str  # "" when none was given

    @property
    def known(self) -> bool:
        return self.kind in KINDS

    @property
    def shown_kind(self) -> str:
        return self.kind if self.known else "note"

    @property
    def shown_title(self) -> str:
        return self.title or self.shown_kind.capitalize()


def parse_info(info: str) -> Admonition:
    """Split the opening line after the colons into kind and optional title."""
    match = _INFO.match(info)
    if match is None:  # the container rule only opens when this matches
        return Admonition("note", "")
    return Admonition(match.group(1).lower(), match.group(2) or "")


def _validate(params: str, markup: str) -> bool:
    return _INFO.match(params) is not None


def _render(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    admonition: Admonition = token.meta.get("admonition") or parse_info(token.info)
    if token.nesting == -1:
        return "</details>\n" if admonition.shown_kind == "solution" else "</aside>\n"
    title = escapeHtml(admonition.shown_title)
    if admonition.shown_kind == "solution":
        # <details> folds the solution without any JavaScript.
        return f'<details class="admonition admonition-solution">\n<summary>{title}</summary>\n'
    return (
        f'<aside class="admonition admonition-{admonition.shown_kind}" role="note">\n'
        f'<p class="admonition-title">{title}</p>\n'
    )


def admonitions_plugin(md: MarkdownIt) -> None:
    """Register the container rule; render_markdown pairs each close token with its opener."""
    container_plugin(md, "admonition", validate=_validate, render=_render)
