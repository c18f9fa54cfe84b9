"""Cookie sessions and CSRF tokens of the family page (docs/family-page.md#sessions).

- The session cookie (``dp_family``) holds a random token; the database keeps its SHA-256 (``FamilySession``).
  HttpOnly, SameSite=Lax, Path=/family, Secure unless APP_ENV=development. It ends after
  FAMILY_SESSION_IDLE_MINUTES without use, after FAMILY_SESSION_ABSOLUTE_HOURS, at logout, and when the account's
  token version moves on (password reset, deactivation): every request checks the row, so revocation bites at once.
- The pages read this cookie only; the staff API reads the Authorization header only. A bearer token opens no page
  and this cookie opens no API route (the cookie's path is /family, and the API never looks at cookies).
- CSRF: every form carries ``HMAC(secret, "family-csrf:" + binding)`` where the binding is the session token when
  signed in, else a random per-browser nonce cookie (``dp_family_pre``) — a signed double-submit token (OWASP CSRF
  cheat sheet). A post whose token does not match is refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from app.auth.deps import admit, client_ip
from app.auth.models import UserAccount
from app.auth.permissions import Permission, Role
from app.core.audit import Actor
from app.core.config import AppEnv, Settings
from app.core.errors import ProblemError
from app.core.ratelimit import RateLimiter
from app.core.security import hash_opaque_token, new_opaque_token
from app.core.types import utcnow
from app.family.models import FamilySession

SESSION_COOKIE = "dp_family"
PRE_COOKIE = "dp_family_pre"
LANG_COOKIE = "dp_lang"
COOKIE_PATH = "/family"
# Renew the idle deadline at most once a minute: a page view need not be a write.
_TOUCH_EVERY = timedelta(seconds=60)


class NotSignedIn(Exception):
    """No valid page session: the pages answer with the sign-in page (see pages.py)."""


class CsrfRefused(Exception):
    """A form post without the right CSRF token (403)."""


class SlowDown(Exception):
    """The account went over the per-user rate limit (429; the pages say so in her language)."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("rate limited")
        self.headers = headers


@dataclass
class FamilyCtx:
    """The signed-in family liaison of a page request, with the request's write session (a page view writes its
    audit row, as the JSON portal view does)."""

    user: UserAccount
    family_session: FamilySession
    raw_token: str
    session: Session
    actor: Actor
    settings: Settings


def secure_cookies(settings: Settings) -> bool:
    return settings.app_env != AppEnv.development


def set_cookie(response: Response, settings: Settings, name: str, value: str, *, max_age: int | None = None,
               http_only: bool = True) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, secure=secure_cookies(settings),
                        httponly=http_only, samesite="lax")


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, secure=secure_cookies(settings), httponly=True, samesite="lax")


# --- CSRF ---------------------------------------------------------------------------------------------------

def csrf_token(settings: Settings, binding: str) -> str:
    return hmac.new(settings.jwt_secret_key.encode(), f"family-csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_binding(request: Request) -> str | None:
    """What this browser's forms are bound to: its session token, else its nonce cookie."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


def ensure_binding(request: Request, response: Response, settings: Settings) -> str:
    """The binding for a page that shows a form; a browser without one gets a nonce cookie now."""
    binding = csrf_binding(request)
    if binding:
        return binding
    nonce = secrets.token_urlsafe(32)
    set_cookie(response, settings, PRE_COOKIE, nonce)
    return nonce


def check_csrf(request: Request, settings: Settings, submitted: str | None) -> None:
    binding = csrf_binding(request)
    if not binding or not submitted or not hmac.compare_digest(csrf_token(settings, binding), submitted):
        raise CsrfRefused()


# --- sessions -------------------------------------------------------------------------------------------------

def start(session: Session, settings: Settings, user: UserAccount) -> str:
    """A new page session for ``user`` (the caller commits); returns the raw cookie value."""
    raw = new_opaque_token()
    now = utcnow()
    session.add(FamilySession(
        organization_id=user.organization_id, user_id=user.id, token_hash=hash_opaque_token(raw),
        token_version=user.token_version, created_at=now, last_seen_at=now,
        idle_expires_at=now + timedelta(minutes=settings.family_session_idle_minutes),
        absolute_expires_at=now + timedelta(hours=settings.family_session_absolute_hours),
    ))
    return raw


def end(session: Session, raw: str) -> uuid.UUID | None:
    """Revoke the session of this cookie (logout); returns its user id when there was one."""
    row = session.exec(select(FamilySession).where(FamilySession.token_hash == hash_opaque_token(raw))).first()
    if row is None or row.revoked_at is not None:
        return None
    row.revoked_at = utcnow()
    session.add(row)
    return row.user_id


def _load(session: Session, settings: Settings, raw: str, now: datetime) -> tuple[FamilySession, UserAccount]:
    row = session.exec(
        select(FamilySession, UserAccount).join(UserAccount, col(UserAccount.id) == FamilySession.user_id)
        .where(FamilySession.token_hash == hash_opaque_token(raw))
    ).first()
    if row is None:
        raise NotSignedIn()
    fs, user = row
    if (fs.revoked_at is not None or fs.idle_expires_at <= now or fs.absolute_expires_at <= now
            or not user.is_active or user.role != Role.family_liaison or user.token_version != fs.token_version
            or user.organization_id != fs.organization_id):
        raise NotSignedIn()
    if now - fs.last_seen_at >= _TOUCH_EVERY:
        fs.last_seen_at = now
        fs.idle_expires_at = min(now + timedelta(minutes=settings.family_session_idle_minutes),
                                 fs.absolute_expires_at)
        session.add(fs)
        session.commit()
    return fs, user


def _write_session(request: Request) -> Session:
    """The request's write session (closed by the middleware after the response)."""
    db = request.app.state.db
    session: Session = db.session(write=True)
    request.scope.setdefault("state", {}).setdefault("dp_sessions", []).append(session)
    return session


async def require_family(request: Request) -> FamilyCtx:
    """The page dependency: a valid ``dp_family`` cookie of an active family liaison. The Authorization header is
    never read here (a staff bearer token opens no page)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 256:
        raise NotSignedIn()
    await admit(request, priority=True)  # the family page's own lane (app/core/admission.py)
    settings: Settings = request.app.state.settings
    session = _write_session(request)
    fs, user = await run_in_threadpool(_load, session, settings, raw, utcnow())
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        try:
            await limiter.check_user(request, str(user.id))
        except ProblemError as exc:
            if exc.status != 429:
                raise
            raise SlowDown(exc.headers) from exc
    request.state.user_id = str(user.id)
    actor = Actor(user.organization_id, user.id, user.role, getattr(request.state, "request_id", None),
                  client_ip(request))
    return FamilyCtx(user=user, family_session=fs, raw_token=raw, session=session, actor=actor, settings=settings)


# The route-permission inventory reads this: every family liaison holds portal:read (app/auth/permissions.py);
# which clients she sees is decided by her grants, on every request.
require_family.__permission__ = Permission.portal_read  # type: ignore[attr-defined]


def public_session(request: Request) -> Session:
    """A write session for the public pages (sign-in, invitation, reset): each may write (audit, throttle)."""
    return _write_session(request)

