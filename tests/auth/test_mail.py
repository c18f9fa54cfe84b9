"""app/core/mail.py against a real SMTP server (aiosmtpd on loopback): login, plain text + HTML, failures."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from typing import Any

from app.core.config import Settings
from app.core.mail import Mail, build_message, mail_configured, send


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.received.append((envelope, session.authenticated))
        return "250 OK"


def test_send_with_login_text_and_html(settings: Settings) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"relay", b"s3cret")
        return AuthResult(success=ok)

    handler = _Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        cfg = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
                                          "smtp_username": "relay", "smtp_password": "s3cret",
                                          "mail_from": "Due Process <no-reply@example.org>"})
        assert mail_configured(cfg)
        assert send(cfg, Mail(to="rosa@example.org", subject="Hello", text="Plain body", html="<p>HTML body</p>"))
        deadline = time.monotonic() + 5
        while not handler.received and time.monotonic() < deadline:
            time.sleep(0.02)
        envelope, authenticated = handler.received[0]
        assert authenticated
        assert envelope.rcpt_tos == ["rosa@example.org"]
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        assert msg["Subject"] == "Hello" and msg["Message-ID"].endswith("@example.org>")
        assert msg.get_body(preferencelist=("plain",)).get_content().strip() == "Plain body"  # type: ignore[union-attr]
        assert "HTML body" in msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        # a wrong password is a failed send, not an exception
        bad = cfg.model_copy(update={"smtp_password": "wrong"})
        assert send(bad, Mail(to="rosa@example.org", subject="x", text="x")) is False
    finally:
        controller.stop()


def test_not_configured_and_unreachable(settings: Settings) -> None:
    assert not mail_configured(settings)  # no SMTP_HOST by default
    assert send(settings, Mail(to="a@example.org", subject="x", text="x")) is False
    down = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port(), "mail_from": "a@b.org",
                                       "smtp_timeout_seconds": 2.0})
    assert send(down, Mail(to="a@example.org", subject="x", text="x")) is False


def test_text_only_message(settings: Settings) -> None:
    cfg = settings.model_copy(update={"mail_from": "dp@example.org"})
    msg = build_message(cfg, Mail(to="a@example.org", subject="S", text="only text"))
    assert msg.get_content_type() == "text/plain"
