"""Search speed on 10,000+ lessons: EduHub (Whoosh, through services.search) against SQLite FTS5.

    .venv/bin/python bench/search.py                      # 10,000 lessons, 5 rounds of the mix
    .venv/bin/python bench/search.py --lessons 2000 --runs 3 --no-profile

The corpus is every live lesson of content/ and the shared corpora, plus lessons generated
from them: each takes a real lesson as its template, keeps a shuffled 50-100 % of its blocks,
swaps some blocks and sentences with other lessons of the same language, and is published by
one of 24 made-up cities under that language, with the template's subjects and level. No
word is invented, so term statistics stay those of real lessons.

EduHub is timed through ``services.search`` (what the web pages and the API call): one page
of 10 hits with highlighted snippets, the total and every facet count. "Cold" rounds clear
the service caches and the parsed-query cache first; "warm" rounds repeat the mix with
caches kept. FTS5 answers the same queries (translated word for word, as in the relevance
test) with bm25, snippet() and count(*); its cold rounds reopen the database. The target
is EduHub p95 ≤ 3x FTS5 p95. Figures only: nothing here asserts it. Run on an idle machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eduhub.packs.model import slugify  # noqa: E402
from eduhub.search import query as search_query  # noqa: E402
from eduhub.search import services  # noqa: E402
from eduhub.search.documents import SearchDocument, course_document_id, course_url  # noqa: E402
from eduhub.search.store import IndexStore  # noqa: E402
from tests.search import relevance  # noqa: E402

#: (category, query, filters): the fixed mix, ten of each kind.
QUERIES: list[tuple[str, str, dict[str, str]]] = [
    ("term", "python", {}),
    ("term", "regression", {}),
    ("term", "datos", {}),
    ("term", "histoire", {}),
    ("term", "git", {}),
    ("term", "matrix", {}),
    ("term", "archives", {}),
    ("term", "mapas", {}),
    ("term", "gradient", {}),
    ("term", "corpus", {}),
    ("phrase", '"version control"', {}),
    ("phrase", '"linear regression"', {}),
    ("phrase", '"merge conflict"', {}),
    ("phrase", '"línea de comandos"', {}),
    ("phrase", '"data frame"', {}),
    ("phrase", '"machine learning"', {}),
    ("phrase", '"the command line"', {}),
    ("phrase", '"análise de dados"', {}),
    ("phrase", '"peak sun hours"', {}),
    ("phrase", '"de la"', {}),
    ("prefix", "regress*", {}),
    ("prefix", "eigen*", {}),
    ("prefix", "compost*", {}),
    ("prefix", "geo*", {}),
    ("prefix", "transcri*", {}),
    ("prefix", "visuali*", {}),
    ("prefix", "educaci*", {}),
    ("prefix", "stylom*", {}),
    ("prefix", "network*", {}),
    ("prefix", "donn*", {}),
    ("filtered", "datos", {"lang": "es"}),
    ("filtered", "loops", {"org": "carpentries"}),
    ("filtered", "branch", {"course": "carpentries/git-novice"}),
    ("filtered", "matrix", {"subject": "mathematics"}),
    ("filtered", "données", {"lang": "fr"}),
    ("filtered", "solar", {"level": "9-12"}),
    ("filtered", "python", {"lang": "en", "subject": "data"}),
    ("filtered", "mapas", {"lang": "es", "subject": "history"}),
    ("filtered", "function", {"org": "d2l"}),
    ("filtered", "dados abertos", {"lang": "pt"}),
    ("fuzzy", "gradiant descent", {}),
    ("fuzzy", "compst", {}),
    ("fuzzy", "regresion linaer", {}),
    ("fuzzy", "pyhton loops", {}),
    ("fuzzy", "stilometry", {}),
    ("fuzzy", "georefrence maps", {}),
    ("fuzzy", "histogarm", {}),
    ("fuzzy", "netwrok analysis", {}),
    ("fuzzy", "eigenvalus", {}),
    ("fuzzy", "transcripton", {}),
    ("no-hit", "xylophonist quasar", {}),
    ("no-hit", "zqxjvw", {}),
    ("no-hit", "flibbertigibbet", {}),
    ("no-hit", '"banana rocket telescope"', {}),
    ("no-hit", "qwertyuiop asdfghjkl", {}),
    ("no-hit", "wget", {"lang": "fr", "org": "d2l"}),
    ("no-hit", "kumquat origami", {}),
    ("no-hit", "ornithopter", {}),
    ("no-hit", "zebrafish sonata", {}),
    ("no-hit", "pterodactyl", {}),
]

#: Made-up cities that publish the generated lessons, by the language they publish in.
CITIES = {
    "en": [
        "Ashford",
        "Brookvale",
        "Carrow Bay",
        "Dunmore",
        "Eastwick",
        "Fairhaven",
        "Glenrock",
        "Harbourton",
        "Kingsmere",
        "Larkfield",
        "Millbridge",
        "Oakhurst",
    ],
    "es": ["Valdoria", "San Lucero", "Puerto Alba", "Villaclara", "Río Manso", "Sierra Tenue"],
    "fr": ["Belleroche", "Montvallon", "Saint-Aubier"],
    "pt": ["Vila Serena", "Porto Claro", "São Leandro"],
}
ORG_KINDS = {
    "en": "{city} Public Library",
    "es": "Bibliotecas de {city}",
    "fr": "Médiathèques de {city}",
    "pt": "Bibliotecas de {city}",
}
BASE_DATE = datetime(2023, 1, 1, tzinfo=UTC)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


# --------------------------------------------------------------------------- the corpus


def generate(real: list[SearchDocument], lessons: int, seed: int) -> list[SearchDocument]:
    """``lessons`` lessons: the real ones, then variations of them; plus their courses."""
    rng = random.Random(seed)
    real_lessons = [d for d in real if d.kind == "lesson"]
    by_language: dict[str, list[SearchDocument]] = defaultdict(list)
    for doc in real_lessons:
        by_language[doc.language.split("-")[0]].append(doc)
    weights = {lang: len(docs) for lang, docs in by_language.items()}
    blocks = {
        doc.id: [line for line in doc.body.splitlines() if line.strip()] for doc in real_lessons
    }

    out = list(real)
    courses: dict[str, list[SearchDocument]] = defaultdict(list)
    for n in range(max(0, lessons - len(real_lessons))):
        lang = rng.choices(list(weights), weights=list(weights.values()))[0]
        pool = by_language[lang]
        template = rng.choice(pool)
        doc = _variation(rng, n, template, pool, blocks, lang)
        out.append(doc)
        courses[doc.course].append(doc)
    for members in courses.values():
        out.append(_course(members))
    return out


def _chunks(lines: list[str], size: int) -> list[list[str]]:
    return [lines[i : i + size] for i in range(0, len(lines), size)] or [[]]


def _variation(
    rng: random.Random,
    n: int,
    template: SearchDocument,
    pool: list[SearchDocument],
    blocks: dict[str, list[str]],
    lang: str,
) -> SearchDocument:
    chunks = _chunks(blocks[template.id], rng.randint(4, 10))
    rng.shuffle(chunks)
    chunks = chunks[: max(1, round(len(chunks) * rng.uniform(0.5, 1.0)))]
    donors = [rng.choice(pool) for _ in range(3)]
    for i in range(len(chunks)):
        if rng.random() < 0.25:  # a block of another lesson of the same language
            donor = blocks[rng.choice(donors).id]
            if donor:
                start = rng.randrange(len(donor))
                chunks[i] = donor[start : start + len(chunks[i])]
    lines = [line for chunk in chunks for line in chunk]
    for i, line in enumerate(lines):
        if rng.random() < 0.15:  # sentences of two lessons mixed in one paragraph
            donor = blocks[rng.choice(donors).id]
            if donor:
                ours, theirs = _SENTENCE.split(line), _SENTENCE.split(rng.choice(donor))
                cut = rng.randint(0, len(ours))
                lines[i] = " ".join(ours[:cut] + theirs[cut:])
    headings = list(template.headings)
    rng.shuffle(headings)
    headings = headings[: max(1, len(headings) * 2 // 3)] + list(donors[0].headings[:2])
    sections = [h for h in template.headings if 8 <= len(h) <= 80]
    if sections and rng.random() < 0.6:  # a section taught as a lesson of its own
        title = rng.choice(sections)
        summary = next((s for s in _SENTENCE.split(lines[0]) if s), "") if lines else ""
    else:  # an adapted copy
        title, summary = template.title, template.summary

    city = rng.choice(CITIES[lang])
    org = slugify(city)
    course_slug = slugify(template.course_title or template.course)[:50] or "lessons"
    level = template.level
    if level == "adult" and rng.random() < 0.2:
        level = "9-12"
    uid = f"{org}/{slugify(title)[:60] or 'lesson'}-{n}"
    return replace(
        template,
        id=uid,
        url=f"/lessons/{uid}",
        title=title,
        summary=summary[:300],
        headings=tuple(headings),
        body="\n".join(lines),
        level=level,
        org=org,
        org_name=ORG_KINDS[lang].format(city=city),
        city=city,
        course=f"{org}/{course_slug}",
        course_title=template.course_title,
        updated=BASE_DATE + timedelta(days=rng.randrange(1000), seconds=n),
    )


def _course(members: list[SearchDocument]) -> SearchDocument:
    first = members[0]
    org, slug = first.course.split("/", 1)
    return SearchDocument(
        id=course_document_id(org, slug),
        kind="course",
        url=course_url(org, slug),
        title=first.course_title,
        summary=f"{first.course_title}, as taught in {first.city}.",
        headings=tuple(sorted({h for d in members for h in d.headings[:1]}))[:30],
        body="\n".join(f"{d.title}\n{d.summary}" for d in members),
        tags=first.subjects,
        subjects=first.subjects,
        level=first.level,
        language=first.language,
        org=first.org,
        org_name=first.org_name,
        city=first.city,
        course=first.course,
        course_title=first.course_title,
        updated=max(d.updated for d in members),
    )


# --------------------------------------------------------------------------- measuring


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed_round(run: Callable[[str, dict[str, str]], object]) -> dict[str, list[float]]:
    """Milliseconds per query of the mix, keyed by category and by ``category: query``."""
    times: dict[str, list[float]] = defaultdict(list)
    for category, query, filters in QUERIES:
        started = time.perf_counter()
        run(query, filters)
        elapsed = (time.perf_counter() - started) * 1000
        times[category].append(elapsed)
        times[_label(category, query, filters)].append(elapsed)
    return times


def _label(category: str, query: str, filters: dict[str, str]) -> str:
    shown = " ".join([query, *(f"{k}={v}" for k, v in filters.items())])
    return f"{category}: {shown}"


def merge(rounds: list[dict[str, list[float]]]) -> dict[str, list[float]]:
    merged: dict[str, list[float]] = defaultdict(list)
    for one in rounds:
        for category, values in one.items():
            merged[category].extend(values)
    categories = dict.fromkeys(category for category, _query, _filters in QUERIES)
    merged["all"] = [v for category in categories for v in merged[category]]
    return merged


def eduhub_run(store: IndexStore) -> Callable[[str, dict[str, str]], object]:
    def run(query: str, filters: dict[str, str]) -> object:
        results = relevance.eduhub_search(store, query, filters, per_page=10)
        if results.message and "went wrong" in results.message:
            raise RuntimeError(f"{query!r}: {results.message}")
        return results

    return run


def fts5_run(index: relevance.Fts5Index) -> Callable[[str, dict[str, str]], object]:
    def run(query: str, filters: dict[str, str]) -> object:
        return index.search(query, filters, limit=10, snippets=True, count=True)

    return run


def cold_eduhub(store: IndexStore, runs: int) -> dict[str, list[float]]:
    rounds = []
    for _ in range(runs):
        services.clear_caches()
        search_query.compile_query.cache_clear()
        rounds.append(timed_round(eduhub_run(store)))
    return merge(rounds)


def cold_fts5(path: Path, runs: int) -> dict[str, list[float]]:
    rounds = []
    for _ in range(runs):
        index = relevance.Fts5Index(path, create=False)
        rounds.append(timed_round(fts5_run(index)))
        index.close()
    return merge(rounds)


def row(name: str, values: list[float]) -> str:
    return (
        f"{name:<14} {statistics.median(values):>8.1f} {percentile(values, 0.95):>8.1f} "
        f"{percentile(values, 0.99):>8.1f} {statistics.fmean(values):>8.1f} {len(values):>6}"
    )


def profile_round(store: IndexStore, top: int) -> str:
    services.clear_caches()
    search_query.compile_query.cache_clear()
    profiler = cProfile.Profile()
    profiler.enable()
    timed_round(eduhub_run(store))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    text = re.sub(r"\S*/site-packages/", "", text).replace(str(ROOT) + "/", "")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
    report = [line for line in lines[start:] if line.strip()]
    report.append("by stage (time including callees; suggestion re-runs a match):")
    report.extend(_stages(stats))
    return "\n".join(report)


#: EduHub functions that each stand for one stage of a search, by (module, name).
STAGES = {
    ("services.py", "search"): "whole search",
    ("query.py", "compile_query"): "parse the query",
    ("view.py", "run"): "match, score, rank",
    ("view.py", "similar_words"): "typo candidates",
    ("services.py", "_suggestion"): "did-you-mean",
    ("services.py", "_facet_counts"): "facet counts",
    ("view.py", "stored"): "stored fields",
    ("view.py", "snippet"): "snippets",
}


def _stages(stats: pstats.Stats) -> list[str]:
    found: dict[str, tuple[int, float]] = {}
    for (filename, _line, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        stage = STAGES.get((Path(filename).name, name))
        if stage and "eduhub/search" in filename:
            calls, cumulative = entry[1], entry[3]
            before = found.get(stage, (0, 0.0))
            found[stage] = (before[0] + calls, before[1] + cumulative)
    total = found.get("whole search", (0, 0.0))[1] or 1.0
    return [
        f"  {stage:<20} {found[stage][1] * 1000:>8.0f} ms {found[stage][1] / total:>6.0%}"
        f" {found[stage][0]:>6} calls"
        for stage in STAGES.values()
        if stage in found
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lessons", type=int, default=10_000, help="lessons in the corpus")
    parser.add_argument("--runs", type=int, default=5, help="rounds of the query mix per mode")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--corpora", type=Path, default=relevance.CORPORA)
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="profile one extra cold round and print the top functions (default: on)",
    )
    args = parser.parse_args()
    if not args.corpora.is_dir():
        raise SystemExit(f"shared corpora not found at {args.corpora}")
    if not relevance.fts5_available():
        raise SystemExit("this Python's sqlite3 has no FTS5: no floor to compare against")

    started = time.perf_counter()
    real = relevance.corpus_documents(args.corpora)
    loaded = time.perf_counter() - started
    docs = generate(real, args.lessons, args.seed)
    n_lessons = sum(d.kind == "lesson" for d in docs)
    text_mb = sum(len(d.body.encode()) for d in docs) / 1e6
    print(
        f"corpus: {n_lessons} lessons + {len(docs) - n_lessons} courses, {text_mb:.0f} MB of "
        f"body text ({sum(d.kind == 'lesson' for d in real)} real lessons loaded and rendered "
        f"in {loaded:.1f} s, the rest generated); {len(QUERIES)} queries x {args.runs} rounds"
    )

    with tempfile.TemporaryDirectory(prefix="eduhub-bench-") as tmp:
        store = IndexStore(Path(tmp) / "search")
        started = time.perf_counter()
        store.build(iter(docs), generation=1)
        build = time.perf_counter() - started
        path = store.current_path()
        assert path is not None
        size = folder_size(path)
        segments = len(list(path.glob("*.seg")))
        print(
            f"EduHub index: built in {build:.1f} s ({n_lessons / build:.0f} lessons/s), "
            f"{size / 1e6:.0f} MB on disk, {segments} segment(s)"
        )

        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process after the build: {peak_mb:.0f} MB (holds the corpus)")

        # 500 lessons the index has never seen, added to it (add_document, one commit).
        new_docs = [
            replace(d, id=f"{d.id}-added", url=f"{d.url}-added")
            for d in generate(real, 500, args.seed + 1)
            if d.kind == "lesson"
        ][:500]
        started = time.perf_counter()
        store.apply(new_docs, [], generation=2)
        added = time.perf_counter() - started
        print(f"adding {len(new_docs)} new lessons to the index: {added:.1f} s (target <= 5 s)")
        docs = docs + new_docs

        fts_path = Path(tmp) / "fts5.sqlite3"
        fts = relevance.Fts5Index(fts_path)
        started = time.perf_counter()
        fts.build(docs)
        fts_build = time.perf_counter() - started
        fts.close()
        print(
            f"FTS5 index:   built in {fts_build:.1f} s, "
            f"{fts_path.stat().st_size / 1e6:.0f} MB on disk"
        )
        del docs, real

        store.close()
        started = time.perf_counter()
        first_results = relevance.eduhub_search(store, "python", {})
        first = (time.perf_counter() - started) * 1000
        print(
            f"first query on a freshly opened searcher (opens it, reads facet values): "
            f"{first:.0f} ms, {first_results.total} hits"
        )

        eduhub_cold = cold_eduhub(store, args.runs)
        eduhub_warm = merge([timed_round(eduhub_run(store)) for _ in range(args.runs)])
        floor_cold = cold_fts5(fts_path, args.runs)
        warm_index = relevance.Fts5Index(fts_path, create=False)
        floor_warm = merge([timed_round(fts5_run(warm_index)) for _ in range(args.runs)])
        warm_index.close()

        print()
        print(f"{'latency, ms':<14} {'p50':>8} {'p95':>8} {'p99':>8} {'mean':>8} {'n':>6}")
        print(row("EduHub cold", eduhub_cold["all"]))
        print(row("EduHub warm", eduhub_warm["all"]))
        print(row("FTS5 cold", floor_cold["all"]))
        print(row("FTS5 warm", floor_warm["all"]))
        for mode, ours, theirs in (
            ("cold", eduhub_cold["all"], floor_cold["all"]),
            ("warm", eduhub_warm["all"], floor_warm["all"]),
        ):
            ratios = [
                percentile(ours, f) / max(percentile(theirs, f), 1e-9) for f in (0.5, 0.95, 0.99)
            ]
            print(
                f"EduHub/FTS5 {mode}: p50 {ratios[0]:.2f}x, p95 {ratios[1]:.2f}x, "
                f"p99 {ratios[2]:.2f}x  (target: p95 <= 3x)"
            )

        print()
        print(f"{'by kind, cold':<14} {'EduHub p50':>11} {'p95':>7} {'FTS5 p50':>9} {'p95':>7}")
        for category in dict.fromkeys(c for c, _q, _f in QUERIES):
            ours, theirs = eduhub_cold[category], floor_cold[category]
            print(
                f"{category:<14} {statistics.median(ours):>11.1f} {percentile(ours, 0.95):>7.1f} "
                f"{statistics.median(theirs):>9.1f} {percentile(theirs, 0.95):>7.1f}"
            )

        slowest = sorted(
            (_label(c, q, f) for c, q, f in QUERIES),
            key=lambda label: -statistics.median(eduhub_cold[label]),
        )[:6]
        print()
        print(f"{'slowest, cold (median ms)':<48} {'EduHub':>7} {'FTS5':>7}")
        for label in slowest:
            print(
                f"{label[:48]:<48} {statistics.median(eduhub_cold[label]):>7.1f} "
                f"{statistics.median(floor_cold[label]):>7.1f}"
            )

        if args.profile:
            print()
            print("profile of one more cold round of EduHub (by own time, then EduHub's stages):")
            print(profile_round(store, 15))
        store.close()


if __name__ == "__main__":
    main()
