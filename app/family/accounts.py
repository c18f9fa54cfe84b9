"""Signing in to the family page, accepting an invitation, and resetting a password from the page.

Sign-in uses the same throttle and the same password checks as the API's ``/auth/token`` (app/auth/service.py
``login``): the attempt is reserved before the password is verified, unknown addresses cost a dummy hash, and a
wrong address and a wrong password answer identically. Only a family liaison gets a page session; a staff member
with the right password is told to use the team's application (nothing is revealed to someone without it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.auth.emails import fold_email
from app.auth.models import UserAccount
from app.auth.permissions import Role
from app.auth.service import find_user_by_email
from app.auth.throttle import LoginThrottle
from app.core import audit
from app.core.audit import Actor
from app.core.config import Settings
from app.core.security import PasswordService, hash_opaque_token
from app.core.types import utcnow
from app.family import sessions
from app.portal.models import LiaisonInvitation


class SignInRefused(Exception):
    """``reason``: ``bad_login``, ``staff_here`` or ``throttled`` (then ``retry_after`` seconds)."""

    def __init__(self, reason: str, retry_after: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def sign_in(session: Session, settings: Settings, passwords: PasswordService, throttle: LoginThrottle, *,
            email: str, password: str, ip: str, request_id: str | None) -> str:
    """Check the password (throttled) and open a page session; returns the raw cookie value."""
    account_key = fold_email(email)[:320]
    attempt, wait = throttle.reserve(account_key, ip)
    if attempt is None:
        raise SignInRefused("throttled", int(wait or 1))
    try:
        user = find_user_by_email(session, account_key) if account_key else None
        if user is None:
            passwords.verify_dummy(password)
            throttle.failed(attempt)
            raise SignInRefused("bad_login")
        ok, upgraded = passwords.verify(password, user.password_hash)
        actor = Actor(user.organization_id, user.id, user.role, request_id, ip)
        if not ok or not user.is_active:
            throttle.failed(attempt)
            audit.record(session, actor, "auth.login_failed", "user_account", user.id, {"via": "family_page"})
            session.commit()
            raise SignInRefused("bad_login")
        if user.role != Role.family_liaison:
            throttle.succeeded(attempt)  # the right password: not a guess
            raise SignInRefused("staff_here")
        if upgraded:
            user.password_hash = upgraded
        raw = sessions.start(session, settings, user)
        audit.record(session, actor, "auth.login", "user_account", user.id, {"via": "family_page"})
        session.commit()
        throttle.succeeded(attempt)
        return raw
    finally:
        throttle.release(attempt)


@dataclass
class InvitationState:
    """What the invitation page shows: the form (``problem`` None) or a plain message, in ``lang``."""

    problem: str | None
    lang: str | None
    user: UserAccount | None = None


def invitation_state(session: Session, raw_token: str) -> InvitationState:
    """The invitation behind a link, checked as ``accept_invitation`` will check it (without changing it)."""
    if not raw_token or len(raw_token) > 256:
        return InvitationState("invitation_not_found", None)
    inv = session.exec(select(LiaisonInvitation).where(
        LiaisonInvitation.token_hash == hash_opaque_token(raw_token))).first()
    if inv is None:
        return InvitationState("invitation_not_found", None)
    user = session.get(UserAccount, inv.user_id)
    lang = user.preferred_language if user is not None else None
    if inv.used_at is not None:
        return InvitationState("invitation_used", lang, user)
    if inv.revoked_at is not None or user is None or user.role != Role.family_liaison:
        return InvitationState("invitation_revoked", lang, user)
    if inv.expires_at <= utcnow():
        return InvitationState("invitation_expired", lang, user)
    return InvitationState(None, lang, user)
