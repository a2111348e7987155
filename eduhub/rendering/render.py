"""render_markdown: one lesson body in, sanitized HTML and everything known about it out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from eduhub.rendering.admonitions import CLOSE_TYPE, OPEN_TYPE, parse_info
from eduhub.rendering.limits import check_limits
from eduhub.rendering.mathml import MathError, shown_tex, tex_to_mathml
from eduhub.rendering.parser import PARSER, fence_language, plain_text
from eduhub.rendering.quizzes import QUIZ_INFO, Quiz, parse_quiz
from eduhub.rendering.results import LinkRef, Problem, Rendered, Resolver, Severity, TocEntry
from eduhub.rendering.sanitizer import sanitize
from eduhub.rendering.urls import Kind, classify

# Bump whenever the HTML (or anything else in Rendered) changes for the same input, so stored
# lessons can be re-rendered.
RENDERER_VERSION = 6

_EXTERNAL_REL = "noopener noreferrer"
# markdown-it normalises line endings and NUL this way before numbering lines (token.map).
_NEWLINES = re.compile(r"\r\n?|\n")
# Lone surrogates cannot be encoded as UTF-8, which nh3 (Rust) requires.
_SURROGATES = re.compile("[\ud800-\udfff]")
_ID_ATTRIBUTE = re.compile(r'\sid="([^"]+)"')
_ALIGN_STYLE = re.compile(r"text-align:\s*(left|right|center)")
_ID_KEY = re.compile(r"^id[ \t]*:", re.MULTILINE)


def render_markdown(
    source: str, resolver: Resolver | None = None, *, line_offset: int = 0
) -> Rendered:
    """Render a lesson body (front matter already removed) to safe HTML.

    ``line_offset`` is the number of lines before the body in the file (the front matter), so
    problems carry lines of the original file. Without a resolver, relative links and images
    are counted but left as written and never reported, and nothing counts as resolved.
    A lesson past the size limits (``limits.py``) is not parsed: its errors say where.
    """
    source = _SURROGATES.sub("\ufffd", source)
    too_large = check_limits(source, line_offset=line_offset)
    if too_large:
        return _unparsed(source, too_large)
    env: dict[str, Any] = {}
    tokens = PARSER.parse(source, env)
    lines = _NEWLINES.sub("\n", source).replace("\0", "\ufffd").split("\n")
    walk = _Walk(lines, resolver, line_offset)
    walk.blocks(tokens)
    walk.check_quiz_anchors()
    html = sanitize(PARSER.renderer.render(tokens, PARSER.options, env))
    return Rendered(
        html=html,
        toc=tuple(walk.toc),
        text="\n".join(walk.text),
        headings=tuple(walk.headings),
        problems=tuple(sorted(walk.problems, key=lambda problem: problem.line)),
        math_rendered=walk.math_rendered,
        math_failed=walk.math_failed,
        images=walk.images,
        images_resolved=walk.images_resolved,
        links=walk.links,
        links_resolved=walk.links_resolved,
        admonitions=walk.admonitions,
        anchors=tuple(_ID_ATTRIBUTE.findall(html)),
        lesson_links=tuple(walk.lesson_links),
        quizzes=tuple(walk.quizzes),
    )


def _unparsed(source: str, problems: list[Problem]) -> Rendered:
    """A lesson too large to parse: its source as preformatted text, and why."""
    notice = "This lesson is too large to show formatted: " + "; ".join(p.message for p in problems)
    html = (
        f'<p class="render-refused">{escapeHtml(notice)}.</p>\n'
        f'<pre tabindex="0"><code>{escapeHtml(source)}</code></pre>\n'
    )
    return Rendered(
        html=html,
        toc=(),
        text="",  # never imported: the errors refuse it
        headings=(),
        problems=tuple(problems),
        math_rendered=0,
        math_failed=0,
        images=0,
        images_resolved=0,
        links=0,
        links_resolved=0,
        admonitions=0,
    )


class _Lines:
    """The source lines of one block, to find which line an inline link or formula is on."""

    def __init__(self, lines: list[str], line_map: list[int] | None) -> None:
        self.lines = lines
        if line_map is None:
            # Inline footnotes carry no map: search the whole lesson.
            self.first, self.end = 0, len(lines)
        else:
            self.first, self.end = line_map[0], max(line_map[1], line_map[0] + 1)
        self.text: str | None = None  # joined only when something needs locating
        self.cursor = 0  # repeated targets in one block are found in order
        # Newlines before ``counted_to``, so each lookup counts only the text after the last.
        self.counted_to = self.newlines = 0

    def locate(self, *candidates: str) -> int:
        """0-based source line of the first candidate found, else the block's first line."""
        if self.text is None:
            self.text = "\n".join(self.lines[self.first : self.end])
        for start in (self.cursor, 0):
            for candidate in candidates:
                needle = candidate.split("\n", 1)[0]
                if not needle:
                    continue
                found = self.text.find(needle, start)
                if found >= 0:
                    self.cursor = found + len(needle)
                    return self.first + self._line_of(found)
        return self.first

    def _line_of(self, offset: int) -> int:
        if offset < self.counted_to:
            self.counted_to = self.newlines = 0
        self.newlines += self.text.count("\n", self.counted_to, offset)  # type: ignore[union-attr]
        self.counted_to = offset
        return self.newlines


class _Walk:
    """One pass over the token stream: judge links, images and math; collect the metadata."""

    def __init__(self, lines: list[str], resolver: Resolver | None, line_offset: int) -> None:
        self.lines = lines
        self.resolver = resolver
        self.line_offset = line_offset
        self.problems: list[Problem] = []
        self.toc: list[TocEntry] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self.math_rendered = self.math_failed = 0
        self.images = self.images_resolved = 0
        self.links = self.links_resolved = 0
        self.admonitions = 0
        self.lesson_links: list[LinkRef] = []
        self.quizzes: list[Quiz] = []
        self.quiz_blocks = 0
        self.quiz_lines: dict[str, int] = {}  # quiz id -> 0-based line of its block
        self.heading_ids: set[str] = set()

    def report(self, line: int, severity: Severity, message: str) -> None:
        self.problems.append(Problem(line + 1 + self.line_offset, severity, message))

    def blocks(self, tokens: list[Token]) -> None:
        open_admonitions: list[Token] = []
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "inline":
                self.inline(token)
            elif kind == "heading_open":
                self.heading(token, tokens[index + 1])
            elif kind == "fence" and fence_language(token) == QUIZ_INFO:
                self.quiz(token)
            elif kind in ("fence", "code_block"):
                self.add_text(token.content)
            elif kind in ("math_block", "math_block_label"):
                self.add_text(token.content)
                self.math(token, _first_line(token), display=True)
            elif kind in ("th_open", "td_open"):
                _align_by_class(token)
            elif kind == "table_open":
                token.attrSet("tabindex", "0")  # scrolls sideways on narrow screens
                token.attrSet("aria-label", "Table")  # the focused box says what it holds
            elif kind == OPEN_TYPE:
                admonition = parse_info(token.info)
                token.meta["admonition"] = admonition
                open_admonitions.append(token)
                self.admonitions += 1
                self.add_text(admonition.title)
                if not admonition.known:
                    self.report(
                        _first_line(token),
                        "warning",
                        f"unknown admonition kind '{admonition.kind}'",
                    )
            elif kind == CLOSE_TYPE and open_admonitions:
                token.meta["admonition"] = open_admonitions.pop().meta["admonition"]

    def heading(self, heading: Token, inline: Token) -> None:
        title = plain_text(inline.children or [])
        self.headings.append(title)
        self.heading_ids.add(str(heading.attrGet("id") or ""))
        level = int(heading.tag[1])
        if level in (2, 3):
            self.toc.append(TocEntry(level, str(heading.attrGet("id") or ""), title))

    def quiz(self, token: Token) -> None:
        """Validate a quiz block; a valid one becomes a slot, and only its prompts are text."""
        self.quiz_blocks += 1
        fence_line = _first_line(token)
        quiz, problems = parse_quiz(
            token.content, first_line=fence_line + 2 + self.line_offset, index=self.quiz_blocks
        )
        if quiz is not None and quiz.id in self.quiz_lines:
            # The id's own line when written, else the fence (a default id like "quiz-2").
            id_key = _ID_KEY.search(token.content)
            line = fence_line
            if id_key:
                line += 1 + token.content.count("\n", 0, id_key.start())
            first = self.quiz_lines[quiz.id] + 1 + self.line_offset
            message = f"duplicate quiz id '{quiz.id}' (first quiz on line {first})"
            problems.append(Problem(line + 1 + self.line_offset, "error", message))
            quiz = None
        self.problems.extend(problems)
        if quiz is None:
            token.meta["quiz_problems"] = [p for p in problems if p.severity == "error"]
            return
        self.quiz_lines[quiz.id] = fence_line
        token.meta["quiz_id"] = quiz.id
        self.quizzes.append(quiz)
        for question in quiz.questions:
            self.add_text(question.prompt_text)

    def check_quiz_anchors(self) -> None:
        for quiz_id, line in self.quiz_lines.items():
            if f"quiz-{quiz_id}" in self.heading_ids:
                self.report(
                    line, "warning", f"quiz id '{quiz_id}' gives the same anchor as a heading"
                )

    def inline(self, token: Token) -> None:
        children = token.children or []
        lines = _Lines(self.lines, token.map)
        hide_link_close = False
        for child in children:
            kind = child.type
            if kind == "link_open":
                hide_link_close = not self.link(child, lines)
                child.hidden = hide_link_close
            elif kind == "link_close":
                child.hidden = hide_link_close
                hide_link_close = False
            elif kind == "image":
                self.image(child, lines)
            elif kind in ("math_inline", "math_inline_double"):
                tex = child.content.strip()
                line = lines.locate(f"{child.markup}{tex}", tex)
                self.math(child, line, display=kind == "math_inline_double")
        self.add_text(plain_text(children))

    def link(self, token: Token, lines: _Lines) -> bool:
        """Rewrite or judge one link; False means show its text without the link."""
        href = str(token.attrGet("href") or "")
        target = classify(href)
        if target.kind is Kind.EXTERNAL:
            token.attrSet("rel", _EXTERNAL_REL)
        elif target.kind is Kind.REFUSED:
            line = lines.locate(f"]({href}", href, unquote(href), f"{target.scheme}:")
            self.report(line, "warning", f"link with scheme '{target.scheme}:' removed")
            return False
        elif target.kind is Kind.FRAGMENT:
            line = lines.locate(f"]({href}", f"]({unquote(href)}", href, unquote(href))
            self.lesson_links.append(LinkRef(line + 1 + self.line_offset, "", unquote(href[1:])))
        elif target.kind is Kind.RELATIVE and target.path:
            self.links += 1
            if self.resolver is None:
                return True
            url = self.resolver.link(target.path)
            if url is None:
                line = lines.locate(f"]({href}", f"](<{href}", href, unquote(href))
                self.report(line, "error", f"broken link: {unquote(href)}")
                return False
            token.attrSet("href", url + target.fragment)
            self.links_resolved += 1
            line = lines.locate(f"]({href}", f"](<{href}", href, unquote(href))
            fragment = unquote(target.fragment[1:])
            self.lesson_links.append(LinkRef(line + 1 + self.line_offset, url, fragment))
        return True

    def image(self, token: Token, lines: _Lines) -> None:
        src = str(token.attrGet("src") or "")
        shown = unquote(src)
        target = classify(src)
        line = lines.locate(f"]({src}", f"](<{src}", src, shown)
        if not plain_text(token.children or []).strip():
            self.report(line, "warning", f"image without alt text: {shown}")
        if target.kind is Kind.EXTERNAL:
            token.meta["shown_as"] = "link"
            self.report(line, "warning", f"remote image not embedded: {shown}")
        elif target.kind in (Kind.REFUSED, Kind.MAILTO):
            token.meta["shown_as"] = "alt"
            self.report(line, "warning", f"image with scheme '{target.scheme}:' removed")
        elif target.kind in (Kind.RELATIVE, Kind.FRAGMENT, Kind.SITE):
            # A site-absolute image ("/images/x.png") means the pack's own site; the resolver
            # looks for it from the pack root instead of sending readers to a path of the hub.
            self.images += 1
            if self.resolver is None:
                return
            path = shown.split("?")[0].split("#")[0] if target.kind is Kind.SITE else target.path
            url = self.resolver.image(path) if path else None
            if url is None:
                token.meta["shown_as"] = "alt"
                self.report(line, "error", f"missing image: {shown}")
                return
            token.attrSet("src", url)
            self.images_resolved += 1

    def math(self, token: Token, line: int, *, display: bool) -> None:
        tex = token.content.strip()
        try:
            token.meta["html"] = tex_to_mathml(tex, display=display)
        except MathError as error:
            self.math_failed += 1
            self.report(line, "warning", f"could not render math `{shown_tex(tex)}`: {error}")
        else:
            self.math_rendered += 1

    def add_text(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.text.append(text)


def _first_line(token: Token) -> int:
    return token.map[0] if token.map else 0


def _align_by_class(cell: Token) -> None:
    """markdown-it aligns table cells with style=; the hub allows no style attributes."""
    style = cell.attrGet("style")
    if style is None:
        return
    del cell.attrs["style"]
    match = _ALIGN_STYLE.search(str(style))
    if match:
        cell.attrSet("class", f"align-{match.group(1)}")
