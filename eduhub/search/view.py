"""One open searcher and its caches: matching, ranking, facets, typo candidates, snippets."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eduhub.search.analysis import fold, language_variant
from eduhub.search.highlight import plain_snippet, snippet_html
from eduhub.search.query import CompiledQuery, edit_distance
from eduhub.search.schema import VOCABULARY
from eduhub.search.scoring import Weighting

#: Every view in this process gets a distinct epoch, so caches keyed on it never mix stores.
EPOCHS = itertools.count(1)


@dataclass(frozen=True)
class Ranked:
    """What one pass over a query's matches found."""

    matched: frozenset[int]
    #: (document number, score), best first; scores are 0.0 when sorted by date
    best: list[tuple[int, float]]


def without_title(text: str, title: str) -> str:
    """``text`` without the title it starts with: the hit shows the title just above it.

    Lessons open with their title as a heading, so most excerpts (and some summaries)
    begin by repeating it.
    """
    title = title.strip()
    stripped = text.lstrip()
    if not title or fold(stripped[: len(title)]) != fold(title):
        return text
    return stripped[len(title) :].lstrip(" \t\r\n:.-–—|")


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
        searcher = self._ix.searcher(weighting=Weighting())
        return SearchView(self._ix, searcher, self.name, generation, next(EPOCHS))

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

    def docs(self, q: Any) -> frozenset[int]:
        """Every document ``q`` matches (no scoring)."""
        with self._lock:
            return frozenset(self._searcher.docs_for_query(q))

    def rank(
        self,
        q: Any,
        candidates: frozenset[int],
        key: Any,
        limit: int,
    ) -> list[tuple[int, float]]:
        """The best ``limit`` of ``candidates`` by ``key(docnum, score)``, scored by ``q``.

        ``q`` may match documents outside ``candidates`` (they are skipped unscored); a
        candidate ``q`` does not match scores 0.
        """
        if limit <= 0 or not candidates:
            return []
        scores: dict[int, float] = {}
        with self._lock:
            searcher = self._searcher
            context = searcher.context(needs_current=False, top_query=q, limit=limit)
            for sub, offset in searcher.leaf_searchers():
                m = q.matcher(sub, context)
                while m.is_active():
                    d = m.id() + offset
                    if d in candidates:
                        scores[d] = m.score()
                    m.next()
        best = heapq.nlargest(limit, candidates, key=lambda d: (key(d, scores.get(d, 0.0)), -d))
        return [(d, scores.get(d, 0.0)) for d in best]

    def newest(self, candidates: frozenset[int], limit: int) -> list[tuple[int, float]]:
        updated = self._updated()
        best = heapq.nlargest(limit, candidates, key=lambda d: (updated[d], -d))
        return [(d, 0.0) for d in best]

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
        title = fields.get("title") or ""
        excerpt = without_title(fields.get("excerpt") or "", title)
        summary = without_title(fields.get("summary") or "", title)
        for text in (excerpt, summary):
            if text:
                found = snippet_html(text, variant, cq)
                if found:
                    return found
        return plain_snippet(summary or excerpt)
