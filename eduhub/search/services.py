"""Search as the web pages and the API use it: any input in, a page of highlighted results out."""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from whoosh import query as wq

from eduhub.search.query import (
    CompiledQuery,
    Plan,
    best_field,
    boosted,
    compile_query,
    guess_language,
    plan_query,
    vocabulary_form,
)
from eduhub.search.schema import FACETS
from eduhub.search.store import IndexMissing, IndexStore
from eduhub.search.view import SearchView

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
#: Fewer exact hits than this and we also try words a typo or two away.
FUZZY_BELOW = 3
MIN_FUZZY_LENGTH = 4
#: A word found in at most this many documents is checked for a much commoner spelling
#: (RARE_RATIO times as frequent) a typo away; one found nowhere always is.
RARE_WORD = 2
RARE_RATIO = 20
MAX_PER_PAGE = 50
#: The deepest hit paging can reach; scoring further than this helps no one.
MAX_DEPTH = 1000
FACET_VALUES = 50
MAX_FILTER_CHARS = 100
OPERATORS = frozenset({"AND", "OR", "NOT"})

# Control and invisible formatting characters, including bidi overrides that would let a
# query reorder the text around it when shown back.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_QUOTES = {ord(c): '"' for c in "“”„‟«»＂"}
_TOKENS = re.compile(r'"[^"]*"|[()]|[^\s"()]+')
_PREFIX = re.compile(r"\w{3,}")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _LRU(Generic[K, V]):
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_set(self, key: K, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# Keyed on the view's epoch, which changes with every reopened searcher, so nothing cached
# ever outlives the index state it was computed from.
_MATCHED: _LRU[tuple[Any, ...], _Matched] = _LRU(32)
_FACETS: _LRU[tuple[Any, ...], dict[str, list[tuple[str, int]]]] = _LRU(256)
_SIMILAR: _LRU[tuple[int, str, int, int], list[str]] = _LRU(1024)


def clear_caches() -> None:
    """Forget cached matches, facet counts and similar words (tests; memory pressure)."""
    _MATCHED.clear()
    _FACETS.clear()
    _SIMILAR.clear()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    title: str
    url: str
    #: Escaped HTML; the only tags in it are <mark> around matched words.
    snippet: str
    score: float
    course: str
    course_title: str
    org: str
    org_name: str
    city: str
    language: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 10
    pages: int = 0
    #: facet -> [(value, count)], each facet counted under every *other* active filter
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: facet -> value -> readable name (organizations and courses)
    facet_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    #: "Did you mean …?": a query built from the index's own words (plain text, not HTML)
    suggestion: str | None = None
    #: True when typed words that match nothing were corrected to words a typo away
    fuzzy_used: bool = False
    #: the query the hits are for, when typo correction changed it ("Showing results for")
    corrected: str | None = None
    #: results in this language were ranked first (the query's or the learner's language)
    preferred_language: str | None = None
    #: Something to tell the searcher (plain text): a shortened query, nothing searchable, …
    message: str | None = None
    generation: int | None = None


# --------------------------------------------------------------------------- query cleaning


@dataclass(frozen=True)
class CleanQuery:
    text: str
    #: bare words the searcher typed (not in quotes, not excluded, no wildcard)
    words: tuple[str, ...]
    tokens: tuple[str, ...]
    shortened: bool
    has_positive: bool


def clean_query(raw: object) -> CleanQuery:
    """Make any string safe for the parser without changing what a sensible query means.

    Drops control characters and unpaired quotes or parentheses, operators with nothing to
    join, ``?`` (people end questions with it) and wildcards except a trailing ``*`` after
    three or more letters; keeps at most 500 characters and 32 terms.
    """
    text = raw if isinstance(raw, str) else ""
    text = _INVISIBLE.sub(" ", text)
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).replace("?", " ")
    shortened = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    if text.count('"') % 2:
        text = text[: text.rfind('"')] + text[text.rfind('"') + 1 :]

    tokens: list[str] = []
    terms = 0
    for token in _TOKENS.findall(text):
        if token in ("(", ")") or token in OPERATORS:
            tokens.append(token)
            continue
        if token.startswith('"'):
            phrase = token.strip('"').replace("*", " ").split()
            if terms + len(phrase) > MAX_TERMS:
                phrase = phrase[: MAX_TERMS - terms]
                shortened = True
            if not phrase:
                continue
            terms += len(phrase)
            tokens.append('"' + " ".join(phrase) + '"' if len(phrase) > 1 else phrase[0])
        else:
            if token.startswith("-") and len(token) > 1 and token[1] != "-":
                tokens.append("NOT")  # "-word" leaves a word out, as in every search engine
                token = token[1:]
            token = _wildcards(token)
            if not token:
                if tokens and tokens[-1] == "NOT":
                    tokens.pop()
                continue
            if terms >= MAX_TERMS:
                shortened = True
                continue
            terms += 1
            tokens.append(token)
    tokens = _balanced(_tidy_operators(tokens))

    words: list[str] = []
    has_positive = False
    for i, token in enumerate(tokens):
        if token in OPERATORS or token in ("(", ")"):
            continue
        excluded = i > 0 and tokens[i - 1] == "NOT"
        if not excluded:
            has_positive = True
            if not token.startswith('"') and not token.endswith("*"):
                words.append(token)
    return CleanQuery(" ".join(tokens), tuple(words), tuple(tokens), shortened, has_positive)


def _wildcards(token: str) -> str:
    """Keep ``foto*`` (a prefix of three or more letters); drop any other ``*``."""
    if "*" not in token:
        return token
    core = token.replace("*", "")
    if token.endswith("*") and _PREFIX.fullmatch(token[:-1]):
        return token
    return core


def _tidy_operators(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for part in tokens:
        if part in ("AND", "OR"):
            if not out or out[-1] in OPERATORS or out[-1] == "(":
                continue
        elif part == "NOT":
            if out and out[-1] == "NOT":
                continue
        elif part == ")":
            while out and out[-1] in OPERATORS:
                out.pop()
            if out and out[-1] == "(":
                out.pop()  # "()" means nothing
                continue
        out.append(part)
    while out and (out[-1] in OPERATORS or out[-1] == "("):
        out.pop()
    return out


def _balanced(tokens: list[str]) -> list[str]:
    depth = 0
    for part in tokens:
        depth += 1 if part == "(" else -1 if part == ")" else 0
        if depth < 0:
            break
    if depth == 0:
        return tokens
    return _tidy_operators([t for t in tokens if t not in ("(", ")")])


# --------------------------------------------------------------------------- searching


def _page_number(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _filters(**given: str | None) -> dict[str, str]:
    filters = {}
    for name, value in given.items():
        value = _INVISIBLE.sub("", str(value or "")).strip().lower()[:MAX_FILTER_CHARS]
        if value:
            filters[name] = value
    return filters


def search(
    store: IndexStore,
    query: str,
    *,
    lang: str | None = None,
    subject: str | None = None,
    level: str | None = None,
    org: str | None = None,
    course: str | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 10,
    sort: str = "relevance",
    literal: bool = False,
    prefer_lang: str | None = None,
) -> SearchResults:
    """One page of hits for ``query`` with facet counts; never raises.

    Bare words are coordinated: a document holding more of them ranks higher, one is enough
    to be found; stop words are dropped. "quoted words", ``a OR b`` and parentheses are
    required clauses; ``foto*`` is a prefix; ``NOT x`` and ``-x`` exclude. Filters narrow by
    language tag, subject, level, organization slug, course (``ORG/COURSE``) and kind
    (``lesson``/``course``); each facet is counted with the other active filters applied. A
    word that matches nothing is corrected to words a typo away (``corrected`` says to what)
    unless ``literal``. Documents in the query's language (from its stop words), else in
    ``prefer_lang``, score higher. An empty query gives empty results without a message:
    the caller shows the catalog instead.
    """
    filters = _filters(
        language=lang, subject=subject, level=level, org=org, course=course, kind=kind
    )
    per_page = min(max(_page_number(per_page, 10), 1), MAX_PER_PAGE)
    page = max(_page_number(page, 1), 1)
    newest = str(sort).lower() == "newest"
    raw = query if isinstance(query, str) else ""
    shown = _INVISIBLE.sub(" ", raw).strip()[:MAX_QUERY_CHARS]
    try:
        prefer = _filters(lang=prefer_lang).get("lang")
        return _search(store, raw, filters, page, per_page, newest, literal, prefer)
    except IndexMissing:
        log.warning("search: no index under %s; run `eduhub search reindex`", store.root)
        return SearchResults(
            query=shown,
            per_page=per_page,
            filters=filters,
            message="Search is not available yet: the search index has not been built.",
        )
    except Exception:
        log.exception("search: failed for %r", raw[:200])
        return SearchResults(
            query=shown,
            per_page=per_page,
            filters=filters,
            message="Something went wrong with this search. Please try other words.",
        )


def _search(
    store: IndexStore,
    raw: str,
    filters: dict[str, str],
    page: int,
    per_page: int,
    newest: bool,
    literal: bool = False,
    prefer_lang: str | None = None,
) -> SearchResults:
    clean = clean_query(raw)
    shown = clean.text or _INVISIBLE.sub(" ", raw).strip()[:MAX_QUERY_CHARS]
    empty = SearchResults(query=shown, per_page=per_page)
    if not clean.tokens:
        if not raw.strip():
            return SearchResults(query="", per_page=per_page, filters=filters)
        return _with(empty, filters=filters, message="There are no words to search for in that.")
    if not clean.has_positive:
        return _with(
            empty, filters=filters, message="Add a word to look for, not only words to leave out."
        )
    if compile_query(clean.text) is None:
        return _with(empty, filters=filters, message="There are no words to search for in that.")

    with store.reading() as view:
        return _run(view, clean, filters, page, per_page, newest, literal, prefer_lang)


#: Extra weight of two neighbouring query words found near each other (a sloppy phrase).
NEAR_BOOST = 3.0
#: Scores are multiplied by (share of the query's words a document holds) ** COORDINATION,
COORDINATION = 2.0
#: A word's score: its best field plus this share of the others (1.0: the sum of all).
TIEBREAK = 1.0
#: Score factor for documents in the learner's language (or the query's, from its stop words).
LANGUAGE_BOOST = 2.0


@dataclass(frozen=True)
class _Matched:
    """What one plan matched: the documents, the best page, and the typo corrections."""

    matched: frozenset[int]
    best: list[tuple[int, float]]
    #: the query whose terms are highlighted (plain parser text)
    highlight: str
    #: typed word -> the index word it was corrected to (empty when none was)
    corrections: dict[str, str]


def _order(covered: float, words: int, preferred: int, score: float) -> tuple[float, ...]:
    return (score * covered**COORDINATION * (LANGUAGE_BOOST if preferred else 1.0),)


def _scored(q: Any) -> Any:
    return best_field(q, TIEBREAK) if TIEBREAK < 1.0 else q


def _compiled_docs(view: SearchView, text: str) -> frozenset[int]:
    compiled = compile_query(text)
    return view.docs(compiled.query) if compiled is not None else frozenset()


def _corrections(view: SearchView, plan: Plan, docs: dict[str, frozenset[int]]) -> dict[str, str]:
    """Typed words that match nothing, each with the index words a typo away (best first)."""
    found = {}
    for clause, word in plan.words.items():
        matches = len(docs.get(clause, ()))
        if matches > RARE_WORD:
            continue
        form = vocabulary_form(word)
        if form and len(form) >= MIN_FUZZY_LENGTH and not form.isdigit():
            similar = _similar(view, form, 4)
            if matches:
                # A rare word next to a common one a typo away ("seperated"): the typo.
                similar = [
                    w for w in similar if view.vocabulary_frequency(w) >= RARE_RATIO * matches
                ]
            if similar:
                found[clause] = " ".join(similar)
    return found


def _match(
    view: SearchView,
    plan: Plan,
    allowed: frozenset[int] | None,
    depth: int,
    newest: bool,
    literal: bool,
    prefer: frozenset[int] | None,
) -> _Matched:
    should = list(plan.should)
    docs = {clause: _compiled_docs(view, clause) for clause in should}
    similar = _corrections(view, plan, docs) if plan.words else {}
    corrections: dict[str, str] = {}
    if not literal:
        for i, clause in enumerate(should):
            if clause in similar:
                widened = "(" + " OR ".join([clause, *similar[clause].split()]) + ")"
                found = _compiled_docs(view, widened)
                if found:
                    should[i] = widened
                    docs[widened] = found
                    corrections[clause] = similar[clause].split()[0]
    should_sets = [docs[clause] for clause in should]
    required = [_compiled_docs(view, clause) for clause in plan.must]
    if should_sets:
        required.append(frozenset().union(*should_sets))
    matched = _intersect_all(required) or frozenset()
    for clause in plan.exclude:
        matched = matched - _compiled_docs(view, clause)
    candidates = matched if allowed is None else matched & allowed

    highlight = " OR ".join((*plan.must, *should))
    if newest:
        return _Matched(matched, view.newest(candidates, depth), highlight, corrections)
    parts = [
        _scored(c.query) for text in (*plan.must, *should) if (c := compile_query(text)) is not None
    ]
    parts += [
        boosted(_scored(c.query), NEAR_BOOST)
        for text in plan.near
        if (c := compile_query(text)) is not None
    ]
    if not parts:
        return _Matched(matched, [], highlight, corrections)
    scoring = parts[0] if len(parts) == 1 else wq.Or(parts)

    words = len(should_sets)

    def key(docnum: int, score: float) -> tuple[float, ...]:
        covered = sum(1 for found in should_sets if docnum in found)
        preferred = 1 if prefer is not None and docnum in prefer else 0
        return _order(covered / words if words else 1.0, words, preferred, score)

    best = view.rank(scoring, candidates, key, depth)
    return _Matched(matched, best, highlight, corrections)


def _run(
    view: SearchView,
    clean: CleanQuery,
    filters: dict[str, str],
    page: int,
    per_page: int,
    newest: bool,
    literal: bool = False,
    prefer_lang: str | None = None,
) -> SearchResults:
    plan = plan_query(clean.tokens)
    filter_sets = {name: view.filter_docs(name, value) for name, value in filters.items()}
    allowed = _intersect_all(filter_sets.values())
    filters_key = tuple(sorted(filters.items()))
    depth = min(page * per_page, MAX_DEPTH)
    # The query's own language when its words tell it, else the learner's; none when a
    # language filter already decides.
    prefer = None
    preferred_lang = (
        guess_language(t for t in clean.tokens if t not in OPERATORS and t not in ("(", ")"))
        or prefer_lang
    )
    if "language" in filters:
        preferred_lang = None
    if preferred_lang:
        prefer = view.filter_docs("language", preferred_lang)
    outcome = _MATCHED.get_or_set(
        (view.epoch, plan.key, filters_key, depth, newest, literal, preferred_lang),
        lambda: _match(view, plan, allowed, depth, newest, literal, prefer),
    )
    matched = outcome.matched
    within = matched if allowed is None else matched & allowed
    total = len(within)
    compiled = compile_query(outcome.highlight) or compile_query(clean.text)

    corrected = None
    suggestion = None
    if outcome.corrections:
        corrected = " ".join(outcome.corrections.get(t, t) for t in clean.tokens)
    elif literal:
        suggestion = _suggestion(view, clean, allowed, minimum=total)

    facets = _FACETS.get_or_set(
        (view.epoch, plan.key, literal, filters_key),
        lambda: _facet_counts(view, matched, filter_sets),
    )
    labels = {
        name: {value: view.facet_label(name, value) for value, _count in facets.get(name, [])}
        for name in ("org", "course")
    }

    reachable = min(total, MAX_DEPTH)
    pages = math.ceil(reachable / per_page) if reachable else 0
    page = min(page, max(pages, 1))
    start = (page - 1) * per_page
    hits = (
        [
            _hit(view, compiled, view.stored(docnum), score)
            for docnum, score in outcome.best[start : start + per_page]
        ]
        if compiled is not None
        else []
    )

    message = None
    if clean.shortened:
        message = f"Your search was shortened to its first {MAX_TERMS} words."
    return SearchResults(
        query=clean.text,
        hits=hits,
        total=total,
        page=page,
        per_page=per_page,
        pages=pages,
        facets=facets,
        facet_labels=labels,
        filters=filters,
        suggestion=suggestion,
        fuzzy_used=corrected is not None,
        corrected=corrected,
        preferred_language=preferred_lang if prefer else None,
        message=message,
        generation=view.generation,
    )


def _with(results: SearchResults, **changes: Any) -> SearchResults:
    return replace(results, **changes)


def _intersect_all(sets: Iterable[frozenset[int]]) -> frozenset[int] | None:
    result: frozenset[int] | None = None
    for docs in sorted(sets, key=len):
        result = docs if result is None else result & docs
        if not result:
            break
    return result


def _narrowed(docs: frozenset[int], sets: Iterable[frozenset[int]]) -> frozenset[int]:
    others = _intersect_all(sets)
    return docs if others is None else docs & others


def _facet_counts(
    view: SearchView, matched: frozenset[int], filter_sets: dict[str, frozenset[int]]
) -> dict[str, list[tuple[str, int]]]:
    everything = _narrowed(matched, filter_sets.values())
    facets = {}
    for name in FACETS:
        if name in filter_sets:
            docs = _narrowed(matched, [d for other, d in filter_sets.items() if other != name])
        else:
            docs = everything
        facets[name] = view.facet_counts(name, docs)[:FACET_VALUES]
    return facets


def _hit(view: SearchView, compiled: CompiledQuery, fields: dict[str, Any], score: float) -> Hit:
    return Hit(
        id=fields.get("id", ""),
        kind=fields.get("kind", ""),
        title=fields.get("title", ""),
        url=fields.get("url", ""),
        snippet=view.snippet(compiled, fields),
        score=round(score, 4),
        course=fields.get("course", ""),
        course_title=fields.get("course_title", ""),
        org=fields.get("org", ""),
        org_name=fields.get("org_name", ""),
        city=fields.get("city", ""),
        language=fields.get("language", ""),
    )


# --------------------------------------------------------------------------- typos


def _max_edits(word: str) -> int:
    return 1 if len(word) < 8 else 2


def _similar(view: SearchView, word: str, limit: int) -> list[str]:
    maxdist = _max_edits(word)
    return _SIMILAR.get_or_set(
        (view.epoch, word, maxdist, limit), lambda: view.similar_words(word, maxdist, limit)
    )


def _suggestion(
    view: SearchView,
    clean: CleanQuery,
    allowed: frozenset[int] | None,
    minimum: int,
) -> str | None:
    """ "Did you mean …?": unknown words replaced by the closest, most common index word."""
    wanted = set(clean.words)
    changed = False
    tokens = []
    for i, token in enumerate(clean.tokens):
        excluded = i > 0 and clean.tokens[i - 1] == "NOT"
        form = vocabulary_form(token) if token in wanted and not excluded else None
        if (
            form
            and len(form) >= MIN_FUZZY_LENGTH
            and not form.isdigit()
            and view.vocabulary_frequency(form) == 0
        ):
            similar = _similar(view, form, 4)
            if similar:
                tokens.append(similar[0])
                changed = True
                continue
        tokens.append(token)
    if not changed:
        return None
    text = " ".join(tokens)
    compiled = compile_query(text)
    if compiled is None:
        return None
    matched = view.run(compiled, None, 0).matched
    found = matched if allowed is None else matched & allowed
    return text if len(found) > minimum else None
