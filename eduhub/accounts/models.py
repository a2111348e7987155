"""User accounts (a user's role decides what they may do; see permissions.py) and the outbox of
mail waiting to be sent to them."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduhub.catalog.models import Organization
from eduhub.extensions import db, login_manager
from eduhub.orm import utcnow


class Role(StrEnum):
    LEARNER = "learner"
    TEACHER = "teacher"
    CONTRIBUTOR = "contributor"
    REVIEWER = "reviewer"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """Someone who signed up. Sessions carry ``session_token``, not the id, so changing the
    password (which rotates the token) signs the account out everywhere else."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    preferred_language: Mapped[str] = mapped_column(String(35), default="en")
    role: Mapped[str] = mapped_column(String(20), default=Role.LEARNER.value)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    #: Whether public completion pages may show the learner's name.
    show_name_publicly: Mapped[bool] = mapped_column(Boolean, default=False)
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    organization: Mapped[Organization | None] = relationship()

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username}>"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    # Flask-Login checks is_active only at login_user(); a deactivated account must also lose
    # the sessions it already has.
    return db.session.scalar(
        select(User).where(User.session_token == session_token, User.active.is_(True))
    )


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by one sender; reclaimed if that sender died (see mail.py)
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS
    #: Written by a reset request for an address without an account, so that every request
    #: does the same work; holds nothing and is never sent, only deleted.
    VOID = "void"


class OutboxMessage(db.Model):
    """An email, written in the transaction that decided to send it and sent after its commit
    by mail.py, off the request path; retried with backoff, claimed by exactly one sender."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    #: Erased once sent: a reset message holds a live link.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status}>"
