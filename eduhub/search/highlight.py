"""Highlighting: the best window of a stored excerpt with the query's words in <mark>."""

from __future__ import annotations

import html

from eduhub.search.analysis import (
    FOLD_MAP,
    STEMMED_LANGUAGES,
    TOKEN_RE,
    WORD_CHAR_RE,
    fold,
    word_forms,
)
from eduhub.search.query import CompiledQuery

SNIPPET_CHARS = 240


def _scan_start(text: str, probes: tuple[str, ...]) -> int:
    """Where the first match can begin, or -1 when ``text`` cannot contain one.

    Every term a match yields begins with the first letters of the folded word (stems only
    cut or change endings), so a substring search on the folded text skips the hundreds of
    words before the first possible match without analysing them.
    """
    folded = fold(text)
    if len(folded) != len(text):
        return 0  # folding changed lengths (ß → ss): offsets would not line up
    first = -1
    for probe in probes:
        i = folded.find(probe)
        if i != -1 and (first == -1 or i < first):
            first = i
    while first > 0 and WORD_CHAR_RE.match(text, first - 1):
        first -= 1
    return first


def _marks(text: str, variant: str, cq: CompiledQuery, stop_after: int) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` that the query matched."""
    begin = _scan_start(text, cq.probes)
    if begin < 0:
        return []
    own = cq.terms.get(variant, frozenset())
    neutral = cq.terms.get("*", frozenset())
    prefixes = cq.prefixes
    stemmed = variant in STEMMED_LANGUAGES
    spans: list[tuple[int, int]] = []
    limit = len(text)
    for m in TOKEN_RE.finditer(text, begin):
        start = m.start()
        if start > limit:
            break
        word = m.group().lower()
        folded = word if word.isascii() else word.translate(FOLD_MAP)
        hit = folded in own or folded in neutral
        if not hit and stemmed:
            hit = any(form in own for form in word_forms(variant, word))
        if not hit and prefixes:
            hit = folded.startswith(prefixes)
        if hit:
            if spans and text[spans[-1][1] : start] in ("", " "):
                spans[-1] = (spans[-1][0], m.end())  # 日本, "data cleaning": one mark
            else:
                spans.append((start, m.end()))
            if len(spans) == 1:
                limit = start + stop_after
    return spans


def snippet_html(text: str, variant: str, cq: CompiledQuery) -> str | None:
    """Escaped HTML of the best window of ``text`` with matches in <mark>; None if none match."""
    spans = _marks(text, variant, cq, SNIPPET_CHARS)
    if not spans:
        return None
    first = spans[0][0]
    start = 0 if first < 60 else max(0, text.rfind(" ", 0, first - 40) + 1)
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", max(start, spans[0][1]), end)
        end = space if space > 0 else end
    parts = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        parts.append(html.escape(text[pos:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    parts.append(html.escape(text[pos:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts).strip()


def plain_snippet(text: str) -> str:
    """The start of ``text``, escaped, for hits whose match is outside the excerpt."""
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[: cut if cut > 0 else SNIPPET_CHARS]) + "…"
