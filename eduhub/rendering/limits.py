"""Size limits of one lesson: headings, table cells and nesting, checked before it is parsed.

Rendering is linear in the size of a lesson, but the constants of a few shapes are large:
markdown-it makes three tokens per table cell (a 1 MB one-row table was 470 MB) and rescans every
enclosing block per line (a 1 MB quote nested 50 deep takes minutes). Such lessons are never what
an author meant, so the validator refuses them with the line where the limit is passed, and the
renderer does not parse them at all. One pass over the lines; no parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eduhub.rendering.results import Problem


@dataclass(frozen=True)
class Limits:
    headings: int = 1_000
    table_cells: int = 10_000
    #: lists and block quotes, one inside another (each level rescans every line inside it)
    nesting: int = 10


LIMITS = Limits()

_NEWLINES = re.compile(r"\r\n?|\n")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
# Only pipes, dashes, colons and spaces (a character class: a group repeated per cell would
# make the regex engine keep state for each of a million cells).
_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-[-:| \t]*$")
_LIST_MARKER = re.compile(r"([ \t]*)([-+*]|\d{1,9}[.)])([ \t]+|$)")
_QUOTE = re.compile(r" {0,3}> ?")


def _columns(delimiter_row: str) -> int:
    return delimiter_row.strip().strip("|").count("|") + 1


class _Scan:
    def __init__(self, limits: Limits, line_offset: int) -> None:
        self.limits = limits
        self.line_offset = line_offset
        self.problems: list[Problem] = []
        self.headings = 0
        self.lists: list[int] = []  # content column of each open list item
        self.deepest_reported = False

    def error(self, index: int, message: str) -> None:
        self.problems.append(Problem(index + 1 + self.line_offset, "error", message))

    def heading(self, index: int) -> None:
        self.headings += 1
        if self.headings == self.limits.headings + 1:
            self.error(
                index,
                f"more than {self.limits.headings:,} headings; split the lesson into several",
            )

    def nesting(self, index: int, text: str) -> str:
        """Track quotes and list items on this line; returns the line without quote markers."""
        quotes = 0
        while match := _QUOTE.match(text):
            quotes += 1
            text = text[match.end() :]
        marker = _LIST_MARKER.match(text)
        indent = len(marker.group(1) if marker else text[: len(text) - len(text.lstrip())])
        if text.strip():
            while self.lists and indent < self.lists[-1]:
                self.lists.pop()
            if marker:
                spaces = len(marker.group(3).expandtabs(4))
                width = len(marker.group(2)) + (spaces if 1 <= spaces <= 4 else 1)
                self.lists.append(indent + width)
        depth = quotes + len(self.lists)
        if depth > self.limits.nesting and not self.deepest_reported:
            self.deepest_reported = True
            self.error(
                index,
                f"lists and quotes nested {depth} deep; at most {self.limits.nesting} are allowed",
            )
        return text


def check_limits(source: str, *, line_offset: int = 0, limits: Limits = LIMITS) -> list[Problem]:
    """Errors for a lesson body with too many headings or table cells, or nesting too deep.

    Lines are counted the way markdown-it counts them (``line_offset`` lines of front matter
    come first). Code blocks are skipped; the counts are of the source, so a heading-like line
    in a place markdown-it would read otherwise may count too.
    """
    scan = _Scan(limits, line_offset)
    fence: tuple[str, int] | None = None
    previous = ""  # the last line outside code, without quote markers
    table: list[int] | None = None  # first line, columns, rows, reported
    for index, line in enumerate(_NEWLINES.split(source)):
        bare = line.lstrip(" \t>")
        if fence is not None:
            mark, length = fence
            stripped = bare.strip()
            if stripped.startswith(mark * length) and not stripped.strip(mark):
                fence = None
            continue
        opening = _FENCE.match(bare)
        if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = (opening.group(1)[0], len(opening.group(1)))
            previous = ""
            continue
        text = scan.nesting(index, line)
        if table is not None and not text.strip():
            table = None
        elif table is None and "|" in previous and "-" in text and _DELIMITER_ROW.match(text):
            table = [index - 1, _columns(text), 1, 0]
        elif table is None and (_ATX.match(text) or (previous.strip() and _SETEXT.match(text))):
            scan.heading(index)
            text = ""  # a heading ends the paragraph: "---" after it is a rule
        if table is not None:
            table[2] += 1
            first, columns, rows, reported = table
            if not reported and columns * rows > limits.table_cells:
                table[3] = 1
                scan.error(
                    first,
                    f"table with more than {limits.table_cells:,} cells "
                    f"({columns:,} columns); split it or make it a list",
                )
        previous = text
    return scan.problems
