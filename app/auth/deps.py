"""The one request dependency: authenticate, authorize, and hand out the session (docs/design.md#stack,
docs/design.md#permissions-and-roles).

A route declares its permission with ``ctx: Caller = Depends(require(Permission.X))``. The user row (role,
token version, active flag) is read on every request, so revocation is immediate.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth import lookup
from app.auth.credential_models import PersonalAccessToken
from app.auth.models import UserAccount
from app.auth.permissions import Permission, has_permission
from app.core import client_address
from app.core.admission import Admission, Ticket
from app.core.async_reads import AsyncReader
from app.core.audit import Actor
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import ProblemError, unauthorized
from app.core.routing import route_reads_only
from app.core.security import AccessClaims, InvalidToken, decode_access_token, hash_opaque_token
from app.core.types import table_of, utcnow

# Personal access tokens are recognised by this prefix (app/auth/access_tokens.py makes them); anything else is
# read as a JWT access token.
PAT_PREFIX = "dp_pat_"
# ``last_used_at`` is written at most once per this period per token: a busy integration must not turn every
# read into a write (docs/auth.md).
PAT_TOUCH_INTERVAL = timedelta(minutes=5)
_PAT_TABLE = table_of(PersonalAccessToken)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    """A read-only snapshot of the caller's account and organization, loaded with one Core query."""

    user: dict[str, Any]
    org: dict[str, Any]
    # Set when the caller presented a personal access token: its id and the permissions it is limited to.
    token_id: uuid.UUID | None = None
    scopes: frozenset[str] | None = None


def _invalid_token() -> ProblemError:
    """The one refusal of a bearer token, whatever is wrong with it (nothing to tell a guesser apart)."""
    return unauthorized("invalid_token", "The access token is invalid or expired.")


@dataclass
class Caller:
    """Who is calling, for which organization, with which session (opened on first use)."""

    principal: Principal
    settings: Settings
    request_id: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _user: UserAccount | None = None
    _request: Request | None = field(default=None, repr=False)
    _session: Session | None = field(default=None, repr=False)

    @property
    def session(self) -> Session:
        """The request's session, opened on first use (a route that needs only the principal, like
        /auth/me, never opens one); the middleware closes it after the response."""
        if self._session is None:
            if self._request is None:
                raise RuntimeError("this Caller has no request to open a session for")
            self._session = open_session(self._request)
        return self._session

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
                raise _invalid_token()
            self._user = user
        return self._user


def client_ip(request: Request) -> str:
    """The client's address as the middleware determined it from the peer and ``TRUSTED_PROXIES``
    (app/core/client_address.py); every throttle, rate limit and audit record uses this one value."""
    known = request.scope.get("state", {}).get(client_address.STATE_KEY)
    if known is not None:
        return str(known)
    trusted = getattr(request.app.state, "trusted_proxies", ())
    return client_address.from_scope(request.scope, trusted)


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
    session = db.session(write=request.method in WRITE_METHODS and not route_reads_only(request.scope))
    request.scope.setdefault("state", {}).setdefault("dp_sessions", []).append(session)
    return session


def get_session(request: Request) -> Session:
    """Session for public routes (login, refresh); services commit, the middleware closes it."""
    return open_session(request)


def _claims(request: Request) -> AccessClaims:
    settings: Settings = request.app.state.settings
    try:
        return decode_access_token(_bearer(request), key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    except InvalidToken:
        raise _invalid_token() from None


def _principal(request: Request, claims: AccessClaims, found: lookup.UserOrg | None) -> Principal:
    if found is None:
        raise _invalid_token()
    user, org = found
    if (not user["is_active"] or user["organization_id"] != claims.org_id
            or user["token_version"] != claims.token_version):
        raise _invalid_token()
    request.state.user_id = str(user["id"])
    return Principal(user=user, org=org)


async def admit(request: Request, *, priority: bool = False) -> None:
    """Wait for this request's place in the worker's line (app/core/admission.py; ``priority``: the family
    page's lane); the middleware gives the place up after the response."""
    admission: Admission | None = getattr(request.app.state, "admission", None)
    if admission is None or "dp_ticket" in request.scope.get("state", {}):
        return
    ticket = await admission.ticket(priority=priority)
    request.scope.setdefault("state", {})["dp_ticket"] = ticket


def ticket_of(request: Request) -> Ticket | None:
    """The request's place in the worker's line, if it holds one."""
    ticket: Ticket | None = request.scope.get("state", {}).get("dp_ticket")
    return ticket


def _token_principal(request: Request, found: lookup.UserOrgToken | None, now: datetime) -> Principal:
    """A personal access token is good while it is unrevoked, unexpired, its account active, and the account's
    token version unchanged since it was made (log out everywhere, a new password, a role change or a
    deactivation end it: docs/auth.md)."""
    if found is None:
        raise _invalid_token()
    user, org, tok = found
    if (tok["revoked_at"] is not None or tok["expires_at"] <= now or not user["is_active"]
            or user["token_version"] != tok["token_version"]):
        raise _invalid_token()
    request.state.user_id = str(user["id"])
    return Principal(user=user, org=org, token_id=tok["id"], scopes=frozenset(tok["scopes"] or ()))


def _touch_token(db: Database, token_id: uuid.UUID | None) -> None:
    """Record the token's use (throttled by PAT_TOUCH_INTERVAL; the WHERE keeps concurrent requests to one
    write)."""
    t = _PAT_TABLE
    now = utcnow()
    with db.session(write=True) as ws:
        ws.execute(t.update().where(t.c.id == token_id, (t.c.last_used_at.is_(None))
                                    | (t.c.last_used_at < now - PAT_TOUCH_INTERVAL)).values(last_used_at=now))
        ws.commit()


async def _authenticate_token(request: Request, raw: str) -> tuple[Principal, Session | None]:
    if len(raw) > 128:
        raise _invalid_token()
    digest = hash_opaque_token(raw)  # SHA-256 of 256 random bits: no slow hash needed (docs/DECISIONS.md)
    await admit(request)
    db: Database = request.app.state.db
    session: Session | None = None
    reader = _async_reader(request)
    if db.inline_sqlite_path is not None:
        found = lookup.fetch_token_inline(db, digest)
    elif reader is not None:
        found = await lookup.fetch_token_async(db, reader, digest)
    else:
        session = open_session(request)
        found = await run_in_threadpool(lookup.fetch_token_with_session, session, digest)
    now = utcnow()
    principal = _token_principal(request, found, now)
    last_used = found[2]["last_used_at"] if found is not None else None
    if last_used is None or last_used < now - PAT_TOUCH_INTERVAL:
        await run_in_threadpool(_touch_token, db, principal.token_id)
    return principal, session


def _async_reader(request: Request) -> AsyncReader | None:
    """The PostgreSQL pool for reads on the event loop, when this process has one open on this loop."""
    reader: AsyncReader | None = getattr(request.app.state, "async_reader", None)
    return reader if reader is not None and reader.usable() else None


async def authenticate(request: Request) -> tuple[Principal, Session | None]:
    """Verify the bearer token, wait for the request's turn, then read the account and organization (role,
    active flag, token version) from the database: inline on SQLite files, on the event loop on PostgreSQL
    (app/core/async_reads.py), else on the request's session in the thread pool (which is returned, to be reused
    by the route). See app/auth/lookup.py.

    A bearer token that starts with ``dp_pat_`` is a personal access token (app/auth/access_tokens.py)."""
    raw = _bearer(request)
    if raw.startswith(PAT_PREFIX):
        return await _authenticate_token(request, raw)
    claims = _claims(request)  # a bad token is refused at once, without waiting in line
    await admit(request)
    db: Database = request.app.state.db
    if db.inline_sqlite_path is not None:
        return _principal(request, claims, lookup.fetch_inline(db, claims.user_id)), None
    reader = _async_reader(request)
    if reader is not None:
        return _principal(request, claims, await lookup.fetch_async(db, reader, claims.user_id)), None
    session = open_session(request)
    row = await run_in_threadpool(lookup.fetch_with_session, session, claims.user_id)
    return _principal(request, claims, row), session


def check_second_factor(principal: Principal, permission: Permission, *, interactive: bool,
                        enrolling: bool) -> None:
    """The checks a personal access token and the organization's MFA requirement add (docs/auth.md)."""
    if principal.scopes is not None:
        if interactive:
            # Credentials (MFA, tokens, the password) are managed from a signed-in session, never by a token.
            raise ProblemError(403, "session_required", "Sign in to do this; an access token cannot.")
        if permission.value not in principal.scopes:
            raise ProblemError(403, "insufficient_scope", "The access token's scopes do not allow this action.")
    if (not enrolling and not principal.user.get("mfa_enabled")
            and principal.user["role"] in (principal.org.get("mfa_required_roles") or ())):
        raise ProblemError(403, "mfa_enrollment_required",
                           "Your organization requires a second factor: enroll at POST /api/v1/auth/me/mfa/totp.")


@cache
def require(permission: Permission, *, interactive: bool = False,
            enrolling: bool = False) -> Callable[[Request], Awaitable[Caller]]:
    """Dependency factory: authenticated caller holding ``permission``.

    ``interactive``: refused to personal access tokens (credential management). ``enrolling``: still open to an
    account that its organization requires to enroll in MFA and has not yet (GET /auth/me, the enrollment
    routes, log out everywhere): every other route answers 403 ``mfa_enrollment_required`` (docs/auth.md).

    ``async`` on purpose: a sync dependency is a thread-pool hop of its own (docs/design.md#stack), on top of the one a
    sync route takes; the only blocking work here is delegated explicitly (see ``authenticate``)."""

    async def dependency(request: Request) -> Caller:
        principal, session = await authenticate(request)
        if not has_permission(principal.user["role"], permission):
            raise ProblemError(403, "forbidden", "Your role does not allow this action.")
        check_second_factor(principal, permission, interactive=interactive, enrolling=enrolling)
        limiter = getattr(request.app.state, "rate_limiter", None)
        if limiter is not None:
            await limiter.check_user(request, str(principal.user["id"]))
        return Caller(
            principal=principal,
            settings=request.app.state.settings,
            request_id=getattr(request.state, "request_id", None),
            ip=client_ip(request),
            _request=request,
            _session=session,
        )

    dependency.__permission__ = permission  # type: ignore[attr-defined]
    dependency.__name__ = (f"require_{permission.value.replace(':', '_')}"
                           + ("_interactive" if interactive else "") + ("_enrolling" if enrolling else ""))
    return dependency


# --- reads with side effects -------------------------------------------------------------------------

def run_side_effects(request: Request, ctx: Caller, fn: Callable[[Session], Any]) -> None:
    """Time-based side effects of a read (alerts, occurrences) in their own short write transaction.

    A GET's session is a read transaction (on SQLite a WAL snapshot that cannot safely be upgraded to a write
    under concurrency), so the writes go through the write engine and the read snapshot is then renewed.
    """
    with request.app.state.db.session(write=True) as ws:
        fn(ws)
        ws.commit()
    ctx.session.commit()  # ends the read transaction (nothing to flush) so the next query sees the new rows
    ctx.session.expire_all()


def read_actor(ctx: Caller) -> Actor:
    """Alerts found while reading are the system's doing, not the reader's (audit actor)."""
    return Actor(ctx.org_id, request_id=ctx.request_id, ip=ctx.ip)


# --- the request shape: one alias per permission ---------------------------------------------------------
# A route's signature reads like a sentence: ``def get_client(client_id: uuid.UUID, ctx: ReadClients)``. Each
# alias names the one auth+session dependency (``require``) for its permission; the route-permission test
# reads the permission back from the dependency, so a route without one fails the suite.

AccountSelf = Annotated[Caller, Depends(require(Permission.account_self))]
# The caller's own account while an MFA enrollment the organization requires is still missing (docs/auth.md).
AccountEnrolling = Annotated[Caller, Depends(require(Permission.account_self, enrolling=True))]
# The same, signed in (not a personal access token): MFA enrollment.
MfaEnrollment = Annotated[Caller, Depends(require(Permission.account_self, interactive=True, enrolling=True))]
# The caller's credentials (password, MFA removal), signed in.
AccountSession = Annotated[Caller, Depends(require(Permission.account_self, interactive=True))]
ManageAccessTokens = Annotated[Caller, Depends(require(Permission.access_tokens_manage, interactive=True))]
ManageUsers = Annotated[Caller, Depends(require(Permission.users_manage))]
ReadAudit = Annotated[Caller, Depends(require(Permission.audit_read))]
ReadClients = Annotated[Caller, Depends(require(Permission.clients_read))]
WriteClients = Annotated[Caller, Depends(require(Permission.clients_write))]
DeleteClients = Annotated[Caller, Depends(require(Permission.clients_delete))]
ImportClients = Annotated[Caller, Depends(require(Permission.clients_import))]
WriteFacilities = Annotated[Caller, Depends(require(Permission.facilities_write))]
WriteCustody = Annotated[Caller, Depends(require(Permission.custody_write))]
WriteProtection = Annotated[Caller, Depends(require(Permission.protection_write))]
VerifyProtection = Annotated[Caller, Depends(require(Permission.protection_verify))]
WriteCourtOrders = Annotated[Caller, Depends(require(Permission.court_orders_write))]
ReadAlerts = Annotated[Caller, Depends(require(Permission.alerts_read))]
AckAlerts = Annotated[Caller, Depends(require(Permission.alerts_ack))]
ReadDeadlines = Annotated[Caller, Depends(require(Permission.deadlines_read))]
WriteDeadlines = Annotated[Caller, Depends(require(Permission.deadlines_write))]
ConfirmDeadlines = Annotated[Caller, Depends(require(Permission.deadlines_confirm))]
WriteDeadlineRules = Annotated[Caller, Depends(require(Permission.deadline_rules_write))]
ReadFilings = Annotated[Caller, Depends(require(Permission.filings_read))]
DraftFilings = Annotated[Caller, Depends(require(Permission.filings_draft))]
FinalizeFilings = Annotated[Caller, Depends(require(Permission.filings_finalize))]
GrantLiaison = Annotated[Caller, Depends(require(Permission.liaison_grant))]
ReadLiaison = Annotated[Caller, Depends(require(Permission.liaison_read))]
ReadPortal = Annotated[Caller, Depends(require(Permission.portal_read))]
ExportOrganization = Annotated[Caller, Depends(require(Permission.organization_export))]
ReadJobStats = Annotated[Caller, Depends(require(Permission.jobs_read))]
UsersDirectory = Annotated[Caller, Depends(require(Permission.users_directory))]
ReadOrganization = Annotated[Caller, Depends(require(Permission.organization_read))]
WriteOrganization = Annotated[Caller, Depends(require(Permission.organization_write))]
WriteOnCall = Annotated[Caller, Depends(require(Permission.on_call_write))]
ManageWebhooks = Annotated[Caller, Depends(require(Permission.webhooks_manage))]

# Public routes (login, refresh, the calendar feed) take the session alone; services commit, the middleware
# closes it.
DbSession = Annotated[Session, Depends(get_session)]
