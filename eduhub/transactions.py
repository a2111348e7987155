"""One commit at the edge: requests and CLI commands commit once; follow-up work runs after it.

Services only add and flush. The request edge commits when the response is a success and rolls
back otherwise; a CLI command wraps its work in :func:`unit_of_work`. Work that must see
committed data — search index updates, outgoing mail — is queued with :func:`after_commit` and
runs once the outermost transaction has committed; a rollback drops it. This is the Indico
request handler and Warehouse's ``after_commit`` hooks, in one small module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "eduhub.after_commit"
_WROTE = "eduhub.wrote"

Callback = Callable[[], None]


def after_commit(session: Session | Any, callback: Callback) -> None:
    """Run ``callback`` after the session's current transaction commits; never if it rolls back.

    The callback runs outside the committed transaction: it must open its own session (or
    connection) if it reads the database. A failing callback is logged, never raised: the data
    is already committed, and each callback is built to catch up later (the search index
    compares generations, the outbox is retried).
    """
    session.info.setdefault(_PENDING, []).append(callback)


def pending_callbacks(session: Session | Any) -> int:
    """How many callbacks wait for the next commit (for tests and diagnostics)."""
    return len(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_flush")
def _remember_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _remember_statement_write(state: Any) -> None:
    # session.execute(insert(...).on_conflict_do_update(...)) writes without a flush: the
    # progress upserts do, and the edge must commit them too.
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info.pop(_WROTE, None)
    callbacks: list[Callback] = session.info.pop(_PENDING, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit work failed: %r", callback)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_PENDING, None)


def has_writes(session: Session | Any) -> bool:
    """True when the session holds changes that a commit would write."""
    return bool(
        session.info.get(_WROTE)
        or session.info.get(_PENDING)
        or session.new
        or session.dirty
        or session.deleted
    )


@contextmanager
def unit_of_work(session: Session | Any) -> Iterator[None]:
    """Commit once when the block succeeds, roll back when it raises (CLI commands, scripts)."""
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    session.commit()


def init_app(app: Flask) -> None:
    """Commit each request's work once, after the view, when the response is a success."""
    from eduhub.extensions import db

    @app.after_request
    def commit_at_the_edge(response: Response) -> Response:
        session = db.session
        if not has_writes(session):
            return response
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
        return response
