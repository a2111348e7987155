"""The index schema: text fields per language variant, facets, and one document's fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from eduhub.search.analysis import ANALYZERS, GENERIC_ANALYZER, VARIANTS, language_variant
from eduhub.search.documents import SearchDocument

#: Text parts indexed once per language variant, with their query-time weight.
PART_BOOSTS = {"title": 3.0, "summary": 1.5, "objectives": 1.2, "headings": 2.0, "body": 1.0}
#: Language-neutral text fields: tags and subjects; course, organization and city names.
EXTRA_BOOSTS = {"tags": 1.5, "context": 0.5}
#: Facet fields, all lowercase; ``kind`` filters but is also counted.
FACETS = ("subject", "level", "language", "org", "course", "kind")
EXCERPT_CHARS = 1500
VOCABULARY = "words"


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
