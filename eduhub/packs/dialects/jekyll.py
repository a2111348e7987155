"""Programming Historian lessons (Jekyll, Liquid and kramdown) as EduHub Markdown.

Jekyll runs Liquid over the whole file before kramdown sees it, so Liquid is handled first
(``{% raw %}`` even inside code); everything after that works on the text the renderer will
see, with code taken out of the way. Every pass replaces a construct by text with the same
number of line breaks, so the renderer's line numbers keep pointing into the source file.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any

from markdown_it.token import Token

from eduhub.packs.dialects import (
    Converted,
    LinkResolver,
    estimated_minutes,
    first_paragraph,
    split_front_matter,
)
from eduhub.rendering.parser import PARSER

#: Every count a conversion reports, so the fidelity report always lists the same names.
COUNT_NAMES = (
    "liquid_handled",  # Liquid tags and outputs understood (figures included)
    "liquid_dropped",  # Liquid removed with a warning
    "figures",  # {% include figure.html %} turned into images
    "attributes_removed",  # kramdown IALs, ALDs, TOC markers, extensions
    "math_inline",
    "math_display",
    "html_converted",  # HTML tags (or tables, comments) turned into Markdown
    "html_dropped",  # HTML removed with a warning
    "links_resolved",  # targets rewritten through resolve_link
    "links_unresolved",  # site links the pack does not hold, shown as their text
    "images_unresolved",  # site-absolute images kept as written (absent from the pack)
)

_RETIRED_FOLDERS = frozenset({"retired", "retirada"})
# Front-matter keys with an EduHub meaning; the rest goes to front["extra"].
_MAPPED_KEYS = frozenset(
    {"title", "authors", "translator", "translators", "abstract", "topics", "date", "original"}
)

# Placeholders for text later passes must not touch: one per line, so line breaks survive.
_HIDDEN = re.compile("\ue000(\\d+)\\.(\\d+)\ue001")
_PRIVATE_MARKS = re.compile("[\ue000\ue001]")

_FENCE_OPEN = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_FIRST_LINE_PADDED = re.compile(r"\A---[ \t]+\n")

# A Liquid tag; quoted arguments may contain "%}" and span lines. The atomic group keeps a
# quote that opened a string from being read again as a lone quote (no exponential backtracking).
_LIQUID_TAG = re.compile(
    r"""\{%-?\s*(\w+)((?>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^%"']|%(?!\})|["'])*?)\s*-?%\}""",
    re.DOTALL,
)
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_LIQUID_OUTPUT = re.compile(r"\{\{-?\s*((?:[^}]|\}(?!\}))*?)\s*-?\}\}", re.DOTALL)
_LIQUID_UNCLOSED = re.compile(r"\{%[^\n]*")
_SITE_ROOT_OUTPUTS = frozenset({"site.baseurl", "root_url"})
_ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*(?:"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'|([^\s"'%]+))"""
)
_ESCAPED_QUOTE = re.compile(r"""\\(["'])""")

_CODE_INDENT = re.compile(r"^(?: {4}| {0,3}\t)")
_BACKTICKS = re.compile(r"(?<![\\`])`+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)>"
)

_COMMENT = re.compile(r"(?<!\\)<!--.*?-->", re.DOTALL)
_COMMENT_UNCLOSED = re.compile(r"(?<!\\)<!--[^\n]*")
_STYLE_OR_SCRIPT = re.compile(
    r"(?<!\\)<(style|script)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE
)
_TABLE = re.compile(r"^([ \t]*)<table\b[^>]*>(.*?)</table\s*>([^\n]*)", re.DOTALL | re.I | re.M)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption\s*>", re.DOTALL | re.IGNORECASE)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)(?=<tr\b|</tbody|</thead|</tfoot|\Z)", re.DOTALL | re.I)
_CELL = re.compile(r"<t([hd])\b([^>]*)>(.*?)(?=<t[hd]\b|</tr|\Z)", re.DOTALL | re.IGNORECASE)
_CELL_CLOSE = re.compile(r"</t[hd]\s*>", re.IGNORECASE)
_SPAN_ATTRIBUTE = re.compile(r"\b(?:rowspan|colspan)\s*=", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ANY_TAG = re.compile(r"(?<!\\)</?[A-Za-z][\w:.\-]*\b[^<>]*>")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")

_DOUBLE_DOLLAR = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.DOTALL)
_ESCAPED_PARENS = re.compile(r"\\\\\((.+?)\\\\\)", re.DOTALL)
_ESCAPED_BRACKETS = re.compile(r"\\\\\[(.+?)\\\\\]", re.DOTALL)
# What the renderer reads as "$x$": no space inside the dollars, no digit right after them.
_SINGLE_DOLLAR = re.compile(r"(?<![\\$])\$(?=[^\s$])([^$\n]*?[^\s\\$])\$(?![$\d])")
_DOLLAR = re.compile(r"(?<!\\)\$")

_IAL_BODY = r"""(?:[.#][\w\-]+|[\w\-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s}]+)|[\w\-]+)"""
_KRAMDOWN_EXTENSION = re.compile(
    r"\{::(comment|nomarkdown)\b[^}]*\}.*?\{:/(?:\1)?\}|\{::\w+\b[^}]*/\}", re.DOTALL
)
_TOC_MARKER = re.compile(r"^([ \t]*)(?:[*+\-]|1\.)[ \t]+TOC[ \t]*\n[ \t]*\{:toc\}[ \t]*$", re.M)
_IAL_LINE = re.compile(r"^[ \t]*\{:(?!:)[^}\n]*\}[ \t]*$", re.MULTILINE)
_IAL_SPAN = re.compile(r"[ \t]*\{:(?!:)\s*(?:" + _IAL_BODY + r"(?:\s+" + _IAL_BODY + r")*)?\s*\}")
_HEADER_ID = re.compile(r"^(#{1,6}[ \t].*?)[ \t]*\{#[\w\-]+\}[ \t]*$", re.MULTILINE)

_CODE_TAG = re.compile(r"(?<!\\)<code\b[^>]*>(.*?)</code\s*>", re.DOTALL | re.IGNORECASE)
_A_TAG = re.compile(r"(?<!\\)<a\b([^>]*)>(.*?)</a\s*>", re.DOTALL | re.IGNORECASE)
_IMG_TAG = re.compile(r"(?<!\\)<img\b([^>]*?)/?>", re.IGNORECASE)
_IFRAME_TAG = re.compile(r"(?<!\\)<iframe\b([^>]*)>(?:[^<]*</iframe\s*>)?", re.IGNORECASE)
_EMPHASIS_TAG = re.compile(
    r"(?<!\\)<(i|em|b|strong|del|s|strike|caption)\b[^>]*>(.*?)</\1\s*>", re.DOTALL | re.I
)
_PLAIN_PAIR_TAG = re.compile(r"(?<!\\)<(sup|sub)\b[^>]*>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)
_HEADING_TAG = re.compile(r"^([ \t]*)<h([1-6])\b[^>]*>(.*?)</h\2\s*>", re.M | re.I)
_LIST_ITEM_TAG = re.compile(r"(?<!\\)<(li|dt)\b[^>]*>", re.IGNORECASE)
_DEFINITION_TAG = re.compile(r"(?<!\\)<dd\b[^>]*>", re.IGNORECASE)
_RULE_TAG = re.compile(r"^([ \t]*)<hr\b[^>]*>[ \t]*$", re.MULTILINE | re.IGNORECASE)
_NESTING_LIMIT = 8  # deeper <i><b>… nesting than this is left to the tag stripper
_HTML_TAG = re.compile(
    r"(?<!\\)<(/?)([A-Za-z][\w:.\-]*)"
    r"""((?:\s+[^\s<>"'=/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)*)\s*/?>"""
)
# Tags whose removal loses nothing: Markdown already says what they said.
_STRUCTURAL_TAGS = frozenset(
    {"p", "div", "ul", "ol", "li", "dl", "dt", "dd", "tbody", "thead", "tr", "br", "hr"}
)

_MARKDOWN_LINK = re.compile(r"!?\[((?:[^\[\]\\]|\\.)*)\]\([^)]*\)")
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([\[\]$|])")
_EMPHASIS_MARKS = re.compile(r"(?<!\\)\*+")
_LINK_OPENING = re.compile(r"\]\(")
_REFERENCE_DEFINITION = re.compile(
    r"^( {0,3})\[((?:[^\]\\^]|\\.)(?:[^\]\\]|\\.)*)\]:([ \t]*)(<[^>\n]*>|\S+)", re.MULTILINE
)
_SCHEME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*:|//)")
_IMAGE_EXTENSION = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|tiff?|bmp)$", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def convert(text: str, *, path: str, resolve_link: LinkResolver | None = None) -> Converted:
    """Convert one Programming Historian lesson file into EduHub front matter and Markdown.

    ``path`` is the file's path inside the pack ("en/lessons/x.md"): the lesson's slug (which
    names its image folder) and whether it is retired come from it.
    """
    text = _FIRST_LINE_PADDED.sub("---\n", text, count=1)  # Jekyll accepts "--- " too
    source_front, body, offset, front_messages = split_front_matter(text)
    result = Converted(front={}, body="", body_line_offset=offset, messages=list(front_messages))
    for name in COUNT_NAMES:
        result.counts[name] = 0
    if _PRIVATE_MARKS.search(body):
        body = _PRIVATE_MARKS.sub("\ufffd", body)
        result.warn(offset + 1, "private-use characters U+E000/U+E001 replaced by U+FFFD")
    lesson = _Lesson(result, path, resolve_link, mathjax=bool(source_front.get("mathjax")))
    result.body = lesson.convert_body(body)
    result.front = _front(source_front, result, path, offset)
    result.messages.sort(key=lambda message: message[0])
    return result


class _Vault:
    """Text taken out of reach of the later passes and put back at the end."""

    def __init__(self) -> None:
        self.items: list[list[str]] = []

    def hide(self, text: str) -> str:
        """A placeholder with the same line breaks as ``text``."""
        index = len(self.items)
        lines = text.split("\n")
        self.items.append(lines)
        return "\n".join(f"\ue000{index}.{number}\ue001" for number in range(len(lines)))

    def reveal(self, text: str) -> str:
        # Hidden text may itself hold placeholders (a code span inside a hidden table cell).
        while "\ue000" in text:
            text = _HIDDEN.sub(lambda match: self.items[int(match[1])][int(match[2])], text)
        return text


class _LineIndex:
    """Source line of a position in one pass's input text (every pass keeps line breaks)."""

    def __init__(self, text: str, offset: int) -> None:
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.offset = offset

    def line(self, position: int) -> int:
        low, high = 0, len(self.starts)
        while low + 1 < high:
            middle = (low + high) // 2
            if self.starts[middle] <= position:
                low = middle
            else:
                high = middle
        return self.offset + low + 1


class _Lesson:
    """The passes over one lesson body, sharing its vault, messages and counts."""

    def __init__(
        self, result: Converted, path: str, resolve_link: LinkResolver | None, *, mathjax: bool
    ) -> None:
        self.result = result
        self.offset = result.body_line_offset
        self.slug = PurePosixPath(path).stem
        self.resolve_link = resolve_link
        self.mathjax = mathjax
        self.vault = _Vault()
        self.figures: set[int] = set()  # vault entries that are images made from figures

    def convert_body(self, body: str) -> str:
        body = self.liquid_blocks(body)
        body = self.hide_code(body)
        body = self.liquid_rest(body)
        body = self.html_blocks(body)
        body = self.math(body)
        body = self.kramdown(body)
        body = self.html_inline(body)
        body = _DOLLAR.sub(r"\\$", body)  # what is left is money or a prompt, not math
        body = self.links(body)
        return self.vault.reveal(body)

    def warn(self, lines: _LineIndex, position: int, message: str) -> None:
        self.result.warn(lines.line(position), message)

    def count(self, name: str, by: int = 1) -> None:
        self.result.count(name, by)

    # Liquid -------------------------------------------------------------------------------

    def liquid_blocks(self, body: str) -> str:
        """Raw blocks everywhere (Jekyll strips their markers even in code); known includes."""
        fenced = _fenced_lines(body)
        lines = _LineIndex(body, self.offset)
        out: list[str] = []
        position = 0
        # No tag can end after the last "%}": bounding the search keeps it linear.
        end_of_tags = max(body.rfind("%}") + 2, 0)
        while match := _LIQUID_TAG.search(body, position, end_of_tags):
            out.append(body[position : match.start()])
            position = match.end()
            name = match[1]
            in_fence = lines.line(match.start()) - self.offset - 1 in fenced
            if name == "raw":
                end = _ENDRAW.search(body, position)
                literal = body[position : end.start() if end else len(body)]
                if end is None:
                    self.warn(lines, match.start(), "{% raw %} without {% endraw %}")
                out.append(_newlines(match[0]) + self.vault.hide(literal))
                if end:
                    out.append(_newlines(end[0]))
                position = end.end() if end else len(body)
                self.count("liquid_handled")
            elif name == "endraw":
                self.warn(lines, match.start(), "{% endraw %} without {% raw %} removed")
                self.count("liquid_dropped")
                out.append(_newlines(match[0]))
            elif name == "include" and not in_fence:
                markdown = self.include(match, body, lines)
                out.append(match[0] if markdown is None else markdown)
            else:
                out.append(match[0])  # left for liquid_rest, which knows about code spans
        out.append(body[position:])
        return "".join(out)

    def include(self, match: re.Match[str], body: str, lines: _LineIndex) -> str | None:
        """The Markdown for a known include; None leaves it for liquid_rest."""
        template, *rest = re.split(r"\s+", match[2].strip(), maxsplit=1)
        arguments = rest[0] if rest else ""
        attributes = _attributes(arguments)
        tag = match[0]
        if template == "toc.html":
            self.count("liquid_handled")
            return _newlines(tag)  # EduHub builds its own table of contents
        if template == "alert.html":
            self.count("liquid_handled")
            line_start = body.rfind("\n", 0, match.start()) + 1
            return self.alert(attributes.get("text", ""), tag, body[line_start : match.start()])
        if template == "figure.html":
            return self.figure(attributes, tag, lines, match.start())
        return None

    def alert(self, text: str, tag: str, before: str) -> str:
        lines = text.strip().split("\n")
        if before.strip():  # inside a sentence: no blockquote possible
            markdown = "**Note:** " + "\n".join(lines)
        else:
            quoted = [f"> {line}" if line.strip() else ">" for line in lines[1:]]
            markdown = "\n".join([f"> **Note:** {lines[0]}", *quoted])
        return markdown + "\n" * max(0, tag.count("\n") - markdown.count("\n"))

    def figure(self, attributes: dict[str, str], tag: str, lines: _LineIndex, at: int) -> str:
        filename = attributes.get("filename", "").strip()
        if not filename:
            self.warn(lines, at, "figure include without a filename removed")
            self.count("liquid_dropped")
            return _newlines(tag)
        caption = _WHITESPACE.sub(" ", attributes.get("caption", "")).strip()
        alt = _WHITESPACE.sub(" ", attributes.get("alt", "")).strip()
        if not alt:
            self.warn(lines, at, f"figure {filename} has no alt text; its caption is used")
        if _SCHEME.match(filename):
            target = filename
        else:
            target = self.image_target(f"/images/{self.slug}/{filename.lstrip('/')}")
        description = _plain(alt or caption or PurePosixPath(filename).name)
        title = f' "{_plain(caption, title=True)}"' if caption else ""
        self.figures.add(len(self.vault.items))
        image = self.vault.hide(f"![{description}]({_destination(target)}{title})")
        self.count("liquid_handled")
        self.count("figures")
        return image + (f" *{caption}*" if caption else "") + _newlines(tag)

    def image_target(self, target: str) -> str:
        """A site-absolute image through resolve_link; kept as written when it is unknown."""
        resolved = self.resolve_link(target) if self.resolve_link else None
        if resolved is None:
            self.count("images_unresolved")
            return target
        self.count("links_resolved")
        return resolved

    def liquid_rest(self, body: str) -> str:
        """Site-root outputs become "", anything else Liquid outside code goes, with a warning."""
        body = self.replace(_LIQUID_OUTPUT, self.liquid_output, body, closing="}}")
        body = self.replace(_LIQUID_TAG, self.liquid_tag, body, closing="%}")
        return self.replace(_LIQUID_UNCLOSED, self.liquid_unclosed, body)

    def liquid_output(self, match: re.Match[str], lines: _LineIndex) -> str:
        if match[1].strip() in _SITE_ROOT_OUTPUTS:
            self.count("liquid_handled")
        else:
            self.warn(lines, match.start(), f"unknown Liquid output {_shown(match[0])} removed")
            self.count("liquid_dropped")
        return _newlines(match[0])

    def liquid_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.warn(lines, match.start(), f"unknown Liquid tag {_shown(match[0])} removed")
        self.count("liquid_dropped")
        return _newlines(match[0])

    def liquid_unclosed(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.warn(lines, match.start(), f"unclosed Liquid tag {_shown(match[0])} removed")
        self.count("liquid_dropped")
        return ""

    # Code ---------------------------------------------------------------------------------

    def hide_code(self, body: str) -> str:
        """Hide what the renderer shows as code (blocks as its parser sees them), and autolinks."""
        source_lines = body.split("\n")
        for kind, start, end in _code_blocks(PARSER.parse(body)):
            block = source_lines[start:end]
            if kind == "code_block" and all(self.is_figure(line) for line in block):
                # Indented like code, but Jekyll makes a figure of it whatever the indentation:
                # four columns less keep it in its list item, if any, as a paragraph.
                source_lines[start:end] = [_CODE_INDENT.sub("", line) for line in block]
                continue
            source_lines[start:end] = self.vault.hide("\n".join(block)).split("\n")
        body = "\n".join(source_lines)
        body = self.hide_code_spans(body)
        return _AUTOLINK.sub(lambda match: self.vault.hide(match[0]), body)

    def is_figure(self, line: str) -> bool:
        """Blank, or a line that starts with an image made from a figure include."""
        match = _HIDDEN.match(line.lstrip())
        return not line.strip() or (match is not None and int(match[1]) in self.figures)

    def hide_code_spans(self, text: str) -> str:
        out: list[str] = []
        position = 0
        search_from = 0
        while opening := _BACKTICKS.search(text, search_from):
            run = opening[0]
            closing = re.compile(f"(?<!`){run}(?!`)").search(text, opening.end())
            if closing is None or _BLANK_LINE.search(text, opening.end(), closing.start()):
                search_from = opening.end()
                continue
            out.append(text[position : opening.start()])
            out.append(self.vault.hide(text[opening.start() : closing.end()]))
            position = search_from = closing.end()
        out.append(text[position:])
        return "".join(out)

    # HTML blocks --------------------------------------------------------------------------

    def html_blocks(self, body: str) -> str:
        """Comments, style and script elements, and tables, which span lines."""
        body = self.replace(_COMMENT, self.comment, body, closing="-->")
        body = self.replace(_COMMENT_UNCLOSED, self.unclosed_comment, body)
        body = self.replace(_STYLE_OR_SCRIPT, self.style_or_script, body, closing="</s")
        return self.replace(_TABLE, self.table, body, closing="</table")

    def comment(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("html_converted")
        return _newlines(match[0])

    def unclosed_comment(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.warn(lines, match.start(), "unclosed HTML comment removed to the end of its line")
        self.count("html_dropped")
        return ""

    def style_or_script(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.warn(lines, match.start(), f"HTML <{match[1].lower()}> element removed")
        self.count("html_dropped")
        return _newlines(match[0])

    def table(self, match: re.Match[str], lines: _LineIndex) -> str:
        indent, inner, after = match[1], match[2], match[3].strip()
        span = match[0].count("\n") + 1
        caption_match = _CAPTION.search(inner)
        caption = _cell_text(caption_match[1]) if caption_match else ""
        rows = [cells for cells in map(_CELL.findall, _ROW.findall(inner)) if cells]
        spanning = any(_SPAN_ATTRIBUTE.search(cell[1]) for row in rows for cell in row)
        if not rows or spanning or "<table" in inner.lower():
            why = "row or column spans" if spanning else "no rows" if not rows else "a nested table"
            self.warn(lines, match.start(), f"HTML table with {why} flattened to text")
            self.count("html_dropped")
            texts = [" · ".join(self.cell(content) for _, _, content in row) for row in rows]
            markdown = [caption] if caption else []
            markdown += [text for text in texts if text]
        else:
            self.count("html_converted")
            markdown = self.pipe_table(rows, caption)
        if after:
            markdown += ["", after]
        if len(markdown) < span:
            markdown += [""] * (span - len(markdown))
        elif len(markdown) > span:
            self.warn(lines, match.start(), "HTML table needs more lines as Markdown; lines shift")
        return "\n".join(f"{indent}{line}" if line else "" for line in markdown)

    def pipe_table(self, rows: list[list[tuple[str, str, str]]], caption: str) -> list[str]:
        width = max(len(row) for row in rows)
        cells = [[self.cell(content) for _, _, content in row] for row in rows]
        cells = [row + [""] * (width - len(row)) for row in cells]
        header, *body = cells
        lines = [f"*{caption}*", ""] if caption else []
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * width)
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return lines

    def cell(self, content: str) -> str:
        """One line of cell text; pipes escaped, code spans inside hidden again."""
        text = self.vault.reveal(_CELL_CLOSE.sub("", content))
        text = _WHITESPACE.sub(" ", _BREAK.sub(" ", text)).strip()
        return self.hide_code_spans(_UNESCAPED_PIPE.sub(r"\\|", text))

    # Math ---------------------------------------------------------------------------------

    def math(self, body: str) -> str:
        """kramdown's $$ (display alone in its paragraph, else inline); MathJax's own delimiters.

        PH loads MathJax only for lessons with ``mathjax: true``, configured for $…$ and \\(…\\)
        too; elsewhere a single $ is a literal dollar.
        """
        body = _DOUBLE_DOLLAR.sub(lambda match: self.formula(match, body), body)
        if self.mathjax:
            body = _ESCAPED_BRACKETS.sub(lambda match: self.formula(match, body), body)
            body = _ESCAPED_PARENS.sub(lambda match: self.inline_formula(match[1]), body)
            body = _SINGLE_DOLLAR.sub(lambda match: self.inline_formula(match[1]), body)
        return body

    def formula(self, match: re.Match[str], body: str) -> str:
        tex = match[1]
        if _BLANK_LINE.search(tex) or not tex.strip():
            return match[0]  # a blank line ends any formula: these dollars are not a pair
        line_start = body.rfind("\n", 0, match.start()) + 1
        line_end = _line_end(body, match.end())
        previous = body[body.rfind("\n", 0, max(0, line_start - 1)) + 1 : line_start]
        following = body[line_end : _line_end(body, line_end + 1)]
        alone = (
            not body[line_start : match.start()].strip()
            and not body[match.end() : line_end].strip()
            and not previous.strip()
            and not following.strip()
        )
        if not alone:
            return self.inline_formula(tex)
        self.count("math_display")
        return self.vault.hide(f"$${tex}$$")

    def inline_formula(self, tex: str) -> str:
        self.count("math_inline")
        # "$ x $" is not math to the renderer; the line breaks trimmed off go after it.
        return _keep_lines(tex, self.vault.hide(f"${tex.strip()}$"))

    # kramdown -----------------------------------------------------------------------------

    def kramdown(self, body: str) -> str:
        """Attribute lists, the generated-TOC marker and extensions: markup with no text."""
        body = self.replace(_KRAMDOWN_EXTENSION, self.kramdown_extension, body)
        for pattern in (_TOC_MARKER, _IAL_LINE, _IAL_SPAN):
            body = self.replace(pattern, self.attribute, body)
        return self.replace(_HEADER_ID, self.header_id, body)

    def kramdown_extension(self, match: re.Match[str], lines: _LineIndex) -> str:
        if match[1] == "nomarkdown":
            self.warn(lines, match.start(), "kramdown {::nomarkdown} block removed")
        self.count("attributes_removed")
        return _newlines(match[0])

    def attribute(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("attributes_removed")
        return _newlines(match[0])

    def header_id(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("attributes_removed")
        return match[1]

    # Inline HTML --------------------------------------------------------------------------

    def html_inline(self, body: str) -> str:
        """HTML the renderer would show as text, as the Markdown that says the same."""
        body = self.replace(_CODE_TAG, self.code_tag, body, closing="</code")
        body = self.replace(_A_TAG, self.a_tag, body, closing="</a")
        body = self.replace(_IMG_TAG, self.img_tag, body)
        body = self.replace(_IFRAME_TAG, self.iframe_tag, body)
        for _ in range(_NESTING_LIMIT):  # one level of nested emphasis a round
            converted = self.replace(_EMPHASIS_TAG, self.emphasis_tag, body, closing="</")
            if converted == body:
                break
            body = converted
        body = self.replace(_PLAIN_PAIR_TAG, self.plain_pair_tag, body, closing="</")
        body = self.replace(_HEADING_TAG, self.heading_tag, body, closing="</h")
        body = self.replace(_RULE_TAG, self.rule_tag, body)
        body = self.replace(_LIST_ITEM_TAG, self.list_item_tag, body)
        body = self.replace(_DEFINITION_TAG, self.definition_tag, body)
        return self.replace(_HTML_TAG, self.other_tag, body)

    def replace(
        self,
        pattern: re.Pattern[str],
        handler: Callable[[re.Match[str], _LineIndex], str],
        body: str,
        *,
        closing: str = "",
    ) -> str:
        """``pattern.sub`` with the handler told the source line of each match.

        With ``closing``, the search stops at the end of the line holding its last occurrence:
        no match can end later, and each unclosed opener would otherwise rescan the lesson.
        """
        lines = _LineIndex(body, self.offset)
        end = len(body)
        if closing:
            last = body.lower().rfind(closing)
            if last < 0:
                return body
            line_end = body.find("\n", last)
            end = len(body) if line_end < 0 else line_end
        head = pattern.sub(lambda match: handler(match, lines), body[:end])
        return head + body[end:]

    def code_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        if _BLANK_LINE.search(match[1]):
            return match[0]  # a code span cannot cross paragraphs: left to other_tag
        self.count("html_converted")
        code = html.unescape(_ANY_TAG.sub("", self.vault.reveal(match[1])))
        return _keep_lines(match[0], self.vault.hide(_code_span(code)))

    def a_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        attributes = _attributes(match[1])
        text = match[2]
        if _BLANK_LINE.search(text):
            return match[0]  # nor can a link: left to other_tag
        href = html.unescape(attributes.get("href", "")).strip()
        if not href:
            anchor = attributes.get("id") or attributes.get("name") or ""
            self.warn(lines, match.start(), f"HTML anchor <a id={anchor!r}> removed")
            self.count("html_dropped")
            return text
        self.count("html_converted")
        label = text.strip() or href
        return _keep_lines(match[0], f"[{label}]({_destination(href)})")

    def img_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        attributes = _attributes(match[1])
        src = html.unescape(attributes.get("src", "")).strip()
        if not src:
            self.warn(lines, match.start(), "HTML <img> without src removed")
            self.count("html_dropped")
            return _newlines(match[0])
        self.count("html_converted")
        alt = _plain(html.unescape(attributes.get("alt", "")))
        title = attributes.get("title", "")
        title_part = f' "{_plain(html.unescape(title), title=True)}"' if title else ""
        return f"![{alt}]({_destination(src)}{title_part})" + _newlines(match[0])

    def iframe_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        attributes = _attributes(match[1])
        src = html.unescape(attributes.get("src", "")).strip()
        if not src:
            self.warn(lines, match.start(), "HTML <iframe> without src removed")
            self.count("html_dropped")
            return _newlines(match[0])
        self.warn(lines, match.start(), f"embedded frame {src} shown as a link")
        self.count("html_converted")
        label = _plain(html.unescape(attributes.get("title", ""))) or src
        return f"[{label}]({_destination(src)})" + _newlines(match[0])

    def emphasis_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        content = match[2]
        if not content.strip() or _BLANK_LINE.search(content):
            self.count("html_converted")
            return content
        mark = {"b": "**", "strong": "**", "del": "~~", "s": "~~", "strike": "~~"}.get(
            match[1].lower(), "*"
        )
        self.count("html_converted")
        leading = content[: len(content) - len(content.lstrip())]
        trailing = content[len(content.rstrip()) :]
        return _keep_lines(match[0], f"{leading}{mark}{content.strip()}{mark}{trailing}")

    def plain_pair_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("html_converted")
        return _keep_lines(match[0], match[2])

    def heading_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("html_converted")
        title = match[3].strip()
        return _keep_lines(match[0], f"{match[1]}{'#' * int(match[2])} {title}")

    def rule_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("html_converted")
        return f"{match[1]}***"

    def list_item_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("html_converted")
        return "- " + _newlines(match[0])

    def definition_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        self.count("html_converted")
        return "  " + _newlines(match[0])

    def other_tag(self, match: re.Match[str], lines: _LineIndex) -> str:
        closing, name = match[1], match[2].lower()
        if name == "br":
            self.count("html_converted")
            return " " + _newlines(match[0])
        if not closing:
            if name in _STRUCTURAL_TAGS:
                self.count("html_converted")
            else:
                self.warn(lines, match.start(), f"HTML tag <{match[2]}> removed (its text is kept)")
                self.count("html_dropped")
        return _newlines(match[0])

    # Links --------------------------------------------------------------------------------

    def links(self, body: str) -> str:
        """Every non-external target through resolve_link; unknown site links become text."""
        lines = _LineIndex(body, self.offset)
        edits: list[tuple[int, int, str]] = []
        dropped_labels: set[str] = set()
        for definition in _REFERENCE_DEFINITION.finditer(body):
            raw = definition[4]
            target = raw[1:-1] if raw.startswith("<") else raw
            start, end = definition.start(4), definition.end(4)
            outcome = self.link_target(target, image=bool(_IMAGE_EXTENSION.search(target)))
            if outcome is None:
                self.warn(lines, definition.start(), f"site link not in this pack: {target}")
                line_end = body.find("\n", definition.end())
                edits.append((definition.start(), len(body) if line_end < 0 else line_end, ""))
                dropped_labels.add(_label(definition[2]))
            elif outcome != target:
                edits.append((start, end, _destination(outcome)))
        for opening in _LINK_OPENING.finditer(body):
            parsed = _parse_destination(body, opening.end())
            if parsed is None:
                continue
            target_start, target_end, close = parsed
            raw = body[target_start:target_end]
            target = raw[1:-1] if raw.startswith("<") else raw
            text_start = _text_start(body, opening.start())
            if text_start < 0:
                continue  # "](" without a "[": not a link
            image = text_start > 0 and body[text_start - 1] == "!"
            outcome = self.link_target(target, image=image)
            if outcome is None:
                self.warn(lines, opening.start(), f"site link not in this pack: {target}")
                edits.append((text_start, text_start + 1, ""))
                edits.append((opening.start(), close, ""))
            elif outcome != target:
                edits.append((target_start, target_end, _destination(outcome)))
        for start, end, replacement in sorted(edits, reverse=True):
            body = body[:start] + replacement + body[end:]
        if dropped_labels:
            body = _drop_reference_uses(body, dropped_labels)
        return body

    def link_target(self, target: str, *, image: bool) -> str | None:
        """The target to write; None when a site link must become its text."""
        if not target or target.startswith("#") or _SCHEME.match(target):
            return target
        path, hash_mark, fragment = target.partition("#")
        if image:
            return self.image_target(path) + hash_mark + fragment
        resolved = self.resolve_link(path) if self.resolve_link else None
        if resolved is not None:
            self.count("links_resolved")
            return resolved + hash_mark + fragment
        if self.resolve_link is not None and path.startswith("/"):
            self.count("links_unresolved")
            return None
        return target


def _front(source: dict[str, Any], result: Converted, path: str, offset: int) -> dict[str, Any]:
    """EduHub front matter from PH's keys; everything else PH says goes to ``extra``."""
    parts = PurePosixPath(path).parts
    title = _text(source.get("title"))
    if not title:
        title = PurePosixPath(path).stem
        result.warn(max(1, offset), "lesson has no title; its file name is used")
    summary = _text(source.get("abstract")) or first_paragraph(result.body)
    translators = _names(source.get("translator")) + _names(source.get("translators"))
    original = _text(source.get("original")) or None
    date = _iso_date(source.get("date"))
    if source.get("date") is not None and date is None:
        result.warn(max(1, offset), f"date {source.get('date')!r} is not a date; ignored")
    extra = {key: _plain_value(value) for key, value in source.items() if key not in _MAPPED_KEYS}
    if parts and parts[0] in ("en", "es", "fr", "pt"):
        extra["language"] = parts[0]
    return {
        "title": title,
        "summary": summary,
        "objectives": [],
        "minutes": estimated_minutes(result.body),
        "tags": _names(source.get("topics")),
        "authors": _names(source.get("authors")),
        "translators": translators,
        "license": None,  # PH states CC-BY 4.0 site-wide, not per file
        "translation_of": original,
        "date": date,
        "retired": bool(_RETIRED_FOLDERS.intersection(parts[:-1])) or source.get("retired") is True,
        "extra": extra,
    }


def _fenced_lines(body: str) -> set[int]:
    """0-based lines inside ``` or ~~~ fences, at any indentation (PH nests them in lists)."""
    fenced: set[int] = set()
    fence: str | None = None
    for number, line in enumerate(body.split("\n")):
        match = _FENCE_OPEN.match(line)
        if fence is None:
            # "```x```" on one line is a code span: a backtick fence's info string has no "`".
            if match and not (match[1][0] == "`" and "`" in line[match.end() :]):
                fence = match[1]
                fenced.add(number)
            continue
        fenced.add(number)
        stripped = line.strip().lstrip(">").strip()
        if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
            fence = None
    return fenced


def _code_blocks(tokens: list[Token]) -> Iterator[tuple[str, int, int]]:
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            yield token.type, token.map[0], token.map[1]


def _attributes(arguments: str) -> dict[str, str]:
    """Liquid include or HTML attributes; PH escapes quotes inside values with a backslash."""
    values: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(arguments):
        value = match[2] if match[2] is not None else match[3] if match[3] is not None else match[4]
        values.setdefault(match[1].lower(), _ESCAPED_QUOTE.sub(r"\1", value or ""))
    return values


def _plain(text: str, *, title: bool = False) -> str:
    """Text for an image description or title: no links, tags or code marks; brackets escaped.

    Backslashes stay: PH captions are Markdown, so ``\\_`` already means "_".
    """
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _ANY_TAG.sub("", text)
    text = _WHITESPACE.sub(" ", text.replace("`", "")).strip().rstrip("\\")
    if title:  # a title attribute shows Markdown as typed
        text = _EMPHASIS_MARKS.sub("", text)
        return _UNESCAPED_SPECIAL.sub(r"\\\1", text.replace('"', '\\"'))
    return _UNESCAPED_SPECIAL.sub(r"\\\1", text)


def _destination(target: str) -> str:
    """A link destination as Markdown needs it written."""
    if re.search(r"[\s<>]", target) or target.count("(") != target.count(")"):
        return "<" + target.replace("<", "%3C").replace(">", "%3E") + ">"
    return target


def _code_span(code: str) -> str:
    code = _WHITESPACE.sub(" ", code)
    longest = max((len(run) for run in re.findall("`+", code)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{padding}{code}{padding}{fence}"


def _cell_text(content: str) -> str:
    return _WHITESPACE.sub(" ", _BREAK.sub(" ", content)).strip()


def _line_end(text: str, position: int) -> int:
    """Index of the line break ending the line that holds ``position`` (or the text's end)."""
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _newlines(text: str) -> str:
    return "\n" * text.count("\n")


def _keep_lines(original: str, replacement: str) -> str:
    """``replacement`` padded with the line breaks ``original`` had and it lacks."""
    return replacement + "\n" * max(0, original.count("\n") - replacement.count("\n"))


def _shown(markup: str) -> str:
    markup = _WHITESPACE.sub(" ", markup)
    return markup if len(markup) <= 60 else markup[:59] + "…"


def _parse_destination(text: str, start: int) -> tuple[int, int, int] | None:
    """(target start, target end, position after ")") of the link starting at ``start``."""
    position = start
    while position < len(text) and text[position] in " \t\n":
        position += 1
    target_start = position
    if text.startswith("<", position):
        end = text.find(">", position)
        if end < 0 or "\n" in text[position:end]:
            return None
        position = target_end = end + 1
    else:
        depth = 0
        while position < len(text):
            character = text[position]
            if character == "\\" and position + 1 < len(text):
                position += 2
                continue
            if character in " \t\n" or (character == ")" and depth == 0):
                break
            depth += {"(": 1, ")": -1}.get(character, 0)
            position += 1
        target_end = position
    title = re.compile(r"""[ \t\n]*(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\((?:\\.|[^()\\])*\))?""")
    after_title = title.match(text, position)
    position = after_title.end() if after_title else position
    while position < len(text) and text[position] in " \t\n":
        position += 1
    if position >= len(text) or text[position] != ")":
        return None
    return target_start, target_end, position + 1


def _text_start(text: str, close: int) -> int:
    """Index of the "[" that opens the link text ending at ``close``; -1 when there is none."""
    depth = 0
    position = close - 1
    while position >= 0:
        character = text[position]
        escaped = position > 0 and text[position - 1] == "\\"
        if character == "]" and not escaped:
            depth += 1
        elif character == "[" and not escaped:
            if depth == 0:
                return position
            depth -= 1
        elif character == "\n" and text[position - 1 : position] == "\n":
            return -1
        position -= 1
    return -1


def _label(label: str) -> str:
    return _WHITESPACE.sub(" ", label.strip()).casefold()


def _drop_reference_uses(body: str, labels: set[str]) -> str:
    """``[text][label]``, ``[label][]`` and ``[label]`` whose definition went: just the text."""

    def full(match: re.Match[str]) -> str:
        label = match[2] or match[1]
        return match[1] if _label(label) in labels else match[0]

    def shortcut(match: re.Match[str]) -> str:
        return match[1] if _label(match[1]) in labels else match[0]

    body = re.sub(r"(?<!!)\[([^\[\]\n]+)\]\[([^\[\]\n]*)\]", full, body)
    return re.sub(r"(?<![!\]\\])\[([^\[\]\n^]+)\](?![\[(:])", shortcut, body)


def _text(value: Any) -> str:
    if value is None or isinstance(value, list | dict):
        return ""
    return _WHITESPACE.sub(" ", html.unescape(str(value))).strip()


def _names(value: Any) -> list[str]:
    """A list of names from a YAML list, or from one string separated by commas."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [name for name in (_text(item) for item in items) if name]


def _iso_date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            return None
    return None


def _plain_value(value: Any) -> Any:
    """Front-matter values as JSON can hold them (YAML dates become ISO strings)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain_value(item) for key, item in value.items()}
    if isinstance(value, str):
        return html.unescape(value).strip()
    return value
