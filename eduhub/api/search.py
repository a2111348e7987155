"""``/api/v1/search``: hits with snippets and facet counts, as JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from eduhub.api import bp
from eduhub.search import services, sync
from eduhub.search.views import search_arguments


@bp.get("/search")
def search() -> ResponseReturnValue:
    store = sync.store_for()
    results = services.search(store, request.args.get("q", ""), **search_arguments(request.args))  # type: ignore[arg-type]
    return jsonify(
        query=results.query,
        total=results.total,
        page=results.page,
        pages=results.pages,
        per_page=results.per_page,
        hits=[
            {
                "id": hit.id,
                "kind": hit.kind,
                "title": hit.title,
                "url": request.host_url.rstrip("/") + hit.url,
                "snippet": hit.snippet,
                "score": round(hit.score, 4),
                "course": hit.course,
                "course_title": hit.course_title,
                "organization": hit.org,
                "organization_name": hit.org_name,
                "language": hit.language,
            }
            for hit in results.hits
        ],
        facets={
            name: [{"value": v, "count": c} for v, c in values]
            for name, values in results.facets.items()
        },
        filters=results.filters,
        suggestion=results.suggestion,
        fuzzy_used=results.fuzzy_used,
        message=results.message,
        generation=results.generation,
    )
