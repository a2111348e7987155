"""Outgoing mail: logged without MAIL_SERVER, sent over SMTP with it, failures never raised."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any, ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from eduhub.accounts import mail
from tests.accounts.pages import post_form
from tests.factories import make_user


class FakeSMTP:
    instances: ClassVar[list[FakeSMTP]] = []
    fail_with: ClassVar[Exception | None] = None

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[tuple[str, Any]] = []
        self.sent: list[EmailMessage] = []
        FakeSMTP.instances.append(self)

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


def test_without_a_mail_server_the_message_is_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    assert mail.send_mail("ada@example.org", "Hello", "A link: https://x.example/" + "a" * 90)
    (record,) = [r for r in caplog.records if r.name == "eduhub.mail"]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert "To: ada@example.org" in text
    assert "Subject: Hello" in text
    assert "https://x.example/" + "a" * 90 in text  # not wrapped or encoded


def test_with_a_mail_server_it_is_sent_over_smtp_with_starttls_and_login(
    smtp: type[FakeSMTP],
) -> None:
    assert mail.send_mail("ada@example.org", "Reset", "Body text")
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
    assert mail.send_mail("ada@example.org", "Reset", "Body")
    assert [name for name, _ in smtp.instances[0].calls] == ["quit"]


@pytest.mark.parametrize(
    "error", [smtplib.SMTPRecipientsRefused({}), ConnectionRefusedError(), TimeoutError()]
)
def test_send_failures_are_logged_not_raised(
    smtp: type[FakeSMTP], caplog: pytest.LogCaptureFixture, error: Exception
) -> None:
    smtp.fail_with = error
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    assert mail.send_mail("ada@example.org", "Reset", "Body") is False
    assert any(r.levelno == logging.ERROR for r in caplog.records if r.name == "eduhub.mail")


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
