"""Carpentries Workbench lessons (sandpaper Markdown and R Markdown) as EduHub Markdown.

A Workbench lesson is a folder with ``config.yaml`` and ``episodes/``, ``learners/``,
``instructors/`` and ``profiles/`` of ``.md`` and ``.Rmd`` files. Their Pandoc fenced divs
(``::::: challenge``) become EduHub admonitions, ``{alt='…'}`` attribute lists and knitr chunk
headers are folded into plain CommonMark, and raw HTML that EduHub would show as text is turned
into Markdown. Every source line stays one output line, so rendered line numbers point into the
source file.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from eduhub.packs.dialects import (
    Converted,
    LinkResolver,
    estimated_minutes,
    first_paragraph,
    split_front_matter,
)

#: Pandoc div class → (EduHub kind, title); an empty title shows the kind's own name.
DIV_KINDS: dict[str, tuple[str, str]] = {
    "challenge": ("exercise", "Challenge"),
    "solution": ("solution", ""),
    "callout": ("note", ""),
    "objectives": ("important", "Objectives"),
    "questions": ("note", "Questions"),
    "keypoints": ("tip", "Key points"),
    "instructor": ("note", "Instructor note"),
    "testimonial": ("example", "Testimonial"),
    "discussion": ("exercise", "Discussion"),
    "prereq": ("important", "Prerequisites"),
    "checklist": ("note", "Checklist"),
    "hint": ("tip", "Hint"),
    "caution": ("warning", ""),
    "spoiler": ("solution", "Spoiler"),
}

#: What the Workbench calls a lesson's ``index.md``, which has no title of its own.
LESSON_INDEX_TITLE = "Summary and Setup"

#: Deepest nesting of divs kept; markdown-it stops parsing blocks nested much deeper.
MAX_DIV_DEPTH = 12

#: Counts every conversion reports, even when zero, so pack totals always list them.
COUNT_NAMES = ("divs", "divs_unknown", "attributes_removed", "chunks", "liquid_dropped")

#: Pages sandpaper builds into the site root next to the episodes, where ``fig/``, ``data/``
#: and ``files/`` are the episodes' folders.
_FLAT_FOLDERS = ("learners", "instructors", "profiles")
_EPISODE_ASSETS = ("fig/", "data/", "files/")
_PAGE_FOLDERS = ("episodes", *_FLAT_FOLDERS)
_PAGE_SUFFIX = re.compile(r"\.(?:md|rmd|html?)$", re.IGNORECASE)

# Front matter keys this dialect turns into EduHub keys; anything else goes to ``extra``.
_CONSUMED_KEYS = frozenset({"title", "teaching", "exercises", "objectives", "questions"})

_CODE_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*?)[ \t]*$")
_DIV_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<colons>:{3,})(?P<spec>.*)$")
_COLON_LINE = re.compile(r"^\s*(:{3,})\s*$")
_GRID_BORDER = re.compile(r"^[ \t]*\+(?:[-=:]+\+)+[ \t]*$")
_GRID_ROW = re.compile(r"^[ \t]*[+|]")
_PRE_OPEN = re.compile(r"^[ \t]*<pre(?:\s[^>]*)?>[ \t]*$", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"^[ \t]*</pre\s*>[ \t]*$", re.IGNORECASE)
_CODE_TAGS = re.compile(r"</?code(?:\s[^>]*)?>", re.IGNORECASE)
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$")
_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d+[.)])[ \t]+(?P<text>.*)$")
_MAX_DESTINATION = 4096
_SPACE = re.compile(r"\s*")
# A destination without <…>: no spaces, parentheses balanced one level deep.
_BARE_DESTINATION = re.compile(r"(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*")
# What follows the destination: an optional title, then ")".
_LINK_TAIL = re.compile(
    r"""\s*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\))\s*)?\)"""
)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")

# knitr chunk header: {r}, {r name, echo=FALSE}, {python}, {bash}; Pandoc attributes start
# with "." or "#" instead.
_CHUNK = re.compile(r"^\{[ \t]*(?P<engine>[A-Za-z][\w]*)(?:[ \t,]+(?P<options>.*?))?[ \t]*\}$")
_CHUNK_ENGINE = re.compile(r"""\bengine\s*=\s*["']?(\w+)""")
_PANDOC_CODE_ATTRS = re.compile(r"^\{(?P<attrs>[^{}]*)\}$")
_FIRST_CLASS = re.compile(r"(?:^|\s)\.([\w+-]+)")
_ENGINE_LANGUAGES = {"rcpp": "cpp", "js": "javascript", "sh": "bash", "stan": "stan"}

# A Pandoc attribute list: {#id .class key=value key="v" key='v'}; "-" is {.unnumbered}.
_ATTR_ITEM = (
    r"""(?:[#.][^\s{}#.="']+|[A-Za-z_][\w.:-]*\s*=\s*"""
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s{}"']+)|-)"""
)
_ATTRS = re.compile(r"\{\s*(?:" + _ATTR_ITEM + r"(?:\s+" + _ATTR_ITEM + r")*)?\s*\}")
# Pandoc attributes on a code span: `x`{.r}, seen after the span's placeholder.
_CODE_ATTRS = re.compile("(\ue001)(" + _ATTRS.pattern + ")")
_ATTR_PAIR = re.compile(
    r"""(?P<key>[A-Za-z_][\w.:-]*)\s*=\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'"""
    r"""|(?P<bare>[^\s{}"']+))"""
)
_BACKSLASH_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ALT_SPECIAL = re.compile(r"([\\\[\]`*_$<])")
_HEADING_ATTRS = re.compile(
    r"^(?P<heading>[ ]{0,3}#{1,6}[ \t].*?)[ \t]*(?P<attrs>" + _ATTRS.pattern + r")[ \t]*$",
    re.MULTILINE,
)
_EXTERNAL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
_REFDEF = re.compile(
    r"^(?P<head>[ ]{0,3}\[(?!\^)(?:[^\]\\\n]|\\.)+\]:[ \t]*)(?P<dest><[^>\n]*>|\S+)",
    re.MULTILINE,
)

# Liquid left over from the pre-Workbench (Jekyll) template.
# Contents stop at the next brace or percent sign so a stray "{{" cannot scan the whole file.
_LIQUID = re.compile(r"\{%-?\s*(?P<tag>[^%{}]*?)\s*-?%\}|\{\{-?\s*(?P<expr>[^{}]*?)\s*-?\}\}")

# Raw HTML: EduHub renders it as literal text, so known tags become Markdown or go away.
_HTML_COMMENT_OPEN = "<!--"
_HTML_COMMENT_CLOSE = "-->"
# Element contents never run past another tag of the same kind, and attribute lists never past
# a "<": unclosed tags then cost one short scan each instead of one scan of the whole block.
_HTML_INLINE_CODE = re.compile(
    r"<(?P<tag>code|tt|pre|samp)(?:\s[^<>]*)?>"
    r"(?P<content>(?:[^<]|<(?!/?(?:code|tt|pre|samp)\b))*?)</(?P=tag)\s*>",
    re.IGNORECASE,
)
_DROPPED_ELEMENTS = r"script|style|iframe|object|noscript|svg|math|video|audio"
_HTML_DROPPED_BLOCK = re.compile(
    rf"<(?P<tag>{_DROPPED_ELEMENTS})\b[^<>]*>"
    rf"(?:[^<]|<(?!/?(?:{_DROPPED_ELEMENTS})\b))*?</(?P=tag)\s*>",
    re.IGNORECASE,
)
_HTML_ANCHOR = re.compile(
    r"""<a\s[^<>]*?\bhref\s*=\s*(?:"(?P<dq>[^"<>]*)"|'(?P<sq>[^'<>]*)'|(?P<bare>[^\s<>]+))"""
    r"""[^<>]*>(?P<text>(?:[^<]|<(?!/?a\b))*?)</a\s*>""",
    re.IGNORECASE,
)
_HTML_IMG = re.compile(r"<img\s(?P<attrs>[^<>]*?)/?>", re.IGNORECASE)
_HTML_ATTR = re.compile(
    r"""(?P<key>[\w-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))"""
)
_HTML_TAG = re.compile(
    r"""<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9]*)"""
    r"""(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>"""
)
# Tags that only style their content: the content stays, the tag goes without a warning.
# fmt: off
_HTML_WRAPPERS = frozenset((
    "kbd", "span", "u", "small", "big", "font", "abbr", "cite", "dfn", "mark", "ins", "var",
    "time", "nobr", "q", "bdi", "bdo", "data", "center", "label",
))
# fmt: on
_HTML_MARKUP = {"em": "*", "i": "*", "strong": "**", "b": "**", "s": "~~", "del": "~~"}
# Other HTML elements are removed with a warning; anything else in angle brackets
# ("<file>", "<commit message here>") is the author's literal text and stays.
# fmt: off
_HTML_ELEMENTS = frozenset((
    "a", "abbr", "address", "area", "article", "aside", "audio", "b", "base", "bdi", "bdo",
    "blockquote", "body", "br", "button", "canvas", "caption", "center", "cite", "code", "col",
    "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog", "div", "dl", "dt",
    "em", "embed", "fieldset", "figcaption", "figure", "font", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "head", "header", "hr", "html", "i", "iframe", "img", "input", "ins", "kbd",
    "label", "legend", "li", "link", "main", "map", "mark", "meta", "meter", "nav", "nobr",
    "noscript", "object", "ol", "optgroup", "option", "output", "p", "param", "picture", "pre",
    "progress", "q", "rp", "rt", "ruby", "s", "samp", "script", "section", "select", "small",
    "source", "span", "strike", "strong", "style", "sub", "summary", "sup", "table", "tbody",
    "td", "template", "textarea", "tfoot", "th", "thead", "time", "title", "tr", "track", "tt",
    "u", "ul", "var", "video", "wbr",
))
# fmt: on

# Code spans hidden while inline syntax is rewritten: "\ue000<n>" plus the span's newlines.
_PLACEHOLDER = re.compile("\ue000(\\d+)\n*\ue001")
_INLINE_R = re.compile(r"^`r[ \t]+(?P<expr>.*?)[ \t]*`$", re.DOTALL)

_LICENSES = {
    "CC-BY-4.0": "CC-BY-4.0",
    "CC-BY-SA-4.0": "CC-BY-SA-4.0",
    "CC-BY-3.0": "CC-BY-3.0",
    "CC-BY-SA-3.0": "CC-BY-SA-3.0",
    "CC0": "CC0-1.0",
    "CC0-1.0": "CC0-1.0",
    "CC-0": "CC0-1.0",
    "CC-BY-NC-4.0": "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0": "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0": "CC-BY-ND-4.0",
    "CC-BY-NC-ND-4.0": "CC-BY-NC-ND-4.0",
    "MIT": "MIT",
    "APACHE-2.0": "Apache-2.0",
    "BSD-3-CLAUSE": "BSD-3-Clause",
    "GFDL-1.3": "GFDL-1.3-or-later",
    "GFDL-1.3-OR-LATER": "GFDL-1.3-or-later",
}


@dataclass(frozen=True)
class LessonConfig:
    """What a lesson's ``config.yaml`` says about the whole lesson."""

    title: str | None
    license: str | None  # SPDX id, None when absent or not recognised
    source: str | None  # the lesson's repository
    url: str | None  # where the lesson is published
    lang: str
    authors: tuple[str, ...] = ()
    contributors: tuple[str, ...] = ()
    #: File names inside their folder, in the order the lesson lists them (empty: all files).
    episodes: tuple[str, ...] = ()
    learners: tuple[str, ...] = ()
    instructors: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    carpentry: str | None = None
    created: str | None = None
    keywords: tuple[str, ...] = ()
    life_cycle: str | None = None
    #: (line, "warning", text) for what could not be read.
    messages: tuple[tuple[int, str, str], ...] = ()


def read_config(text: str) -> LessonConfig:
    """The lesson-wide settings of a Workbench ``config.yaml``."""
    data, messages = _load_yaml(text)
    raw_license = _text(data.get("license"))
    license_id = spdx_license(raw_license) if raw_license else None
    if raw_license and license_id is None:
        messages.append(
            (_key_line(text, "license"), "warning", f"license '{raw_license}' not recognised")
        )
    keywords = data.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    return LessonConfig(
        title=_text(data.get("title")),
        license=license_id,
        source=_text(data.get("source")),
        url=_text(data.get("url")),
        lang=_text(data.get("lang")) or "en",
        authors=_names(data.get("authors")),
        contributors=_names(data.get("contributors")),
        episodes=_names(data.get("episodes")),
        learners=_names(data.get("learners")),
        instructors=_names(data.get("instructors")),
        profiles=_names(data.get("profiles")),
        carpentry=_text(data.get("carpentry")),
        created=_text(data.get("created")),
        keywords=_names(keywords),
        life_cycle=_text(data.get("life_cycle")),
        messages=tuple(messages),
    )


def spdx_license(value: str) -> str | None:
    """SPDX id for a license as Carpentries lessons spell it ('CC-BY 4.0', 'CC BY-SA 4.0')."""
    key = re.sub(r"[\s_-]+", "-", value.strip()).upper()
    return _LICENSES.get(key)


def _load_yaml(text: str) -> tuple[dict[str, Any], list[tuple[int, str, str]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        # split_front_matter knows how to recover what broken YAML still says; it reports
        # lines of a file that starts with "---", one more than config.yaml has.
        data, _, _, found = split_front_matter(f"---\n{text}\n---\n")
        return data, [(max(1, line - 1), severity, message) for line, severity, message in found]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [(1, "warning", "config.yaml is not a mapping; ignored")]
    return data, []


def _key_line(text: str, key: str) -> int:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _names(value: Any) -> tuple[str, ...]:
    """A YAML list (or one value) of names; ``{name: …}`` mappings give their name."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or next(iter(item.values()), None)
        text = _text(item)
        if text:
            names.append(text)
    return tuple(names)


def convert(text: str, *, path: str, resolve_link: LinkResolver | None = None) -> Converted:
    """One Workbench ``.md`` or ``.Rmd`` file (``path`` relative to the lesson root)."""
    data, body, offset, messages = split_front_matter(text)
    converted = Converted(front={}, body="", body_line_offset=offset, messages=list(messages))
    for name in COUNT_NAMES:
        converted.count(name, 0)
    conversion = _Conversion(converted, path, resolve_link)
    converted.body = conversion.run(body)
    converted.front = _front(data, converted, conversion, path)
    converted.messages.sort(key=lambda message: message[0])
    return converted


def _front(
    data: dict[str, Any], converted: Converted, conversion: _Conversion, path: str
) -> dict[str, Any]:
    extra = {key: value for key, value in data.items() if key not in _CONSUMED_KEYS}
    title = _text(data.get("title")) or conversion.first_heading
    if not title and conversion.lesson_index:
        title = LESSON_INDEX_TITLE
    if not title:
        title = posixpath.splitext(posixpath.basename(path))[0].replace("-", " ").strip()
        converted.warn(1, f"no title in the front matter; using '{title}'")
    minutes = _minutes(data)
    for key in ("teaching", "exercises"):
        if key in data:
            extra[key] = data[key]
    objectives = conversion.lists.get("objectives") or _string_list(data.get("objectives"))
    questions = conversion.lists.get("questions") or _string_list(data.get("questions"))
    keypoints = conversion.lists.get("keypoints") or _string_list(data.get("keypoints"))
    if questions:
        extra["questions"] = questions
    if keypoints:
        extra["keypoints"] = keypoints
    return {
        "title": title,
        "summary": " ".join(questions) or first_paragraph(converted.body),
        "objectives": objectives,
        "minutes": minutes or estimated_minutes(converted.body),
        "tags": [],
        "authors": [],
        "translators": [],
        "license": None,
        "translation_of": None,
        "date": None,
        "retired": False,
        "extra": extra,
    }


def _minutes(data: dict[str, Any]) -> int | None:
    """Teaching plus exercise minutes, as the Workbench schedule adds them up."""
    total = 0
    for key in ("teaching", "exercises"):
        value = data.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            total += int(value)
    return min(600, total) if total > 0 else None


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [str(item).strip() for item in value if item is not None and str(item).strip()]
    return []


@dataclass
class _Div:
    """One Pandoc fenced div while the body is read: where its fences went in the output."""

    kind: str
    title: str
    source_class: str
    indent: str
    line: int  # source line of the opening fence
    open_index: int  # output line of the opening fence
    close_index: int = -1
    children: list[_Div] = field(default_factory=list)
    floor: int = 3  # fewest colons that no line inside can close early
    dropped: bool = False  # nested too deep: both fences are removed

    def colons(self) -> int:
        """Outer fences get more colons than any fence inside, as markdown-it needs."""
        inner = max((child.colons() for child in self.children), default=2)
        return max(self.floor, inner + 1)


@dataclass
class _Fence:
    char: str
    length: int

    def closes(self, line: str) -> bool:
        stripped = line.strip()
        return len(stripped) >= self.length and set(stripped) == {self.char}


class _Conversion:
    """The state of converting one file: output lines, open divs, hidden code spans."""

    def __init__(self, converted: Converted, path: str, resolve_link: LinkResolver | None):
        self.converted = converted
        self.resolve_link = resolve_link
        self.offset = converted.body_line_offset
        # ``path`` may be relative to the lesson or to a pack holding several lessons.
        here = posixpath.dirname(path)
        folder = posixpath.basename(here)
        in_folder = folder in _PAGE_FOLDERS
        lesson_root = posixpath.dirname(here) if in_folder else here
        self.lesson_index = not in_folder and posixpath.basename(path) == "index.md"
        self.flat_page = folder in _FLAT_FOLDERS or self.lesson_index
        self.root_prefix = posixpath.relpath(lesson_root or ".", here or ".")
        self.out: list[str] = []
        self.stack: list[_Div] = []
        self.roots: list[_Div] = []
        self.spans: list[str] = []
        self.lists: dict[str, list[str]] = {}
        self.first_heading: str | None = None
        self.last_comment_close = -1

    # ------------------------------------------------------------------ block structure

    def run(self, body: str) -> str:
        lines = self.strip_comments(body.split("\n"))
        pending: list[str] = []
        pending_start = 0
        fence: _Fence | None = None
        index = 0
        pre_ends = [number for number, line in enumerate(lines) if _PRE_CLOSE.match(line)]

        def flush() -> None:
            if pending:
                self.out.extend(self.inline_block("\n".join(pending), pending_start).split("\n"))
                pending.clear()

        while index < len(lines):
            line = lines[index]
            if fence is not None:
                if fence.closes(line):
                    fence = None
                else:
                    self.guard_colons(line)
                self.out.append(line)
                index += 1
                continue
            code = _CODE_FENCE.match(line)
            if code and not (code.group("fence")[0] == "`" and "`" in code.group("info")):
                flush()
                fence = _Fence(code.group("fence")[0], len(code.group("fence")))
                self.out.append(self.code_fence(code, index))
                index += 1
                continue
            if _PRE_OPEN.match(line) and (end := _next_index(pre_ends, index)) is not None:
                flush()
                self.pre_block(lines[index : end + 1])
                index = end + 1
                continue
            div = _DIV_FENCE.match(line)
            if div:
                flush()  # a fence may interrupt a paragraph: the lines before it come first
                if self.div_fence(div, index):
                    index += 1
                    continue
            if _GRID_BORDER.match(line) and (index == 0 or not lines[index - 1].strip()):
                end = index + 1
                while end < len(lines) and _GRID_ROW.match(lines[end]):
                    end += 1
                if end - index >= 3 and _GRID_BORDER.match(lines[end - 1]):
                    flush()
                    self.grid_table(lines[index:end], index)
                    index = end
                    continue
            if not line.strip():
                flush()
                self.out.append(line)
            else:
                if not pending:
                    pending_start = index
                pending.append(line)
            index += 1
        flush()
        if fence is not None:
            self.warn(len(lines) - 1, "code block never closed; it runs to the end of the file")
        self.close_open_divs()
        return "\n".join(self.out)

    def warn(self, index: int, text: str) -> None:
        """Warn about the body line ``index`` (0-based), reported as a line of the source file."""
        self.converted.warn(self.offset + index + 1, text)

    def strip_comments(self, lines: list[str]) -> list[str]:
        """Remove HTML (and knitr) comments outside code, keeping the number of lines."""
        out: list[str] = []
        fence: _Fence | None = None
        in_comment = False
        closers = [index for index, line in enumerate(lines) if _HTML_COMMENT_CLOSE in line]
        self.last_comment_close = closers[-1] if closers else -1
        for index, line in enumerate(lines):
            if in_comment:
                end = line.find(_HTML_COMMENT_CLOSE)
                if end < 0:
                    out.append("")
                    continue
                in_comment = False
                line = line[end + 3 :]
            elif fence is not None:
                if fence.closes(line):
                    fence = None
                out.append(line)
                continue
            else:
                code = _CODE_FENCE.match(line)
                if code and not (code.group("fence")[0] == "`" and "`" in code.group("info")):
                    fence = _Fence(code.group("fence")[0], len(code.group("fence")))
                    out.append(line)
                    continue
            kept, in_comment = self.strip_line_comments(line, index)
            out.append(kept if kept.strip() or not line.strip() else "")
        return out

    def strip_line_comments(self, line: str, index: int) -> tuple[str, bool]:
        """The line without its comments, and whether a comment stays open after it."""
        start = 0
        while True:
            found = _find_outside_code(line, _HTML_COMMENT_OPEN, start)
            if found < 0:
                return line, False
            end = line.find(_HTML_COMMENT_CLOSE, found + 4)
            if end < 0 and self.last_comment_close <= index:
                # Hiding the rest of the lesson would lose it: show it, without the opener.
                self.warn(index, "HTML comment never closed; '<!--' removed")
                line = line[:found] + line[found + 4 :]
                start = found
                continue
            self.converted.count("comments_removed")
            if end < 0:
                return line[:found], True
            line = line[:found] + line[end + 3 :]
            start = found

    def guard_colons(self, line: str) -> None:
        """A line of colons inside a code block would end the box around it in markdown-it."""
        match = _COLON_LINE.match(line)
        if match and self.stack:
            for div in self.stack:
                div.floor = max(div.floor, len(match.group(1)) + 1)

    def code_fence(self, match: re.Match[str], index: int) -> str:
        """The opening line of a code block, with a knitr chunk header as a plain language."""
        info = match.group("info")
        prefix = match.group("indent") + match.group("fence")
        chunk = _CHUNK.match(info)
        if chunk:
            self.converted.count("chunks")
            engine = chunk.group("engine").lower()
            options = chunk.group("options") or ""
            named = _CHUNK_ENGINE.search(options)
            if engine == "r" and named:
                engine = named.group(1).lower()
            if "child" in re.findall(r"\b(\w+)\s*=", options):
                self.warn(index, "knitr child document not included")
            return prefix + _ENGINE_LANGUAGES.get(engine, engine)
        attrs = _PANDOC_CODE_ATTRS.match(info)
        if attrs:
            self.converted.count("attributes_removed")
            if attrs.group("attrs").strip().startswith("="):
                self.warn(index, f"raw {attrs.group('attrs').strip()[1:]} block shown as code")
            language = _FIRST_CLASS.search(attrs.group("attrs"))
            return prefix + (language.group(1).removeprefix("language-") if language else "")
        return match.group(0)

    def pre_block(self, block: list[str]) -> None:
        """An HTML ``<pre>`` block as a fenced code block of the same lines."""
        content = [html.unescape(_CODE_TAGS.sub("", line)) for line in block[1:-1]]
        for line in content:
            self.guard_colons(line)
        longest = max((len(run) for run in re.findall(r"`+", "\n".join(content))), default=0)
        fence = "`" * max(3, longest + 1)
        self.out.extend([fence, *content, fence])
        self.converted.count("html_converted")

    def grid_table(self, block: list[str], index: int) -> None:
        """A Pandoc grid table shown as preformatted text: EduHub has pipe tables only."""
        self.warn(index, "Pandoc grid table shown as preformatted text")
        self.converted.count("grid_tables")
        self.out.extend(["```text", *block[1:-1], "```"])

    # ------------------------------------------------------------------ fenced divs

    def div_fence(self, match: re.Match[str], index: int) -> bool:
        """Handle a line of three or more colons; False when it is not a div fence after all."""
        spec = match.group("spec").strip()
        if not spec:
            self.close_div(index)
            return True
        source_class, title, extra_text = _parse_div_spec(spec)
        if source_class is None and title is None and not spec.startswith("{"):
            return False
        known = DIV_KINDS.get((source_class or "").lower())
        if known:
            kind, default_title = known
        else:
            kind, default_title = "note", source_class or ""
            if len(self.stack) < MAX_DIV_DEPTH:
                self.converted.count("divs_unknown")
                shown = source_class or "(no class)"
                self.warn(index, f"unknown div '{shown}' shown as a note")
        if len(self.stack) >= MAX_DIV_DEPTH:
            self.warn(index, f"div nested more than {MAX_DIV_DEPTH} deep; its fences removed")
            self.stack.append(_Div("", "", "", "", index, len(self.out), dropped=True))
            self.out.append("")
            return True
        self.converted.count("divs")
        if extra_text:
            self.warn(index, f"text after the div class taken as its title: {extra_text}")
        div = _Div(
            kind=kind,
            title=title or extra_text or default_title,
            source_class=(source_class or "").lower(),
            indent=match.group("indent"),
            line=index,
            open_index=len(self.out),
        )
        (self.stack[-1].children if self.stack else self.roots).append(div)
        self.stack.append(div)
        self.out.append("")  # the fence is written once its nesting is known
        return True

    def close_div(self, index: int) -> None:
        if not self.stack:
            self.warn(index, "closing ':::' without an open div removed")
            self.out.append("")
            return
        div = self.stack.pop()
        div.close_index = len(self.out)
        self.out.append("")
        if not div.dropped:
            self.collect_items(div)

    def close_open_divs(self) -> None:
        while self.stack:
            div = self.stack[-1]
            if div.dropped:
                self.stack.pop()
                continue
            self.warn(
                div.line, f"div '{div.source_class or 'note'}' never closed; closed at the end"
            )
            self.close_div(len(self.out))
        for div in self.roots:
            self.write_fences(div)

    def write_fences(self, div: _Div) -> None:
        colons = ":" * div.colons()
        opening = f"{div.indent}{colons} {div.kind} {_one_line(div.title)}"
        self.out[div.open_index] = opening.rstrip()
        self.out[div.close_index] = f"{div.indent}{colons}"
        for child in div.children:
            self.write_fences(child)

    def collect_items(self, div: _Div) -> None:
        """Objectives, questions and key points: the list items of their divs."""
        if div.source_class not in ("objectives", "questions", "keypoints"):
            return
        items: list[str] = []
        paragraphs: list[str] = []
        item_indent: int | None = None
        inside = self.out[div.open_index + 1 : div.close_index]
        for line in inside:
            match = _LIST_ITEM.match(line)
            indent = len(match.group("indent")) if match else 0
            if match and (item_indent is None or indent <= item_indent):
                item_indent = indent
                items.append(match.group("text"))
            elif line.strip() and items:
                items[-1] += " " + line.strip()
            elif line.strip() and not line.lstrip().startswith(("#", ":")):
                paragraphs.append(line.strip())
        found = [_plain(item) for item in items or paragraphs]
        self.lists.setdefault(div.source_class, []).extend(item for item in found if item)

    # ------------------------------------------------------------------ inline syntax

    def inline_block(self, text: str, first: int) -> str:
        """Rewrite one paragraph-like run of lines; the number of lines never changes."""
        if self.first_heading is None:
            for line in text.split("\n"):
                heading = _HEADING.match(line)
                if heading:
                    self.first_heading = heading.group(1)
                    break
        # The placeholder characters are private-use code points no lesson needs as such.
        text = text.replace("\ue000", "\ufffd").replace("\ue001", "\ufffd")
        text = self.hide_code(text)
        text = _HTML_INLINE_CODE.sub(self.html_code, text)
        text = _LIQUID.sub(lambda match: self.liquid(match, text, first), text)
        text = self.html(text, first)
        text = _REFDEF.sub(lambda match: self.refdef(match, text, first), text)
        text = self.links(text, first)
        text = _HEADING_ATTRS.sub(self.heading_attrs, text)
        text = _CODE_ATTRS.sub(self.code_attrs, text)
        return _PLACEHOLDER.sub(self.show_code, text)

    def hide_code(self, text: str) -> str:
        """Replace code spans with placeholders so nothing inside them is rewritten."""
        out: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "\\":
                out.append(text[index : index + 2])
                index += 2
                continue
            if char != "`":
                out.append(char)
                index += 1
                continue
            end = index
            while end < len(text) and text[end] == "`":
                end += 1
            close = _closing_run(text, end, end - index)
            if close < 0:
                out.append(text[index:end])
                index = end
                continue
            out.append(self.stash(text[index : close + end - index]))
            index = close + end - index
        return "".join(out)

    def stash(self, span: str) -> str:
        self.spans.append(span)
        return f"\ue000{len(self.spans) - 1}" + "\n" * span.count("\n") + "\ue001"

    def show_code(self, match: re.Match[str]) -> str:
        span = self.spans[int(match.group(1))]
        inline_r = _INLINE_R.match(span)
        if inline_r and not span.startswith("``"):
            # knitr would print the value; the expression is the closest the page can show.
            self.converted.count("inline_r")
            return f"`{inline_r.group('expr')}`"
        return span

    def restore(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda match: self.spans[int(match.group(1))], text)

    def html_code(self, match: re.Match[str]) -> str:
        """``<code>x</code>`` as a code span (its Markdown escapes were meant for Pandoc)."""
        self.converted.count("html_converted")
        content = html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", self.restore(match.group("content"))))
        longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
        ticks = "`" * (longest + 1)
        padded = f" {content} " if content.startswith("`") or content.endswith("`") else content
        return _keep_lines(match.group(0), self.stash(f"{ticks}{padded}{ticks}"))

    def liquid(self, match: re.Match[str], text: str, first: int) -> str:
        line = first + text.count("\n", 0, match.start())
        self.converted.count("liquid_dropped")
        shown = " ".join(self.restore(match.group(0)).split())
        kind = "Liquid tag" if match.group("tag") is not None else "Liquid expression"
        self.warn(line, f"{kind} {shown} removed")
        return _newlines(match.group(0))

    def html(self, text: str, first: int) -> str:
        """Raw HTML tags as Markdown where there is an equivalent, else removed."""

        def line_of(match: re.Match[str]) -> int:
            return first + text.count("\n", 0, match.start())

        def dropped(match: re.Match[str]) -> str:
            self.converted.count("html_dropped")
            self.warn(line_of(match), f"HTML <{match.group('tag').lower()}> element removed")
            return _newlines(match.group(0))

        def anchor(match: re.Match[str]) -> str:
            self.converted.count("html_converted")
            href = match.group("dq") or match.group("sq") or match.group("bare") or ""
            label = match.group("text").strip() or href
            link = f"[{label}]({_destination(html.unescape(href))})"
            return _keep_lines(match.group(0), link)

        def image(match: re.Match[str]) -> str:
            self.converted.count("html_converted")
            attrs = {
                pair.group("key").lower(): next(v for v in pair.group("dq", "sq", "bare") if v)
                for pair in _HTML_ATTR.finditer(match.group("attrs"))
                if any(pair.group("dq", "sq", "bare"))
            }
            alt = _escape_alt(html.unescape(attrs.get("alt") or ""))
            src = _destination(html.unescape(attrs.get("src") or ""))
            return f"![{alt}]({src})" + _newlines(match.group(0))

        text = _HTML_DROPPED_BLOCK.sub(dropped, text)
        text = _HTML_ANCHOR.sub(anchor, text)
        text = _HTML_IMG.sub(image, text)
        return _HTML_TAG.sub(lambda match: self.html_tag(match, text, first), text)

    def html_tag(self, match: re.Match[str], text: str, first: int) -> str:
        name = match.group("name").lower()
        if name not in _HTML_ELEMENTS:
            return match.group(0)
        closing = bool(match.group("close"))
        line_start = text.rfind("\n", 0, match.start()) + 1
        alone = not text[line_start : match.start()].strip() and not text[
            match.end() : _line_end(text, match.end())
        ].strip(" \t")
        replacement: str | None = None
        if name in _HTML_WRAPPERS:
            replacement = ""
        elif name in _HTML_MARKUP:
            replacement = _HTML_MARKUP[name]
        elif name == "br":
            replacement = "" if alone else " "
        elif name == "p":
            replacement = " " if closing else ""
        elif name == "sup":
            replacement = "" if closing else "^"
        elif name == "sub":
            replacement = ""
        elif name == "blockquote":
            at_line_start = not text[line_start : match.start()].strip()
            replacement = "" if closing or not at_line_start else "> "
        elif name == "hr" and alone:
            replacement = "***"
        if replacement is not None:
            self.converted.count("html_converted")
            return replacement + _newlines(match.group(0))
        self.converted.count("html_dropped")
        line = first + text.count("\n", 0, match.start())
        self.warn(line, f"HTML tag <{'/' if closing else ''}{name}> removed")
        return _newlines(match.group(0))

    def refdef(self, match: re.Match[str], text: str, first: int) -> str:
        """A reference definition ``[name]: target`` at the end of a file."""
        line = first + text.count("\n", 0, match.start())
        dest = match.group("dest")
        bracketed = dest.startswith("<")
        target = self.target(dest[1:-1] if bracketed else dest, line, image=False)
        if target is None:
            return match.group(0)  # uses elsewhere keep their text; the warning says why
        return match.group("head") + _destination(target, bracketed)

    def links(self, text: str, first: int) -> str:
        """Images, links and bracketed spans: targets resolved, attribute lists removed."""
        pairs = _bracket_pairs(text)
        out: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "\\":
                out.append(text[index : index + 2])
                index += 2
                continue
            if char == "[" or (char == "!" and text.startswith("[", index + 1)):
                parsed = self.bracketed(text, index, first, pairs)
                if parsed is not None:
                    replacement, index = parsed
                    out.append(replacement)
                    continue
            out.append(char)
            index += 1
        return "".join(out)

    def bracketed(
        self, text: str, start: int, first: int, pairs: dict[int, int]
    ) -> tuple[str, int] | None:
        """One ``[…](…){…}``, ``![…](…){…}`` or ``[…]{…}``, or None to read on as text."""
        image = text[start] == "!"
        open_bracket = start + 1 if image else start
        close = pairs.get(open_bracket, -1)
        if close < 0:
            return None
        inner = text[open_bracket + 1 : close]
        line = first + text.count("\n", 0, start)
        after = close + 1
        if text.startswith("(", after):
            parsed = _parse_destination(text, after)
            if parsed is None:
                return None
            dest, bracketed, rest, end = parsed
            attrs = _ATTRS.match(text, end)
            alt_attr = None
            if attrs:
                self.converted.count("attributes_removed")
                alt_attr = _alt(attrs.group(0))
                end = attrs.end()
            target = self.target(dest, line, image=image)
            if image:
                alt = inner
                if not inner.strip() and alt_attr:
                    alt = _escape_alt(alt_attr)
                shown = alt
                if target is not None:
                    shown = f"![{alt}]({_destination(target, bracketed)}{rest})"
                return _keep_lines(text[start:end], shown), end
            label = self.links(inner, line)
            if target is not None:
                label = f"[{label}]({_destination(target, bracketed)}{rest})"
            return _keep_lines(text[start:end], label), end
        attrs = _ATTRS.match(text, after)
        if attrs and not image:
            # A Pandoc span: [text]{.kbd}, [term]{#anchor} — the text stays.
            self.converted.count("attributes_removed")
            return _keep_lines(text[start : attrs.end()], self.links(inner, line)), attrs.end()
        return None

    def target(self, dest: str, line: int, *, image: bool) -> str | None:
        """The target to write, or None when the link must become its plain text."""
        if not dest or dest.startswith("#") or _EXTERNAL.match(dest):
            return dest
        path, hash_mark, fragment = dest.partition("#")
        if self.flat_page and path.startswith(_EPISODE_ASSETS):
            self.converted.count("workbench_paths")
            path = posixpath.normpath(posixpath.join(self.root_prefix, "episodes", path))
        resolved = self.resolve_link(path) if self.resolve_link and path else None
        if resolved is None and not image:
            resolved = self.site_page(path)
        if resolved is not None:
            return resolved + hash_mark + fragment
        if path.startswith("/"):
            what = "site image" if image else "site link"
            self.warn(line, f"{what} not in this pack: {path}")
            return None
        return path + hash_mark + fragment

    def site_page(self, path: str) -> str | None:
        """A lesson page linked as the built site sees it: every page in one folder.

        sandpaper publishes episodes, learners, instructors and profiles side by side, so
        ``02-numpy.html`` from ``instructors/`` and ``episodes/x.Rmd`` from ``learners/`` work
        on the site although neither path exists next to the file that links it.
        """
        if self.resolve_link is None or not _PAGE_SUFFIX.search(path):
            return None
        name = re.sub(r"^(?:\.{1,2}/)*", "", path)
        first, _, rest = name.partition("/")
        if first in _PAGE_FOLDERS:
            name = rest
        if not name or "/" in name:
            return None
        for folder in (*_PAGE_FOLDERS, ""):
            candidate = posixpath.normpath(posixpath.join(self.root_prefix, folder, name))
            if candidate == posixpath.normpath(path):
                continue
            resolved = self.resolve_link(candidate)
            if resolved is not None:
                self.converted.count("workbench_paths")
                return resolved
        return None

    def heading_attrs(self, match: re.Match[str]) -> str:
        self.converted.count("attributes_removed")
        return match.group("heading") + _newlines(match.group("attrs"))

    def code_attrs(self, match: re.Match[str]) -> str:
        self.converted.count("attributes_removed")
        return match.group(1) + _newlines(match.group(2))


def _parse_div_spec(spec: str) -> tuple[str | None, str | None, str]:
    """(class, title attribute, leftover text) of what follows an opening fence's colons."""
    spec = spec.rstrip(":").strip()
    if spec.startswith("{"):
        attrs = _ATTRS.match(spec)
        if not attrs:
            body, _, rest = spec[1:].partition("}")
            leftover = rest.strip()
        else:
            body, leftover = attrs.group(0)[1:-1], spec[attrs.end() :].strip()
        found = _FIRST_CLASS.search(body)
        title = None
        for pair in _ATTR_PAIR.finditer(body):
            if pair.group("key") == "title":
                title = _attr_value(pair)
        return (found.group(1) if found else None), title, leftover
    word = re.match(r"[A-Za-z_][\w-]*", spec)
    if word is None:
        return None, None, ""
    return word.group(0), None, spec[word.end() :].strip()


def _attr_value(pair: re.Match[str]) -> str:
    value = pair.group("dq")
    if value is None:
        value = pair.group("sq")
    if value is None:
        return pair.group("bare") or ""
    return _BACKSLASH_ESCAPE.sub(r"\1", value)


def _alt(attrs: str) -> str | None:
    for pair in _ATTR_PAIR.finditer(attrs):
        if pair.group("key") == "alt":
            return " ".join(_attr_value(pair).split())
    return None


def _escape_alt(alt: str) -> str:
    return _ALT_SPECIAL.sub(r"\\\1", " ".join(alt.split()))


def _one_line(title: str) -> str:
    return " ".join(title.split())


def _plain(markdown: str) -> str:
    """An objective or question as front matter text: links become their text."""
    return " ".join(_MD_LINK.sub(r"\1", markdown).split())


def _newlines(removed: str) -> str:
    """What replaces removed text so the lines after it keep their numbers."""
    return "\n" * removed.count("\n")


def _keep_lines(original: str, replacement: str) -> str:
    """The replacement, followed by the line breaks it lost from the original."""
    return replacement + "\n" * max(0, original.count("\n") - replacement.count("\n"))


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _closing_run(text: str, start: int, length: int) -> int:
    """Start of the next run of exactly ``length`` backticks, or -1."""
    search = start
    while True:
        found = text.find("`" * length, search)
        if found < 0:
            return -1
        end = found
        while end < len(text) and text[end] == "`":
            end += 1
        if end - found == length:
            return found
        search = end


def _find_outside_code(line: str, needle: str, start: int) -> int:
    """Index of ``needle`` in ``line`` from ``start``, skipping backtick code spans."""
    index = start
    while index < len(line):
        if line.startswith(needle, index):
            return index
        if line[index] == "`":
            end = index
            while end < len(line) and line[end] == "`":
                end += 1
            close = _closing_run(line, end, end - index)
            index = close + end - index if close >= 0 else end
            continue
        index += 2 if line[index] == "\\" else 1
    return -1


def _next_index(indexes: list[int], after: int) -> int | None:
    """The first of the sorted ``indexes`` greater than ``after``."""
    position = bisect.bisect_right(indexes, after)
    return indexes[position] if position < len(indexes) else None


def _bracket_pairs(text: str) -> dict[int, int]:
    """Each "[" with its matching "]", found in one pass (backslash escapes skipped)."""
    pairs: dict[int, int] = {}
    opened: list[int] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            opened.append(index)
        elif char == "]" and opened:
            pairs[opened.pop()] = index
        index += 1
    return pairs


def _parse_destination(text: str, start: int) -> tuple[str, bool, str, int] | None:
    """(destination, written in <…>, the title part, end) of ``(dest "title")`` at start.

    Only the next few thousand characters are read, so a run of unclosed "[a](" costs a
    bounded scan each.
    """
    end = min(len(text), start + _MAX_DESTINATION)
    space = _SPACE.match(text, start + 1, end)
    index = space.end() if space else start + 1
    if text.startswith("<", index):
        close = text.find(">", index, end)
        if close < 0 or "\n" in text[index:close]:
            return None
        dest, bracketed, index = text[index + 1 : close], True, close + 1
    else:
        bare = _BARE_DESTINATION.match(text, index, end)
        dest, bracketed = (bare.group(0) if bare else ""), False
        index = bare.end() if bare else index
    tail = _LINK_TAIL.match(text, index, end)
    if tail is None:
        return None
    return dest, bracketed, text[index : tail.end() - 1], tail.end()


def _destination(target: str, bracketed: bool = False) -> str:
    """A link destination as CommonMark needs it written."""
    if bracketed or any(char in target for char in " <>") or target.count("(") != target.count(")"):
        return f"<{target}>"
    return target
