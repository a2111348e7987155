"""Query compilation: the search box's syntax, accent-less alternatives, and fast exact phrases."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from whoosh import query as wq
from whoosh.lang import stopwords_for_language
from whoosh.matching import NullMatcher, WrappingMatcher
from whoosh.qparser import (
    GroupPlugin,
    MultifieldParser,
    OperatorsPlugin,
    PhrasePlugin,
    WildcardPlugin,
)
from whoosh.query.spans import Span, SpanNear2

from eduhub.search.analysis import (
    GENERIC_ANALYZER,
    STEMMED_LANGUAGES,
    TOKEN_RE,
    VARIANTS,
    fold,
    word_forms,
)
from eduhub.search.schema import FIELD_BOOSTS, SCHEMA, SEARCH_FIELDS, VOCABULARY


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
# 54 → 21 ms. Only eduhub.search uses whoosh, so changing the class default is contained.
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
    for match in TOKEN_RE.finditer(text):
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


# --------------------------------------------------------------------------- query plans

_QUESTION_WORDS = {
    "en": ("whats", "hows", "im", "ive", "dont", "doesnt", "cant"),
    "es": (
        "cómo",
        "qué",
        "cuál",
        "cuáles",
        "dónde",
        "cuándo",
        "cuánto",
        "cuánta",
        "cuántos",
        "cuántas",
        "quién",
        "puedo",
        "hago",
    ),
    "fr": ("comment", "quel", "quelle", "quels", "quelles", "où", "quand", "pourquoi"),
    "pt": ("como", "onde", "quando", "porquê", "qual", "quais", "quanto", "quantas", "quantos"),
}

#: Words of en/es/fr/pt that carry no topic (Snowball's lists, folded) plus question words
#: the lists lack. A stop word is neither required nor counted, scored or highlighted, unless
#: the query holds nothing else.
_STOPS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    lang: frozenset(
        fold(w) for w in (*stopwords_for_language(lang), *_QUESTION_WORDS.get(lang, ()))
    )
    for lang in STEMMED_LANGUAGES
}
STOP_WORDS: frozenset[str] = frozenset().union(*_STOPS_BY_LANGUAGE.values())


def guess_language(words: Iterable[str]) -> str | None:
    """The language a query is written in, from its stop words; None when they do not say.

    "how do I undo a commit" is English, "¿cómo hago un bancal?" Spanish: a word shared by
    several languages' lists counts for each a share.
    """
    votes = dict.fromkeys(STEMMED_LANGUAGES, 0.0)
    for word in words:
        for folded in TOKEN_RE.findall(fold(word)):
            langs = [lang for lang, stops in _STOPS_BY_LANGUAGE.items() if folded in stops]
            for lang in langs:
                votes[lang] += 1 / len(langs)
    ranked = sorted(votes.items(), key=lambda item: -item[1])
    best, runner_up = ranked[0], ranked[1]
    return best[0] if best[1] >= 1 and best[1] > runner_up[1] else None


def is_stop_word(word: str) -> bool:
    """True when every word in ``word`` ("¿cómo", "l'eau" → "l", "eau": no) is a stop word."""
    parts = TOKEN_RE.findall(fold(word))
    return bool(parts) and all(part in STOP_WORDS for part in parts)


@dataclass(frozen=True)
class Plan:
    """A query as clauses: what must match, what counts toward coordination, what is out.

    ``should`` are the bare words (and prefixes) the searcher typed: a document matching
    more of them ranks above one matching fewer (coordination), and one is enough to be
    found. ``must`` are explicit constructs (quoted phrases, ``a OR b``, parentheses), which
    keep their meaning: every one is required. ``exclude`` are ``NOT x`` / ``-x``.
    ``near`` are sloppy phrases of neighbouring words, which only add to the score.
    ``words`` maps a should clause to the bare word it came from (typo correction).
    """

    should: tuple[str, ...]
    must: tuple[str, ...]
    exclude: tuple[str, ...]
    near: tuple[str, ...]
    words: Mapping[str, str]
    #: the query holds AND: it is parsed whole, every word required, as before
    strict: bool = False

    @property
    def key(self) -> str:
        return "|".join(("S", *self.should, "M", *self.must, "X", *self.exclude, "N", *self.near))

    @property
    def positive(self) -> tuple[str, ...]:
        return (*self.must, *self.should)


def _units(tokens: tuple[str, ...]) -> list[str]:
    """Top-level units: a token, or a parenthesised group as one string."""
    units: list[str] = []
    depth = 0
    group: list[str] = []
    for part in tokens:
        if part == "(":
            depth += 1
        if depth:
            group.append(part)
        else:
            units.append(part)
        if part == ")":
            depth -= 1
            if depth == 0:
                units.append(" ".join(group))
                group = []
    if group:
        units.append(" ".join(group))
    return units


def plan_query(tokens: tuple[str, ...]) -> Plan:
    """The clauses of a cleaned query (``services.clean_query`` tokens)."""
    if "AND" in tokens:
        text = " ".join(tokens)
        return Plan((), (text,), (), (), {}, strict=True)
    units = _units(tokens)
    clauses: list[tuple[str, str]] = []  # (kind, text): word, prefix, explicit, not
    i = 0
    while i < len(units):
        unit = units[i]
        if unit == "NOT" and i + 1 < len(units):
            clauses.append(("not", units[i + 1]))
            i += 2
            continue
        chain = [unit]
        while i + 2 < len(units) and units[i + 1] == "OR" and units[i + 2] not in ("NOT", "OR"):
            chain.append(units[i + 2])
            i += 2
        i += 1
        if len(chain) > 1:
            clauses.append(("explicit", "(" + " OR ".join(chain) + ")"))
        elif unit.startswith(("(", '"')):
            clauses.append(("explicit", unit))
        elif unit.endswith("*"):
            clauses.append(("prefix", unit))
        elif unit not in ("OR", "NOT"):
            clauses.append(("word", unit))
    words = [text for kind, text in clauses if kind == "word"]
    content = [w for w in words if not is_stop_word(w)]
    if not content and not any(kind in ("explicit", "prefix") for kind, _ in clauses):
        content = words  # only stop words: search for them after all
    kept = set(content)
    should = tuple(
        dict.fromkeys(
            text for kind, text in clauses if (kind == "word" and text in kept) or kind == "prefix"
        )
    )
    must = tuple(dict.fromkeys(text for kind, text in clauses if kind == "explicit"))
    exclude = tuple(dict.fromkeys(text for kind, text in clauses if kind == "not"))
    near = []
    previous: tuple[int, str] | None = None
    for position, (kind, text) in enumerate(clauses):
        if kind != "word":
            previous = None
            continue
        if text not in kept:
            continue
        if previous is not None and previous[1] != text:
            gap = position - previous[0]
            near.append(f'"{_bare(previous[1])} {_bare(text)}"~{gap + 1}')
        previous = (position, text)
    return Plan(should, must, exclude, tuple(near), {w: w for w in should if w in kept})


def _bare(word: str) -> str:
    return word.replace('"', "")


def boosted(q: Any, factor: float) -> Any:
    """``q`` with every leaf's boost multiplied by ``factor``."""

    def visit(node: Any) -> Any:
        if not list(node.children()) and hasattr(node, "boost"):
            node = node.copy()
            node.boost = node.boost * factor
        return node

    return q.accept(visit)


def best_field(q: Any, tiebreak: float) -> Any:
    """Score a word by its best field plus ``tiebreak`` times the others (DisjunctionMax).

    The parser ORs a word over every field, which sums them: a common word found in the
    title, the headings, the summary and the body outweighs a rarer word found once.
    """

    def visit(node: Any) -> Any:
        subs = getattr(node, "subqueries", None)
        if (
            type(node) is wq.Or
            and subs
            and all(isinstance(sub, wq.Term | wq.DisjunctionMax | wq.Phrase) for sub in subs)
        ):
            return wq.DisjunctionMax(list(subs), boost=node.boost, tiebreak=tiebreak)
        return node

    return q.accept(visit)
