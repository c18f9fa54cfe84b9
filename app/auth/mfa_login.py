"""The second step of a sign-in: ``POST /auth/token/mfa {"mfa_token", "code"}`` (docs/auth.md)."""

from __future__ import annotations

from sqlmodel import Session

from app.auth import mfa
from app.auth.models import UserAccount
from app.auth.service import TokenPair, issue_tokens
from app.auth.throttle import BackoffCounter
from app.core import audit
from app.core.audit import Actor
from app.core.config import Settings
from app.core.errors import unauthorized
from app.core.security import InvalidToken, decode_mfa_token


def exchange(session: Session, settings: Settings, throttle: BackoffCounter, *, mfa_token: str, code: str,
             ip: str, request_id: str | None, accept_language: str | None = None) -> TokenPair:
    """A current TOTP code or an unused recovery code turns the ``mfa_token`` into the usual token pair.

    Wrong codes count against the account (not the address: the mfa_token already proves the password) and
    are audited; a code is good once (app/auth/mfa.py)."""
    invalid_token = unauthorized("invalid_mfa_token", "The sign-in step expired or is invalid. Sign in again.")
    try:
        claims = decode_mfa_token(mfa_token, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    except InvalidToken:
        raise invalid_token from None
    user = session.get(UserAccount, claims.user_id)
    if (user is None or not user.is_active or not user.mfa_enabled or user.organization_id != claims.org_id
            or user.token_version != claims.token_version):
        raise invalid_token
    actor = Actor(user.organization_id, user.id, user.role, request_id, ip)
    key = mfa.reserve_attempt(throttle, user, accept_language)
    method = mfa.verify(session, user, code)
    if method is None:
        throttle.failed(key)
        session.rollback()
        audit.record(session, actor, "auth.mfa_failed", "user_account", user.id,
                     {"failures": throttle.failures(key)})
        session.commit()
        raise unauthorized("invalid_mfa_code", "The code is not correct.")
    throttle.succeeded(key)
    pair = issue_tokens(session, settings, user)
    audit.record(session, actor, "auth.login", "user_account", user.id, {"mfa": method})
    session.commit()
    return pair
