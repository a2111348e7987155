"""The search index on disk: schema and analysis, generations, and each process's searcher.

This is the only module that imports whoosh (pinned to 2.7.4; read ../shared/DEPENDENCIES.md
before changing how searchers are opened). Layout of an index root::

    <root>/CURRENT          {"index": "index-12", "generation": 14}, replaced atomically
    <root>/index-12/        a complete Whoosh index
    <root>/WRITE.lock       held by whichever process builds or applies changes

Readers follow CURRENT; writers take WRITE.lock, so a rebuild and an incremental update can
never interleave. Nothing here knows about Flask or the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import html
import itertools
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import CharsetFilter, Token, Tokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import stemmer_for_language
from whoosh.matching import NullMatcher, WrappingMatcher
from whoosh.qparser import (
    GroupPlugin,
    MultifieldParser,
    OperatorsPlugin,
    PhrasePlugin,
    WildcardPlugin,
)
from whoosh.query.spans import Span, SpanNear2
from whoosh.scoring import BM25F, WeightLengthScorer
from whoosh.support.charset import accent_map

from eduhub.search.documents import SearchDocument

log = logging.getLogger(__name__)

#: Languages with a Whoosh (Snowball) stemmer of their own; every other tag uses ``_xx``.
STEMMED_LANGUAGES = ("en", "es", "fr", "pt")
VARIANTS = (*STEMMED_LANGUAGES, "xx")
#: Text parts indexed once per language variant, with their query-time weight.
PART_BOOSTS = {"title": 3.0, "summary": 1.5, "objectives": 1.2, "headings": 2.0, "body": 1.0}
#: Language-neutral text fields: tags and subjects; course, organization and city names.
EXTRA_BOOSTS = {"tags": 1.5, "context": 0.5}
#: Facet fields, all lowercase; ``kind`` filters but is also counted.
FACETS = ("subject", "level", "language", "org", "course", "kind")
EXCERPT_CHARS = 1500
SNIPPET_CHARS = 240
VOCABULARY = "words"
CURRENT = "CURRENT"
LOCK_FILE = "WRITE.lock"
INDEX_PREFIX = "index-"


class IndexMissing(LookupError):
    """No index has been built under this root yet (or CURRENT points nowhere)."""


class IndexBusy(TimeoutError):
    """Another process holds the write lock for longer than we were willing to wait."""


# --------------------------------------------------------------------------- analysis

# Scripts written without spaces between words: one token per character, so a query of any
# run of characters is found as a phrase of single characters.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul jamo
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0002fa1f"  # CJK extensions
)
# Combining marks that Python's \w does not count as word characters but that belong inside
# words: Latin accents written decomposed, Hebrew points, Arabic harakat, Indic vowel signs.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489"
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"  # Hebrew marks, not maqaf or sof pasuq
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0963\u0966-\u0dff"  # Indic scripts, except the danda full stops
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
TOKEN_PATTERN = rf"[{_UNSPACED}]|(?:[^\W{_UNSPACED}]|[{_MARKS}])+"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_WORD_CHAR_RE = re.compile(rf"[^\W{_UNSPACED}]|[{_MARKS}]")
_MAX_TOKEN = 64


def _optional_marks() -> dict[int, None]:
    """Marks readers leave out at will: stripping them lets either spelling find the other."""
    ranges = [
        (0x0300, 0x036F),  # combining accents (decomposed Latin)
        (0x0591, 0x05BD),  # Hebrew points and cantillation
        (0x05BF, 0x05BF),
        (0x05C1, 0x05C2),
        (0x05C4, 0x05C5),
        (0x05C7, 0x05C7),
        (0x0610, 0x061A),
        (0x064B, 0x065F),  # Arabic harakat
        (0x0670, 0x0670),
        (0x06D6, 0x06ED),
        (0x0640, 0x0640),  # Arabic tatweel
    ]
    return {code: None for low, high in ranges for code in range(low, high + 1)}


#: Whoosh's accent map (which also lowercases) plus the optional marks above.
FOLD_MAP: dict[int, Any] = {**accent_map, **_optional_marks()}


def fold(text: str) -> str:
    """Lowercase and fold accents the way every analyzer here does."""
    text = text.lower()
    return text if text.isascii() else text.translate(FOLD_MAP)


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Any:
    return stemmer_for_language(lang)


@lru_cache(maxsize=200_000)
def word_forms(lang: str, word: str) -> tuple[str, ...]:
    """The index terms of one lowercased word in a stemmed language.

    The first form stems the word as written, then folds accents (``educación`` → ``educ``):
    Snowball needs the accents to recognise Spanish, French and Portuguese suffixes. The
    second, when different, folds first (``educacion``): it is what the same word typed
    without accents stems to, so an accent-less query still finds the accented text.
    """
    stem = _stemmer(lang)
    written = fold(stem(word))
    folded = fold(word)
    bare = stem(folded) if folded != word else written
    return (written,) if bare == written else (written, bare)


class _FoldFilter(CharsetFilter):
    """``CharsetFilter(accent_map)`` with a fast path for ASCII tokens and Arabic/Hebrew marks."""

    def __init__(self) -> None:
        super().__init__(FOLD_MAP)

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        charmap = self.charmap
        for t in tokens:
            text = t.text
            if not text.isascii():
                t.text = text.translate(charmap)
            if t.text:
                yield t


class _WordTokenizer(Tokenizer):
    """Words (and single characters of unspaced scripts), lowercased, stemmed, accent-folded.

    One pass instead of a chain of filters: at ~15 tokens per lesson line, every generator
    layer costs a noticeable share of the build. ``lang`` None means no stemming. At index
    time both forms from :func:`word_forms` go in at the same position; a query uses the
    first form only, so an accented query keeps the stemmer's full power. Prefix text
    (analysed untokenized) is folded but never stemmed: "foto" must not become "fot".
    """

    def __init__(self, lang: str | None = None) -> None:
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _WordTokenizer) and other.lang == self.lang

    def __hash__(self) -> int:
        return hash(("words", self.lang))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        if not tokenize:
            t.text = fold(value)
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        lang = self.lang
        both = mode != "query"
        for pos, match in enumerate(_TOKEN_RE.finditer(value)):
            word = match.group().lower()
            if len(word) > _MAX_TOKEN:
                continue  # base64 blobs and minified code: nobody searches for them
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            if lang is None:
                t.text = word if word.isascii() else word.translate(FOLD_MAP)
                yield t
                continue
            forms = word_forms(lang, word)
            t.text = forms[0]
            yield t
            if both and len(forms) > 1:
                t.text = forms[1]
                yield t


def _analyzer(lang: str | None) -> Any:
    # The tokenizer already folds; the CharsetFilter keeps every analyzer's last word on
    # accents in one visible place (and folds prefix text too).
    return _WordTokenizer(lang) | _FoldFilter()


ANALYZERS = {lang: _analyzer(lang) for lang in STEMMED_LANGUAGES}
ANALYZERS["xx"] = _analyzer(None)
GENERIC_ANALYZER = ANALYZERS["xx"]


def language_variant(tag: str | None) -> str:
    """``en``, ``es``, ``fr``, ``pt`` for those languages (any region), else ``xx``."""
    primary = (tag or "").split("-")[0].split("_")[0].strip().lower()
    return primary if primary in STEMMED_LANGUAGES else "xx"


# --------------------------------------------------------------------------- schema


def _text(analyzer: Any) -> TEXT:
    # "phrase": a word that analyses into several tokens (日本語, e-mail) must match in order.
    return TEXT(analyzer=analyzer, phrase=True, multitoken_query="phrase")


def _build_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(unique=True, stored=True),
        "kind": ID(stored=True),
        "url": STORED(),
        "title": STORED(),
        "summary": STORED(),
        "excerpt": STORED(),
        "org_name": STORED(),
        "city": STORED(),
        "course_title": STORED(),
        "subject": KEYWORD(stored=True, lowercase=True, commas=True),
        "level": ID(stored=True),
        "language": ID(stored=True),
        "org": ID(stored=True),
        "course": ID(stored=True),
        "updated": DATETIME(stored=True, sortable=True),
        "tags": _text(GENERIC_ANALYZER),
        "context": _text(GENERIC_ANALYZER),
        # Unstemmed, folded words of titles, summaries, headings, tags and excerpts: spelling
        # suggestions, typo candidates and prefixes longer than a stem ("educaci*").
        VOCABULARY: TEXT(analyzer=GENERIC_ANALYZER, phrase=False),
    }
    for variant in VARIANTS:
        for part in PART_BOOSTS:
            fields[f"{part}_{variant}"] = _text(ANALYZERS[variant])
    return Schema(**fields)


SCHEMA = _build_schema()
SEARCH_FIELDS = [f"{part}_{v}" for v in VARIANTS for part in PART_BOOSTS] + list(EXTRA_BOOSTS)
FIELD_BOOSTS = {f"{part}_{v}": boost for v in VARIANTS for part, boost in PART_BOOSTS.items()}
FIELD_BOOSTS.update(EXTRA_BOOSTS)


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", " ")


def excerpt_of(body: str) -> str:
    """The first ~1,500 characters of a body, cut at a space: all highlighting ever reads."""
    body = _clean(body).strip()
    if len(body) <= EXCERPT_CHARS:
        return body
    cut = body.rfind(" ", EXCERPT_CHARS - 200, EXCERPT_CHARS)
    return body[: cut if cut > 0 else EXCERPT_CHARS]


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """The Whoosh fields of one document; its text goes into its language's variant."""
    variant = language_variant(doc.language)
    objectives = "\n".join(doc.objectives)
    headings = "\n".join(doc.headings)
    tags = "\n".join((*doc.tags, *(s.replace("-", " ") for s in doc.subjects)))
    body = _clean(doc.body)
    excerpt = excerpt_of(body)
    fields: dict[str, Any] = {
        "id": doc.id,
        "kind": doc.kind.lower(),
        "url": doc.url,
        "title": doc.title,
        "summary": doc.summary,
        "excerpt": excerpt,
        "org_name": doc.org_name,
        "city": doc.city,
        "course_title": doc.course_title,
        "updated": _naive_utc(doc.updated),
        f"title_{variant}": _clean(doc.title),
        f"summary_{variant}": _clean(doc.summary),
        f"objectives_{variant}": _clean(objectives),
        f"headings_{variant}": _clean(headings),
        f"body_{variant}": body,
        "tags": _clean(tags),
        "context": _clean(" \n".join((doc.course_title, doc.org_name, doc.city))),
        # The body's first ~1,500 characters only: the whole body would double the postings
        # (and the build time) for words that titles and introductions nearly always name.
        VOCABULARY: _clean("\n".join((doc.title, doc.summary, objectives, headings, tags)))
        + "\n"
        + excerpt,
    }
    subjects = ",".join(s.strip().lower() for s in doc.subjects if s.strip())
    if subjects:
        fields["subject"] = subjects
    for name, value in (
        ("level", doc.level),
        ("language", doc.language),
        ("org", doc.org),
        ("course", doc.course),
    ):
        value = (value or "").strip().lower()
        if value:
            fields[name] = value
    return fields


# --------------------------------------------------------------------------- queries


class _ExactPhraseMatcher(SpanNear2.SpanNear2Matcher):
    """SpanNear2's matcher for the one case phrases use (adjacent, in order), with sets.

    whoosh checks every pair of spans in Python, which made two-word phrases over common
    words the slowest queries (70 ms on 10,000 lessons); a set lookup per position does
    the same test. Results and scores are unchanged: only the adjacency check differs.
    """

    def __init__(self, ms: list[Any]) -> None:
        super().__init__(ms, slop=1, ordered=True, mindist=1)

    def copy(self) -> _ExactPhraseMatcher:
        return self.__class__([m.copy() for m in self.ms])

    def _get_spans(self) -> list[Span]:
        ms = self.ms
        starts = set(ms[0].value_as("positions"))
        for offset, m in enumerate(ms[1:], start=1):
            if not starts:
                return []
            positions = set(m.value_as("positions"))
            starts = {start for start in starts if start + offset in positions}
        last = len(ms) - 1
        return [Span(start, start + last) for start in sorted(starts)]


class _Phrase(wq.Phrase):
    """An exact phrase (the only kind the search box makes), matched by the set check."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        if self.slop != 1 or self.fieldname not in searcher.schema:
            return super().matcher(searcher, context)
        field = searcher.schema[self.fieldname]
        if not field.format or not field.format.supports("positions"):
            return super().matcher(searcher, context)  # raises whoosh's own error
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            btext = field.to_bytes(word)
            if (self.fieldname, btext) not in reader:
                return NullMatcher()
            matchers.append(wq.Term(self.fieldname, btext).matcher(searcher, context))
        m = _ExactPhraseMatcher(matchers)
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def _parser() -> Any:
    # Only the syntax a search box needs: no field:value, ranges, boosts or 'quoted' terms,
    # which a learner types by accident far more often than on purpose.
    return MultifieldParser(
        SEARCH_FIELDS,
        SCHEMA,
        fieldboosts=FIELD_BOOSTS,
        phraseclass=_Phrase,
        plugins=[
            WildcardPlugin(),
            PhrasePlugin(),
            GroupPlugin(),
            OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None),
        ],
    )


_PARSER = _parser()
_PARSER_LOCK = threading.Lock()

# Above 5,000 documents whoosh switches unions of terms to a binary tree of matchers, which
# pays off only with block-max skipping. We visit every match anyway (totals and facets come
# from the same pass), and there the array union is 2-3x faster: on 10,000 lessons, p50
# 54 → 21 ms. Only this module uses whoosh, so changing the class default is contained.
wq.Or.matcher_type = wq.Or.ARRAY_MATCHER


@dataclass(frozen=True, eq=False)
class CompiledQuery:
    """A parsed query plus what highlighting needs to know about it."""

    text: str
    query: Any
    #: analysed terms per language variant ("*" for the language-neutral fields)
    terms: Mapping[str, frozenset[str]]
    prefixes: tuple[str, ...]
    #: the first three letters of every term and prefix, for skipping text cheaply
    probes: tuple[str, ...]


def _with_vocabulary_prefixes(q: Any) -> Any:
    """Let ``educaci*`` match ``educación``: stems are shorter than the prefix typed."""

    def visit(node: Any) -> Any:
        subs = getattr(node, "subqueries", None)
        if isinstance(node, wq.Or) and subs and all(isinstance(s, wq.Prefix) for s in subs):
            return wq.Or([*subs, wq.Prefix(VOCABULARY, subs[0].text, boost=0.5)])
        return node

    return q.accept(visit)


def _with_bare_forms(q: Any, text: str) -> Any:
    """Let "educación" also find text written "educacion".

    A query word uses the stem of the word as written (see :func:`word_forms`); when the
    accent-less spelling stems differently, that form is accepted too, scored as the better
    of the two so accented documents (which hold both) are not counted twice.
    """
    extra: dict[tuple[str, str], str] = {}
    for match in _TOKEN_RE.finditer(text):
        word = match.group().lower()
        if word.isascii():
            continue
        for lang in STEMMED_LANGUAGES:
            forms = word_forms(lang, word)
            if len(forms) > 1:
                extra[(lang, forms[0])] = forms[1]
    if not extra:
        return q

    def visit(node: Any) -> Any:
        if isinstance(node, wq.Term) and type(node) is wq.Term:
            bare = extra.get((_variant_of_field(node.fieldname), node.text))
            if bare is not None:
                alternative = wq.Term(node.fieldname, bare, boost=node.boost)
                return wq.DisjunctionMax([node, alternative])
        return node

    return q.accept(visit)


def _highlight_terms(q: Any) -> tuple[dict[str, frozenset[str]], tuple[str, ...]]:
    terms: dict[str, set[str]] = {}
    prefixes: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, wq.Not):
            return  # excluded words are never highlighted
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Prefix):
            prefixes.add(node.text)
            return
        fieldname = getattr(node, "fieldname", None)
        if isinstance(node, wq.Term) and fieldname:
            terms.setdefault(_variant_of_field(fieldname), set()).add(str(node.text))
            return
        if isinstance(node, wq.Phrase) and fieldname:
            terms.setdefault(_variant_of_field(fieldname), set()).update(map(str, node.words))
            return
        for child in node.children():
            walk(child)

    walk(q)
    return {k: frozenset(v) for k, v in terms.items()}, tuple(sorted(prefixes))


def _variant_of_field(fieldname: str) -> str:
    suffix = fieldname.rsplit("_", 1)[-1]
    return suffix if "_" in fieldname and suffix in VARIANTS else "*"


@lru_cache(maxsize=1024)
def compile_query(text: str) -> CompiledQuery | None:
    """Parse a cleaned query string; None when nothing searchable is left in it."""
    with _PARSER_LOCK:
        q = _PARSER.parse(text)
    if q is wq.NullQuery or isinstance(q, wq.NullQuery.__class__):
        return None
    q = _with_bare_forms(_with_vocabulary_prefixes(q), text)
    terms, prefixes = _highlight_terms(q)
    probes = {t[:3] for group in terms.values() for t in group} | {p[:3] for p in prefixes}
    return CompiledQuery(
        text=text, query=q, terms=terms, prefixes=prefixes, probes=tuple(sorted(probes))
    )


def vocabulary_form(word: str) -> str | None:
    """A word as the vocabulary field holds it (lowercased, folded), or None if it is not one."""
    tokens = [t.text for t in GENERIC_ANALYZER(word, mode="query")]
    return tokens[0] if len(tokens) == 1 else None


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


# --------------------------------------------------------------------------- snippets


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
    while first > 0 and _WORD_CHAR_RE.match(text, first - 1):
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
    for m in _TOKEN_RE.finditer(text, begin):
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


# --------------------------------------------------------------------------- scoring


class _FieldLengths:
    """Each segment's per-document field lengths, read once per searcher into plain lists.

    BM25F looks a length up for every posting it scores; whoosh does that through a column
    reader (~3 µs a time), which was over half of the scoring cost. Relies on how the W3
    codec (whoosh 2.7.4) stores lengths; if that ever differs, scoring falls back to whoosh.
    """

    def __init__(self) -> None:
        self._lists: dict[tuple[int, str], list[int] | None] = {}
        self._lock = threading.Lock()

    def get(self, searcher: Any, fieldname: str) -> list[int] | None:
        reader = searcher.reader()
        key = (id(reader), fieldname)
        if key not in self._lists:
            with self._lock:
                if key not in self._lists:
                    self._lists[key] = _read_lengths(reader, fieldname)
        return self._lists[key]


def _read_lengths(reader: Any, fieldname: str) -> list[int] | None:
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import _length_byte_cache as table

        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        doccount = reader.doc_count_all()
        if column is None:
            return [0] * doccount
        if column._fixedlen != 1:
            return None
        raw = column._dbfile.get(column._basepos, column._count)
        lengths = [table[b] for b in raw]
        lengths.extend([0] * (doccount - len(lengths)))
        return lengths
    except Exception:  # an unexpected layout: let whoosh look lengths up itself
        log.debug("search: reading %s lengths failed; using whoosh's lookups", fieldname)
        return None


class _LengthListScorer(WeightLengthScorer):
    """whoosh's BM25FScorer with lengths from a list and the formula's constants folded."""

    def __init__(
        self, searcher: Any, fieldname: str, text: Any, b: float, k1: float, lengths: list[int]
    ) -> None:
        parent = searcher.get_parent()
        self.idf = parent.idf(fieldname, text)
        avgfl = parent.avg_field_length(fieldname) or 1
        self._num = self.idf * (k1 + 1)
        self._a = k1 * (1 - b)
        self._b = k1 * b / avgfl
        self.dfl = lengths.__getitem__
        info = searcher.term_info(fieldname, text)
        self._maxquality = self._score(info.max_weight(), info.min_length())

    def _score(self, weight: float, length: int) -> float:
        return self._num * weight / (weight + self._a + self._b * length)

    def score(self, matcher: Any) -> float:
        tf = matcher.weight()
        return self._num * tf / (tf + self._a + self._b * self.dfl(matcher.id()))


class _Weighting(BM25F):
    """BM25F (B=0.75, K1=1.2, whoosh's defaults) with cached field lengths."""

    def __init__(self) -> None:
        super().__init__()
        self._lengths = _FieldLengths()

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        if searcher.schema[fieldname].scorable:
            lengths = self._lengths.get(searcher, fieldname)
            if lengths is not None:
                return _LengthListScorer(searcher, fieldname, text, self.B, self.K1, lengths)
        return super().scorer(searcher, fieldname, text, qf=qf)


# --------------------------------------------------------------------------- reading

#: Every view in this process gets a distinct epoch, so caches keyed on it never mix stores.
_EPOCHS = itertools.count(1)


@dataclass(frozen=True)
class Ranked:
    """What one pass over a query's matches found."""

    matched: frozenset[int]
    #: (document number, score), best first; scores are 0.0 when sorted by date
    best: list[tuple[int, float]]


class SearchView:
    """One open searcher on one index, with caches that live exactly as long as it does.

    ``epoch`` changes whenever the searcher is reopened, so callers can key their own caches
    on it. Facet values and their document sets are read from the index once per view.
    Calls into whoosh are serialised per view: its readers seek and read shared file
    objects, and searching is CPU-bound Python that the GIL serialises anyway.
    """

    def __init__(self, ix: Any, searcher: Any, name: str, generation: int, epoch: int) -> None:
        self._ix = ix
        self._searcher = searcher
        self.name = name
        self.generation = generation
        self.epoch = epoch
        self._lock = threading.RLock()
        self._users = 0
        self._retired = False
        self._facets: dict[str, dict[str, frozenset[int]]] = {}
        self._labels: dict[tuple[str, str], str] = {}
        self._updated_values: list[int] | None = None

    # lifecycle ---------------------------------------------------------------

    def up_to_date(self) -> bool:
        with self._lock:
            return bool(self._searcher.up_to_date())

    def reopened(self, generation: int) -> SearchView:
        """A fresh searcher on the same index (after a commit), as a new view."""
        searcher = self._ix.searcher(weighting=_Weighting())
        return SearchView(self._ix, searcher, self.name, generation, next(_EPOCHS))

    def _hold(self) -> None:
        with self._lock:
            self._users += 1

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._retired and self._users == 0:
                self.close()

    def retire(self) -> None:
        """Close once no request is using this view any more (now, if none is)."""
        with self._lock:
            self._retired = True
            if self._users == 0:
                self.close()

    def close(self) -> None:
        with self._lock, contextlib.suppress(Exception):
            self._searcher.close()

    # matching ----------------------------------------------------------------

    @property
    def doc_count(self) -> int:
        with self._lock:
            return int(self._searcher.doc_count())

    def run(
        self,
        cq: CompiledQuery,
        allowed: frozenset[int] | None,
        limit: int,
        *,
        newest: bool = False,
    ) -> Ranked:
        """Every match of ``cq``, and the best ``limit`` of those in ``allowed`` (None: all).

        One pass over the matchers yields both: the full match set feeds totals and facet
        counts, the heap the page. ``newest`` ranks by the ``updated`` column instead of
        scoring at all.
        """
        with self._lock:
            return self._run(cq.query, allowed, limit, newest)

    def _run(self, q: Any, allowed: frozenset[int] | None, limit: int, newest: bool) -> Ranked:
        searcher = self._searcher
        if limit <= 0 or (allowed is not None and not allowed):
            return Ranked(frozenset(searcher.docs_for_query(q)), [])
        if newest:
            matched = frozenset(searcher.docs_for_query(q))
            candidates = matched if allowed is None else matched & allowed
            updated = self._updated()
            best = heapq.nlargest(limit, candidates, key=lambda d: (updated[d], -d))
            return Ranked(matched, [(d, 0.0) for d in best])

        docs: list[int] = []
        add = docs.append
        heap: list[tuple[float, int]] = []
        context = searcher.context(needs_current=False, top_query=q, limit=limit)
        for sub, offset in searcher.leaf_searchers():
            m = q.matcher(sub, context)
            while m.is_active():
                d = m.id() + offset
                add(d)
                if allowed is None or d in allowed:
                    score = m.score()
                    if len(heap) < limit:
                        heapq.heappush(heap, (score, -d))
                    elif score > heap[0][0]:
                        heapq.heapreplace(heap, (score, -d))
                m.next()
        heap.sort(reverse=True)
        return Ranked(frozenset(docs), [(-d, score) for score, d in heap])

    def _updated(self) -> list[int]:
        values = self._updated_values
        if values is None:
            reader = self._searcher.reader()
            column = (
                reader.column_reader("updated", translate=False)
                if reader.has_column("updated")
                else None
            )
            values = [0] * reader.doc_count_all()
            if column is not None:
                for docnum, value in enumerate(column):
                    values[docnum] = value if isinstance(value, int) else 0
            self._updated_values = values
        return values

    def stored(self, docnum: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._searcher.stored_fields(docnum))

    # facets ------------------------------------------------------------------

    def _facet_map(self, name: str) -> dict[str, frozenset[int]]:
        values = self._facets.get(name)
        if values is None:
            with self._lock:
                values = self._facets.get(name)
                if values is None:
                    reader = self._searcher.reader()
                    values = {}
                    for term in reader.field_terms(name):
                        docs = frozenset(reader.postings(name, term).all_ids())
                        if docs:
                            values[str(term)] = docs
                    self._facets[name] = values
        return values

    def filter_docs(self, name: str, value: str) -> frozenset[int]:
        """Documents whose facet ``name`` is ``value``; languages also match their regions."""
        values = self._facet_map(name)
        value = value.strip().lower()
        if name != "language":
            return values.get(value, frozenset())
        found = [
            docs for tag, docs in values.items() if tag == value or tag.startswith(value + "-")
        ]
        return frozenset().union(*found) if found else frozenset()

    def facet_counts(self, name: str, docs: frozenset[int]) -> list[tuple[str, int]]:
        """(value, count) for every value of ``name`` among ``docs``, most frequent first."""
        counts = []
        for value, value_docs in self._facet_map(name).items():
            n = len(value_docs & docs) if len(value_docs) > len(docs) else len(docs & value_docs)
            if n:
                counts.append((value, n))
        counts.sort(key=lambda item: (-item[1], item[0]))
        return counts

    def facet_label(self, name: str, value: str) -> str:
        """A readable name for an organization or course facet value (else the value)."""
        key = (name, value)
        label = self._labels.get(key)
        if label is None:
            stored = {"org": "org_name", "course": "course_title"}.get(name)
            label = value
            docs = self._facet_map(name).get(value)
            if stored and docs:
                fields = self.stored(min(docs))
                label = fields.get(stored) or value
                if name == "org" and fields.get("city") and fields["city"] not in label:
                    label = f"{label} ({fields['city']})"
            self._labels[key] = label
        return label

    # vocabulary --------------------------------------------------------------

    def vocabulary_frequency(self, word: str) -> int:
        with self._lock:
            return int(self._searcher.reader().doc_frequency(VOCABULARY, word))

    def similar_words(self, word: str, maxdist: int, limit: int = 5) -> list[str]:
        """Index words within ``maxdist`` edits of ``word`` (same first letter), best first."""
        with self._lock:
            reader = self._searcher.reader()
            found: set[str] = set()
            # Whoosh's automaton counts a swap ("pyhton") as two edits: ask for two, then
            # keep what is within maxdist once a swap counts as one.
            for leaf, _offset in reader.leaf_readers():
                found.update(leaf.terms_within(VOCABULARY, word, max(maxdist, 2), prefix=1))
            found.discard(word)
            ranked = sorted(
                (distance, -reader.doc_frequency(VOCABULARY, w), w)
                for w in found
                if (distance := edit_distance(word, w)) <= maxdist
            )
        return [w for _distance, _frequency, w in ranked[:limit]]

    # display -----------------------------------------------------------------

    def snippet(self, cq: CompiledQuery, fields: Mapping[str, Any]) -> str:
        """Escaped HTML around the first matches in the stored excerpt (or the summary)."""
        variant = language_variant(fields.get("language"))
        excerpt = fields.get("excerpt") or ""
        summary = fields.get("summary") or ""
        for text in (excerpt, summary):
            if text:
                found = snippet_html(text, variant, cq)
                if found:
                    return found
        return plain_snippet(summary or excerpt)


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class Pointer:
    index: str
    generation: int


class IndexStore:
    """A directory of index generations and the searcher this process reads them with.

    Web processes only read (:meth:`reading`, :meth:`view`); the CLI and import hooks call
    :meth:`build` and :meth:`apply`. Safe to share between threads; each process keeps one
    searcher open and reopens it only when a commit or a new CURRENT makes it stale.
    """

    def __init__(self, root: str | Path, *, writer_timeout: float = 60.0) -> None:
        self.root = Path(root)
        self.writer_timeout = writer_timeout
        self._lock = threading.Lock()
        self._view: SearchView | None = None
        self._current_stamp: tuple[int, int, int] | None = None

    # CURRENT -----------------------------------------------------------------

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.root / CURRENT)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def pointer(self) -> Pointer | None:
        """What CURRENT says, or None when there is no usable index."""
        try:
            data = json.loads((self.root / CURRENT).read_text(encoding="utf-8"))
            name, generation = str(data["index"]), int(data["generation"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        if not name.startswith(INDEX_PREFIX) or "/" in name or not (self.root / name).is_dir():
            return None
        return Pointer(name, generation)

    def current_generation(self) -> int | None:
        """The content generation the live index reflects; None when there is none."""
        pointer = self.pointer()
        return pointer.generation if pointer else None

    def current_path(self) -> Path | None:
        pointer = self.pointer()
        return self.root / pointer.index if pointer else None

    def _write_pointer(self, name: str, generation: int) -> None:
        data = json.dumps({"index": name, "generation": generation}) + "\n"
        tmp = self.root / f".{CURRENT}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / CURRENT)
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    # writing -----------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.writer_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"{self.root}: another process is writing the search index"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _new_index_dir(self, generation: int) -> Path:
        path = self.root / f"{INDEX_PREFIX}{generation}"
        n = 1
        while path.exists():  # a rebuild of the same generation must not touch the live one
            n += 1
            path = self.root / f"{INDEX_PREFIX}{generation}-{n}"
        path.mkdir()
        return path

    def build(self, documents: Iterable[SearchDocument], generation: int) -> Path:
        """Write a complete index of ``documents`` beside the live one, then switch to it.

        Readers keep using the old index until they next look at CURRENT; old index
        folders are then removed (open searchers keep working on POSIX file systems).
        """
        with self._write_lock():
            path = self._new_index_dir(generation)
            try:
                ix = whoosh_index.create_in(str(path), SCHEMA)
                # 512 MB keeps 2,000 typical lessons in memory: spilling sorted runs to disk
                # nearly doubled the build time at 256 MB.
                writer = ix.writer(limitmb=512)
                seen: set[str] = set()
                try:
                    for doc in documents:
                        if doc.id in seen:
                            log.warning("search: duplicate document id %s skipped", doc.id)
                            continue
                        seen.add(doc.id)
                        writer.add_document(**document_fields(doc))
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
                ix.close()
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            self._write_pointer(path.name, generation)
            self._remove_stale(keep=path.name)
            log.info("search: built %s (%d documents, generation %d)", path, len(seen), generation)
            return path

    def apply(
        self,
        added_or_changed: Iterable[SearchDocument],
        removed_ids: Iterable[str],
        generation: int,
    ) -> bool:
        """Update the live index in place: replace changed documents, delete removed ids.

        Returns False (and changes nothing) when the index already reflects a later
        generation, e.g. because a full rebuild ran after this change was committed.
        """
        with self._write_lock():
            pointer = self.pointer()
            if pointer is None:
                raise IndexMissing(f"{self.root}: no search index to update; build one first")
            if generation < pointer.generation:
                return False
            ix = whoosh_index.open_dir(str(self.root / pointer.index), schema=SCHEMA)
            try:
                writer = ix.writer(timeout=self.writer_timeout)
                try:
                    for doc_id in removed_ids:
                        writer.delete_by_term("id", doc_id)
                    for doc in added_or_changed:
                        writer.update_document(**document_fields(doc))
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
            finally:
                ix.close()
            self._write_pointer(pointer.index, generation)
            return True

    def _remove_stale(self, keep: str) -> None:
        for path in self.root.glob(f"{INDEX_PREFIX}*"):
            if path.name != keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        for tmp in self.root.glob(f".{CURRENT}.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    # reading -----------------------------------------------------------------

    def view(self) -> SearchView:
        """This process's searcher, reopened first if CURRENT moved or a commit landed.

        Never ``searcher.refresh()``: whoosh's refresh has returned deleted documents. A view
        replaced by a newer one is closed at once; use :meth:`reading` when other threads
        may be replacing it while you search.
        """
        with self._lock:
            return self._current()

    @contextlib.contextmanager
    def reading(self) -> Iterator[SearchView]:
        """The current view, kept open until the block ends even if a newer one replaces it."""
        with self._lock:
            view = self._current()
            view._hold()
        try:
            yield view
        finally:
            view._release()

    def _current(self) -> SearchView:
        view = self._view
        stamp = self._stamp()
        if view is not None and stamp == self._current_stamp and view.up_to_date():
            return view
        for attempt in range(5):
            pointer = self.pointer()
            if pointer is None:
                raise IndexMissing(f"{self.root}: the search index has not been built")
            if view is not None and view.name == pointer.index and view.up_to_date():
                view.generation = pointer.generation  # CURRENT only recorded a new number
                self._current_stamp = stamp
                return view
            try:
                if view is not None and view.name == pointer.index:
                    fresh = view.reopened(pointer.generation)  # same index, new commit
                else:
                    fresh = self._open(pointer)
            except (OSError, whoosh_index.EmptyIndexError):
                # A rebuild swapped CURRENT and removed the folder as we opened it.
                time.sleep(0.01 * (attempt + 1))
                stamp = self._stamp()
                continue
            if view is not None:
                view.retire()
            self._view = fresh
            self._current_stamp = stamp
            return fresh
        raise IndexMissing(f"{self.root}: could not open the search index")

    def _open(self, pointer: Pointer) -> SearchView:
        ix = whoosh_index.open_dir(str(self.root / pointer.index), schema=SCHEMA)
        try:
            searcher = ix.searcher(weighting=_Weighting())
        except BaseException:
            ix.close()
            raise
        return SearchView(ix, searcher, pointer.index, pointer.generation, next(_EPOCHS))

    def close(self) -> None:
        """Close this process's searcher (the next :meth:`view` opens a fresh one)."""
        with self._lock:
            if self._view is not None:
                self._view.retire()
                self._view = None
                self._current_stamp = None
