"""Outgoing mail over SMTP with the standard library (password-reset links).

Configured by ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USERNAME``, ``SMTP_PASSWORD``, ``SMTP_STARTTLS`` and
``MAIL_FROM``. Without ``SMTP_HOST`` and ``MAIL_FROM`` nothing is sent (``mail_configured`` is false) and the
callers offer another way (an admin-issued link). Port 465 means TLS from the first byte; any other port
upgrades with STARTTLS when ``SMTP_STARTTLS`` is true (the default), with certificate verification.
Logs never carry the recipient, the subject or the body: a reset link is a credential.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from app.core.config import Settings

log = logging.getLogger("app.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.mail_from)


def build_message(settings: Settings, mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2].strip("> ") or None)
    msg.set_content(mail.text)
    if mail.html is not None:
        msg.add_alternative(mail.html, subtype="html")
    return msg


def send(settings: Settings, mail: Mail) -> bool:
    """Send one message; True when the server accepted it. Failures are logged (without personal data) and
    answered with False: a caller on a request path must not reveal them."""
    if not mail_configured(settings):
        return False
    msg = build_message(settings, mail)
    timeout = settings.smtp_timeout_seconds
    try:
        smtp: smtplib.SMTP
        if settings.smtp_port == 465:
            smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with smtp:
            if settings.smtp_port != 465 and settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(msg)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail not sent", extra={"error_class": type(exc).__name__})
        return False
