"""TOTP multi-factor sign-in with recovery codes (docs/auth.md "Multi-factor sign-in").

Enrollment is two steps: ``start_enrollment`` makes a pending secret and ten recovery codes (shown once), and
``confirm_enrollment`` turns it on when the first code from the authenticator matches. From then on a correct
password gives an ``mfa_token`` (app/auth/service.py ``login``), which ``exchange`` turns into the usual tokens
with a current code or an unused recovery code.

Every code check — confirm, sign-in, removal — is counted per account by one backoff counter (reserve before
verifying, like the password: docs/SECURITY.md "Login throttling") and audited when it fails.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.auth.credential_models import MfaRecoveryCode, MfaStatus, MfaTotp, TotpDisable, TotpEnrollment
from app.auth.i18n import too_many_attempts
from app.auth.models import UserAccount
from app.auth.throttle import BackoffCounter
from app.auth.totp import matching_step, new_secret, normalize_code, provisioning_uri
from app.core import audit, crypto, keyring
from app.core.errors import ProblemError, conflict, unprocessable
from app.core.security import PasswordService, hash_opaque_token
from app.core.types import affected, table_of, utcnow

ISSUER = "Due Process"
RECOVERY_CODE_COUNT = 10
# 16 base32 characters = 80 random bits per recovery code: out of reach of guessing and of brute force on the
# SHA-256 digests in a stolen dump, so they are hashed like other high-entropy secrets (docs/DECISIONS.md).
_RECOVERY_BYTES = 10

_TOTP = table_of(MfaTotp)
_CODES = table_of(MfaRecoveryCode)


def _aad(org_id: uuid.UUID, user_id: uuid.UUID) -> bytes:
    return keyring.ring().aad(org_id, "mfa_totp", "secret_encrypted", user_id)


def new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(_RECOVERY_BYTES)).decode("ascii").lower()
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _recovery_digest(code: str) -> str:
    return hash_opaque_token("mfa-recovery:" + normalize_code(code).lower())


def _throttle_key(user: UserAccount) -> str:
    return f"mfa:{user.id}"


def reserve_attempt(throttle: BackoffCounter, user: UserAccount, accept_language: str | None) -> str:
    key = _throttle_key(user)
    wait = throttle.reserve(key)
    if wait is not None:
        raise too_many_attempts("mfa", wait, accept_language)
    return key


def status(session: Session, user: UserAccount) -> MfaStatus:
    row = session.get(MfaTotp, user.id)
    left = session.exec(select(func.count()).select_from(MfaRecoveryCode).where(
        MfaRecoveryCode.user_id == user.id, col(MfaRecoveryCode.used_at).is_(None))).one()
    return MfaStatus(enabled=user.mfa_enabled, pending=row is not None and row.confirmed_at is None,
                     recovery_codes_left=int(left) if user.mfa_enabled else 0)


def _forget(session: Session, user: UserAccount) -> None:
    session.execute(_CODES.delete().where(_CODES.c.user_id == user.id))
    session.execute(_TOTP.delete().where(_TOTP.c.user_id == user.id))


def start_enrollment(ctx: audit.AuditActor, session: Session, user: UserAccount) -> TotpEnrollment:
    """A new pending secret and recovery codes; replaces an unconfirmed earlier attempt."""
    if user.mfa_enabled:
        raise conflict("mfa_already_enabled", "A second factor is already on; remove it first to replace it.")
    _forget(session, user)
    secret = new_secret()
    session.add(MfaTotp(user_id=user.id, organization_id=user.organization_id,
                        secret_encrypted=keyring.ring().encrypt(secret, _aad(user.organization_id, user.id))))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        session.add(MfaRecoveryCode(organization_id=user.organization_id, user_id=user.id,
                                    code_hash=_recovery_digest(code)))
    audit.record(session, ctx, "mfa.enrollment_started", "user_account", user.id, {"method": "totp"})
    session.commit()
    return TotpEnrollment(secret=secret, otpauth_uri=provisioning_uri(secret, user.email, ISSUER),
                          recovery_codes=codes)


def _use_totp(session: Session, row: MfaTotp, code: str, now: float) -> bool:
    """True if ``code`` is the authenticator's code for a step after the last one used. The step is claimed by
    a conditional UPDATE, so two requests with the same code cannot both pass (RFC 6238 §5.2: one use)."""
    secret = keyring.ring().decrypt(row.secret_encrypted, _aad(row.organization_id, row.user_id))
    step = matching_step(secret, normalize_code(code), now)
    if step is None:
        return False
    claimed = session.execute(
        _TOTP.update().where(_TOTP.c.user_id == row.user_id,
                             sa.or_(_TOTP.c.last_used_step.is_(None), _TOTP.c.last_used_step < step))
        .values(last_used_step=step))
    return affected(claimed) == 1


def _use_recovery_code(session: Session, user: UserAccount, code: str) -> bool:
    if len(normalize_code(code)) != 16:
        return False
    used = session.execute(
        _CODES.update().where(_CODES.c.user_id == user.id, _CODES.c.code_hash == _recovery_digest(code),
                              _CODES.c.used_at.is_(None)).values(used_at=utcnow()))
    return affected(used) == 1


def verify(session: Session, user: UserAccount, code: str, *, allow_recovery: bool = True,
           now: float | None = None) -> str | None:
    """``"totp"`` or ``"recovery_code"`` if ``code`` is good (and now used), else None."""
    row = session.get(MfaTotp, user.id)
    if row is None or row.confirmed_at is None:
        return None
    if _use_totp(session, row, code, time.time() if now is None else now):
        return "totp"
    if allow_recovery and _use_recovery_code(session, user, code):
        return "recovery_code"
    return None


def confirm_enrollment(ctx: audit.AuditActor, session: Session, throttle: BackoffCounter, user: UserAccount,
                       code: str, accept_language: str | None = None) -> None:
    """Turn the pending secret on with the authenticator's first code."""
    if user.mfa_enabled:
        raise conflict("mfa_already_enabled", "The second factor is already on.")
    row = session.get(MfaTotp, user.id)
    if row is None:
        raise conflict("mfa_not_pending", "Start an enrollment first: POST /api/v1/auth/me/mfa/totp.")
    key = reserve_attempt(throttle, user, accept_language)
    if not _use_totp(session, row, code, time.time()):
        throttle.failed(key)
        session.rollback()
        audit.record(session, ctx, "mfa.confirm_failed", "user_account", user.id)
        session.commit()
        raise ProblemError(403, "invalid_mfa_code", "The code is not correct. Check the phone's clock.")
    throttle.succeeded(key)
    row.confirmed_at = utcnow()
    user.mfa_enabled = True
    user.updated_at = utcnow()
    session.add(user)
    audit.record(session, ctx, "mfa.enabled", "user_account", user.id, {"method": "totp"})
    session.commit()


def disable(ctx: audit.AuditActor, session: Session, passwords: PasswordService, throttle: BackoffCounter,
            user: UserAccount, body: TotpDisable, accept_language: str | None = None) -> None:
    """Remove the second factor, proven with a current code, a recovery code, or the password."""
    if (body.code is None) == (body.password is None):
        raise unprocessable("validation_error", "Give either a current code or the password.")
    if not user.mfa_enabled and session.get(MfaTotp, user.id) is None:
        raise conflict("mfa_not_enabled", "No second factor is set up.")
    key = reserve_attempt(throttle, user, accept_language)
    if body.password is not None:
        ok = passwords.verify(body.password, user.password_hash)[0]
    else:
        ok = user.mfa_enabled and verify(session, user, body.code or "") is not None
    if not ok:
        throttle.failed(key)
        session.rollback()
        audit.record(session, ctx, "mfa.disable_failed", "user_account", user.id,
                     {"proof": "password" if body.password is not None else "code"})
        session.commit()
        raise ProblemError(403, "invalid_mfa_code", "The code or password is not correct.")
    throttle.succeeded(key)
    _remove(ctx, session, user, "mfa.disabled")


def _remove(ctx: audit.AuditActor, session: Session, user: UserAccount, action: str) -> None:
    _forget(session, user)
    user.mfa_enabled = False
    user.updated_at = utcnow()
    session.add(user)
    audit.record(session, ctx, action, "user_account", user.id, {"method": "totp"})
    session.commit()


def reset_by_admin(ctx: audit.AuditActor, session: Session, user: UserAccount) -> None:
    """An admin removes a user's second factor (a lost phone and lost recovery codes); the user enrolls again."""
    _remove(ctx, session, user, "mfa.reset_by_admin")


def rotate_mfa_keys(session: Session, batch_size: int = 500) -> dict[str, dict[str, int]]:
    """``dueprocess keys rotate``: re-encrypt TOTP secrets under the active key, so an old key can be retired
    without locking anyone out of their second factor. Idempotent; each batch commits on its own."""
    ring = keyring.ring()
    prefix = f"v1.{ring.active}."
    scanned = rotated = failed = 0
    last: uuid.UUID | None = None
    while True:
        stmt = select(MfaTotp).order_by(col(MfaTotp.user_id)).limit(batch_size)
        if last is not None:
            stmt = stmt.where(col(MfaTotp.user_id) > last)
        batch = list(session.exec(stmt).all())
        if not batch:
            break
        for row in batch:
            scanned += 1
            if row.secret_encrypted.startswith(prefix):
                continue
            aad = _aad(row.organization_id, row.user_id)
            try:
                secret = ring.decrypt(row.secret_encrypted, aad)
            except crypto.DecryptionError:  # moved or altered ciphertext: left as evidence, counted
                failed += 1
                continue
            row.secret_encrypted = ring.encrypt(secret, aad)
            session.add(row)
            rotated += 1
        last = batch[-1].user_id
        session.commit()
    return {"mfa_totp": {"scanned": scanned, "rotated": rotated, "failed": failed}}
