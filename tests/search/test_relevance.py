"""Relevance on the learners' judged set: EduHub against SQLite FTS5, on both halves.

    .venv/bin/pytest tests/search/test_relevance.py -s     # prints both halves and the misses

The set was split once into a tuning and a test half (the split is stored in
judged_queries.yml). Ranking is tuned on the tuning half only; the target is on the test half:
EduHub at least 0.05 above FTS5 in MRR and in top-3. Do not edit the queries, their expected
lessons or their halves to fit the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eduhub.search.store import IndexStore
from tests.search import relevance
from tests.search.relevance import Outcome, Summary

pytestmark = pytest.mark.corpora

#: EduHub must lead FTS5 by this much on the test half, in MRR and in top-3.
MARGIN = 0.05


@dataclass(frozen=True)
class Measured:
    ids: frozenset[str]
    retired: frozenset[str]
    judged: relevance.JudgedSet
    eduhub: list[Outcome]
    fts5: list[Outcome] | None

    def summary(self, engine: str, half: str) -> Summary:
        outcomes = self.eduhub if engine == "eduhub" else self.fts5 or []
        return relevance.summarize([o for o in outcomes if o.judged.half == half])


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Measured:
    if not relevance.CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {relevance.CORPORA}: relevance not measured")
    trees = relevance.load_trees()
    documents = relevance.documents_of(trees.values())
    retired = frozenset(
        spec.uid for tree in trees.values() for spec in tree.lessons if spec.retired
    )
    judged = relevance.load_judged()

    store = IndexStore(tmp_path_factory.mktemp("relevance-index"))
    store.build(documents, generation=1)
    try:
        eduhub = relevance.evaluate(judged.queries, relevance.eduhub_ranker(store))
    finally:
        store.close()

    fts5 = None
    if relevance.fts5_available():
        index = relevance.Fts5Index()
        try:
            index.build(documents)
            fts5 = relevance.evaluate(judged.queries, index.ranker(any_word=True))
        finally:
            index.close()
    print()
    print(relevance.report(eduhub, fts5))
    return Measured(frozenset(d.id for d in documents), retired, judged, eduhub, fts5)


def test_judged_set_is_what_the_issue_asks_for(measured: Measured) -> None:
    queries = measured.judged.queries
    assert len(queries) >= 200
    # An id that drifted (a renamed file, a changed slug rule) would silently score 0.
    expected = {e for query in queries for e in query.expect}
    assert expected - measured.ids == set()
    assert measured.retired, "the PH corpus has retired lessons; none were seen"
    assert measured.retired & measured.ids == set()
    kinds = [q.kind for q in queries]
    assert set(kinds) == set(relevance.KINDS)
    assert kinds.count("paraphrase") >= len(queries) / 2
    assert {q.lang for q in queries} == {"en", "es", "fr", "pt"}
    # Split once, stored in the file: both halves present and about the same size.
    halves = [q.half for q in queries]
    assert set(halves) == set(relevance.HALVES)
    assert abs(halves.count("tuning") - halves.count("test")) <= 1
    assert len({q.query for q in queries}) == len(queries)


def test_some_word_matching_always_gives_results(measured: Measured) -> None:
    # Every judged query shares words with the corpus, so none may come back empty.
    empty = [o.judged.query for o in measured.eduhub if not o.ranking]
    assert empty == []


@pytest.mark.xfail(
    strict=True,
    reason=(
        "target not met: test half EduHub MRR 0.710 top-3 0.747, FTS5 0.714 / 0.780 "
        "(tuning half 0.706 / 0.785 vs 0.663 / 0.725); see docs/search.md"
    ),
)
def test_eduhub_beats_fts5_on_the_test_half(measured: Measured) -> None:
    if measured.fts5 is None:
        pytest.skip("this Python's sqlite3 has no FTS5: nothing to compare against")
    ours, theirs = measured.summary("eduhub", "test"), measured.summary("fts5", "test")
    print(f"\ntest half: EduHub {ours}  FTS5 {theirs}")
    assert ours.mrr >= theirs.mrr + MARGIN, (ours, theirs)
    assert ours.top3 >= theirs.top3 + MARGIN, (ours, theirs)
