"""Search as the web uses it: query syntax, typos, facets, paging, sorting and hostile input."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from eduhub.search import services
from eduhub.search.query import plan_query
from eduhub.search.services import SearchResults, clean_query, search
from eduhub.search.store import IndexStore
from tests.search.samples import corpus, doc


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexStore]:
    store = IndexStore(tmp_path_factory.mktemp("index"))
    store.build(corpus(), generation=1)
    yield store
    store.close()


def hit_ids(results: SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


# --------------------------------------------------------------------------- query syntax


def test_documents_with_every_word_rank_before_those_with_some(store: IndexStore) -> None:
    assert set(hit_ids(search(store, "python"))) == {
        "python-maps",
        "python-intro",
        "course:riverbend/coding",
    }
    results = search(store, "python folium")
    assert hit_ids(results)[0] == "python-maps"  # the only one with both words
    assert set(hit_ids(results)) == {"python-maps", "python-intro", "course:riverbend/coding"}


def test_a_query_never_returns_nothing_while_some_of_its_words_match(store: IndexStore) -> None:
    results = search(store, "python photosynthesis")
    assert {"python-maps", "python-intro", "photosynthesis"} <= set(hit_ids(results))
    # A word the index does not know at all does not empty the results either.
    assert "python-maps" in hit_ids(search(store, "folium qwxzvbnm"))


def test_words_that_stand_together_rank_higher(store: IndexStore) -> None:
    # Both lessons hold "data" and "cleaning"; only one holds them side by side.
    assert hit_ids(search(store, "data cleaning"))[:2] == ["data-cleaning", "cleaning-data-later"]


def test_questions_work_and_stop_words_are_neither_required_nor_highlighted(
    store: IndexStore,
) -> None:
    results = search(store, "how do I draw a map with folium?")
    assert hit_ids(results)[0] == "python-maps"
    snippet = results.hits[0].snippet
    assert "<mark>folium</mark>" in snippet
    assert "<mark>with</mark>" not in snippet
    assert "<mark>the</mark>" not in snippet
    # Spanish, French and Portuguese stop words likewise.
    assert hit_ids(search(store, "¿qué son las bibliotecas?"))[0] == "bibliotecas"
    assert hit_ids(search(store, "où sont les bibliothèques ?"))[0] == "bibliotheques"


@pytest.mark.parametrize(
    ("tokens", "should"),
    [
        (("how", "do", "I", "undo", "a", "commit"), ("undo", "commit")),
        (("¿cómo", "hago", "un", "bancal"), ("bancal",)),
        (("comment", "faire", "des", "confitures"), ("faire", "confitures")),
        (("como", "fazer", "um", "bolo"), ("fazer", "bolo")),
        (("the", "who"), ("the", "who")),  # nothing else: the stop words are searched
    ],
)
def test_stop_words_of_each_language_are_not_clauses(
    tokens: tuple[str, ...], should: tuple[str, ...]
) -> None:
    assert plan_query(tokens).should == should


def test_a_leading_minus_excludes(store: IndexStore) -> None:
    assert set(hit_ids(search(store, "maps -python"))) == {"paper-maps"}
    assert clean_query("maps -python").text == "maps NOT python"


def test_explicit_phrases_and_or_groups_stay_required(store: IndexStore) -> None:
    assert hit_ids(search(store, '"data cleaning" spreadsheets')) == ["data-cleaning"]
    assert set(hit_ids(search(store, "(folium OR compass) maps"))) == {"python-maps", "paper-maps"}


def test_or_widens(store: IndexStore) -> None:
    found = set(hit_ids(search(store, "folium OR compass")))
    assert found == {"python-maps", "paper-maps"}


def test_not_excludes(store: IndexStore) -> None:
    assert set(hit_ids(search(store, "maps NOT python"))) == {"paper-maps"}


def test_quoted_words_are_a_phrase(store: IndexStore) -> None:
    assert {"data-cleaning", "cleaning-data-later"} <= set(hit_ids(search(store, "data cleaning")))
    assert hit_ids(search(store, '"data cleaning"')) == ["data-cleaning"]


def test_prefix_search(store: IndexStore) -> None:
    found = set(hit_ids(search(store, "photo*")))
    assert {"photosynthesis", "photography"} <= found
    # Longer than the stem ("bibliot" → "bibliotec"): still found through the vocabulary.
    assert "bibliotecas" in hit_ids(search(store, "bibliotec*"))


def test_title_matches_rank_first(store: IndexStore) -> None:
    results = search(store, "maps")
    assert hit_ids(results)[0] in {"python-maps", "paper-maps"}
    assert results.hits[0].score >= results.hits[-1].score


def test_results_carry_display_fields(store: IndexStore) -> None:
    hit = search(store, "folium").hits[0]
    assert hit.id == "python-maps"
    assert hit.kind == "lesson"
    assert hit.url == "/lessons/python-maps"
    assert hit.title == "Making maps with Python"
    assert (hit.course, hit.course_title) == ("riverbend/coding", "Coding with data")
    assert (hit.org, hit.org_name, hit.city) == ("riverbend", "Riverbend District", "Riverbend")
    assert hit.language == "en"
    assert "<mark>folium</mark>" in hit.snippet
    assert hit.score > 0


def test_a_query_in_any_language_finds_lessons_in_that_language(store: IndexStore) -> None:
    assert hit_ids(search(store, "bibliothèques")) == ["bibliotheques"]
    assert "japanese" in hit_ids(search(store, "機械学習"))
    assert "educacion" in hit_ids(search(store, "educacion publica"))


# --------------------------------------------------------------------------- typos


def test_a_word_that_matches_nothing_is_corrected_and_said_once(store: IndexStore) -> None:
    results = search(store, "photosinthesis")
    assert results.fuzzy_used
    assert results.corrected == "photosynthesis"
    assert "photosynthesis" in hit_ids(results)
    assert results.message is None  # the page shows the one "Showing results for" notice
    assert results.suggestion is None


def test_the_literal_query_can_still_be_searched(store: IndexStore) -> None:
    results = search(store, "photosinthesis", literal=True)
    assert not results.fuzzy_used
    assert results.corrected is None
    assert results.total == 0
    assert results.suggestion == "photosynthesis"  # offered, not applied


def test_a_swapped_pair_of_letters_counts_as_one_typo(store: IndexStore) -> None:
    results = search(store, "pyhton")
    assert results.corrected == "python"
    assert "python-intro" in hit_ids(results)


def test_known_words_are_not_corrected(store: IndexStore) -> None:
    results = search(store, "python")
    assert not results.fuzzy_used
    assert results.corrected is None
    assert results.suggestion is None
    assert results.message is None


def test_short_words_are_not_fuzzed(store: IndexStore) -> None:
    results = search(store, "zqx")
    assert results.total == 0
    assert not results.fuzzy_used


def test_nonsense_finds_nothing_without_error(store: IndexStore) -> None:
    results = search(store, "xyzzyplugh")
    assert results.total == 0
    assert results.hits == []
    assert results.suggestion is None
    assert results.message is None


def test_correction_keeps_the_words_that_were_right(store: IndexStore) -> None:
    results = search(store, "chloroplasts photosinthesis")
    assert results.corrected == "chloroplasts photosynthesis"
    assert hit_ids(results)[0] == "photosynthesis"


# --------------------------------------------------------------------------- facets and filters


def facet(results: SearchResults, name: str) -> dict[str, int]:
    return dict(results.facets[name])


def test_facets_count_the_matches(store: IndexStore) -> None:
    results = search(store, "python")
    assert facet(results, "subject") == {"programming": 3, "geography": 1}
    assert facet(results, "kind") == {"lesson": 2, "course": 1}
    assert facet(results, "org") == {"riverbend": 3}
    assert results.facet_labels["org"] == {"riverbend": "Riverbend District"}
    assert results.facet_labels["course"] == {"riverbend/coding": "Coding with data"}


def test_facets_combine_with_the_other_active_filters(store: IndexStore) -> None:
    everything = search(store, "maps OR python OR photosynthesis OR bibliotecas")
    assert facet(everything, "subject")["programming"] == 3

    geography = search(
        store, "maps OR python OR photosynthesis OR bibliotecas", subject="geography"
    )
    assert set(hit_ids(geography)) == {"python-maps", "paper-maps"}
    # The subject facet ignores its own filter, so the other subjects stay choosable...
    assert facet(geography, "subject") == facet(everything, "subject")
    # ...while every other facet counts only geography lessons.
    assert facet(geography, "level") == {"9-12": 1, "6-8": 1}
    assert facet(geography, "org") == {"riverbend": 1, "northmere": 1}

    both = search(
        store, "maps OR python OR photosynthesis OR bibliotecas", subject="geography", level="6-8"
    )
    assert hit_ids(both) == ["paper-maps"]
    assert facet(both, "level") == {"9-12": 1, "6-8": 1}  # levels among geography
    # Subjects at 6-8: the Historia course and the bibliotecas lesson are history.
    assert facet(both, "subject") == {"history": 2, "geography": 1, "science": 1}


def test_language_filter_matches_regional_tags(store: IndexStore) -> None:
    assert hit_ids(search(store, "programas", lang="pt")) == ["programacao"]  # pt-BR
    assert set(hit_ids(search(store, "bibliotecas OR educacion", lang="es"))) >= {
        "bibliotecas",  # es-MX
        "educacion",
    }
    assert search(store, "programas", lang="es").total == 0
    assert facet(search(store, "bibliotecas"), "language") == {"es-mx": 1, "es": 1}


def test_search_within_one_course_or_one_city(store: IndexStore) -> None:
    assert set(hit_ids(search(store, "python", course="riverbend/coding"))) == {
        "python-maps",
        "python-intro",
        "course:riverbend/coding",
    }
    assert hit_ids(search(store, "maps", org="northmere")) == ["paper-maps"]
    assert search(store, "maps", org="RIVERBEND").total == 2  # filters ignore case


def test_kind_filter(store: IndexStore) -> None:
    assert hit_ids(search(store, "python", kind="course")) == ["course:riverbend/coding"]
    assert "course:riverbend/coding" not in hit_ids(search(store, "python", kind="lesson"))


def test_an_unknown_filter_value_finds_nothing_but_shows_nearby_facets(store: IndexStore) -> None:
    results = search(store, "python", subject="astrology")
    assert results.total == 0
    assert facet(results, "subject") == {"programming": 3, "geography": 1}


# --------------------------------------------------------------------------- paging and sorting


def test_pagination(store: IndexStore) -> None:
    query = "maps OR python OR photosynthesis OR bibliotecas OR photography"
    first = search(store, query, per_page=2)
    assert first.total == 8
    assert (first.page, first.pages, len(first.hits)) == (1, 4, 2)
    second = search(store, query, per_page=2, page=2)
    assert second.page == 2
    assert not set(hit_ids(first)) & set(hit_ids(second))
    last = search(store, query, per_page=2, page=4)
    assert len(last.hits) == 2
    everything = [
        hid for page in range(1, 5) for hid in hit_ids(search(store, query, per_page=2, page=page))
    ]
    assert len(set(everything)) == 8


@pytest.mark.parametrize(
    ("page", "per_page", "expected_page", "expected_per_page"),
    [(99, 2, 4, 2), (0, 2, 1, 2), (-5, 2, 1, 2), ("x", 2, 1, 2), (1, 1000, 1, 50), (1, 0, 1, 1)],
)
def test_odd_page_numbers_are_clamped(
    store: IndexStore, page: object, per_page: object, expected_page: int, expected_per_page: int
) -> None:
    query = "maps OR python OR photosynthesis OR bibliotecas OR photography"
    results = search(store, query, page=page, per_page=per_page)  # type: ignore[arg-type]
    assert (results.page, results.per_page) == (expected_page, expected_per_page)
    assert results.hits


def test_sort_by_newest(store: IndexStore) -> None:
    query = "maps OR python OR photosynthesis"
    newest = search(store, query, sort="newest")
    assert hit_ids(newest) == [
        "course:riverbend/coding",
        "paper-maps",
        "python-intro",
        "python-maps",
        "photosynthesis",
    ]
    assert search(store, query, sort="newest", per_page=2, page=2).hits[0].id == "python-intro"


# --------------------------------------------------------------------------- empty and hostile


def test_an_empty_query_gives_empty_results_without_a_message(store: IndexStore) -> None:
    for query in ("", "   ", "\n\t"):
        results = search(store, query)
        assert (results.total, results.hits, results.message) == (0, [], None)


HOSTILE = [
    '"unbalanced quote',
    'python "',
    '"',
    '""',
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "NOT NOT NOT python",
    "python AND",
    "OR python",
    "python NOT",
    "(",
    ")",
    "((python",
    "python))",
    "()",
    "*",
    "**",
    "*python",
    "py*",
    "p*y*t*h*o*n",
    "?",
    "python?",
    "~",
    "python~2",
    "title:python",
    "url:/lessons",
    "[a TO z]",
    "{a TO z}",
    "python^10",
    "'single quotes'",
    "a" * 2000,
    "python " * 400,
    " ".join(f"word{i}" for i in range(200)),
    "🎉🔥💯",
    "python 🐍",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "'; DROP TABLE lessons; --",
    '" OR 1=1 --',
    "%' OR '%'='",
    "py\x00thon",
    "\x00",
    "\x00" * 50,
    "\x1b[31mred\x1b[0m",
    "\u202egnp.exe",
    "مرحبا AND",
    "שָׁלוֹם",
    "\ud7ff\ufffd\uffff",
    "../../etc/passwd",
    "\\",
    "\\\\\\",
    "python\\",
    "-python +maps",
    ":::",
    "^^^",
    "(((((((((((((((((((((((((((((((python",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_never_raises_and_never_reflects_markup(
    store: IndexStore, query: str
) -> None:
    results = search(store, query)
    assert isinstance(results, SearchResults)
    assert len(results.query) <= services.MAX_QUERY_CHARS
    assert "\x00" not in results.query
    assert "\u202e" not in results.query
    for hit in results.hits:
        assert "<script" not in hit.snippet.lower()
        assert "<" not in re.sub(r"</?mark>", "", hit.snippet)  # only <mark> is markup
    if not results.hits:
        assert results.total == 0 or results.page > 1


def test_markup_in_lessons_is_escaped_in_snippets(store: IndexStore) -> None:
    results = search(store, "alert")
    assert hit_ids(results) == ["hostile"]
    snippet = results.hits[0].snippet
    assert "&lt;script&gt;<mark>alert</mark>" in snippet
    assert "<script" not in snippet
    assert "&lt;b onclick=evil()&gt;" in snippet


def test_queries_with_nothing_searchable_get_a_message(store: IndexStore) -> None:
    for query in ("🎉🔥", "*", "AND OR NOT", "???", "\x00\x00"):
        results = search(store, query)
        assert results.total == 0
        assert results.message


def test_only_excluded_words_get_a_message(store: IndexStore) -> None:
    results = search(store, "NOT python")
    assert results.total == 0
    assert results.message
    assert "leave out" in results.message


def test_long_queries_are_shortened_and_say_so(store: IndexStore) -> None:
    results = search(store, "python " + "maps " * 100)
    assert results.message
    assert "shortened" in results.message
    assert len(results.query.split()) == services.MAX_TERMS


def test_a_missing_index_gives_a_message_not_an_error(tmp_path: Path) -> None:
    results = search(IndexStore(tmp_path / "nowhere"), "python")
    assert results.total == 0
    assert results.message
    assert "not been built" in results.message


def test_an_unexpected_failure_gives_a_message_not_an_error(
    store: IndexStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    services.clear_caches()
    monkeypatch.setattr(store.view().__class__, "docs", explode)
    results = search(store, "python")
    assert results.total == 0
    assert results.message
    assert "went wrong" in results.message


# --------------------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ('"data cleaning', "data cleaning"),
        ('"data cleaning" "maps', '"data cleaning" maps'),
        ("what is python?", "what is python"),
        ("AND python OR", "python"),
        ("python AND AND maps", "python AND maps"),
        ("python NOT NOT maps", "python NOT maps"),
        ("(python OR maps", "python OR maps"),
        ("(python OR maps) AND (x)", "( python OR maps ) AND ( x )"),
        ("foto* f* *to fo*to", "foto* f to foto"),
        ("“curly quotes”", '"curly quotes"'),
        ("py\x00thon", "py thon"),
        ("()", ""),
    ],
)
def test_clean_query(raw: str, cleaned: str) -> None:
    assert clean_query(raw).text == cleaned


def test_clean_query_caps_length_and_terms() -> None:
    assert len(clean_query("x" * 2000).text) == services.MAX_QUERY_CHARS
    many = clean_query(" ".join(f"w{i}" for i in range(100)))
    assert len(many.tokens) == services.MAX_TERMS
    assert many.shortened
    phrase = clean_query('"' + " ".join(f"w{i}" for i in range(50)) + '"')
    assert len(phrase.text.split()) == services.MAX_TERMS
    full = clean_query(" ".join(f"w{i}" for i in range(32)) + ' "one more" "and more"')
    assert full.shortened
    assert '"' not in full.text


# --------------------------------------------------------------------------- freshness


def test_results_follow_the_index_after_apply(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build([doc("a", "Volcano basics", subjects=("science",))], generation=1)
    first = search(store, "volcano")
    assert (first.total, first.generation) == (1, 1)
    assert dict(first.facets["subject"]) == {"science": 1}

    store.apply([doc("b", "Volcano myths", subjects=("history",))], [], generation=2)
    second = search(store, "volcano")  # cached counts must not survive the new generation
    assert (second.total, second.generation) == (2, 2)
    assert dict(second.facets["subject"]) == {"science": 1, "history": 1}

    store.build([doc("c", "Volcano maps", subjects=("geography",))], generation=3)
    third = search(store, "volcano")
    assert hit_ids(third) == ["c"]
    assert dict(third.facets["subject"]) == {"geography": 1}
