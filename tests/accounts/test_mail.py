"""Outgoing mail: queued in the request's transaction, sent after the commit off the request path,
retried with backoff, claimed by one sender; logged without MAIL_SERVER, SMTP with it."""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, select

from eduhub.accounts import mail
from eduhub.accounts.models import MailStatus, OutboxMessage
from eduhub.orm import utcnow
from tests.accounts.pages import csrf_token, post_form
from tests.factories import make_user


class FakeSMTP:
    instances: ClassVar[list[FakeSMTP]] = []
    fail_with: ClassVar[Exception | None] = None
    #: When set, connecting waits for it (a mail server that hangs), at most 5 seconds.
    hang_until: ClassVar[threading.Event | None] = None
    hung_out: ClassVar[bool] = False
    lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[tuple[str, Any]] = []
        self.sent: list[EmailMessage] = []
        self.thread = threading.current_thread()
        with FakeSMTP.lock:
            FakeSMTP.instances.append(self)
        if FakeSMTP.hang_until is not None and not FakeSMTP.hang_until.wait(5):
            FakeSMTP.hung_out = True
            raise TimeoutError("timed out")

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append(("quit", None))

    def starttls(self, context: Any) -> None:
        self.calls.append(("starttls", context))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", (user, password)))

    def send_message(self, message: EmailMessage) -> None:
        if FakeSMTP.fail_with:
            raise FakeSMTP.fail_with
        self.sent.append(message)


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.instances = []
    FakeSMTP.fail_with = None
    FakeSMTP.hang_until = None
    FakeSMTP.hung_out = False
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(
        MAIL_SERVER="smtp.example.org",
        MAIL_PORT=2525,
        MAIL_USERNAME="hub",
        MAIL_PASSWORD="mail-secret",
        MAIL_USE_TLS=True,
        MAIL_FROM="EduHub <hub@example.org>",
    )
    return FakeSMTP


def sent_to(smtp: type[FakeSMTP]) -> list[str]:
    return sorted(str(message["To"]) for conn in smtp.instances for message in conn.sent)


def outbox(db: Any) -> list[OutboxMessage]:
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def queued(db: Any, app: Flask, *recipients: str) -> None:
    """Messages in the outbox, committed, without waking the background sender."""
    app.config["MAIL_DELIVERY"] = "command"
    for to in recipients:
        mail.queue(db.session, to, "Reset", f"Body for {to}")
    db.session.commit()


# --------------------------------------------------------------------------- one message


def test_without_a_mail_server_the_message_is_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    mail.deliver(app.config, "ada@example.org", "Hello", "A link: https://x.example/" + "a" * 90)
    (record,) = [r for r in caplog.records if r.name == "eduhub.mail"]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert "To: ada@example.org" in text
    assert "Subject: Hello" in text
    assert "https://x.example/" + "a" * 90 in text  # not wrapped or encoded


def test_with_a_mail_server_it_is_sent_over_smtp_with_starttls_and_login(
    app: Flask, smtp: type[FakeSMTP]
) -> None:
    mail.deliver(app.config, "ada@example.org", "Reset", "Body text")
    (conn,) = smtp.instances
    assert (conn.host, conn.port) == ("smtp.example.org", 2525)
    assert [name for name, _ in conn.calls] == ["starttls", "login", "quit"]
    assert conn.calls[1][1] == ("hub", "mail-secret")
    (message,) = conn.sent
    assert message["To"] == "ada@example.org"
    assert message["From"] == "EduHub <hub@example.org>"
    assert message["Subject"] == "Reset"
    assert message.get_content().strip() == "Body text"


def test_without_tls_or_credentials_it_skips_them(app: Flask, smtp: type[FakeSMTP]) -> None:
    app.config.update(MAIL_USE_TLS=False, MAIL_USERNAME=None)
    mail.deliver(app.config, "ada@example.org", "Reset", "Body")
    assert [name for name, _ in smtp.instances[0].calls] == ["quit"]


@pytest.mark.parametrize(
    "error", [smtplib.SMTPRecipientsRefused({}), ConnectionRefusedError(), TimeoutError()]
)
def test_send_failures_raise_a_mail_error(
    app: Flask, smtp: type[FakeSMTP], error: Exception
) -> None:
    smtp.fail_with = error
    with pytest.raises(mail.MailError, match=type(error).__name__):
        mail.deliver(app.config, "ada@example.org", "Reset", "Body")


# --------------------------------------------------------------------------- off the request path


def test_the_reset_request_never_waits_for_the_mail_server(
    db, client: FlaskClient, smtp: type[FakeSMTP]
) -> None:
    """A mail server that hangs does not hold the request: the answer comes while the
    background sender is still connecting, and the request thread never touches SMTP."""
    make_user(db)
    smtp.hang_until = threading.Event()
    client.wait_for_mail = False  # type: ignore[attr-defined]
    response = post_form(client, "/reset-password", {"email": "ada@example.org"})
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert not smtp.hung_out  # the answer did not wait for the server to give up
    assert all(conn.thread is not threading.current_thread() for conn in smtp.instances)
    (row,) = outbox(db)
    assert row.status in {"pending", "sending"}
    assert row.recipient == "ada@example.org"

    smtp.hang_until.set()
    assert mail.worker_for(client.application).wait_until_idle()
    assert sent_to(smtp) == ["ada@example.org"]
    (row,) = outbox(db)
    assert (row.status, row.attempts, row.body) == ("sent", 1, "")  # the live link is erased


def test_a_broken_mail_server_does_not_change_the_reset_answer(
    db, client: FlaskClient, smtp: type[FakeSMTP]
) -> None:
    make_user(db)
    smtp.fail_with = ConnectionRefusedError()
    known = post_form(client, "/reset-password", {"email": "ada@example.org"})
    unknown = post_form(client, "/reset-password", {"email": "bob@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in known.get_data(as_text=True)
    assert len(smtp.instances) == 1  # only the real account was attempted
    (row,) = outbox(db)  # the unknown address's void row is gone; nothing about it is kept
    assert (row.recipient, row.status, row.attempts) == ("ada@example.org", "pending", 1)
    assert row.last_error == "ConnectionRefusedError: "


def test_known_and_unknown_addresses_run_the_same_statements(
    app: Flask, db, client: FlaskClient, smtp: type[FakeSMTP]
) -> None:
    make_user(db)
    make_user(db, "gone", active=False)
    client.wait_for_mail = False  # type: ignore[attr-defined]
    request_thread = threading.get_ident()

    def statements(email: str) -> list[str]:
        token = csrf_token(client)
        seen: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if threading.get_ident() == request_thread:
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.post("/reset-password", data={"csrf_token": token, "email": email})
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200
        assert mail.worker_for(app).wait_until_idle()
        return seen

    known = statements("ada@example.org")
    assert any("INSERT INTO mail_outbox" in statement for statement in known)
    assert statements("nobody@example.org") == known
    assert statements("gone@example.org") == known
    assert sent_to(smtp) == ["ada@example.org"]
    assert [row.recipient for row in outbox(db)] == ["ada@example.org"]


def test_a_rolled_back_request_sends_nothing(app: Flask, db, smtp: type[FakeSMTP]) -> None:
    mail.queue(db.session, "ada@example.org", "Reset", "Body")
    db.session.rollback()
    assert mail.worker_for(app).wait_until_idle()
    assert smtp.instances == []
    assert outbox(db) == []


# --------------------------------------------------------------------------- retries, claims, CLI


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(
    app: Flask, db, smtp: type[FakeSMTP], caplog: pytest.LogCaptureFixture
) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queued(db, app, "ada@example.org")
    smtp.fail_with = ConnectionRefusedError()
    start = utcnow()
    now = [start]

    def drain(at: timedelta) -> mail.Drained:
        now[0] = start + at
        return mail.send_pending(db.session, app.config, clock=lambda: now[0])

    first = drain(timedelta(0))
    assert (first.retrying, first.failed) == (1, 0)
    assert first.next_due == start + timedelta(seconds=30)
    assert drain(timedelta(seconds=29)).retrying == 0  # not due yet: no second try
    assert len(smtp.instances) == 1
    second = drain(timedelta(seconds=30))
    assert second.retrying == 1
    assert second.next_due == start + timedelta(seconds=90)  # the wait doubles
    caplog.set_level(logging.ERROR, logger="eduhub.mail")
    third = drain(timedelta(seconds=90))
    assert (third.failed, third.next_due) == (1, None)
    assert len(smtp.instances) == 3
    (row,) = outbox(db)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "giving up" in caplog.text
    assert drain(timedelta(hours=5)).failed == 0  # never tried again


def test_a_retry_that_succeeds_is_sent_once(app: Flask, db, smtp: type[FakeSMTP]) -> None:
    queued(db, app, "ada@example.org")
    smtp.fail_with = TimeoutError()
    later = utcnow() + timedelta(minutes=1)
    assert mail.send_pending(db.session, app.config).retrying == 1
    smtp.fail_with = None
    assert mail.send_pending(db.session, app.config, clock=lambda: later).sent == 1
    assert mail.send_pending(db.session, app.config, clock=lambda: later).sent == 0
    assert sent_to(smtp) == ["ada@example.org"]


def test_two_senders_at_once_send_each_message_exactly_once(
    app: Flask, db, smtp: type[FakeSMTP]
) -> None:
    """Two app nodes draining the same outbox: every message is claimed by one of them."""
    recipients = [f"learner{n:02}@example.org" for n in range(24)]
    queued(db, app, *recipients)
    start = threading.Barrier(2)
    results: list[mail.Drained] = []
    errors: list[BaseException] = []

    def node() -> None:
        try:
            with app.app_context():
                start.wait(5)
                results.append(mail.send_pending(db.session, app.config))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    nodes = [threading.Thread(target=node) for _ in range(2)]
    for thread in nodes:
        thread.start()
    for thread in nodes:
        thread.join(60)
    assert errors == []
    assert sent_to(smtp) == recipients
    assert sum(result.sent for result in results) == len(recipients)
    assert {row.status for row in outbox(db)} == {"sent"}


def test_a_message_whose_sender_died_is_reclaimed_after_the_lease(
    app: Flask, db, smtp: type[FakeSMTP]
) -> None:
    queued(db, app, "ada@example.org", "bob@example.org")
    rows = outbox(db)
    claimed_at = utcnow()
    for row in rows:  # ada's sender died long ago; bob's is still talking to the server
        row.status = MailStatus.SENDING.value
        row.attempts = 1
        row.claimed_at = (
            claimed_at
            - (mail.CLAIM_LEASE if row.recipient == "ada@example.org" else timedelta(0))
            - timedelta(seconds=1)
        )
    db.session.commit()
    assert mail.send_pending(db.session, app.config, clock=lambda: claimed_at).sent == 1
    assert sent_to(smtp) == ["ada@example.org"]
    statuses = {row.recipient: (row.status, row.attempts) for row in outbox(db)}
    assert statuses == {"ada@example.org": ("sent", 2), "bob@example.org": ("sending", 1)}


def test_command_delivery_leaves_mail_for_the_cli(
    app: Flask, db, client: FlaskClient, runner: FlaskCliRunner, smtp: type[FakeSMTP]
) -> None:
    app.config["MAIL_DELIVERY"] = "command"
    make_user(db)
    assert post_form(client, "/reset-password", {"email": "ada@example.org"}).status_code == 200
    assert smtp.instances == []
    assert [row.status for row in outbox(db)] == ["pending"]

    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent 1, 0 to retry later, 0 given up on."
    assert sent_to(smtp) == ["ada@example.org"]
    assert "/reset-password/" in smtp.instances[0].sent[0].get_content()


def test_the_cli_exits_1_when_it_gives_up_on_a_message(
    app: Flask, db, runner: FlaskCliRunner, smtp: type[FakeSMTP]
) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    queued(db, app, "ada@example.org")
    smtp.fail_with = ConnectionRefusedError()
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1
    assert "Sent 0, 0 to retry later, 1 given up on." in result.output
