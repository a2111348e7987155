"""Judged queries, the shared corpora as SearchDocuments, an SQLite FTS5 baseline and metrics.

Shared by ``tests/search/test_relevance.py`` (relevance) and ``bench/search.py`` (speed), so
both measure EduHub and FTS5 over exactly the same documents and query translation.
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eduhub.packs.foreign import ForeignOptions, load_foreign
from eduhub.packs.model import PackTree
from eduhub.packs.reader import load_tree
from eduhub.search import services
from eduhub.search.documents import SearchDocument, documents_from_tree
from eduhub.search.store import IndexStore

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
CORPORA = ROOT.parent / "shared" / "corpora"
JUDGED = Path(__file__).with_name("judged_queries.yml")
#: MRR counts the first expected lesson within this many hits; top-3 within three.
DEPTH = 10

#: How each shared corpus is imported; the judged ids assume exactly these org slugs.
CORPUS_IMPORTS: dict[str, tuple[str, ForeignOptions]] = {
    "programming-historian": ("jekyll", ForeignOptions(org_slug="ph", license="CC-BY-4.0")),
    "carpentries": ("carpentries", ForeignOptions(org_slug="carpentries")),
    "d2l-math": ("d2l", ForeignOptions(org_slug="d2l", course_slug="d2l-math")),
}


# --------------------------------------------------------------------------- judged queries


HALVES = ("tuning", "test")
KINDS = ("paraphrase", "question", "typo", "one-word")


@dataclass(frozen=True)
class JudgedQuery:
    query: str
    expect: tuple[str, ...]
    #: the language the query is written in (informational: it is *not* a filter)
    lang: str
    #: paraphrase, question, typo or one-word
    kind: str = "paraphrase"
    #: "tuning" or "test": fixed once in the YAML, never re-split
    half: str = "tuning"
    #: search filters, named as services.search names them (``lang``, ``subject``, ``org`` …)
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JudgedSet:
    seed: int
    queries: list[JudgedQuery]

    def half(self, name: str) -> list[JudgedQuery]:
        return [q for q in self.queries if q.half == name]


def load_judged(path: Path = JUDGED) -> JudgedSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return JudgedSet(
        seed=int(data["seed"]),
        queries=[
            JudgedQuery(
                query=str(entry["query"]),
                expect=tuple(str(e) for e in entry["expect"]),
                lang=str(entry["lang"]),
                kind=str(entry["kind"]),
                half=str(entry["half"]),
                filters={str(k): str(v) for k, v in (entry.get("filters") or {}).items()},
            )
            for entry in data["queries"]
        ],
    )


# --------------------------------------------------------------------------- documents


def load_trees(corpora: Path = CORPORA, content: Path = CONTENT) -> dict[str, PackTree]:
    """EduHub's own content/ and the three shared corpora, loaded and rendered like an import."""
    trees = {"content": load_tree(content)}
    for folder, (dialect, options) in CORPUS_IMPORTS.items():
        trees[folder] = load_foreign(corpora / folder, dialect, options)
    for name, tree in trees.items():
        if tree.errors:
            raise ValueError(f"{name}: {len(tree.errors)} errors, first {tree.errors[0]}")
    return trees


def documents_of(trees: Iterable[PackTree]) -> list[SearchDocument]:
    """Every live lesson and course of the trees, as the database would index them."""
    return [doc for tree in trees for doc in documents_from_tree(tree)]


def corpus_documents(corpora: Path = CORPORA, content: Path = CONTENT) -> list[SearchDocument]:
    return documents_of(load_trees(corpora, content).values())


# --------------------------------------------------------------------------- EduHub


def eduhub_search(
    store: IndexStore, query: str, filters: dict[str, str], per_page: int = DEPTH
) -> services.SearchResults:
    """The query through the web's own search service (filters by their service names)."""
    return services.search(
        store,
        query,
        lang=filters.get("lang"),
        subject=filters.get("subject"),
        level=filters.get("level"),
        org=filters.get("org"),
        course=filters.get("course"),
        kind=filters.get("kind"),
        per_page=per_page,
    )


def eduhub_ranker(store: IndexStore) -> Callable[[JudgedQuery], list[str]]:
    def rank(judged: JudgedQuery) -> list[str]:
        return [hit.id for hit in eduhub_search(store, judged.query, judged.filters).hits]

    return rank


# --------------------------------------------------------------------------- SQLite FTS5

#: Column weights for bm25(), the same as EduHub's field boosts (index.PART_BOOSTS and
#: EXTRA_BOOSTS): title 3, summary and objectives 1.5, headings 2, body 1, tags 1.5,
#: course/organization/city names 0.5.
FTS_COLUMNS = ("title", "summary", "headings", "body", "tags", "context")
FTS_WEIGHTS = (3.0, 1.5, 2.0, 1.0, 1.5, 0.5)
#: Porter stemming (English only: FTS5 has no other) over unicode61 with accents folded.
#: Measured on the judged set, this beat plain unicode61 (see docs/search.md).
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
_FTS_TOKENS = re.compile(r'"[^"]*"|[()]|[^\s"()]+')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def fts5_available() -> bool:
    try:
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE VIRTUAL TABLE probe USING fts5(a)")
        connection.close()
    except sqlite3.OperationalError:
        return False
    return True


def _string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts5_query(raw: str, *, any_word: bool = False) -> str | None:
    """A search-box query in FTS5 syntax, word for word.

    Every bare word becomes an FTS5 string (so ``csv.DictReader`` or ``d'écriture`` is not a
    syntax error), which FTS5 requires all of by default; "quoted words" stay a phrase;
    ``foto*`` stays a prefix; AND, OR, NOT and parentheses are passed through as FTS5
    operators. What FTS5 cannot parse after that (``NOT x`` alone, unbalanced parentheses)
    fails when run and counts as no hits. None when nothing is left to search for.
    ``any_word`` joins the words with OR instead (what the relevance baseline uses: bm25
    then ranks documents with more and rarer words first).
    """
    parts: list[str] = []
    for token in _FTS_TOKENS.findall(raw.replace("\x00", " ")):
        if token in _OPERATORS or token in ("(", ")"):
            parts.append(token)
        elif token.startswith('"'):
            words = token.strip('"').split()
            if words:
                parts.append(_string(" ".join(words)))
        elif token.endswith("*") and token.rstrip("*"):
            parts.append(_string(token.rstrip("*")) + " *")
        else:
            parts.append(_string(token))
    if not any(p not in _OPERATORS and p not in "()" for p in parts):
        return None
    if any_word:
        return " OR ".join(p for p in parts if p not in _OPERATORS and p not in "()")
    return " ".join(parts)


@dataclass(frozen=True)
class FtsPage:
    ids: list[str]
    total: int
    snippets: list[str]
    #: False when FTS5 refused the query (a syntax error): no hits, not a crash
    parsed: bool = True


_FILTER_SQL = {
    "lang": "(m.language = :lang OR m.language LIKE :lang || '-%')",
    "subject": "m.subjects LIKE '%,' || :subject || ',%'",
    "level": "m.level = :level",
    "org": "m.org = :org",
    "course": "m.course = :course",
    "kind": "m.kind = :kind",
}


class Fts5Index:
    """The same documents in an SQLite FTS5 table, searched the way a small app would.

    Text columns live in the FTS5 table (content stored, so ``snippet()`` works); facet
    values in an ordinary table joined on rowid, filtered with plain WHERE clauses.
    """

    def __init__(self, path: str | Path = ":memory:", *, create: bool = True) -> None:
        self.connection = sqlite3.connect(str(path), check_same_thread=False)
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        self._rank = f"bm25(docs, {weights})"
        if not create:
            return
        self.connection.executescript(
            f"""
            CREATE VIRTUAL TABLE docs USING fts5(
                {", ".join(FTS_COLUMNS)}, tokenize = '{FTS_TOKENIZER}'
            );
            CREATE TABLE meta (
                rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, kind TEXT, language TEXT,
                subjects TEXT, level TEXT, org TEXT, course TEXT
            );
            """
        )

    def build(self, documents: Iterable[SearchDocument]) -> int:
        rows = 0
        with self.connection:
            for rowid, doc in enumerate(documents, start=1):
                self.connection.execute(
                    "INSERT INTO docs (rowid, title, summary, headings, body, tags, context) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        doc.title,
                        "\n".join((doc.summary, *doc.objectives)),
                        "\n".join(doc.headings),
                        doc.body,
                        "\n".join((*doc.tags, *(s.replace("-", " ") for s in doc.subjects))),
                        "\n".join((doc.course_title, doc.org_name, doc.city)),
                    ),
                )
                self.connection.execute(
                    "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        doc.id,
                        doc.kind.lower(),
                        doc.language.lower(),
                        "," + ",".join(s.strip().lower() for s in doc.subjects) + ",",
                        doc.level.lower(),
                        doc.org.lower(),
                        doc.course.lower(),
                    ),
                )
                rows = rowid
        return rows

    def search(
        self,
        raw: str,
        filters: dict[str, str] | None = None,
        *,
        limit: int = DEPTH,
        snippets: bool = False,
        count: bool = False,
        any_word: bool = False,
    ) -> FtsPage:
        """One page of ids by bm25, optionally with highlighted snippets and the total."""
        match = fts5_query(raw, any_word=any_word)
        if match is None:
            return FtsPage([], 0, [], parsed=True)
        params: dict[str, Any] = {"match": match, "limit": limit}
        where = ["docs MATCH :match"]
        for name, value in (filters or {}).items():
            where.append(_FILTER_SQL[name])
            params[name] = value.strip().lower()
        condition = " AND ".join(where)
        # \ue000/\ue001 mark matches so the snippet can be escaped before <mark> goes in.
        snippet = "snippet(docs, -1, '\ue000', '\ue001', '…', 24)" if snippets else "''"
        sql = (
            f"SELECT m.id, {snippet} FROM docs JOIN meta m ON m.rowid = docs.rowid "  # noqa: S608
            f"WHERE {condition} ORDER BY {self._rank} LIMIT :limit"
        )
        try:
            rows = self.connection.execute(sql, params).fetchall()
            total = len(rows)
            if count:
                total = self.connection.execute(
                    f"SELECT count(*) FROM docs JOIN meta m ON m.rowid = docs.rowid "  # noqa: S608
                    f"WHERE {condition}",
                    params,
                ).fetchone()[0]
        except sqlite3.OperationalError:
            return FtsPage([], 0, [], parsed=False)
        marked = [
            html.escape(text).replace("\ue000", "<mark>").replace("\ue001", "</mark>")
            for _id, text in rows
        ]
        return FtsPage([row[0] for row in rows], total, marked if snippets else [])

    def ranker(self, *, any_word: bool = True) -> Callable[[JudgedQuery], list[str]]:
        def rank(judged: JudgedQuery) -> list[str]:
            return self.search(judged.query, judged.filters, any_word=any_word).ids

        return rank

    def close(self) -> None:
        self.connection.close()


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Outcome:
    judged: JudgedQuery
    ranking: list[str]
    #: 1-based rank of the first expected id within DEPTH, or None
    rank: int | None

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    @property
    def top3(self) -> bool:
        return self.rank is not None and self.rank <= 3


def first_rank(ranking: Sequence[str], expect: Iterable[str], depth: int = DEPTH) -> int | None:
    wanted = set(expect)
    for position, doc_id in enumerate(ranking[:depth], start=1):
        if doc_id in wanted:
            return position
    return None


def evaluate(
    judged: Iterable[JudgedQuery], rank: Callable[[JudgedQuery], list[str]]
) -> list[Outcome]:
    outcomes = []
    for query in judged:
        ranking = rank(query)
        outcomes.append(Outcome(query, ranking, first_rank(ranking, query.expect)))
    return outcomes


@dataclass(frozen=True)
class Summary:
    mrr: float
    top3: float
    queries: int


def summarize(outcomes: Sequence[Outcome]) -> Summary:
    n = len(outcomes)
    return Summary(
        mrr=sum(o.reciprocal_rank for o in outcomes) / n if n else 0.0,
        top3=sum(o.top3 for o in outcomes) / n if n else 0.0,
        queries=n,
    )


def _shown(rank: int | None) -> str:
    return str(rank) if rank else "-"


def report(eduhub: Sequence[Outcome], fts5: Sequence[Outcome] | None) -> str:
    """Both engines on each half, by kind and by language, then EduHub's misses.

    A rank is 1-based within the first ten hits; ``-`` is a miss (MRR 0, not in the top 3).
    A miss is a query whose expected lessons are all outside EduHub's top 3.
    """
    theirs: Sequence[Outcome | None] = fts5 if fts5 is not None else [None] * len(eduhub)
    pairs = list(zip(eduhub, theirs, strict=True))
    head = f"{'slice':<22} {'n':>4}  {'EduHub MRR':>10} {'top-3':>6}"
    lines = [f"{head}  {'FTS5 MRR':>8} {'top-3':>6}"]

    def row(label: str, chosen: list[tuple[Outcome, Outcome | None]]) -> None:
        if not chosen:
            return
        ours = summarize([o for o, _ in chosen])
        other = [t for _, t in chosen if t is not None]
        fts = f"{summarize(other).mrr:>8.3f} {summarize(other).top3:>6.3f}" if other else "n/a"
        lines.append(f"{label:<22} {len(chosen):>4}  {ours.mrr:>10.3f} {ours.top3:>6.3f}  {fts}")

    for half in HALVES:
        in_half = [p for p in pairs if p[0].judged.half == half]
        row(f"{half} half", in_half)
        for kind in KINDS:
            row(f"  {kind}", [p for p in in_half if p[0].judged.kind == kind])
        for lang in sorted({p[0].judged.lang for p in in_half}):
            row(f"  lang {lang}", [p for p in in_half if p[0].judged.lang == lang])
    row("all", pairs)
    lines.append("")
    lines.append("EduHub misses (expected lesson not in the top 3):")
    lines.append(f"{'half':<7} {'kind':<10} {'eduhub':>6} {'fts5':>5}  query -> EduHub's first hit")
    for ours, other in pairs:
        if ours.top3:
            continue
        first = ours.ranking[0] if ours.ranking else "(no hits)"
        lines.append(
            f"{ours.judged.half:<7} {ours.judged.kind:<10} {_shown(ours.rank):>6} "
            f"{_shown(other.rank) if other else 'n/a':>5}  {ours.judged.query!r} -> {first}"
            f"  (want {ours.judged.expect[0]})"
        )
    return "\n".join(lines)
