"""Outgoing email through an outbox: queued in the request's transaction, sent after its commit.

A request never talks SMTP. :func:`queue` adds an ``OutboxMessage`` row in the caller's
transaction and asks, through ``after_commit``, for the outbox to be drained: by a background
thread of this process (``MAIL_DELIVERY=background``, the default) or only by
``eduhub mail send-pending`` run from cron (``MAIL_DELIVERY=command``). :func:`send_pending`
claims one message at a time with a single conditional UPDATE (``FOR UPDATE SKIP LOCKED`` in its
subquery on PostgreSQL), so two app nodes never send the same message; a failed send is retried
with exponential backoff and marked failed after ``MAIL_MAX_ATTEMPTS``. A message whose sender
died mid-send is reclaimed after :data:`CLAIM_LEASE` (at-least-once in that one case: a lost reset
mail is worse than a rare second copy). Without MAIL_SERVER, messages are written to the log.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from eduhub.accounts.models import MailStatus, OutboxMessage
from eduhub.orm import utcnow
from eduhub.transactions import after_commit, unit_of_work

log = logging.getLogger("eduhub.mail")

#: How long a claimed message may stay "sending" before another sender takes it over; far
#: above the SMTP timeout, so only a sender that died leaves one that old.
CLAIM_LEASE = timedelta(minutes=5)
SMTP_TIMEOUT = 15  # seconds
#: Wait before the n-th retry: 30 s, 1 min, 2 min, 4 min, … at most an hour.
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
#: Sent messages are kept this long (subject, recipient, time; the body is erased) for support.
KEEP_SENT = timedelta(days=7)
DELIVERY_MODES = ("background", "command")

Clock = Callable[[], datetime]


class MailError(Exception):
    """The mail server refused or could not be reached; the message stays queued."""


# --------------------------------------------------------------------------- sending one message


def deliver(config: Mapping[str, Any], to: str, subject: str, body: str) -> None:
    """Send one plain-text message now, or raise MailError. Only the outbox sender calls this."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)

    if not config.get("MAIL_SERVER"):
        # Readable rather than as_string(): quoted-printable would break the links in two.
        log.info(
            "MAIL_SERVER is not set; message not sent:\nFrom: %s\nTo: %s\nSubject: %s\n\n%s",
            message["From"],
            to,
            subject,
            body,
        )
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    log.info("sent %r", subject)


# --------------------------------------------------------------------------- queueing


def queue(session: Session, to: str, subject: str, body: str, *, send: bool = True) -> None:
    """Add a message to the outbox in the caller's transaction; it is sent after the commit.

    With ``send=False`` the same row is written, empty and void, and the same after-commit
    work is asked for: a caller whose answer must not reveal whether mail went (password reset
    for an unknown address) does exactly the same database work either way.
    """
    row = OutboxMessage(recipient=to, subject=subject, body=body)
    if not send:
        row = OutboxMessage(recipient="", subject="", body="", status=MailStatus.VOID.value)
    session.add(row)
    session.flush()
    if current_app.config.get("MAIL_DELIVERY", "background") == "background":
        worker = worker_for(current_app._get_current_object())  # type: ignore[attr-defined]
        after_commit(session, worker.kick)


# --------------------------------------------------------------------------- draining


@dataclass
class Drained:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: When the earliest message still pending is due (None: nothing pending).
    next_due: datetime | None = None


def _due(now: datetime) -> Any:
    return or_(
        and_(
            OutboxMessage.status == MailStatus.PENDING.value, OutboxMessage.next_attempt_at <= now
        ),
        and_(
            OutboxMessage.status == MailStatus.SENDING.value,
            OutboxMessage.claimed_at < now - CLAIM_LEASE,
        ),
    )


def _claim(session: Session, now: datetime) -> Any:
    """Take one due message for this sender, or None. One statement, so that on SQLite the
    write lock is taken before anything is read, and on PostgreSQL a row another sender holds
    is skipped rather than waited for; the outer condition re-checks what the subquery chose."""
    candidate = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id == candidate, _due(now))
        .values(
            status=MailStatus.SENDING.value,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    with unit_of_work(session):
        return session.execute(statement).first()


def _record(session: Session, message_id: int, **values: Any) -> None:
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    with unit_of_work(session):
        session.execute(statement)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try."""
    return min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)


def send_pending(
    session: Session,
    config: Mapping[str, Any],
    *,
    clock: Clock = utcnow,
    limit: int = 1000,
) -> Drained:
    """Send every due message of the outbox, each claimed by this sender alone.

    This is an edge like a request: it commits after each claim and each result, so that a
    message's state is durable before and after the SMTP conversation (which happens outside
    any transaction). Safe to run on several nodes at once and from cron.
    """
    max_attempts = int(config.get("MAIL_MAX_ATTEMPTS", 5))
    result = Drained()
    now = clock()
    with unit_of_work(session):
        session.execute(
            delete(OutboxMessage)
            .where(
                or_(
                    OutboxMessage.status == MailStatus.VOID.value,
                    and_(
                        OutboxMessage.status == MailStatus.SENT.value,
                        OutboxMessage.sent_at < now - KEEP_SENT,
                    ),
                )
            )
            .execution_options(synchronize_session=False)
        )
    for _ in range(limit):
        now = clock()
        claimed = _claim(session, now)
        if claimed is None:
            break
        message_id, to, subject, body, attempts = claimed
        try:
            deliver(config, to, subject, body)
        except MailError as exc:
            error = str(exc)[:500]
            if attempts >= max_attempts:
                log.error("giving up on %r to %s after %d tries: %s", subject, to, attempts, error)
                _record(session, message_id, status=MailStatus.FAILED.value, last_error=error)
                result.failed += 1
            else:
                log.warning("could not send %r to %s (try %d): %s", subject, to, attempts, error)
                _record(
                    session,
                    message_id,
                    status=MailStatus.PENDING.value,
                    next_attempt_at=clock() + retry_delay(attempts),
                    last_error=error,
                )
                result.retrying += 1
        else:
            _record(session, message_id, status=MailStatus.SENT.value, sent_at=clock(), body="")
            result.sent += 1
    with unit_of_work(session):
        result.next_due = session.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == MailStatus.PENDING.value
            )
        )
    return result


# --------------------------------------------------------------------------- background sender


class MailWorker:
    """One thread per process that drains the outbox after each commit that queued mail, then
    sleeps until the next retry is due and exits when nothing is pending."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Drain soon, in the background; never blocks the caller."""
        self._wake.set()
        with self._lock:
            if self._stopping or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="eduhub-mail", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        from eduhub.extensions import db

        while True:
            with self._lock:
                if self._stopping:
                    self._thread = None
                    return
                self._wake.clear()
                self._busy = True
            next_due: datetime | None
            try:
                with self.app.app_context():
                    next_due = send_pending(db.session(), self.app.config).next_due
            except Exception:
                log.exception("the outbox could not be drained; trying again later")
                next_due = utcnow() + RETRY_FIRST
            with self._lock:
                self._busy = False
                if next_due is None and not self._wake.is_set():
                    self._thread = None
                    return
            wait = None if next_due is None else (next_due - utcnow()).total_seconds()
            if wait is None or wait > 0:
                self._wake.wait(wait)

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """True once no drain runs or is asked for (a retry scheduled later counts as idle)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._busy and not self._wake.is_set():
                    return True
            time.sleep(0.005)
        return False

    def stop(self, timeout: float = 10.0) -> None:
        """Let the thread finish the message in hand and exit (tests, orderly shutdown)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout)


def worker_for(app: Flask) -> MailWorker:
    worker: MailWorker | None = app.extensions.get("eduhub.mail")
    if worker is None:
        worker = app.extensions.setdefault("eduhub.mail", MailWorker(app))
    return worker
