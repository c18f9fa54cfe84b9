"""Personal access tokens for integrations (docs/auth.md "Personal access tokens").

A token is ``dp_pat_`` + 256 random bits, shown once and stored as its SHA-256 digest (a fast hash is right for a
high-entropy secret and keeps every API call cheap: docs/DECISIONS.md). It carries a subset of its owner's
permissions (``scopes``), a required expiry (at most PERSONAL_ACCESS_TOKEN_MAX_DAYS), and the owner's token
version, so log out everywhere, a new password, a role change or a deactivation end it. Verification is in
app/auth/deps.py.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.credential_models import AccessTokenCreate, PersonalAccessToken
from app.auth.deps import PAT_PREFIX
from app.auth.models import UserAccount
from app.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from app.core import audit
from app.core.config import Settings
from app.core.errors import conflict, not_found, unprocessable
from app.core.security import hash_opaque_token
from app.core.types import utcnow

MAX_ACTIVE_TOKENS = 50  # per account: an integration needs a few; hundreds would be a leak waiting to happen
# Never grantable: a token cannot make tokens (and the routes refuse tokens anyway).
_NOT_GRANTABLE = frozenset({Permission.access_tokens_manage})


def grantable_scopes(role: str) -> list[str]:
    return sorted(p.value for p in ROLE_PERMISSIONS[Role(role)] - _NOT_GRANTABLE)


def new_token() -> str:
    return PAT_PREFIX + secrets.token_urlsafe(32)


def create(ctx: audit.AuditActor, session: Session, settings: Settings, user: UserAccount,
           body: AccessTokenCreate) -> tuple[PersonalAccessToken, str]:
    allowed = grantable_scopes(user.role)
    scopes = sorted(set(body.scopes))
    if any(s not in allowed for s in scopes):
        # The submitted values are not echoed (docs/design.md#errors); the allowed ones are listed instead.
        raise unprocessable("invalid_scope", "Scopes must be permissions of your role.", allowed=allowed)
    now = utcnow()
    if body.expires_at <= now + timedelta(minutes=1):
        raise unprocessable("invalid_expiry", "expires_at must be in the future.")
    if body.expires_at > now + timedelta(days=settings.personal_access_token_max_days):
        raise unprocessable("invalid_expiry",
                            f"expires_at may be at most {settings.personal_access_token_max_days} days ahead.")
    active = session.exec(select(func.count()).select_from(PersonalAccessToken).where(
        PersonalAccessToken.user_id == user.id, col(PersonalAccessToken.revoked_at).is_(None),
        PersonalAccessToken.expires_at > now)).one()
    if int(active) >= MAX_ACTIVE_TOKENS:
        raise conflict("too_many_tokens", f"At most {MAX_ACTIVE_TOKENS} active tokens; revoke one first.")
    raw = new_token()
    row = PersonalAccessToken(organization_id=user.organization_id, user_id=user.id, name=body.name,
                              token_hash=hash_opaque_token(raw), token_hint=raw[:len(PAT_PREFIX) + 4],
                              scopes=scopes, token_version=user.token_version, created_at=now,
                              expires_at=body.expires_at)
    session.add(row)
    session.flush()
    audit.record(session, ctx, "access_token.created", "personal_access_token", row.id,
                 {"scopes": scopes, "expires_at": body.expires_at.isoformat()})
    session.commit()
    session.refresh(row)
    return row, raw


def list_tokens(user_id: uuid.UUID) -> SelectOfScalar[PersonalAccessToken]:
    return select(PersonalAccessToken).where(PersonalAccessToken.user_id == user_id)


def revoke(ctx: audit.AuditActor, session: Session, user: UserAccount, token_id: uuid.UUID) -> None:
    """Revoke one of the caller's tokens (another user's or organization's token is a 404). Idempotent."""
    row = session.get(PersonalAccessToken, token_id)
    if row is None or row.user_id != user.id or row.organization_id != user.organization_id:
        raise not_found("access_token_not_found", "No such access token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, ctx, "access_token.revoked", "personal_access_token", row.id)
        session.commit()
