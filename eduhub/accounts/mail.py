"""Outgoing email: SMTP when MAIL_SERVER is set, otherwise written to the log for development."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("eduhub.mail")


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text message; return whether it left. Failures are logged, never raised,
    so a broken mail server cannot reveal which addresses have accounts."""
    config = current_app.config
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
        return True
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %r to %s", subject, to)
        return False
    log.info("sent %r", subject)
    return True
