"""Password reset for every role, without telling anyone which addresses have accounts (docs/design.md#wave-2).

- ``request_reset``: anyone may ask for an address; the answer is the same 202 whether or not it has an active
  account, and the e-mail goes out after the response (``BackgroundTasks``), so the answer's timing does not
  depend on the mail server either.
- ``confirm_reset``: a single-use, expiring token (only its SHA-256 is stored) sets a new password, bumps the
  token version and revokes every refresh token (all sessions end), and is audited.
- ``issue_reset_link``: an admin of the user's organization gets a single-use link to hand over in person
  when mail is not configured (or does not arrive).
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from app.auth.emails import fold_email
from app.auth.i18n import too_many_attempts
from app.auth.models import PasswordResetToken, UserAccount
from app.auth.service import _revoke_all_sessions, check_password_policy, find_user_by_email
from app.auth.throttle import ResetThrottle
from app.core import audit
from app.core.audit import Actor
from app.core.config import Settings
from app.core.errors import ProblemError, conflict
from app.core.mail import Mail, mail_configured
from app.core.security import PasswordService, hash_opaque_token, new_opaque_token
from app.core.types import table_of, utcnow

RESET_PATH = "/api/v1/auth/password-reset"  # GET: the form page (app/auth/reset_page.py)
CHANNEL_EMAIL = "email"
CHANNEL_ADMIN = "admin_link"
ACCEPTED_DETAIL = ("If the address belongs to an active account, a message with a reset link is on its way. "
                   "No message? Ask an administrator of your organization for a reset link.")


def invalid_token() -> ProblemError:
    return ProblemError(400, "invalid_reset_token",
                        "This reset link is not valid, was already used or has expired; ask for a new one.")


def reset_url(settings: Settings, raw: str, family: bool = False) -> str:
    """The link a person opens: this API's own reset page. The token travels in the fragment, which browsers
    never send to a server (no token in access logs or Referer headers); the page posts it to
    /auth/password-reset/confirm. A family liaison's link opens the family page's form instead, which works
    without JavaScript and so carries the token in the query (access logs record the path only; the page sends
    no Referer)."""
    base = settings.public_base_url.rstrip('/')
    if family:
        return f"{base}/family/password-reset/confirm?token={raw}"
    return f"{base}{RESET_PATH}#token={raw}"


def _revoke_outstanding(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    t = table_of(PasswordResetToken)
    session.execute(
        sa.update(t).where(t.c.user_id == user_id, t.c.used_at.is_(None), t.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _issue(session: Session, user: UserAccount, *, channel: str, lifetime: timedelta,
           created_by: uuid.UUID | None, raw: str) -> PasswordResetToken:
    now = utcnow()
    _revoke_outstanding(session, user.id, now)  # only the newest link works
    tok = PasswordResetToken(organization_id=user.organization_id, user_id=user.id,
                             token_hash=hash_opaque_token(raw), channel=channel, created_by=created_by,
                             created_at=now, expires_at=now + lifetime)
    session.add(tok)
    session.flush()
    return tok


_MAIL = {
    "en": {
        "subject": "Reset your Due Process password",
        "intro": "Someone (we hope you) asked to reset the password of your Due Process account.",
        "action": "Choose a new password with this link",
        "expires": "The link works once and expires in {minutes} minutes.",
        "ignore": "If you did not ask for this, ignore this message: your password stays as it is.",
    },
    "es": {
        "subject": "Restablezca su contraseña de Due Process",
        "intro": "Alguien (esperamos que usted) pidió restablecer la contraseña de su cuenta de Due Process.",
        "action": "Elija una contraseña nueva con este enlace",
        "expires": "El enlace funciona una sola vez y vence en {minutes} minutos.",
        "ignore": "Si usted no lo pidió, ignore este mensaje: su contraseña no cambia.",
    },
}


def reset_mail(settings: Settings, user: UserAccount, url: str) -> Mail:
    """Plain text and HTML; the subject carries no name or address."""
    t = _MAIL.get(user.preferred_language, _MAIL["en"])
    expires = t["expires"].format(minutes=settings.password_reset_minutes)
    text = f"{t['intro']}\n\n{t['action']}:\n{url}\n\n{expires}\n{t['ignore']}\n"
    safe_url = html.escape(url, quote=True)
    body = (f"<!doctype html><html><body><p>{html.escape(t['intro'])}</p>"
            f'<p><a href="{safe_url}">{html.escape(t["action"])}</a></p>'
            f"<p>{safe_url}</p><p>{html.escape(expires)}<br>{html.escape(t['ignore'])}</p></body></html>")
    return Mail(to=user.email, subject=t["subject"], text=text, html=body)


@dataclass
class ResetOutcome:
    """What the route does after the (identical) 202: maybe send one message."""

    mail: Mail | None = None


def request_reset(session: Session, settings: Settings, throttle: ResetThrottle, *, email: str, ip: str,
                  request_id: str | None, accept_language: str | None) -> ResetOutcome:
    """Start a reset by e-mail. Same answer for every address; only an active account with mail configured
    gets a token, and at most ``per_account`` of them per window."""
    wait = throttle.ip(ip)
    if wait is not None:
        raise too_many_attempts("reset", wait, accept_language)
    key = fold_email(email)
    raw = new_opaque_token()  # drawn for every request: the known and unknown paths do the same work first
    hash_opaque_token(raw)
    user = find_user_by_email(session, key) if 0 < len(key) <= 254 else None
    if throttle.request_for(key[:254]) is not None:
        return ResetOutcome()  # silently: the same 202, no further mail to that address in this window
    if user is None or not user.is_active:
        return ResetOutcome()
    actor = Actor(user.organization_id, user.id, user.role, request_id, ip)
    if not mail_configured(settings):
        # No token without a way to deliver it; the audit entry lets an admin see that someone is locked out.
        audit.record(session, actor, "auth.password_reset_requested", "user_account", user.id,
                     {"channel": CHANNEL_EMAIL, "mail_configured": False})
        session.commit()
        return ResetOutcome()
    tok = _issue(session, user, channel=CHANNEL_EMAIL, lifetime=timedelta(minutes=settings.password_reset_minutes),
                 created_by=None, raw=raw)
    audit.record(session, actor, "auth.password_reset_requested", "user_account", user.id,
                 {"channel": CHANNEL_EMAIL, "mail_configured": True, "token_id": str(tok.id)})
    mail = reset_mail(settings, user, reset_url(settings, raw, family=user.role == "family_liaison"))
    session.commit()
    return ResetOutcome(mail=mail)


def confirm_reset(session: Session, passwords: PasswordService, throttle: ResetThrottle, *, raw_token: str,
                  password: str, ip: str, request_id: str | None, accept_language: str | None) -> None:
    """Set a new password with a reset token; every session of the account ends."""
    wait = throttle.ip(ip)
    if wait is not None:
        raise too_many_attempts("reset", wait, accept_language)
    stmt = select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_opaque_token(raw_token))
    tok = session.exec(stmt.with_for_update()).first()
    now = utcnow()
    if tok is None or tok.used_at is not None or tok.revoked_at is not None or tok.expires_at <= now:
        raise invalid_token()
    user = session.get(UserAccount, tok.user_id)
    if user is None or user.organization_id != tok.organization_id or not user.is_active:
        raise invalid_token()
    wait = throttle.confirm_for(str(user.id))
    if wait is not None:
        raise too_many_attempts("reset", wait, accept_language)
    check_password_policy(password)
    user.password_hash = passwords.hash(password)
    user.updated_at = now
    tok.used_at = now
    session.add(tok)
    session.flush()
    _revoke_outstanding(session, user.id, now)
    _revoke_all_sessions(session, user)  # token_version + 1, refresh tokens revoked: old sessions die
    audit.record(session, Actor(user.organization_id, user.id, user.role, request_id, ip), "auth.password_reset",
                 "user_account", user.id, {"channel": tok.channel, "token_id": str(tok.id)})
    session.commit()


def issue_reset_link(ctx: audit.AuditActor, session: Session, settings: Settings,
                     user: UserAccount) -> tuple[str, datetime]:
    """An admin-issued single-use reset link for a user of the admin's organization."""
    if not user.is_active:
        raise conflict("user_inactive", "The account is deactivated; reactivate it before issuing a reset link.")
    raw = new_opaque_token()
    tok = _issue(session, user, channel=CHANNEL_ADMIN, lifetime=timedelta(hours=settings.password_reset_link_hours),
                 created_by=ctx.user_id, raw=raw)
    audit.record(session, ctx, "user.password_reset_link_issued", "user_account", user.id,
                 {"token_id": str(tok.id)})
    expires_at = tok.expires_at
    session.commit()
    return reset_url(settings, raw), expires_at
