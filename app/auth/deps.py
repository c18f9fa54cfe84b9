"""The one request dependency: authenticate, authorize, and hand out the session (DESIGN §2, §4.6).

A route declares its permission with ``ctx: Ctx = Depends(require(Permission.X))``. The user row (role,
token version, active flag) is read on every request, so revocation is immediate.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fastapi import Request
from sqlmodel import Session, select

from app.auth.models import Organization, UserAccount
from app.auth.permissions import Permission, has_permission
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import ProblemError, unauthorized
from app.core.security import InvalidToken, decode_access_token

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    """A read-only snapshot of the caller's account and organization, loaded with one Core query."""

    user: dict[str, Any]
    org: dict[str, Any]


@dataclass
class Ctx:
    """Who is calling, for which organization, with which session."""

    session: Session
    principal: Principal
    settings: Settings
    request_id: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _user: UserAccount | None = None

    @property
    def org_id(self) -> uuid.UUID:
        return self.principal.user["organization_id"]  # type: ignore[no-any-return]

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user["id"]  # type: ignore[no-any-return]

    @property
    def role(self) -> str:
        return self.principal.user["role"]  # type: ignore[no-any-return]

    @property
    def user(self) -> UserAccount:
        """The caller's ORM row (loaded on first use; needed only by routes that change the account)."""
        if self._user is None:
            user = self.session.get(UserAccount, self.user_id)
            if user is None:  # deleted between the auth query and now
                raise unauthorized("invalid_token", "The access token is invalid or expired.")
            self._user = user
        return self._user


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str:
    # Tokens are read from the Authorization header only: never from the query string or cookies.
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    return token.strip()


def open_session(request: Request) -> Session:
    """A session for this request. It is closed by RequestContextMiddleware once the response is sent
    (a plain dependency instead of a ``yield`` one saves two thread-pool hops per request)."""
    db: Database = request.app.state.db
    session = db.session(write=request.method in WRITE_METHODS)
    request.scope.setdefault("state", {}).setdefault("dp_sessions", []).append(session)
    return session


def get_session(request: Request) -> Session:
    """Session for public routes (login, refresh); services commit, the middleware closes it."""
    return open_session(request)


_USER_COLS = [c for c in UserAccount.__table__.c if c.name not in ("password_hash", "calendar_token_hash")]  # type: ignore[attr-defined]
_ORG_COLS = [Organization.__table__.c[n] for n in ("id", "name", "slug", "timezone", "default_court_state",  # type: ignore[attr-defined]
                                                   "whereabouts_unknown_hours")]
_AUTH_QUERY = (
    select(*_USER_COLS, *[c.label(f"org__{c.name}") for c in _ORG_COLS])
    .join_from(UserAccount.__table__, Organization.__table__,  # type: ignore[attr-defined]
               Organization.__table__.c.id == UserAccount.__table__.c.organization_id)  # type: ignore[attr-defined]
)


def authenticate(request: Request, session: Session) -> Principal:
    settings: Settings = request.app.state.settings
    token = _bearer(request)
    try:
        claims = decode_access_token(token, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    except InvalidToken:
        raise unauthorized("invalid_token", "The access token is invalid or expired.") from None
    row = session.execute(
        _AUTH_QUERY.where(UserAccount.__table__.c.id == claims.user_id)  # type: ignore[attr-defined]
    ).mappings().first()
    if (
        row is None
        or not row["is_active"]
        or row["organization_id"] != claims.org_id
        or row["token_version"] != claims.token_version
    ):
        raise unauthorized("invalid_token", "The access token is invalid or expired.")
    user = {k: v for k, v in row.items() if not k.startswith("org__")}
    org = {k[5:]: v for k, v in row.items() if k.startswith("org__")}
    request.state.user_id = str(user["id"])
    return Principal(user=user, org=org)


@cache
def require(permission: Permission) -> Callable[[Request], Ctx]:
    """Dependency factory: authenticated caller holding ``permission``."""

    def dependency(request: Request) -> Ctx:
        session = open_session(request)
        principal = authenticate(request, session)
        if not has_permission(principal.user["role"], permission):
            raise ProblemError(403, "forbidden", "Your role does not allow this action.")
        limiter = getattr(request.app.state, "rate_limiter", None)
        if limiter is not None:
            limiter.check_user(request, str(principal.user["id"]))
        return Ctx(
            session=session,
            principal=principal,
            settings=request.app.state.settings,
            request_id=getattr(request.state, "request_id", None),
            ip=client_ip(request),
        )

    dependency.__permission__ = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{permission.value.replace(':', '_')}"
    return dependency
