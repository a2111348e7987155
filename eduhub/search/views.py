"""``/search``: the search page behind the box on every page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from eduhub.catalog import services as catalog_services
from eduhub.extensions import db
from eduhub.search import services, sync

bp = Blueprint("search", __name__)

#: Query parameters that narrow a search, as the page and the API name them.
FILTERS = ("lang", "subject", "level", "org", "course")


def search_arguments(args: dict[str, str]) -> dict[str, object]:
    """Keyword arguments for services.search from request arguments (all optional, all text)."""
    found: dict[str, object] = {
        name: (args.get(name) or "").strip()[:100] or None for name in FILTERS
    }
    found["page"] = args.get("page", "1")
    found["sort"] = "newest" if args.get("sort") == "newest" else "relevance"
    # "search instead for": the words exactly as typed, without typo correction
    found["literal"] = args.get("literal") == "1"
    return found


#: Languages the search ranks first for a learner, when the query does not say its own.
PREFERRED_LANGUAGES = ("en", "es", "fr", "pt")


def learner_language() -> str | None:
    """The signed-in learner's preferred language, else the browser's Accept-Language."""
    if current_user.is_authenticated:
        preferred = getattr(current_user, "preferred_language", None)
        if preferred:
            return str(preferred)
    return request.accept_languages.best_match(PREFERRED_LANGUAGES)


@bp.get("/search")
def search() -> ResponseReturnValue:
    query = request.args.get("q", "")
    options = search_arguments(request.args)
    if not query.strip():
        # An empty search shows the catalog, keeping the filters it understands.
        catalog_args = {
            "subject": options["subject"],
            "level": options["level"],
            "language": options["lang"],
        }
        return redirect(url_for("catalog.catalog", **{k: v for k, v in catalog_args.items() if v}))
    store = sync.store_for()
    sync.status(store)  # logs once when the index is missing or stale
    results = services.search(  # type: ignore[arg-type]
        store, query, per_page=10, prefer_lang=learner_language(), **options
    )

    def link(**changes: object) -> str:
        # Filters (a course or a city's organization as scope), sort and literal are kept by
        # every pagination and facet link; a link changes only what it names.
        params = {
            "q": query,
            **{k: ("1" if v is True else v) for k, v in options.items() if v and k != "page"},
        }
        params.update(changes)
        return url_for("search.search", **{k: v for k, v in params.items() if v not in (None, "")})

    # Nothing found: offer the catalog's own subjects, languages and cities to browse instead.
    browse = catalog_services.facet_options(db.session) if not results.hits else None
    return render_template(
        "search/results.html",
        results=results,
        query=query,
        options=options,
        link=link,
        browse=browse,
    )
