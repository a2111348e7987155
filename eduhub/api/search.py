"""``/api/v1/search``: hits with snippets and facet counts, as JSON."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from eduhub.api import bp, schemas
from eduhub.api.contract import operation, parse_query, respond
from eduhub.search import services, sync


@bp.get("/search")
@operation(
    "Lessons and courses matching words, with facets",
    schemas.SearchResultsOut,
    query=schemas.SearchQuery,
    errors=(400,),
)
def search() -> ResponseReturnValue:
    args = parse_query(schemas.SearchQuery)
    results = services.search(
        sync.store_for(),
        args.q,
        lang=args.lang or None,
        subject=args.subject or None,
        level=args.level or None,
        org=args.org or None,
        course=args.course or None,
        page=args.page,
        sort=args.sort,
    )
    return respond(schemas.SearchResultsOut.of(results))
