"""Login, token rotation, logout, password change, and user administration."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.emails import fold_email, normalize_email
from app.auth.i18n import too_many_attempts
from app.auth.models import Organization, RefreshToken, UserAccount, UserCreate, UserUpdate
from app.auth.permissions import Role
from app.auth.throttle import BackoffCounter, LoginThrottle
from app.core import audit
from app.core.audit import Actor
from app.core.concurrency import claim_version
from app.core.config import Settings
from app.core.errors import ProblemError, conflict, not_found, unauthorized
from app.core.security import (
    PasswordService,
    create_access_token,
    create_mfa_token,
    hash_opaque_token,
    new_opaque_token,
)
from app.core.types import table_of, utcnow

INVALID_CREDENTIALS = ("invalid_credentials", "Incorrect e-mail or password.")
COMMON_PASSWORDS = frozenset(
    {"password1234", "123456789012", "qwertyuiopas", "passwordpassword", "iloveyou1234", "letmein12345"}
)


@dataclass
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str


def check_password_policy(password: str) -> None:
    if password.casefold() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise ProblemError(422, "weak_password", "Choose a longer, less common password.")


def slugify(name: str) -> str:
    """URL-safe name plus 48 random bits. Six hex digits (24 bits) collided: a test run creates about 1,500
    organizations, mostly with the same few names, and hit the unique constraint in roughly one run in fifteen."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "org"
    return f"{slug}-{uuid.uuid4().hex[:12]}"


def create_organization(session: Session, name: str, timezone: str = "America/New_York") -> Organization:
    org = Organization(name=name, slug=slugify(name), timezone=timezone)
    session.add(org)
    session.flush()
    audit.ensure_chain(session, org.id)
    return org


def find_user_by_email(session: Session, email: str) -> UserAccount | None:
    """The account whose address folds like ``email`` (NFC + Unicode case folding in Python: the same on SQLite
    and PostgreSQL, app/auth/emails.py)."""
    stmt = select(UserAccount).where(UserAccount.email_folded == fold_email(email))
    return session.exec(stmt).first()


def _issue_tokens(session: Session, settings: Settings, user: UserAccount,
                  family_id: uuid.UUID | None = None, parent: RefreshToken | None = None) -> TokenPair:
    now = utcnow()
    access, expires_in = create_access_token(
        key=settings.jwt_secret_key, issuer=settings.jwt_issuer, user_id=user.id,
        org_id=user.organization_id, token_version=user.token_version, minutes=settings.access_token_minutes,
    )
    raw = new_opaque_token()
    family_expires = parent.family_expires_at if parent else now + timedelta(
        hours=settings.refresh_token_absolute_hours
    )
    idle_expires = min(now + timedelta(minutes=settings.refresh_token_idle_minutes), family_expires)
    session.add(RefreshToken(
        organization_id=user.organization_id, user_id=user.id, family_id=family_id or uuid.uuid4(),
        parent_id=parent.id if parent else None, token_hash=hash_opaque_token(raw), issued_at=now,
        expires_at=idle_expires, family_expires_at=family_expires,
    ))
    return TokenPair(access_token=access, expires_in=expires_in, refresh_token=raw)


def issue_tokens(session: Session, settings: Settings, user: UserAccount) -> TokenPair:
    """A new access and refresh token pair (a new refresh family): the end of a sign-in."""
    return _issue_tokens(session, settings, user)


def login(session: Session, settings: Settings, passwords: PasswordService, throttle: LoginThrottle,
          *, email: str, password: str, ip: str, request_id: str | None,
          accept_language: str | None = None) -> TokenPair:
    """Password login. Unknown e-mail and wrong password answer identically (docs/security-model.md#login-attacks).

    The attempt is reserved in the throttle (counted as a failure) *before* the password is verified and given
    back only on success, so parallel guesses cannot pass the limits (docs/SECURITY.md "Login throttling")."""
    account_key = fold_email(email)[:320]
    attempt, wait = throttle.reserve(account_key, ip)
    if attempt is None:
        # Told in the language the browser asks for, never the account's (that would confirm the account).
        raise too_many_attempts("login", wait or 1, accept_language)
    try:
        user = find_user_by_email(session, account_key) if len(account_key) <= 320 else None
        if user is None:
            passwords.verify_dummy(password)
            throttle.failed(attempt)
            raise unauthorized(*INVALID_CREDENTIALS)
        ok, upgraded = passwords.verify(password, user.password_hash)
        actor = Actor(user.organization_id, user.id, user.role, request_id, ip)
        if not ok or not user.is_active:
            throttle.failed(attempt)
            audit.record(session, actor, "auth.login_failed", "user_account", user.id)
            session.commit()
            raise unauthorized(*INVALID_CREDENTIALS)
        if upgraded:
            user.password_hash = upgraded  # legacy bcrypt or old Argon2 parameters -> current Argon2id
        if user.mfa_enabled:
            # The password was right; the second step is POST /auth/token/mfa (docs/auth.md). The mfa_token is
            # good only there, for MFA_TOKEN_MINUTES; the code check has its own throttle.
            challenge = create_mfa_token(key=settings.jwt_secret_key, issuer=settings.jwt_issuer, user_id=user.id,
                                         org_id=user.organization_id, token_version=user.token_version,
                                         minutes=settings.mfa_token_minutes)
            audit.record(session, actor, "auth.mfa_challenge", "user_account", user.id)
            session.commit()
            throttle.succeeded(attempt)
            raise ProblemError(401, "mfa_required", "Enter the code from your authenticator app.",
                               headers={"WWW-Authenticate": "Bearer"},
                               extra={"mfa_token": challenge, "mfa_methods": ["totp", "recovery_code"]})
        pair = _issue_tokens(session, settings, user)
        audit.record(session, actor, "auth.login", "user_account", user.id)
        session.commit()
        throttle.succeeded(attempt)
        return pair
    finally:
        throttle.release(attempt)  # an error before any answer: neither success nor failure (no-op otherwise)


def _revoke_family(session: Session, family_id: uuid.UUID) -> None:
    t = table_of(RefreshToken)
    session.execute(
        sa.update(t)
        .where(t.c.family_id == family_id, t.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _lookup_refresh(session: Session, raw: str) -> RefreshToken | None:
    stmt = select(RefreshToken).where(RefreshToken.token_hash == hash_opaque_token(raw))
    return session.exec(stmt.with_for_update()).first()


def refresh(session: Session, settings: Settings, *, raw_token: str, request_id: str | None,
            ip: str) -> TokenPair:
    """Rotate a refresh token; a replayed (already used) token revokes its whole family."""
    invalid = unauthorized("invalid_refresh_token", "The refresh token is invalid or expired.")
    tok = _lookup_refresh(session, raw_token)
    now = utcnow()
    if tok is None or tok.revoked_at is not None:
        raise invalid
    user = session.get(UserAccount, tok.user_id)
    if tok.used_at is not None:
        _revoke_family(session, tok.family_id)
        if user is not None:
            audit.record(session, Actor(user.organization_id, user.id, user.role, request_id, ip),
                         "auth.refresh_replay", "user_account", user.id)
        session.commit()
        raise invalid
    if tok.expires_at <= now or tok.family_expires_at <= now or user is None or not user.is_active:
        raise invalid
    tok.used_at = now
    pair = _issue_tokens(session, settings, user, family_id=tok.family_id, parent=tok)
    session.commit()
    return pair


def logout(session: Session, *, raw_token: str) -> None:
    """Revoke the refresh token's family. Unknown tokens are ignored (no oracle)."""
    tok = _lookup_refresh(session, raw_token)
    if tok is not None:
        _revoke_family(session, tok.family_id)
        user = session.get(UserAccount, tok.user_id)
        if user is not None:
            audit.record(session, Actor(user.organization_id, user.id, user.role, None, None),
                         "auth.logout", "user_account", user.id)
        session.commit()


def _revoke_all_sessions(session: Session, user: UserAccount) -> None:
    """End every login of the user: access tokens (token version), refresh tokens, and the calendar feed's
    token (a feed URL is a bearer credential too; after "log out everywhere" or a new password it must stop)."""
    user.token_version += 1
    user.calendar_token_hash = None
    t = table_of(RefreshToken)
    session.execute(
        sa.update(t)
        .where(t.c.user_id == user.id, t.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def logout_all(ctx: audit.AuditActor, session: Session, user: UserAccount) -> None:
    _revoke_all_sessions(session, user)
    audit.record(session, ctx, "auth.logout_all", "user_account", user.id)
    session.commit()


def change_password(ctx: audit.AuditActor, session: Session, passwords: PasswordService,
                    user: UserAccount, current: str, new: str, *, throttle: BackoffCounter | None = None,
                    accept_language: str | None = None) -> None:
    """Needs the current password. Wrong current passwords are throttled per account (reserved before the
    verification, like sign-in) and audited as ``auth.password_change_failed``: an access token alone must not
    be a password oracle."""
    key = f"u:{user.id}"
    if throttle is not None:
        wait = throttle.reserve(key)
        if wait is not None:
            raise too_many_attempts("password", wait, accept_language)
    ok, _ = passwords.verify(current, user.password_hash)
    if not ok:
        if throttle is not None:
            throttle.failed(key)
        # No secret in the detail: only why, and how many failures the account has now.
        audit.record(session, ctx, "auth.password_change_failed", "user_account", user.id,
                     {"reason": "wrong_current_password",
                      "failures": throttle.failures(key) if throttle is not None else None})
        session.commit()
        raise ProblemError(403, "wrong_password", "The current password is not correct.")
    if throttle is not None:
        throttle.succeeded(key)
    check_password_policy(new)
    user.password_hash = passwords.hash(new)
    user.updated_at = utcnow()
    _revoke_all_sessions(session, user)
    audit.record(session, ctx, "auth.password_changed", "user_account", user.id)
    session.commit()


def set_calendar_token(ctx: audit.AuditActor, session: Session, user: UserAccount) -> str:
    raw = new_opaque_token()
    user.calendar_token_hash = hash_opaque_token(raw)
    audit.record(session, ctx, "calendar_token.created", "user_account", user.id)
    session.commit()
    return raw


def revoke_calendar_token(ctx: audit.AuditActor, session: Session, user: UserAccount) -> None:
    user.calendar_token_hash = None
    audit.record(session, ctx, "calendar_token.revoked", "user_account", user.id)
    session.commit()


def user_for_calendar_token(session: Session, raw: str) -> UserAccount | None:
    if not raw or len(raw) > 128:
        return None
    user = session.exec(select(UserAccount).where(UserAccount.calendar_token_hash == hash_opaque_token(raw))).first()
    return user if user is not None and user.is_active else None


# --- user administration ----------------------------------------------------------------------

def _like(q: str) -> str:
    return "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_users(session: Session, org_id: uuid.UUID, *, role: str | None, is_active: bool | None,
               q: str | None, name_q: str | None = None) -> SelectOfScalar[UserAccount]:
    """``q`` matches e-mail or name (admins); ``name_q`` matches the name only (the staff directory)."""
    stmt = select(UserAccount).where(UserAccount.organization_id == org_id)
    if role:
        stmt = stmt.where(UserAccount.role == role)
    if is_active is not None:
        stmt = stmt.where(UserAccount.is_active == is_active)
    if q:
        # The e-mail side searches the folded address (Unicode case folding on both backends, app/auth/emails.py).
        stmt = stmt.where(sa.or_(col(UserAccount.email_folded).like(_like(fold_email(q)), escape="\\"),
                                 func.lower(UserAccount.full_name).like(_like(q), escape="\\")))
    if name_q:
        stmt = stmt.where(func.lower(UserAccount.full_name).like(_like(name_q), escape="\\"))
    return stmt


def get_user(session: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> UserAccount:
    user = session.get(UserAccount, user_id)
    if user is None or user.organization_id != org_id:
        raise not_found("user_not_found", "No such user.")
    return user


def create_user(ctx: audit.AuditActor, session: Session, passwords: PasswordService, body: UserCreate,
                *, org_id: uuid.UUID) -> UserAccount:
    # Every check of the request comes before the one that depends on other organizations' rows: the 409 is the
    # last answer a complete, valid request can get, never a cheap probe of which addresses exist.
    check_password_policy(body.password)
    email = normalize_email(body.email)  # 422 confusable_email
    if find_user_by_email(session, email) is not None:
        raise conflict("email_taken", "A user with this e-mail already exists.")
    data = body.model_dump(exclude={"password"})
    user = UserAccount(**data, organization_id=org_id, password_hash=passwords.hash(body.password))
    user.email = email
    session.add(user)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise conflict("email_taken", "A user with this e-mail already exists.") from None
    audit.record(session, ctx, "user.created", "user_account", user.id, {"role": user.role})
    session.commit()
    return user


def _active_admins(session: Session, org_id: uuid.UUID) -> int:
    # Lock the organization row first so two concurrent demotions cannot both pass the check.
    session.exec(select(Organization).where(Organization.id == org_id).with_for_update()).first()
    stmt = select(func.count()).select_from(UserAccount).where(
        UserAccount.organization_id == org_id, UserAccount.role == Role.admin, UserAccount.is_active == True  # noqa: E712
    )
    return int(session.exec(stmt).one())


def update_user(ctx: audit.AuditActor, session: Session, user: UserAccount, body: UserUpdate,
                expected_version: int) -> UserAccount:
    changes = body.model_dump(exclude_unset=True)
    if "is_active" in changes and changes["is_active"] is None:
        raise ProblemError(422, "validation_error", "is_active may not be null.")
    if "role" in changes and changes["role"] is None:
        raise ProblemError(422, "validation_error", "role may not be null.")
    loses_admin = user.role == Role.admin and user.is_active and (
        ("role" in changes and changes["role"] != Role.admin) or changes.get("is_active") is False
    )
    if loses_admin and _active_admins(session, user.organization_id) <= 1:
        raise conflict("last_admin", "The organization must keep at least one active admin.")
    claim_version(session, user, expected_version)
    security_change = ("role" in changes and changes["role"] != user.role) or changes.get("is_active") is False
    for key, value in changes.items():
        setattr(user, key, value)
    user.updated_at = utcnow()
    if security_change:
        # role change / deactivation ends every session (docs/security-model.md#token-attacks)
        _revoke_all_sessions(session, user)
    audit.record(session, ctx, "user.updated", "user_account", user.id, {"fields": sorted(changes)})
    session.commit()
    return user


def bootstrap_admin(session: Session, passwords: PasswordService, *, org_name: str, email: str,
                    password: str, full_name: str = "Administrator") -> UserAccount:
    """Create an organization and its first admin (CLI create-admin, make run)."""
    email = normalize_email(email)
    if find_user_by_email(session, email) is not None:
        raise conflict("email_taken", "A user with this e-mail already exists.")
    check_password_policy(password)
    org = create_organization(session, org_name)
    user = UserAccount(organization_id=org.id, email=email, full_name=full_name, role=Role.admin,
                       password_hash=passwords.hash(password))
    session.add(user)
    session.flush()
    audit.record_raw(session, org_id=org.id, action="user.created", entity_type="user_account",
                     entity_id=user.id, detail={"role": "admin", "via": "cli"})
    session.commit()
    return user


def count_users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(UserAccount)).one())


def as_of(dt: datetime) -> str:
    return dt.isoformat()
