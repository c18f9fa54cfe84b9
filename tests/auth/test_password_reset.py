"""Password reset for every role: e-mailed link (through a real SMTP server), admin-issued link, no user
enumeration, single use, expiry, sessions end, audited, throttled (docs/design.md#wave-2)."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from app.auth.throttle import ResetThrottle
from tests.conftest import ALL_ROLES, PASSWORD, assert_problem, mint_headers

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
TOKEN = "/api/v1/auth/token"
NEW_PASSWORD = "a brand new passphrase 2026"


class Inbox:
    """Messages received by the test SMTP server (aiosmtpd)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 10.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, rcpts, msg in self.messages:
                if to in rcpts:
                    return msg
            time.sleep(0.02)
        raise AssertionError(f"no message to {to}")

    def to(self, address: str) -> list[EmailMessage]:
        return [m for _, rcpts, m in self.messages if address in rcpts]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def mail_on(app: Any, smtp_server: tuple[Inbox, int]) -> Iterator[Inbox]:
    """The app sends mail to the test SMTP server (plain SMTP on loopback) for the length of a test."""
    inbox, port = smtp_server
    original = app.state.settings
    app.state.settings = original.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
        "mail_from": "Due Process <no-reply@dueprocess.example.org>",
        "public_base_url": "https://dp.example.org"})
    try:
        yield inbox
    finally:
        app.state.settings = original


@pytest.fixture
def fresh_throttle(app: Any) -> Iterator[list[float]]:
    """A reset throttle with a hand-driven clock (and generous limits unless a test sets others)."""
    now = [1000.0]
    original = getattr(app.state, "reset_throttle", None)
    app.state.reset_throttle = ResetThrottle(per_ip=1000, per_account=3, window_seconds=900, clock=lambda: now[0])
    try:
        yield now
    finally:
        app.state.reset_throttle = original


def _token_from(msg: EmailMessage) -> str:
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    [line] = [ln for ln in text.splitlines() if "token=" in ln]
    if "?token=" in line:  # a family liaison's link opens the family page's form (docs/family-page.md)
        assert line.startswith("https://dp.example.org/family/password-reset/confirm?token=")
        return line.split("?token=", 1)[1].strip()
    assert line.startswith("https://dp.example.org/api/v1/auth/password-reset#token=")
    return line.split("#token=", 1)[1].strip()


def login(client: Any, email: str, password: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


def _without_request_id(resp: Any) -> dict[str, Any]:
    body = resp.json()
    body.pop("request_id", None)
    return body


@pytest.mark.parametrize("role", ALL_ROLES)
def test_reset_by_email_end_to_end_for_every_role(client: Any, db: Any, org_a: Any, mail_on: Inbox,
                                                  fresh_throttle: Any, role: str) -> None:
    user = org_a.users[role]
    session = login(client, user.email, PASSWORD).json()
    old_headers = {"Authorization": f"Bearer {session['access_token']}"}

    r = client.post(RESET, json={"email": user.email.upper()})
    assert r.status_code == 202, r.text
    msg = mail_on.wait_for(user.email)
    assert msg["From"] == "Due Process <no-reply@dueprocess.example.org>"
    subject = str(msg["Subject"])
    assert subject == "Reset your Due Process password"
    assert user.email not in subject and user.full_name not in subject
    html = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    token = _token_from(msg)
    assert f"token={token}" in html
    assert user.full_name not in html and user.email not in html

    assert client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    # the old sessions are over: access token (token version) and refresh token
    assert_problem(client.get("/api/v1/auth/me", headers=old_headers), 401, "invalid_token")
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401)
    # the new password works, the old one does not, and the link works only once
    assert login(client, user.email, NEW_PASSWORD).status_code == 200
    assert login(client, user.email, PASSWORD).status_code == 401
    assert_problem(client.post(CONFIRM, json={"token": token, "password": "yet another passphrase 99"}),
                   400, "invalid_reset_token")

    from sqlmodel import select

    from app.auth.models import PasswordResetToken
    from app.core.audit import AuditEvent

    with db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                                                     AuditEvent.entity_id == str(user.id))
                                            .order_by(AuditEvent.seq)).all()]
        stored = s.exec(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id)).all()
    assert "auth.password_reset_requested" in actions and "auth.password_reset" in actions
    assert actions.index("auth.password_reset_requested") < actions.index("auth.password_reset")
    assert [t.token_hash for t in stored] != [token] and all(len(t.token_hash) == 64 for t in stored)
    assert all(token not in t.token_hash for t in stored)  # hashed at rest


def test_spanish_speaker_gets_the_mail_in_spanish(client: Any, org_a: Any, mail_on: Inbox,
                                                  fresh_throttle: Any) -> None:
    admin = org_a.h("admin")
    email = f"es-{uuid.uuid4().hex[:8]}@example.org"
    assert client.post("/api/v1/users", headers=admin, json={
        "email": email, "full_name": "Lucía Ramírez", "role": "paralegal", "password": PASSWORD + " x",
        "preferred_language": "es"}).status_code == 201
    assert client.post(RESET, json={"email": email}).status_code == 202
    msg = mail_on.wait_for(email)
    assert str(msg["Subject"]) == "Restablezca su contraseña de Due Process"
    assert "Elija una contraseña nueva" in msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def test_unknown_and_known_addresses_get_the_same_answer(client: Any, org_a: Any, mail_on: Inbox,
                                                         fresh_throttle: Any) -> None:
    known = client.post(RESET, json={"email": org_a.users["paralegal"].email})
    unknown_address = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    unknown = client.post(RESET, json={"email": unknown_address})
    malformed = client.post(RESET, json={"email": "not an address"})
    assert known.status_code == unknown.status_code == malformed.status_code == 202
    assert _without_request_id(known) == _without_request_id(unknown) == _without_request_id(malformed)
    assert set(known.headers) - {"x-request-id"} == set(unknown.headers) - {"x-request-id"}
    mail_on.wait_for(org_a.users["paralegal"].email)
    time.sleep(0.2)
    assert mail_on.to(unknown_address) == []


def test_deactivated_account_gets_no_mail(client: Any, org_a: Any, mail_on: Inbox, fresh_throttle: Any) -> None:
    admin = org_a.h("admin")
    email = f"left-{uuid.uuid4().hex[:8]}@example.org"
    uid = client.post("/api/v1/users", headers=admin, json={
        "email": email, "full_name": "Left The Team", "role": "paralegal", "password": PASSWORD + " x"}).json()["id"]
    assert client.patch(f"/api/v1/users/{uid}", headers={**admin, "If-Match": '"1"'},
                        json={"is_active": False}).status_code == 200
    assert client.post(RESET, json={"email": email}).status_code == 202
    time.sleep(0.2)
    assert mail_on.to(email) == []


def test_without_mail_nothing_is_sent_but_the_request_is_audited(client: Any, db: Any, org_a: Any,
                                                                  fresh_throttle: Any) -> None:
    from sqlmodel import select

    from app.auth.models import PasswordResetToken
    from app.core.audit import AuditEvent

    user = org_a.users["attorney"]
    r = client.post(RESET, json={"email": user.email})
    assert r.status_code == 202
    with db.session() as s:
        assert s.exec(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id)).all() == []
        ev = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                             AuditEvent.action == "auth.password_reset_requested")).one()
    assert ev.detail == {"channel": "email", "mail_configured": False}


def test_mail_server_down_still_answers_202(client: Any, app: Any, org_a: Any, fresh_throttle: Any) -> None:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port(),
                                                     "smtp_starttls": False, "mail_from": "dp@example.org",
                                                     "smtp_timeout_seconds": 2.0})
    try:
        assert client.post(RESET, json={"email": org_a.users["admin"].email}).status_code == 202
    finally:
        app.state.settings = original


def test_a_newer_link_replaces_the_older_one(client: Any, org_a: Any, mail_on: Inbox, fresh_throttle: Any) -> None:
    user = org_a.users["paralegal"]
    assert client.post(RESET, json={"email": user.email}).status_code == 202
    first = _token_from(mail_on.wait_for(user.email))
    link = client.post(f"/api/v1/users/{user.id}/password-reset-link", headers=org_a.h("admin")).json()
    assert_problem(client.post(CONFIRM, json={"token": first, "password": NEW_PASSWORD}), 400, "invalid_reset_token")
    second = link["reset_url"].split("#token=", 1)[1]
    assert client.post(CONFIRM, json={"token": second, "password": NEW_PASSWORD}).status_code == 204


def test_expired_token_is_refused(client: Any, db: Any, org_a: Any, fresh_throttle: Any) -> None:
    from app.auth.models import PasswordResetToken
    from app.core.security import hash_opaque_token
    from app.core.types import utcnow

    user = org_a.users["attorney"]
    link = client.post(f"/api/v1/users/{user.id}/password-reset-link", headers=org_a.h("admin")).json()
    raw = link["reset_url"].split("#token=", 1)[1]
    from sqlmodel import select

    with db.session(write=True) as s:
        tok = s.exec(select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_opaque_token(raw))).one()
        tok.expires_at = utcnow() - timedelta(seconds=1)
        s.add(tok)
        s.commit()
    assert_problem(client.post(CONFIRM, json={"token": raw, "password": NEW_PASSWORD}), 400, "invalid_reset_token")
    assert login(client, user.email, PASSWORD).status_code == 200


@pytest.mark.parametrize("body, status, code", [
    ({"token": "x" * 43, "password": NEW_PASSWORD}, 400, "invalid_reset_token"),
    ({"token": "", "password": NEW_PASSWORD}, 422, "validation_error"),
    ({"token": "abc", "password": "short"}, 422, "validation_error"),
    ({"token": "abc"}, 422, "validation_error"),
    ({"token": "abc", "password": NEW_PASSWORD, "email": "x@example.org"}, 422, "validation_error"),
])
def test_confirm_invalid_input(client: Any, fresh_throttle: Any, body: dict[str, Any], status: int,
                               code: str) -> None:
    assert_problem(client.post(CONFIRM, json=body), status, code)


@pytest.mark.parametrize("body", [{}, {"email": ""}, {"email": "x" * 321}, {"email": 42}, {"email": "a@b.c", "x": 1}])
def test_request_invalid_input(client: Any, fresh_throttle: Any, body: dict[str, Any]) -> None:
    assert_problem(client.post(RESET, json=body), 422, "validation_error")


def test_weak_password_keeps_the_token_usable(client: Any, org_a: Any, fresh_throttle: Any) -> None:
    user = org_a.users["paralegal"]
    raw = client.post(f"/api/v1/users/{user.id}/password-reset-link",
                      headers=org_a.h("admin")).json()["reset_url"].split("#token=", 1)[1]
    assert_problem(client.post(CONFIRM, json={"token": raw, "password": "passwordpassword"}), 422, "weak_password")
    assert client.post(CONFIRM, json={"token": raw, "password": NEW_PASSWORD}).status_code == 204


# --- admin-issued link -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_admins_issue_reset_links(client: Any, org_a: Any, role: str) -> None:
    target = org_a.users["paralegal"]
    r = client.post(f"/api/v1/users/{target.id}/password-reset-link", headers=org_a.h(role))
    if role == "admin":
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) == {"reset_url", "expires_at"}
        assert "#token=" in body["reset_url"]
    else:
        assert_problem(r, 403, "forbidden")


def test_admin_link_end_to_end(client: Any, db: Any, settings: Any, org_a: Any, fresh_throttle: Any) -> None:
    from datetime import datetime

    from sqlmodel import select

    from app.auth.models import UserAccount
    from app.core.audit import AuditEvent

    target = org_a.users["attorney"]
    with db.session() as s:
        before = mint_headers(settings, s.get(UserAccount, target.id))
    r = client.post(f"/api/v1/users/{target.id}/password-reset-link", headers=org_a.h("admin"))
    assert r.status_code == 201
    body = r.json()
    assert body["reset_url"].startswith(settings.public_base_url.rstrip("/") + "/api/v1/auth/password-reset#token=")
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    from app.core.types import utcnow

    assert timedelta(hours=23) < expires - utcnow() <= timedelta(hours=24)
    raw = body["reset_url"].split("#token=", 1)[1]
    assert client.post(CONFIRM, json={"token": raw, "password": NEW_PASSWORD}).status_code == 204
    assert_problem(client.get("/api/v1/auth/me", headers=before), 401)
    assert login(client, target.email, NEW_PASSWORD).status_code == 200
    assert_problem(client.post(CONFIRM, json={"token": raw, "password": NEW_PASSWORD}), 400, "invalid_reset_token")
    with db.session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                                 AuditEvent.entity_id == str(target.id))
                        .order_by(AuditEvent.seq)).all()
    issued = [e for e in events if e.action == "user.password_reset_link_issued"]
    done = [e for e in events if e.action == "auth.password_reset"]
    assert len(issued) == 1 and issued[0].actor_user_id == org_a.users["admin"].id
    assert len(done) == 1 and done[0].detail["channel"] == "admin_link"
    assert raw not in str([e.detail for e in events])


def test_admin_link_other_org_is_404_and_bad_id_422(client: Any, org_a: Any, org_b: Any) -> None:
    h = org_a.h("admin")
    assert_problem(client.post(f"/api/v1/users/{org_b.users['attorney'].id}/password-reset-link", headers=h),
                   404, "user_not_found")
    assert_problem(client.post(f"/api/v1/users/{uuid.uuid4()}/password-reset-link", headers=h), 404, "user_not_found")
    assert_problem(client.post("/api/v1/users/not-a-uuid/password-reset-link", headers=h), 422, "validation_error")
    assert_problem(client.post(f"/api/v1/users/{org_a.users['attorney'].id}/password-reset-link"), 401)


def test_admin_link_for_a_deactivated_user_is_refused(client: Any, org_a: Any) -> None:
    admin = org_a.h("admin")
    uid = client.post("/api/v1/users", headers=admin, json={
        "email": f"off-{uuid.uuid4().hex[:8]}@example.org", "full_name": "Switched Off", "role": "paralegal",
        "password": PASSWORD + " x"}).json()["id"]
    link = client.post(f"/api/v1/users/{uid}/password-reset-link", headers=admin).json()
    assert client.patch(f"/api/v1/users/{uid}", headers={**admin, "If-Match": '"1"'},
                        json={"is_active": False}).status_code == 200
    assert_problem(client.post(f"/api/v1/users/{uid}/password-reset-link", headers=admin), 409, "user_inactive")
    # a link issued before the deactivation does not bring the account back
    raw = link["reset_url"].split("#token=", 1)[1]
    assert_problem(client.post(CONFIRM, json={"token": raw, "password": NEW_PASSWORD}), 400, "invalid_reset_token")


# --- throttling ------------------------------------------------------------------------------------

def test_requests_are_throttled_per_address_in_the_browsers_language(client: Any, app: Any,
                                                                     fresh_throttle: list[float]) -> None:
    app.state.reset_throttle.per_ip = 2
    for _ in range(2):
        assert client.post(RESET, json={"email": f"x-{uuid.uuid4().hex[:6]}@example.org"}).status_code == 202
    r = client.post(RESET, json={"email": "someone@example.org"}, headers={"Accept-Language": "es-MX,es;q=0.9"})
    body = assert_problem(r, 429, "too_many_attempts")
    assert 0 < int(r.headers["Retry-After"]) <= 900 and body["retry_after"] == int(r.headers["Retry-After"])
    assert body["detail"].startswith("Demasiadas solicitudes") and "15 minutos" in body["detail"]
    assert r.headers["content-language"] == "es"
    r = client.post(CONFIRM, json={"token": "t" * 43, "password": NEW_PASSWORD})
    assert assert_problem(r, 429, "too_many_attempts")["detail"].startswith("Too many password-reset requests")
    fresh_throttle[0] += 901
    assert client.post(RESET, json={"email": "someone@example.org"}).status_code == 202


def test_requests_for_one_address_send_at_most_three_mails(client: Any, org_a: Any, mail_on: Inbox,
                                                           fresh_throttle: list[float]) -> None:
    user = org_a.users["admin"]
    answers = [client.post(RESET, json={"email": user.email}) for _ in range(5)]
    assert [a.status_code for a in answers] == [202] * 5
    assert len({str(_without_request_id(a)) for a in answers}) == 1  # the 4th and 5th look the same
    time.sleep(0.2)
    assert len(mail_on.to(user.email)) == 3
    fresh_throttle[0] += 901
    assert client.post(RESET, json={"email": user.email}).status_code == 202
    deadline = time.monotonic() + 5
    while len(mail_on.to(user.email)) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(mail_on.to(user.email)) == 4


def test_confirmations_are_throttled_per_account(client: Any, app: Any, org_a: Any,
                                                 fresh_throttle: list[float]) -> None:
    user = org_a.users["paralegal"]
    raw = client.post(f"/api/v1/users/{user.id}/password-reset-link",
                      headers=org_a.h("admin")).json()["reset_url"].split("#token=", 1)[1]
    limit = app.state.reset_throttle.per_account + 2
    for _ in range(limit):
        assert_problem(client.post(CONFIRM, json={"token": raw, "password": "passwordpassword"}), 422, "weak_password")
    r = client.post(CONFIRM, json={"token": raw, "password": NEW_PASSWORD})
    assert_problem(r, 429, "too_many_attempts")
    assert int(r.headers["Retry-After"]) > 0
    fresh_throttle[0] += 901
    assert client.post(CONFIRM, json={"token": raw, "password": NEW_PASSWORD}).status_code == 204


def test_the_link_opens_a_form_page(client: Any, org_a: Any) -> None:
    """The reset link leads to this API's own page: a form with a strict CSP that allows only its own inline
    script and style, and carries no secret."""
    import base64
    import hashlib
    import re

    from app.auth import reset_page

    url = client.post(f"/api/v1/users/{org_a.users['paralegal'].id}/password-reset-link",
                      headers=org_a.h("admin")).json()["reset_url"]
    path = url.split("#", 1)[0].split("://", 1)[1].split("/", 1)[1]
    r = client.get("/" + path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "form-action 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", r.text, re.S).group(1)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp and "unsafe-inline" not in csp
    assert 'fetch("password-reset/confirm"' in script and "history.replaceState" in script
    assert r.text == reset_page.PAGE
    assert client.head("/" + path).status_code == 200
