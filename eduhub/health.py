"""Health endpoints for the process manager and the load balancer.

``/healthz``: the process is up and answering (200), with what it can see of its database and
catalog; 503 only when the database cannot be reached at all. ``/readyz``: this process may be
sent traffic — the database answers, its schema is at the migrations' head, and the search
index exists and reflects the database's content generation. A node that is not ready answers
503 with the JSON saying which check failed, so a deploy can wait for ``eduhub db upgrade`` and
``eduhub search reindex`` before putting a node behind the balancer.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from eduhub.catalog.models import Lesson
from eduhub.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
        lessons = db.session.scalar(
            select(func.count(Lesson.id)).where(Lesson.retired_at.is_(None))
        )
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="error", database="unreachable", detail=type(exc).__name__), 503
    from eduhub.search import sync

    index = sync.status(sync.store_for())
    return jsonify(
        status="ok" if index.ok else "degraded",
        database="ok",
        lessons=lessons,
        search={
            "index": index.state,
            "index_generation": index.index_generation,
            "content_generation": index.content_generation,
        },
    )


@cache
def _scripts(directory: str) -> ScriptDirectory:
    """The migrations shipped with this code (read once per process)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config)


def migrations_state(connection: Any, directory: str) -> dict[str, Any]:
    """ "ok" at the head; "behind" on an older (or no) revision; "unknown" on a revision this
    code does not know (a newer release migrated the database: this node is the old one)."""
    scripts = _scripts(directory)
    heads = sorted(scripts.get_heads())
    current = sorted(MigrationContext.configure(connection).get_current_heads())
    known = {script.revision for script in scripts.walk_revisions()}
    if current == heads:
        state = "ok"
    elif set(current) <= known:
        state = "behind"
    else:
        state = "unknown"
    return {"state": state, "database": current, "head": heads}


@bp.get("/readyz")
def readyz() -> Response:
    checks: dict[str, Any] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        from eduhub.extensions import _migrations_dir

        checks["migrations"] = migrations_state(db.session.connection(), str(_migrations_dir()))
        from eduhub.search import sync

        index = sync.status(sync.store_for())
        checks["search"] = {
            "index": index.state,
            "index_generation": index.index_generation,
            "content_generation": index.content_generation,
        }
    except SQLAlchemyError as exc:
        db.session.rollback()
        checks.setdefault("database", f"unreachable ({type(exc).__name__})")
        checks.setdefault("migrations", {"state": "unknown"})
    ready = (
        checks["database"] == "ok"
        and checks["migrations"]["state"] == "ok"
        and checks.get("search", {}).get("index") == "ok"
    )
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
