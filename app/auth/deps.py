"""The one request dependency: authenticate, authorize, and hand out the session (DESIGN §2, §4.6).

A route declares its permission with ``ctx: Ctx = Depends(require(Permission.X))``. The user row (role,
token version, active flag) is read on every request, so revocation is immediate.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.auth.models import UserAccount
from app.auth.permissions import Permission, has_permission
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import ProblemError, unauthorized
from app.core.security import InvalidToken, decode_access_token

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Ctx:
    """Who is calling, for which organization, with which session."""

    session: Session
    user: UserAccount
    settings: Settings
    request_id: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def org_id(self) -> uuid.UUID:
        return self.user.organization_id

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role


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
    db: Database = request.app.state.db
    return db.session(write=request.method in WRITE_METHODS)


def get_session(request: Request) -> Iterator[Session]:
    """Session for public routes (login, refresh): yields and closes; services commit."""
    session = open_session(request)
    try:
        yield session
    finally:
        session.close()


def authenticate(request: Request, session: Session) -> UserAccount:
    settings: Settings = request.app.state.settings
    token = _bearer(request)
    try:
        claims = decode_access_token(token, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    except InvalidToken:
        raise unauthorized("invalid_token", "The access token is invalid or expired.") from None
    user = session.get(UserAccount, claims.user_id)
    if (
        user is None
        or not user.is_active
        or user.organization_id != claims.org_id
        or user.token_version != claims.token_version
    ):
        raise unauthorized("invalid_token", "The access token is invalid or expired.")
    request.state.user_id = str(user.id)
    return user


@cache
def require(permission: Permission) -> Callable[[Request], Iterator[Ctx]]:
    """Dependency factory: authenticated caller holding ``permission``."""

    def dependency(request: Request) -> Iterator[Ctx]:
        session = open_session(request)
        try:
            user = authenticate(request, session)
            if not has_permission(user.role, permission):
                raise ProblemError(403, "forbidden", "Your role does not allow this action.")
            limiter = getattr(request.app.state, "rate_limiter", None)
            if limiter is not None:
                limiter.check_user(request, str(user.id))
            yield Ctx(
                session=session,
                user=user,
                settings=request.app.state.settings,
                request_id=getattr(request.state, "request_id", None),
                ip=client_ip(request),
            )
        finally:
            session.close()

    dependency.__permission__ = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{permission.value.replace(':', '_')}"
    return dependency
