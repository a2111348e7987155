"""``/healthz``: is the app up, can it reach its database, and what does the catalog hold."""

from __future__ import annotations

from flask import Blueprint, jsonify
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
