"""The index: language analysis, generations on disk, reopening, and readers in other processes."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eduhub.search.analysis import ANALYZERS, language_variant, word_forms
from eduhub.search.highlight import snippet_html
from eduhub.search.query import compile_query, edit_distance
from eduhub.search.schema import excerpt_of
from eduhub.search.store import IndexBusy, IndexMissing, IndexStore
from eduhub.search.view import SearchView
from tests.search.samples import corpus, doc


def ids(view: SearchView, query: str) -> set[str]:
    compiled = compile_query(query)
    assert compiled is not None, query
    ranked = view.run(compiled, None, 100)
    return {view.stored(docnum)["id"] for docnum, _score in ranked.best}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexStore]:
    store = IndexStore(tmp_path_factory.mktemp("index"))
    store.build(corpus(), generation=1)
    yield store
    store.close()


# --------------------------------------------------------------------------- analysis


def terms(lang: str, text: str, mode: str = "index") -> list[str]:
    return [t.text for t in ANALYZERS[lang](text, mode=mode)]


@pytest.mark.parametrize(
    ("tag", "variant"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("ES", "es"),
        ("es_MX", "es"),
        ("fr-CA", "fr"),
        ("pt-BR", "pt"),
        ("ja", "xx"),
        ("zh-Hans", "xx"),
        ("ar", "xx"),
        ("", "xx"),
        (None, "xx"),
    ],
)
def test_language_tags_choose_a_field_variant(tag: str | None, variant: str) -> None:
    assert language_variant(tag) == variant


def test_english_stemming_joins_word_forms(store: IndexStore) -> None:
    assert terms("en", "running runs") == ["run", "run"]
    view = store.view()
    assert "photography" in ids(view, "photograph")  # "photographs" in the body
    assert "photosynthesis" in ids(view, "leaf")  # "leaves" in the summary


def test_spanish_stemming_and_accents(store: IndexStore) -> None:
    view = store.view()
    assert "bibliotecas" in ids(view, "biblioteca")
    assert "bibliotecas" in ids(view, "publica")  # "públicas"
    assert "educacion" in ids(view, "educación")


def test_french_stemming_and_accents(store: IndexStore) -> None:
    view = store.view()
    assert "bibliotheques" in ids(view, "bibliotheque")  # "bibliothèques"
    assert "bibliotheques" in ids(view, "élève")  # "élèves"


def test_portuguese_stemming_and_accents(store: IndexStore) -> None:
    view = store.view()
    assert "programacao" in ids(view, "programas")  # "programação", "programadores"
    assert "programacao" in ids(view, "introducao")  # "Introdução"


def test_accent_folding_works_both_ways(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build(
        [
            doc("accented", "La educación básica", language="es"),
            doc("plain", "Educacion sin tildes", body="Texto escrito sin acentos", language="es"),
            doc("fr-plain", "Un eleve curieux", language="fr"),
        ],
        generation=1,
    )
    view = store.view()
    assert ids(view, "educacion") == {"accented", "plain"}  # no accent typed
    assert ids(view, "educación") == {"accented", "plain"}  # accent typed, text has none
    assert ids(view, "basica") == {"accented"}
    assert ids(view, "élève") == {"fr-plain"}


def test_word_forms_keep_the_stemmer_and_the_accentless_spelling() -> None:
    assert word_forms("es", "educación") == ("educ", "educacion")
    assert word_forms("es", "educacion") == ("educacion",)
    assert word_forms("es", "educar") == ("educ",)


def test_index_holds_both_forms_but_a_query_only_the_first() -> None:
    assert terms("es", "educación") == ["educ", "educacion"]
    assert terms("es", "educación", mode="query") == ["educ"]


def test_cjk_is_split_into_single_characters() -> None:
    assert terms("xx", "日本語を学ぶ") == ["日", "本", "語", "を", "学", "ぶ"]
    assert terms("xx", "한국어 abc中文") == ["한", "국", "어", "abc", "中", "文"]


def test_japanese_and_chinese_queries_find_their_lessons(store: IndexStore) -> None:
    view = store.view()
    assert ids(view, "機械学習") == {"japanese"}
    assert ids(view, "日本語") == {"japanese"}
    assert ids(view, "中文") == {"chinese"}
    # A run of characters is a phrase: the same characters out of order do not match.
    assert ids(view, "習学械機") == set()


def test_arabic_and_hebrew_match_with_or_without_vowel_marks(store: IndexStore) -> None:
    view = store.view()
    assert ids(view, "مرحبا") == {"arabic"}  # the title is written with harakat
    assert ids(view, "مَرْحَبًا") == {"arabic"}
    assert ids(view, "العربية") == {"arabic"}
    assert ids(view, "שלום") == {"hebrew"}  # the title is written with niqqud


def test_right_to_left_and_mixed_text_never_breaks_analysis() -> None:
    text = "\u202eabc\u202c مرحبا hello שלום 123 \u200f\u200e"
    for lang in ANALYZERS:
        out = terms(lang, text)
        assert "مرحبا" in out
        assert "שלום" in out
        assert "123" in out


def test_runaway_tokens_are_dropped() -> None:
    assert terms("xx", "a" * 500 + " short") == ["short"]


def test_excerpt_is_bounded() -> None:
    body = "word " * 1000
    excerpt = excerpt_of(body)
    assert 1300 <= len(excerpt) <= 1500
    assert excerpt_of("short\x00text") == "short text"


def test_edit_distance_counts_a_swap_once() -> None:
    assert edit_distance("pyhton", "python") == 1
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_snippet_escapes_and_marks_only_matches() -> None:
    compiled = compile_query("alert")
    assert compiled is not None
    html = snippet_html("Never <script>alert('x')</script> & more", "en", compiled)
    assert html == "Never &lt;script&gt;<mark>alert</mark>(&#x27;x&#x27;)&lt;/script&gt; &amp; more"


def test_snippet_marks_stemmed_forms_and_joins_cjk_characters() -> None:
    running = compile_query("run")
    assert running is not None
    assert snippet_html("We were running fast", "en", running) == (
        "We were <mark>running</mark> fast"
    )
    japanese = compile_query("機械学習")
    assert japanese is not None
    assert snippet_html("これは機械学習です", "xx", japanese) == "これは<mark>機械学習</mark>です"
    assert snippet_html("nothing here", "en", running) is None


def test_snippet_window_starts_near_a_late_match() -> None:
    compiled = compile_query("zebra")
    assert compiled is not None
    text = "filler words " * 100 + "a zebra appears"
    html = snippet_html(text, "en", compiled)
    assert html is not None
    assert html.startswith("…")
    assert "<mark>zebra</mark>" in html
    assert len(html) < 300


# --------------------------------------------------------------------------- generations


def test_build_writes_a_generation_and_points_current_at_it(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    assert store.current_generation() is None
    path = store.build([doc("a", "Alpha")], generation=7)
    assert path == tmp_path / "index-7"
    assert json.loads((tmp_path / "CURRENT").read_text()) == {"index": "index-7", "generation": 7}
    assert store.current_generation() == 7
    assert store.current_path() == path
    assert not list(tmp_path.glob(".CURRENT*"))  # no temporary file left behind


def test_view_without_an_index_raises_index_missing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    with pytest.raises(IndexMissing):
        store.view()
    with pytest.raises(IndexMissing):
        store.apply([doc("a", "Alpha")], [], generation=1)


def test_rebuild_swaps_atomically_and_old_searcher_keeps_working(tmp_path: Path) -> None:
    reader = IndexStore(tmp_path)
    writer = IndexStore(tmp_path)  # another process, as far as the reader can tell
    writer.build([doc("old", "Aardvark habits")], generation=1)
    old_view = reader.view()
    assert ids(old_view, "aardvark") == {"old"}

    new_path = writer.build([doc("new", "Badger habits")], generation=2)
    assert not (tmp_path / "index-1").exists()  # the old generation is gone from disk...
    assert ids(old_view, "aardvark") == {"old"}  # ...yet the open searcher still answers
    assert old_view.stored(0)["title"] == "Aardvark habits"

    new_view = reader.view()  # CURRENT moved: reopened on the new generation
    assert new_view is not old_view
    assert new_view.name == new_path.name
    assert new_view.generation == 2
    assert ids(new_view, "badger") == {"new"}
    assert ids(new_view, "aardvark") == set()


def test_rebuilding_the_same_generation_never_touches_the_live_folder(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    first = store.build([doc("a", "Alpha")], generation=3)
    view = store.view()
    second = store.build([doc("b", "Beta")], generation=3)
    assert first != second
    assert second.name.startswith("index-3-")
    assert ids(view, "alpha") == {"a"}
    assert ids(store.view(), "beta") == {"b"}


def test_build_skips_duplicate_ids(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build([doc("a", "First title"), doc("a", "Second title")], generation=1)
    assert store.view().doc_count == 1
    assert ids(store.view(), "first") == {"a"}


def test_a_failed_build_leaves_the_live_index_alone(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build([doc("a", "Alpha")], generation=1)

    def broken() -> Iterator:  # type: ignore[type-arg]
        yield doc("b", "Beta")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        store.build(broken(), generation=2)
    assert store.current_generation() == 1
    assert sorted(p.name for p in tmp_path.glob("index-*")) == ["index-1"]
    assert ids(store.view(), "alpha") == {"a"}


def test_apply_adds_updates_and_deletes_after_reopen(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build([doc("a", "Alpha lesson"), doc("b", "Beta lesson")], generation=1)
    before = store.view()
    assert before is store.view()  # nothing changed: the same searcher is reused

    assert store.apply(
        [doc("c", "Gamma lesson"), doc("a", "Alpha lesson revised with delta")], ["b"], generation=2
    )
    assert ids(before, "lesson") == {"a", "b"}  # an open searcher is a snapshot

    after = store.view()
    assert after is not before
    assert after.generation == 2
    assert store.current_generation() == 2
    assert ids(after, "lesson") == {"a", "c"}
    assert ids(after, "delta") == {"a"}
    assert ids(after, "beta") == set()
    assert after.doc_count == 2


def test_apply_of_an_older_generation_is_skipped(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build([doc("a", "Alpha")], generation=5)
    assert store.apply([doc("b", "Beta")], [], generation=4) is False
    assert store.current_generation() == 5
    assert ids(store.view(), "beta") == set()


def test_facet_counts_ignore_deleted_documents(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build(
        [doc("a", "One", subjects=("arts",)), doc("b", "Two", subjects=("arts",))], generation=1
    )
    store.apply([], ["b"], generation=2)
    view = store.view()
    everything = frozenset(range(view._searcher.doc_count_all()))
    assert view.facet_counts("subject", everything) == [("arts", 1)]


def test_a_second_writer_waits_then_gives_up(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build([doc("a", "Alpha")], generation=1)
    impatient = IndexStore(tmp_path, writer_timeout=0.2)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store._write_lock():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(5)
        with pytest.raises(IndexBusy):
            impatient.apply([doc("b", "Beta")], [], generation=2)
    finally:
        release.set()
        thread.join()
    assert impatient.apply([doc("b", "Beta")], [], generation=2)


def test_a_view_in_use_stays_open_until_released(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.build([doc("a", "Alpha")], generation=1)
    with store.reading() as held:
        IndexStore(tmp_path).apply([doc("b", "Alpha two")], [], generation=2)
        newer = store.view()  # replaces the held view while a request still uses it
        assert newer is not held
        assert ids(held, "alpha") == {"a"}
        assert ids(newer, "alpha") == {"a", "b"}
    assert held._retired
    assert held._searcher.is_closed  # closed as soon as its last user let go


def test_threads_share_one_store_while_another_commits(tmp_path: Path) -> None:
    from eduhub.search.services import search

    store = IndexStore(tmp_path)
    store.build([doc(f"l{i}", f"Lesson {i}") for i in range(30)], generation=1)
    errors: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            results = search(store, "lesson")
            if results.message or results.total < 30:
                errors.append(f"total={results.total} message={results.message}")

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        writer = IndexStore(tmp_path)
        for n in range(2, 8):
            writer.apply([doc(f"new{n}", f"New lesson {n}")], [], generation=n)
            time.sleep(0.02)
        writer.build([doc(f"l{i}", f"Lesson {i}") for i in range(40)], generation=8)
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert search(store, "lesson").total == 40


# --------------------------------------------------------------------------- other processes


def _reader(root: str, started: object, results: object, seconds: float) -> None:
    """Loop searches until both the applied and the rebuilt documents show up (or time out)."""
    from eduhub.search.services import search

    store = IndexStore(root)
    errors: list[str] = []
    seen: set[str] = set()
    queries = 0
    deadline = time.monotonic() + seconds
    started.set()  # type: ignore[attr-defined]
    while time.monotonic() < deadline and not {"zebra", "quokka"} <= seen:
        try:
            base = search(store, "lesson")
            if base.message or base.total < 20:
                errors.append(f"lesson: total={base.total} message={base.message}")
            for word in ("zebra", "quokka"):
                found = search(store, word)
                if found.message and not found.fuzzy_used:
                    errors.append(f"{word}: {found.message}")
                if any(hit.id == word for hit in found.hits):
                    seen.add(word)
            queries += 1
        except Exception as exc:
            errors.append(repr(exc))
    results.put({"errors": errors, "seen": sorted(seen), "queries": queries})  # type: ignore[attr-defined]


def test_readers_in_other_processes_keep_answering_while_writers_commit(tmp_path: Path) -> None:
    lessons = [doc(f"l{i}", f"Lesson {i}", body=f"Plain lesson number {i}.") for i in range(40)]
    writer = IndexStore(tmp_path)
    writer.build(lessons, generation=1)

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    readers = []
    for _ in range(2):
        started = context.Event()
        process = context.Process(target=_reader, args=(str(tmp_path), started, results, 60.0))
        process.start()
        readers.append((process, started))
    for _process, started in readers:
        assert started.wait(60)
    time.sleep(0.3)  # let both readers open their searchers and loop a few times

    zebra = doc("zebra", "Zebra lesson", body="Stripes of the zebra.")
    for n in range(2, 6):  # several commits while the readers are searching
        writer.apply([zebra, doc(f"extra{n}", f"Extra lesson {n}")], [f"extra{n - 1}"], n)
        time.sleep(0.05)
    quokka = doc("quokka", "Quokka lesson", body="A small marsupial.")
    writer.build([*lessons, zebra, quokka], generation=6)

    reports = [results.get(timeout=90) for _ in readers]
    for process, _started in readers:
        process.join(30)
        assert process.exitcode == 0
    for report in reports:
        assert report["errors"] == []
        assert report["queries"] > 0
        assert report["seen"] == ["quokka", "zebra"]


def test_apply_adds_new_documents_and_replaces_known_ones_once(tmp_path: Path) -> None:
    from eduhub.search.services import search

    store = IndexStore(tmp_path)
    store.build(corpus(), generation=1)
    try:
        fresh = doc("brand-new", "Beekeeping on city roofs", "Hives need shade and water.")
        # The same new id twice in one batch, then again: one document, the last version.
        twice = doc("brand-new", "Beekeeping on city roofs", "Hives need shade and honey.")
        assert store.apply([fresh, twice], [], generation=2)
        assert [h.id for h in search(store, "beekeeping").hits] == ["brand-new"]
        assert search(store, "honey").total == 1
        assert store.apply([doc("brand-new", "Beekeeping", "Bees swarm in May.")], [], 3)
        assert search(store, "beekeeping").total == 1
        assert search(store, "honey").total == 0
        assert search(store, "swarm").total == 1
    finally:
        store.close()
