"""d2lbook Markdown (*Dive into Deep Learning*) as EduHub Markdown: roles, tabs, tocs, citations.

A d2l book is one Sphinx project: sections, equations and figures are numbered from the
table-of-contents tree, ``:numref:``/``:eqref:`` point at labels anywhere in the book and
``:cite:`` at ``d2l.bib``. The caller therefore reads the whole book first —
``index_labels`` over every document, ``parse_bibliography`` over the ``.bib`` file — and
passes both to ``convert`` for each file. All three functions are pure.

Numbering follows d2lbook: a chapter's number is its position in the root ``index.md``'s
``:numbered:`` toc (chapters absent from the pack still count), a section's is the chapter's
plus its position in the chapter toc, headings inside a file extend it ("3.1.2"), and figures
(every image alone in its paragraph), tables and labelled equations are counted per file
("Fig. 3.1.2", "(3.1.4)"). Files outside any numbered toc (the notation chapter, orphans) are
unnumbered: references to their sections show the heading text, their figures and equations
are counted within the file alone ("(2)").
When no toc says ``:numbered:`` at all (a chapter imported without the book's root), every toc
reachable from a top-level file numbers its entries from 1.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from markdown_it.token import Token

from eduhub.packs.dialects import (
    Converted,
    LinkResolver,
    estimated_minutes,
    first_paragraph,
    split_front_matter,
)

# The renderer's own parser, so heading ids (slugs, duplicate suffixes, what counts as heading
# text) are exactly those the rendered lesson will carry; parsing keeps no per-lesson state.
from eduhub.rendering.parser import PARSER

# --------------------------------------------------------------------------- bibliography

_BIB_START = re.compile(r"\s*([A-Za-z]+)\s*([{(])")
_BIB_KEY = re.compile(r"\s*([^\s,{}()\"#=]*)\s*")
_BIB_FIELD = re.compile(r"\s*([A-Za-z][\w\-:.+]*)\s*=\s*")
_BIB_WORD = re.compile(r"[^\s,#{}()\"=]+")
_MONTHS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May",
    "jun": "June", "jul": "July", "aug": "August", "sep": "September", "oct": "October",
    "nov": "November", "dec": "December",
}  # fmt: skip

# Accents: symbol accents take their letter directly (\'e), letter accents need {x} or a space.
_COMBINING = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "b": "\u0331", "d": "\u0323",
}  # fmt: skip
_ACCENT = re.compile(
    r"\\(?:([`'^\"~=.])\s*|([uvHckrbd])(?:\s+|(?=\{)))"
    r"(?:\{\s*(\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"
)
_LETTERS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "o": "ø",
    "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}  # fmt: skip
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s*")
_URL_COMMAND = re.compile(r"\\url\s*\{([^{}]*)\}")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_TEX_MATH = re.compile(r"(\$[^$]+\$)")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_WEB_URL = re.compile(r"\Ahttps?://[^\s<>]+\Z")
# Characters that would start Markdown (or an entity) in plain text; escaping any ASCII
# punctuation is always allowed in CommonMark.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$!&{}])")


@dataclass(frozen=True)
class BibEntry:
    """One reference of the book's bibliography, with LaTeX turned into plain text."""

    key: str
    kind: str  # entry type, lower-case: "article", "inproceedings", "book" …
    authors: list[str]  # display names, "Diederik P Kingma"
    surnames: list[str]  # the same people's family names, for "Kingma and Ba"
    year: str
    title: str
    venue: str  # journal, booktitle, publisher, school or institution
    url: str = ""
    doi: str = ""
    et_al: bool = False  # the author list ends with "and others"
    edited: bool = False  # no authors: ``authors`` and ``surnames`` are the editors
    fields: dict[str, str] = field(default_factory=dict)  # every field, as plain text

    def author_text(self) -> str:
        """The authors as a citation names them: "Shannon", "Kingma and Ba", "He et al."."""
        names = self.surnames
        if not names:
            return self.title or self.key
        if len(names) == 1 and not self.et_al:
            return names[0]
        if len(names) == 2 and not self.et_al:
            return f"{names[0]} and {names[1]}"
        return f"{names[0]} et al."

    def short(self) -> str:
        """Author-year label: "Kingma and Ba, 2014", "He et al., 2016"."""
        return f"{self.author_text()}, {self.year or 'n.d.'}"

    def full(self) -> str:
        """The whole reference on one line, as Markdown (special characters escaped)."""
        head = _escape(_join_names(self.authors, self.et_al))
        if head and self.edited:
            head += " (Eds.)" if len(self.authors) > 1 or self.et_al else " (Ed.)"
        year = _escape(self.year or "n.d.")
        parts = [f"{head} ({year})." if head else f"({year})."]
        if self.title:
            parts.append(_escape(self.title.rstrip(".")) + ".")
        where = [f"*{_escape(self.venue)}*"] if self.venue else []
        volume = self.fields.get("volume", "")
        if volume:
            number = self.fields.get("number", "")
            where.append(_escape(f"{volume}({number})" if number else volume))
        if self.fields.get("pages"):
            where.append(_escape(self.fields["pages"]))
        if where:
            parts.append(", ".join(where) + ".")
        link = self.url or (self.doi if self.doi.startswith("http") else "")
        if not link and self.doi:
            link = f"https://doi.org/{self.doi}"
        if link:
            parts.append(f"<{link}>" if _WEB_URL.match(link) else _escape(link))
        return " ".join(parts)


def parse_bibliography(text: str) -> dict[str, BibEntry]:
    """Every entry of a BibTeX file by key; a malformed entry is skipped, not fatal.

    Reads ``@type{key, field = {…} | "…" | number | macro # …}`` (also with parentheses),
    ``@string`` macros and month names; ``@comment`` and ``@preamble`` are ignored. The first of
    two entries with the same key wins, as in BibTeX.
    """
    entries: dict[str, BibEntry] = {}
    for kind, key, fields in _BibReader(text).entries():
        if key and key not in entries:
            entries[key] = _bib_entry(kind, key, fields)
    return entries


class _BibSyntaxError(Exception):
    """The entry being read is malformed; the reader resumes after its '@'."""


class _BibReader:
    """A small recursive-descent BibTeX reader; values keep their inner braces."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.macros = dict(_MONTHS)

    def entries(self) -> Iterator[tuple[str, str, dict[str, str]]]:
        while True:
            at = self.text.find("@", self.pos)
            if at < 0:
                return
            self.pos = at + 1
            start = _BIB_START.match(self.text, self.pos)
            if start is None:
                continue
            kind = start.group(1).lower()
            close = "}" if start.group(2) == "{" else ")"
            self.pos = start.end()
            try:
                if kind in ("comment", "preamble"):
                    self._skip_to(close)
                elif kind == "string":
                    self.macros.update({k.lower(): v for k, v in self._fields(close).items()})
                else:
                    key_match = _BIB_KEY.match(self.text, self.pos)
                    key = key_match.group(1) if key_match else ""
                    self.pos = key_match.end() if key_match else self.pos
                    yield kind, key, self._fields(close)
            except _BibSyntaxError:
                self.pos = at + 1

    def _skip_to(self, close: str) -> None:
        opener = "{" if close == "}" else "("
        depth = 1
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == opener:
                depth += 1
            elif char == close:
                depth -= 1
                if depth == 0:
                    return
        raise _BibSyntaxError

    def _fields(self, close: str) -> dict[str, str]:
        fields: dict[str, str] = {}
        text = self.text
        while True:
            while self.pos < len(text) and (text[self.pos].isspace() or text[self.pos] == ","):
                self.pos += 1
            if self.pos >= len(text):
                raise _BibSyntaxError
            if text[self.pos] == close:
                self.pos += 1
                return fields
            name = _BIB_FIELD.match(text, self.pos)
            if name is None:
                raise _BibSyntaxError
            self.pos = name.end()
            fields.setdefault(name.group(1).lower(), self._value())

    def _value(self) -> str:
        parts: list[str] = []
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                raise _BibSyntaxError
            char = text[self.pos]
            if char == "{":
                parts.append(self._delimited("}"))
            elif char == '"':
                parts.append(self._delimited('"'))
            else:
                word = _BIB_WORD.match(text, self.pos)
                if word is None:
                    raise _BibSyntaxError
                self.pos = word.end()
                parts.append(self.macros.get(word.group(0).lower(), word.group(0)))
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos < len(text) and text[self.pos] == "#":
                self.pos += 1
                continue
            return "".join(parts)

    def _delimited(self, close: str) -> str:
        """Text up to the matching close, which is a brace or a quote outside braces."""
        text = self.text
        start = self.pos + 1
        depth = 0
        index = start
        while index < len(text):
            char = text[index]
            if char == "\\":
                index += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}" and depth > 0:
                depth -= 1
            elif char == close and depth == 0:
                self.pos = index + 1
                return text[start:index]
            elif char == "}":  # an unbalanced brace ends the entry: malformed
                raise _BibSyntaxError
            index += 1
        raise _BibSyntaxError


def _bib_entry(kind: str, key: str, raw: dict[str, str]) -> BibEntry:
    fields = {name: _latex_text(value) for name, value in raw.items()}
    authors: list[str] = []
    surnames: list[str] = []
    et_al = False
    # An edited volume without authors is cited by its editors.
    edited = not raw.get("author", "").strip() and bool(raw.get("editor", "").strip())
    for person in _split_depth0(raw.get("editor" if edited else "author", ""), _AND):
        name = _person(person)
        if name is None:
            et_al = True
        elif name[0]:
            authors.append(name[0])
            surnames.append(name[1])
    url = fields.get("url", "")
    if not url:
        for source in ("howpublished", "note"):
            found = _URL_COMMAND.search(raw.get(source, ""))
            if found:
                url = found.group(1).strip()
                break
    venue = next(
        (
            fields[name]
            for name in ("journal", "booktitle", "publisher", "school", "institution")
            if fields.get(name)
        ),
        "",
    )
    if not venue and fields.get("howpublished") and not _URL_COMMAND.search(raw["howpublished"]):
        venue = fields["howpublished"]
    return BibEntry(
        key=key,
        kind=kind,
        authors=authors,
        surnames=surnames,
        year=fields.get("year", ""),
        title=fields.get("title", ""),
        venue=venue,
        url=url,
        doi=fields.get("doi", ""),
        et_al=et_al,
        edited=edited,
        fields=fields,
    )


def _person(raw: str) -> tuple[str, str] | None:
    """(display name, surname) of one BibTeX name; None for "others"."""
    raw = raw.strip()
    if raw.lower() in ("others", "et al.", "et al", "{et al.}"):
        return None
    if raw.startswith("{") and raw.endswith("}") and _braced_whole(raw):
        whole = _latex_text(raw)  # an institution: never split
        return whole, whole
    parts = [part.strip() for part in _split_depth0(raw, re.compile(r","))]
    if len(parts) >= 2:  # "von Last, First" or "von Last, Jr, First"
        surname = _latex_text(parts[0])
        first = _latex_text(parts[-1])
        junior = _latex_text(parts[1]) if len(parts) >= 3 else ""
        display = " ".join(filter(None, [first, surname]))
        return (f"{display}, {junior}" if junior else display), surname
    words = [_latex_text(word) for word in _split_depth0(parts[0], _SPACES) if word]
    words = [word for word in words if word]
    if not words:
        return "", ""
    # "First von Last": the family name starts at the first lower-case word after the first.
    start = next(
        (i for i, word in enumerate(words[:-1]) if i > 0 and word[:1].islower()), len(words) - 1
    )
    return " ".join(words), " ".join(words[start:])


def _braced_whole(text: str) -> bool:
    depth = 0
    for index, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if depth == 0 and index < len(text) - 1:
            return False
    return True


def _split_depth0(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split where ``separator`` matches outside braces ("{Barnes and Noble}" stays whole)."""
    depth_at = []
    depth = 0
    for char in text:
        depth_at.append(depth)
        depth += (char == "{") - (char == "}")
    pieces, start = [], 0
    for match in separator.finditer(text):
        if depth_at[match.start()] == 0:
            pieces.append(text[start : match.start()])
            start = match.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece.strip()]


def _latex_text(value: str) -> str:
    """LaTeX as the reader sees it: accents as letters, commands and braces gone, $math$ kept."""
    pieces = _TEX_MATH.split(value)
    for index in range(0, len(pieces), 2):  # odd pieces are math
        piece = _URL_COMMAND.sub(r"\1", pieces[index])
        piece = _ACCENT.sub(_accented, piece)
        piece = _LETTER.sub(lambda m: _LETTERS[m.group(1)], piece)
        piece = _ESCAPED.sub(lambda m: "\0" + m.group(1), piece)  # literal, survives brace removal
        piece = _COMMAND.sub("", piece)
        piece = piece.replace("{", "").replace("}", "").replace("\0", "")
        piece = piece.replace("~", " ").replace("---", "—").replace("--", "–")
        piece = piece.replace("``", "“").replace("''", "”")
        pieces[index] = piece
    return _SPACES.sub(" ", "".join(pieces)).strip()


def _accented(match: re.Match[str]) -> str:
    accent = match.group(1) or match.group(2)
    letter = match.group(3) or match.group(4)
    base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    return unicodedata.normalize("NFC", base + _COMBINING[accent])


def _join_names(names: list[str], et_al: bool) -> str:
    shown = names[:10]
    more = et_al or len(names) > len(shown)
    if more:
        return ", ".join(shown) + (", et al." if shown else "")
    if len(shown) <= 2:
        return " and ".join(shown)
    return ", ".join(shown[:-1]) + ", and " + shown[-1]


def _escape(text: str) -> str:
    """Plain text as Markdown that shows it literally; ``$…$`` math stays math."""
    pieces = _TEX_MATH.split(text)
    for index in range(0, len(pieces), 2):
        pieces[index] = _MARKDOWN_SPECIAL.sub(r"\\\1", pieces[index])
    return "".join(pieces)


# --------------------------------------------------------------------------- labels

_LABEL_ROLE = re.compile(r":(label|eqlabel):`([^`\n]+)`")
_TOC_OPTION = re.compile(r"^\s*:[\w-]+:")
_TOC_TITLED = re.compile(r"^(.*?)\s*<([^<>]+)>\s*$")


@dataclass(frozen=True)
class Label:
    """What a ``:label:`` names, where it is and how the book numbers it."""

    path: str  # the document, relative to the pack root
    kind: str  # "section", "equation", "figure", "table" or "other"
    anchor: str  # heading id to link to: the section's own, else the nearest heading above
    number: str  # "3.1.2", "(3.1.4)"; "" when the book gives it no number
    title: str  # heading text (Markdown) for sections, caption for figures, else ""
    level: int = 0  # heading level for sections, else 0
    line: int = 0  # line of the label in its file


@dataclass
class _Element:
    """A labellable block of a converted document, with the source lines it spans."""

    first: int
    end: int
    kind: str
    anchor: str = ""
    title: str = ""
    level: int = 0
    number: str = ""


def index_labels(sources: dict[str, str]) -> dict[str, Label]:
    """Every ``:label:`` and ``:eqlabel:`` of the book, from ``{path: text}`` of all its files.

    Paths are relative to the pack root. A label defined twice keeps its first definition
    (in the order of ``sources``).
    """
    numbers = _document_numbers(sources)
    labels: dict[str, Label] = {}
    for path, text in sources.items():
        for name, label in _labels_in(path, text, numbers.get(path)):
            labels.setdefault(name, label)
    return labels


def _toc_entries(text: str, path: str) -> list[tuple[bool, list[str]]]:
    """Each ```` ```toc ```` block of a file: whether it says ``:numbered:``, and its targets."""
    blocks: list[tuple[bool, list[str]]] = []
    base = posixpath.dirname(path)
    fence: str | None = None
    current: list[str] | None = None
    numbered = False
    for line in text.split("\n"):
        opening = _fence_opening(line) if fence is None else None
        if opening:
            fence = opening.group(2)
            if opening.group(3).strip() == "toc":
                current, numbered = [], False
            continue
        if fence is not None and _closes(line, fence):
            if current is not None:
                blocks.append((numbered, current))
            fence, current = None, None
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped == ":numbered:" or stripped.startswith(":numbered: "):
            numbered = True
        elif stripped and not _TOC_OPTION.match(stripped):
            current.append(_toc_target(base, stripped)[1])
    if current is not None:
        blocks.append((numbered, current))
    return blocks


def _toc_target(base: str, entry: str) -> tuple[str, str]:
    """(explicit title or "", target path relative to the pack root) of one toc line."""
    titled = _TOC_TITLED.match(entry)
    title, target = (titled.group(1), titled.group(2)) if titled else ("", entry)
    target = target.strip()
    if target.endswith(".ipynb"):
        target = target[: -len(".ipynb")]
    if not target.endswith(".md"):
        target += ".md"
    return title, posixpath.normpath(posixpath.join(base, target))


def _document_numbers(sources: dict[str, str]) -> dict[str, tuple[int, ...] | None]:
    """Each file's number in the book ("3.1" as (3, 1)), None when it has none."""
    tocs = {path: _toc_entries(text, path) for path, text in sources.items()}
    referenced = {entry for blocks in tocs.values() for _, entries in blocks for entry in entries}
    any_numbered = any(numbered for blocks in tocs.values() for numbered, _ in blocks)
    numbers: dict[str, tuple[int, ...] | None] = {}

    def visit(path: str, number: tuple[int, ...] | None) -> None:
        if path in numbers:
            return
        numbers[path] = number
        counter = 0
        for numbered, entries in tocs.get(path, []):
            numbering = number is not None or numbered or not any_numbered
            for entry in entries:
                child = None
                if numbering:
                    counter += 1  # entries missing from the pack still take their number
                    child = (*(number or ()), counter)
                if entry in sources:
                    visit(entry, child)

    for path in sources:
        if path not in referenced:
            visit(path, None)
    for path in sources:
        numbers.setdefault(path, None)
    return numbers


def _labels_in(path: str, text: str, doc: tuple[int, ...] | None) -> Iterator[tuple[str, Label]]:
    converted = convert(text, path=path)
    offset = converted.body_line_offset
    body = converted.body.split("\n")
    elements, code_lines = _elements(converted.body)
    _number_elements(elements, doc)
    found: list[tuple[int, str, str]] = []  # (line in body, role, name)
    for index, line in enumerate(text.split("\n")[offset:]):
        if index in code_lines:
            continue
        found.extend((index, m.group(1), m.group(2).strip()) for m in _LABEL_ROLE.finditer(line))
    equations = 0
    prefix = ".".join(map(str, doc)) + "." if doc else ""
    for index, role, name in found:
        alone = index < len(body) and not body[index].strip()
        target_line = index
        if alone:  # the block just above, skipping blank lines
            target_line = index - 1
            while target_line >= 0 and not body[target_line].strip():
                target_line -= 1
        element = next((e for e in elements if e.first <= target_line < e.end), None)
        kind = "equation" if role == "eqlabel" else element.kind if element else "other"
        heading = _heading_above(elements, target_line)
        if kind == "section" and element is not None:
            label = Label(path, kind, element.anchor, element.number, element.title, element.level)
        elif kind == "equation":
            equations += 1
            label = Label(path, kind, heading, f"({prefix}{equations})", "")
        elif kind in ("figure", "table") and element is not None:
            label = Label(path, kind, heading, element.number, element.title)
        else:
            label = Label(path, "other", heading, "", "")
        yield name, replace(label, line=index + offset + 1)


def _elements(body: str) -> tuple[list[_Element], set[int]]:
    """Headings, display math, lone images and tables of a converted body; and its code lines."""
    tokens = PARSER.parse(body, {})
    elements: list[_Element] = []
    code: set[int] = set()
    for index, token in enumerate(tokens):
        if token.map is None:
            continue
        first, end = token.map
        if token.type == "heading_open":
            inline = tokens[index + 1]
            anchor = str(token.attrGet("id") or "")
            elements.append(
                _Element(first, end, "section", anchor, inline.content.strip(), int(token.tag[1]))
            )
        elif token.type in ("math_block", "math_block_label"):
            elements.append(_Element(first, end, "equation"))
        elif token.type == "paragraph_open":
            image = _lone_image(tokens[index + 1])
            if image is not None:
                elements.append(_Element(first, end, "figure", title=image.content.strip()))
        elif token.type == "table_open":
            elements.append(_Element(first, end, "table"))
        elif token.type in ("fence", "code_block"):
            code.update(range(first, end))
    return elements, code


def _lone_image(inline: Token) -> Token | None:
    children = [
        child
        for child in inline.children or []
        if child.type not in ("softbreak", "hardbreak")
        and not (child.type == "text" and not child.content.strip())
    ]
    return children[0] if len(children) == 1 and children[0].type == "image" else None


def _number_elements(elements: list[_Element], doc: tuple[int, ...] | None) -> None:
    """Section, figure and table numbers as d2lbook gives them (every lone image is a figure)."""
    headings = [e for e in elements if e.kind == "section"]
    prefix = ".".join(map(str, doc)) if doc else ""
    if headings and doc is not None:
        top = headings[0].level
        headings[0].number = prefix
        counters: list[int] = []
        open_levels: list[int] = []
        for heading in headings[1:]:
            if heading.level <= top:  # a second top-level heading: outside the numbering
                counters, open_levels = [], []
                continue
            while open_levels and open_levels[-1] >= heading.level:
                open_levels.pop()
            depth = len(open_levels)
            counters = counters[: depth + 1]
            if len(counters) == depth + 1:
                counters[depth] += 1
            else:
                counters.append(1)
            open_levels.append(heading.level)
            heading.number = ".".join([prefix, *map(str, counters)]) if prefix else ""
    for kind in ("figure", "table"):
        for count, element in enumerate((e for e in elements if e.kind == kind), start=1):
            element.number = f"{prefix}.{count}" if prefix else str(count)


def _heading_above(elements: list[_Element], line: int) -> str:
    anchor = ""
    for element in elements:
        if element.kind == "section" and element.first <= line:
            anchor = element.anchor
    return anchor


# --------------------------------------------------------------------------- conversion

_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*(.*?)[ \t]*$")
_ROLE_LINE = re.compile(r"^[ \t]*(?::(?:label|eqlabel|width|height):`[^`\n]*`[ \t]*)+$")
_ROLE_START = re.compile(r":[a-z]+:`")
_BEGIN_TAB = re.compile(r"^[ \t]*:begin_tab:`([^`\n]*)`[ \t]*$")
_END_TAB = re.compile(r"^[ \t]*:end_tab:[ \t]*$")
_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_SETEXT_TITLE = re.compile(r"^(?! {4})(\S.*)\n {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
_BRACED_INFO = re.compile(r"^\{\s*\.([\w+-]+)")
# d2lbook's slide marks: "[**…**]" and "(**…**)" are shown as their content in the book. A mark
# spans a sentence or two (237 characters at most in the book); the bound keeps a paragraph of
# unclosed marks from costing quadratic time.
_SLIDE_MARK = re.compile(r"\[\*\*(.{1,2000}?)\*\*\](?![(\[:])|\(\*\*(.{1,2000}?)\*\*\)", re.DOTALL)
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_INLINE = re.compile(
    r"(?P<role>(?<![\w:`]):(?P<name>[a-z][a-z0-9_]*):(?P<ticks>`+)(?P<arg>[^`\n]*?)(?P=ticks)(?!`))"
    r"|(?P<code>(?<!`)(?P<cticks>`+)(?!`).*?(?<!`)(?P=cticks)(?!`))"
    r"|(?P<link>(?P<bang>!?)\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"
    r"\((?P<target>[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"
    r"(?P<title>\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\))",
    re.DOTALL,
)
_REF_TEXT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.DOTALL)
_EXTERNAL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//|#)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\]")
_FOOTNOTE_UNSAFE = re.compile(r"[^\w.\-]")
_TAB_NAMES = {
    "mxnet": "MXNet", "pytorch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX",
    "paddle": "PaddlePaddle", "all": "All frameworks", "toc": "Contents",
}  # fmt: skip
_DROPPED_ROLES = frozenset({"label", "eqlabel", "width", "height"})
_REF_ROLES = frozenset({"eqref", "numref", "ref"})
_CITE_ROLES = frozenset({"cite", "citet", "citep"})


def convert(
    text: str,
    *,
    path: str,
    resolve_link: LinkResolver | None = None,
    labels: dict[str, Label] | None = None,
    bibliography: dict[str, BibEntry] | None = None,
) -> Converted:
    """One d2lbook file as EduHub Markdown; ``labels`` and ``bibliography`` cover the whole book.

    Counts: ``roles_handled`` and ``roles_unresolved`` (each ``:role:`` occurrence is one or
    the other), ``citations`` (cited keys found), ``references`` (footnotes appended),
    ``code_blocks``, ``tabs``, ``toc_entries``, ``slide_marks``.
    """
    data, body, offset, messages = split_front_matter(text)
    converted = Converted(front={}, body="", body_line_offset=offset, messages=list(messages))
    for name in (
        "roles_handled",
        "roles_unresolved",
        "citations",
        "references",
        "code_blocks",
        "tabs",
        "toc_entries",
        "slide_marks",
    ):
        converted.counts[name] = 0
    conversion = _Conversion(converted, path, resolve_link, labels or {}, bibliography or {})
    converted.body = conversion.run(body)
    converted.front = _front(data, converted.body, conversion.title, path, labels or {})
    return converted


def _front(
    data: dict[str, object], body: str, title: str, path: str, labels: dict[str, Label]
) -> dict[str, object]:
    summary = data.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        # first_paragraph knows "# Title" but not a title underlined with "===" (the root index).
        prose = _SETEXT_TITLE.sub(r"# \1", body)
        summary = _SPACES.sub(" ", _FOOTNOTE_REF.sub("", first_paragraph(prose))).strip()
    given_title = data.get("title")
    if isinstance(given_title, str) and given_title.strip():
        title = given_title.strip()
    title = title or _humanise(path.removesuffix(".md"))
    chapter = next(
        (
            part
            for part in reversed(posixpath.dirname(path).split("/"))
            if part.startswith("chapter_")
        ),
        "",
    )
    extra: dict[str, object] = {
        "chapter": chapter,
        "labels": sorted(name for name, label in labels.items() if label.path == path),
    }
    if data:
        extra["front_matter"] = data
    return {
        "title": title,
        "summary": summary or title,
        "objectives": [],
        "minutes": estimated_minutes(body),
        "tags": [_humanise(chapter).lower()] if chapter else [],
        "authors": [],
        "translators": [],
        "license": None,
        "translation_of": None,
        "date": None,
        "retired": False,
        "extra": extra,
    }


def _humanise(stem: str) -> str:
    """A readable name for a toc entry: "chapter_linear-regression/index" → "Linear regression"."""
    parts = [part for part in stem.split("/") if part and part != "index"]
    name = parts[-1] if parts else stem
    name = name.removeprefix("chapter_").replace("-", " ").replace("_", " ").strip()
    return name[:1].upper() + name[1:] if name else stem


def _fence_opening(line: str) -> re.Match[str] | None:
    """A fence's first line; "```x``` text" is an inline code span, not a fence."""
    opening = _FENCE_OPEN.match(line)
    if opening and opening.group(2)[0] == "`" and "`" in opening.group(3):
        return None
    return opening


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return (
        len(line) - len(line.lstrip(" ")) <= 3
        and len(stripped) >= len(fence)
        and set(stripped) == {fence[0]}
    )


class _Conversion:
    """State of one file's conversion: output lines, open tab, citations in order."""

    def __init__(
        self,
        converted: Converted,
        path: str,
        resolve_link: LinkResolver | None,
        labels: dict[str, Label],
        bibliography: dict[str, BibEntry],
    ) -> None:
        self.converted = converted
        self.path = path
        self.base = posixpath.dirname(path)
        self.resolve_link = resolve_link
        self.labels = labels
        self.bibliography = bibliography
        self.bib_folded = {key.lower(): entry for key, entry in bibliography.items()}
        self.cited: dict[str, str] = {}  # bib key → footnote label, in order of first citation
        self.title = ""

    def warn(self, index: int, text: str) -> None:
        self.converted.warn(index + self.converted.body_line_offset + 1, text)

    def count(self, name: str, by: int = 1) -> None:
        self.converted.count(name, by)

    # ---- block level

    def run(self, body: str) -> str:
        lines = body.split("\n")
        out: list[str] = []
        prose: list[bool] = []
        fence: str | None = None
        fence_line = 0
        block = ""  # "code", "toc" or "rst" while inside a fence
        toc: list[tuple[int, str]] = []
        tab_line: int | None = None
        for index, line in enumerate(lines):
            if fence is not None:
                if _closes(line, fence):
                    if block == "toc":
                        self._toc(toc, out)
                    out.append("" if block in ("toc", "rst") else line)
                    fence = None
                elif block == "toc":
                    toc.append((index, line))
                    out.append("")  # filled in by _toc
                else:
                    out.append("" if block == "rst" else line)
                prose.append(False)
                continue
            opening = _fence_opening(line)
            if opening:
                fence, fence_line = opening.group(2), index
                block, replaced = self._fence(index, opening)
                toc = []
                out.append(replaced)
                prose.append(False)
                continue
            begin = _BEGIN_TAB.match(line)
            if begin:
                indent = line[: len(line) - len(line.lstrip())]
                opened = indent + self._tab_title(begin.group(1))
                if tab_line is not None:
                    self.warn(index, "a tab begins before the previous one ended; closed it here")
                    opened = f"{indent}:::\n{opened}"
                out.append(opened)
                tab_line = index
                self.count("tabs")
                prose.append(False)
            elif _END_TAB.match(line):
                if tab_line is None:
                    self.warn(index, ":end_tab: without :begin_tab: removed")
                    out.append("")
                else:
                    out.append(line[: len(line) - len(line.lstrip())] + ":::")
                    tab_line = None
                prose.append(False)
            elif _ROLE_LINE.match(line):
                self.count("roles_handled", len(_ROLE_START.findall(line)))
                out.append("")
                prose.append(False)
            else:
                out.append(line)
                prose.append(bool(line.strip()))
        if fence is not None:
            if block == "toc":
                self._toc(toc, out)
            self.warn(fence_line, "code block never closed; closed at the end of the file")
            out.append(fence if block == "code" else "")
            prose.append(False)
        if tab_line is not None:
            self.warn(tab_line, ":begin_tab: never ended; closed at the end of the file")
            out.append(":::")
            prose.append(False)
        self._inline_chunks(out, prose)
        self.title = _first_h1(out, prose)
        return self._with_footnotes("\n".join(out))

    def _fence(self, index: int, opening: re.Match[str]) -> tuple[str, str]:
        indent, marker, info = opening.groups()
        if info == "toc":
            return "toc", ""
        if info == "eval_rst" or info.startswith("eval_rst "):
            self.warn(index, "reStructuredText block (eval_rst) removed")
            return "rst", ""
        self.count("code_blocks")
        if info.startswith("{"):
            braced = _BRACED_INFO.match(info)
            language = braced.group(1) if braced else ""
            return "code", f"{indent}{marker}{language}"
        return "code", opening.group(0)

    def _tab_title(self, names: str) -> str:
        pretty = [
            _TAB_NAMES.get(name.strip().lower(), name.strip())
            for name in names.split(",")
            if name.strip()
        ]
        return f"::: note {', '.join(pretty)}" if pretty else "::: note"

    def _toc(self, entries: list[tuple[int, str]], out: list[str]) -> None:
        """A toc block's entries become a list of links, each on its own source line."""
        for index, line in entries:
            stripped = line.strip()
            if not stripped or _TOC_OPTION.match(stripped):
                continue
            given, target = _toc_target(self.base, stripped)
            written = posixpath.relpath(target, self.base or ".")
            title = given or self._file_title(target) or _humanise(written.removesuffix(".md"))
            self.count("toc_entries")
            if self.resolve_link is None:
                out[index] = f"- [{_escape_brackets(title)}]({written})"
                continue
            resolved = self.resolve_link(written)
            if resolved is None:
                self.warn(index, f"toc entry not in this pack: {stripped}")
                out[index] = f"- {_escape(title)}"
            else:
                out[index] = f"- [{_escape_brackets(title)}]({resolved})"

    def _file_title(self, target: str) -> str:
        for label in self.labels.values():
            if label.path == target and label.kind == "section" and label.level == 1:
                return f"{label.number} {label.title}" if label.number else label.title
        return ""

    # ---- inline level

    def _inline_chunks(self, out: list[str], prose: list[bool]) -> None:
        """Runs of prose lines (paragraphs) are converted together: marks and spans cross lines."""
        index = 0
        while index < len(prose):
            if not prose[index]:
                index += 1
                continue
            end = index
            while end < len(prose) and prose[end]:
                end += 1
            chunk = self._inline("\n".join(out[index:end]), index)
            out[index:end] = chunk.split("\n", end - index - 1)
            index = end

    def _inline(self, chunk: str, first: int) -> str:
        spans: list[str] = []

        def hide(match: re.Match[str]) -> str:
            spans.append(match.group(0))
            return f"\x00{len(spans) - 1}\x00"

        hidden = _CODE_SPAN.sub(hide, chunk)
        hidden, marks = _SLIDE_MARK.subn(lambda m: m.group(1) or m.group(2), hidden)
        self.count("slide_marks", marks)
        chunk = _PLACEHOLDER.sub(lambda m: spans[int(m.group(1))], hidden)

        def replace(match: re.Match[str]) -> str:
            line = first + chunk.count("\n", 0, match.start())
            if match.group("role"):
                return self._role(match.group("name"), match.group("arg"), line)
            if match.group("link"):
                return self._link(match, line)
            return match.group(0)

        return _INLINE.sub(replace, chunk)

    def _role(self, name: str, arg: str, line: int) -> str:
        if name in _DROPPED_ROLES:
            self.count("roles_handled")
            return ""
        if name in _REF_ROLES:
            return self._reference(name, arg, line)
        if name in _CITE_ROLES:
            return self._citation(name, arg, line)
        if name == "math":
            self.count("roles_handled")
            return f"${arg}$"
        self.count("roles_unresolved")
        self.warn(line, f"unknown role :{name}: shown as its text")
        return _escape(arg)

    def _reference(self, name: str, arg: str, line: int) -> str:
        given = _REF_TEXT.match(arg)
        text, key = (given.group(1), given.group(2).strip()) if given else ("", arg.strip())
        label = self.labels.get(key)
        if label is None:
            self.count("roles_unresolved")
            self.warn(line, f"unknown label in :{name}:`{arg}`; shown as text")
            return f"\\[{_escape(key)}\\]" if key else ""
        self.count("roles_handled")
        text = text.replace("%s", label.number) if text else _reference_text(name, label)
        target = self._label_target(label)
        return f"[{_escape(text)}]({target})" if target else _escape(text)

    def _label_target(self, label: Label) -> str:
        fragment = f"#{label.anchor}" if label.anchor else ""
        if label.path == self.path:
            return fragment
        written = posixpath.relpath(label.path, self.base or ".")
        resolved = self.resolve_link(written) if self.resolve_link else None
        return (resolved or written) + fragment

    def _citation(self, name: str, arg: str, line: int) -> str:
        keys = [key.strip() for key in arg.split(",") if key.strip()]
        if not keys:
            self.count("roles_unresolved")
            self.warn(line, f"empty :{name}: removed")
            return ""
        pieces = []
        missing = False
        for key in keys:
            entry = self.bibliography.get(key) or self.bib_folded.get(key.lower())
            if entry is None:
                missing = True
                self.warn(line, f"citation key not in the bibliography: {key}")
                pieces.append(_escape(key) if name == "citet" else f"\\[{_escape(key)}\\]")
                continue
            self.count("citations")
            note = self._footnote_label(entry.key)
            if name == "citet":
                pieces.append(f"{_escape(entry.author_text())} ({_escape(entry.year)})[^{note}]")
            else:
                pieces.append(f"[^{note}]")
        self.count("roles_unresolved" if missing else "roles_handled")
        return "; ".join(pieces) if name == "citet" else "".join(pieces)

    def _footnote_label(self, key: str) -> str:
        if key not in self.cited:
            label = _FOOTNOTE_UNSAFE.sub("-", key)
            taken = set(self.cited.values())
            unique, suffix = label, 1
            while unique in taken:
                suffix += 1
                unique = f"{label}-{suffix}"
            self.cited[key] = unique
        return self.cited[key]

    def _link(self, match: re.Match[str], line: int) -> str:
        target = match.group("target")
        if not target or _EXTERNAL.match(target):
            return match.group(0)
        path, hash_, fragment = target.partition("#")
        resolved = self.resolve_link(path) if self.resolve_link and path else None
        if resolved is not None:
            start, end = match.span("target")
            whole = match.group(0)
            new = resolved + hash_ + fragment
            offset = match.start()
            return whole[: start - offset] + new + whole[end - offset :]
        if path.startswith("/") and self.resolve_link is not None:
            self.warn(line, f"site link not in this pack: {path}")
            return match.group("text")
        return match.group(0)

    def _with_footnotes(self, body: str) -> str:
        if not self.cited:
            return body
        notes = [f"[^{label}]: {self._entry(key).full()}" for key, label in self.cited.items()]
        self.count("references", len(notes))
        return body.rstrip("\n") + "\n\n" + "\n".join(notes) + "\n"

    def _entry(self, key: str) -> BibEntry:
        return self.bibliography.get(key) or self.bib_folded[key.lower()]


def _reference_text(role: str, label: Label) -> str:
    """How d2l shows a reference: "(3.1.4)", "Section 3.1", "Fig. 3.1.2", "Table 2.1"."""
    if label.kind == "equation":
        return label.number or label.title or "equation"
    if label.kind == "section":
        return f"Section {label.number}" if label.number else label.title
    if label.kind == "figure":
        return f"Fig. {label.number}" if label.number else label.title or "figure"
    if label.kind == "table":
        return f"Table {label.number}" if label.number else label.title or "table"
    return label.title or label.number or role


def _escape_brackets(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def _first_h1(out: list[str], prose: list[bool]) -> str:
    for index, line in enumerate(out):
        if not prose[index]:
            continue
        atx = _ATX_H1.match(line)
        if atx:
            return atx.group(1).strip()
        following = index + 1 < len(out) and _SETEXT_H1.match(out[index + 1])
        if following and not line.startswith(("    ", "\t")):
            return line.strip()
    return ""
