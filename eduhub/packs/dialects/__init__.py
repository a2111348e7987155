"""Import adapters: lessons written for Jekyll, Carpentries or d2lbook, as EduHub Markdown.

Each dialect module has a pure ``convert(text, *, path, resolve_link=None, …) -> Converted``
that turns one source file into EduHub front matter and Markdown. Converters keep the body's
line count wherever they can, so the renderer's line numbers still point into the source file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

#: Given a link target as written in the source file (without its "#fragment"), relative to
#: that file ("../episodes/x.html", "setup.Rmd") or site-absolute ("/en/lessons/x",
#: "/lessons/x.html"), returns the target to write instead — the lesson file's path relative to
#: the current file ("../episodes/x.md") — or None when the pack holds no such lesson.
LinkResolver = Callable[[str], str | None]


@dataclass
class Converted:
    """One source file as EduHub sees it."""

    #: EduHub metadata keys: title, summary, objectives, minutes, tags, authors, translators,
    #: license, translation_of, id, date, retired (bool), plus anything else the dialect keeps.
    front: dict[str, Any]
    body: str
    body_line_offset: int  # lines before the body in the source file
    messages: list[tuple[int, str, str]] = field(default_factory=list)  # (line, severity, text)
    counts: dict[str, int] = field(default_factory=dict)

    def warn(self, line: int, text: str) -> None:
        self.messages.append((line, "warning", text))

    def count(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by


_FRONT_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int, list[tuple[int, str, str]]]:
    """Front matter as a dict, the body, the body's line offset, and messages.

    Front matter that strict YAML rejects is recovered line by line (``key: value`` and
    ``- item`` lists), with a warning at the line YAML complained about.
    """
    if not text.startswith("---\n"):
        return {}, text, 0, []
    end = _FRONT_END.search(text, 4)
    if end is None:
        return {}, text, 0, [(1, "warning", "front matter starts with '---' but never ends")]
    raw = text[4 : end.start()]
    body = text[end.end() + 1 :]
    offset = raw.count("\n") + 2
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        message = f"front matter is not valid YAML ({problem}); recovered what could be read"
        return _recover(raw), body, offset, [(line, "warning", message)]
    if not isinstance(data, dict):
        return {}, body, offset, [(2, "warning", "front matter is not a mapping; ignored")]
    return data, body, offset, []


def _recover(raw: str) -> dict[str, Any]:
    """Best-effort reading of broken YAML: top-level ``key: value`` pairs and ``- item`` lists."""
    data: dict[str, Any] = {}
    current: str | None = None
    for line in raw.split("\n"):
        match = _KEY_LINE.match(line)
        if match and not line.startswith((" ", "\t")):
            current, value = match.group(1), match.group(2).strip()
            data[current] = _scalar(value) if value else []
            continue
        stripped = line.strip()
        if current and stripped.startswith("- ") and isinstance(data.get(current), list):
            data[current].append(_scalar(stripped[2:].strip()))
        elif current and stripped and isinstance(data.get(current), str):
            data[current] = f"{data[current]} {_scalar(stripped)}"
    return data


def _scalar(value: str) -> Any:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        return [_scalar(item.strip()) for item in value[1:-1].split(",") if item.strip()]
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return value if isinstance(parsed, dict) else parsed


def estimated_minutes(body: str) -> int:
    """Reading time at 200 words a minute, for sources that do not say how long a lesson takes."""
    return max(5, min(600, round(len(body.split()) / 200)))


def first_paragraph(body: str, limit: int = 300) -> str:
    """The first prose paragraph, as a summary for sources without one."""
    for block in re.split(r"\n\s*\n", body):
        text = block.strip()
        if not text or text[0] in "#:`{<|!-*>[$" or text.startswith(("---", "```")):
            continue
        text = re.sub(r"\s+", " ", text)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""
