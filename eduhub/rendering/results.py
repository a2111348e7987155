"""The values render_markdown returns and the resolver protocol it calls back into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from eduhub.rendering.quizzes import Quiz

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """Something the validator reports as ``path:line: severity: message``."""

    line: int
    severity: Severity
    message: str


@dataclass(frozen=True)
class TocEntry:
    """One h2 or h3 heading, for the lesson's table of contents."""

    level: int
    anchor: str
    title: str


class Resolver(Protocol):
    """Maps a lesson's relative link and image targets to hub URLs.

    Targets are percent-decoded paths relative to the lesson file, without query or fragment;
    ``None`` means the target does not exist (a broken link or a missing image).
    """

    def link(self, target: str) -> str | None: ...

    def image(self, target: str) -> str | None: ...


@dataclass(frozen=True)
class LinkRef:
    """A link to another lesson or to a heading in this one, kept so fragments can be checked."""

    line: int  # in the original file, like Problem.line
    url: str  # the resolved URL without fragment; "" for "#heading" in the same lesson
    fragment: str  # percent-decoded, without "#"; "" when there is none


@dataclass(frozen=True)
class Rendered:
    """Sanitized HTML plus what the importer, the validator and search need to know about it."""

    html: str
    toc: tuple[TocEntry, ...]
    text: str
    headings: tuple[str, ...]
    problems: tuple[Problem, ...]
    math_rendered: int
    math_failed: int
    images: int
    images_resolved: int
    links: int
    links_resolved: int
    admonitions: int
    anchors: tuple[str, ...] = ()  # every element id a link can target (headings, footnotes)
    lesson_links: tuple[LinkRef, ...] = ()
    quizzes: tuple[Quiz, ...] = ()  # valid quizzes in order; the HTML holds their quiz-slot divs
