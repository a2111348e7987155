"""Relevance on the judged query set: EduHub's MRR and top-3 above thresholds and above FTS5.

    .venv/bin/pytest tests/search/test_relevance.py -s     # prints the per-query table

The thresholds are justified in docs/search.md; do not lower them to make a change pass,
and do not edit judged_queries.yml to fit the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eduhub.search.store import IndexStore
from tests.search import relevance
from tests.search.relevance import Outcome, Summary

pytestmark = pytest.mark.corpora

#: Measured 0.971 and 1.000 (57/57); see docs/search.md for why these and not others.
MIN_MRR = 0.93
MIN_TOP3 = 0.95


@dataclass(frozen=True)
class Measured:
    ids: frozenset[str]
    retired: frozenset[str]
    judged: list[relevance.JudgedQuery]
    eduhub: list[Outcome]
    fts5: list[Outcome] | None

    @property
    def eduhub_summary(self) -> Summary:
        return relevance.summarize(self.eduhub)


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
        eduhub = relevance.evaluate(judged, relevance.eduhub_ranker(store))
    finally:
        store.close()

    fts5 = None
    if relevance.fts5_available():
        index = relevance.Fts5Index()
        try:
            index.build(documents)
            fts5 = relevance.evaluate(judged, index.ranker())
        finally:
            index.close()
    print()
    print(relevance.table(eduhub, fts5))
    return Measured(frozenset(d.id for d in documents), retired, judged, eduhub, fts5)


def test_judged_set_matches_the_corpora(measured: Measured) -> None:
    # An id that drifted (a renamed file, a changed slug rule) would silently score 0.
    assert len(measured.judged) >= 40
    expected = {e for query in measured.judged for e in query.expect}
    assert expected - measured.ids == set()
    assert measured.retired, "the PH corpus has retired lessons; none were seen"
    assert measured.retired & measured.ids == set()


def test_eduhub_relevance_meets_thresholds(measured: Measured) -> None:
    summary = measured.eduhub_summary
    misses = [(o.judged.query, o.rank, o.ranking[:3]) for o in measured.eduhub if not o.top3]
    assert summary.mrr >= MIN_MRR, (summary, misses)
    assert summary.top3 >= MIN_TOP3, (summary, misses)


def test_eduhub_beats_fts5(measured: Measured) -> None:
    if measured.fts5 is None:
        pytest.skip("this Python's sqlite3 has no FTS5: nothing to compare against")
    ours, theirs = measured.eduhub_summary, relevance.summarize(measured.fts5)
    assert ours.mrr > theirs.mrr, (ours, theirs)
    assert ours.top3 >= theirs.top3, (ours, theirs)
