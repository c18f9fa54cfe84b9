"""/auth and /users routes (docs/design.md#authentication, docs/design.md#api-surface)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import BackgroundTasks, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from sqlmodel import col

from app.auth import organization as org_service
from app.auth import reset, reset_page, service
from app.auth.deps import (
    AccountEnrolling,
    AccountSession,
    DbSession,
    ManageUsers,
    ReadOrganization,
    UsersDirectory,
    WriteOrganization,
    client_ip,
)
from app.auth.models import (
    CalendarTokenResponse,
    MeResponse,
    OrganizationSettings,
    OrganizationUpdate,
    PasswordChange,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetLink,
    PasswordResetRequest,
    RefreshRequest,
    StaffDirectoryEntry,
    TokenResponse,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from app.auth.permissions import ROLE_PERMISSIONS, Permission, Role, has_permission
from app.auth.throttle import ResetThrottle
from app.core import mail
from app.core.concurrency import require_if_match, set_etag
from app.core.errors import conflict, forbidden
from app.core.pagination import Limit, Offset, Page, paginate
from app.core.routing import api_router

router = api_router(tags=["auth"])
users_router = api_router(prefix="/users", tags=["users"])


def _pair(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(access_token=pair.access_token, expires_in=pair.expires_in,
                         refresh_token=pair.refresh_token)


_SORTED_PERMISSIONS = {role: sorted(p.value for p in perms) for role, perms in ROLE_PERMISSIONS.items()}


@router.get("/auth/me", response_model=MeResponse)
async def me(ctx: AccountEnrolling) -> dict[str, Any]:
    """The caller's account, organization and permissions."""
    # async: everything needed was loaded by the auth dependency (one query), so no thread hop here. The
    # response model validates this once and keeps only its own fields (no token version, no hashes).
    # Declared first: FastAPI matches routes in order, and every client calls this one most.
    return {**ctx.principal.user, "organization": ctx.principal.org,
            "permissions": _SORTED_PERMISSIONS[Role(ctx.role)]}


@router.post("/auth/token", response_model=TokenResponse)
def token(
    request: Request,
    username: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    session: DbSession,
) -> TokenResponse:
    """Sign in with e-mail and password (OAuth2 password form)."""
    st = request.app.state
    pair = service.login(session, st.settings, st.passwords, st.login_throttle, email=username,
                         password=password, ip=client_ip(request),
                         request_id=getattr(request.state, "request_id", None),
                         accept_language=request.headers.get("accept-language"))
    return _pair(pair)


@router.post("/auth/refresh", response_model=TokenResponse)
def refresh(request: Request, body: RefreshRequest, session: DbSession) -> TokenResponse:
    """Exchange a refresh token for a new pair (rotation; replay revokes the family)."""
    pair = service.refresh(session, request.app.state.settings, raw_token=body.refresh_token,
                           request_id=getattr(request.state, "request_id", None), ip=client_ip(request))
    return _pair(pair)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(body: RefreshRequest, session: DbSession) -> Response:
    """Revoke the refresh token's family."""
    service.logout(session, raw_token=body.refresh_token)
    return Response(status_code=204)


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT)
def logout_all(ctx: AccountEnrolling) -> Response:
    """End every session of the caller (bumps the token version)."""
    service.logout_all(ctx, ctx.session, ctx.user)
    return Response(status_code=204)


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(request: Request, body: PasswordChange,
                    ctx: AccountSession) -> Response:
    """Change the caller's password (needs the current one); ends all other sessions."""
    service.change_password(ctx, ctx.session, request.app.state.passwords, ctx.user,
                            body.current_password, body.new_password,
                            throttle=getattr(request.app.state, "password_throttle", None),
                            accept_language=request.headers.get("accept-language"))
    return Response(status_code=204)


@router.post("/auth/me/calendar-token", response_model=CalendarTokenResponse, status_code=201)
def create_calendar_token(ctx: AccountSession) -> CalendarTokenResponse:
    """Create (or replace) the caller's secret calendar-feed token."""
    raw = service.set_calendar_token(ctx, ctx.session, ctx.user)
    base = ctx.settings.public_base_url.rstrip("/")
    return CalendarTokenResponse(token=raw, url=f"{base}/calendar/{raw}.ics")


@router.delete("/auth/me/calendar-token", status_code=status.HTTP_204_NO_CONTENT)
def delete_calendar_token(ctx: AccountSession) -> Response:
    """Revoke the caller's calendar-feed token."""
    service.revoke_calendar_token(ctx, ctx.session, ctx.user)
    return Response(status_code=204)


@users_router.get("", response_model=Page[UserPublic] | Page[StaffDirectoryEntry])
def list_users(
    ctx: UsersDirectory,
    limit: Limit = 50,
    offset: Offset = 0,
    role: Role | None = None,
    is_active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[UserPublic] | Page[StaffDirectoryEntry]:
    """Users of the caller's organization (admins: everyone, with e-mails); other staff: ``role=attorney`` only,
    active attorneys, names and bar admissions."""
    from app.auth.models import UserAccount

    if has_permission(ctx.role, Permission.users_manage):
        stmt = service.list_users(ctx.session, ctx.org_id, role=role, is_active=is_active, q=q)
        rows, total = paginate(ctx.session, stmt, col(UserAccount.created_at), col(UserAccount.id), limit=limit,
                               offset=offset)
        return Page[UserPublic](items=[UserPublic.model_validate(u) for u in rows], total=total,
                                limit=limit, offset=offset)
    if role != Role.attorney:
        raise forbidden("forbidden", "Your role may list only the organization's attorneys: add role=attorney.")
    # Only names are searched here: matching e-mails would let a caller test which addresses exist.
    stmt = service.list_users(ctx.session, ctx.org_id, role=Role.attorney, is_active=True, q=None,
                              name_q=q)
    rows, total = paginate(ctx.session, stmt, col(UserAccount.full_name), col(UserAccount.id), limit=limit,
                           offset=offset)
    return Page[StaffDirectoryEntry](items=[StaffDirectoryEntry.model_validate(u) for u in rows], total=total,
                                     limit=limit, offset=offset)


@users_router.post("", response_model=UserPublic, status_code=201)
def create_user(request: Request, body: UserCreate, response: Response,
                ctx: ManageUsers) -> UserPublic:
    """Create a user in the caller's organization."""
    user = service.create_user(ctx, ctx.session, request.app.state.passwords, body, org_id=ctx.org_id)
    set_etag(response, user.version)
    return UserPublic.model_validate(user)


@users_router.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: uuid.UUID, response: Response,
             ctx: ManageUsers) -> UserPublic:
    """One user of the caller's organization."""
    user = service.get_user(ctx.session, ctx.org_id, user_id)
    set_etag(response, user.version)
    return UserPublic.model_validate(user)


@users_router.patch("/{user_id}", response_model=UserPublic)
def update_user(user_id: uuid.UUID, body: UserUpdate, request: Request, response: Response,
                ctx: ManageUsers) -> UserPublic:
    """Change role, deactivate, or edit profile fields (If-Match required; the last admin stays)."""
    user = service.get_user(ctx.session, ctx.org_id, user_id)
    expected = require_if_match(request)
    user = service.update_user(ctx, ctx.session, user, body, expected)
    set_etag(response, user.version)
    return UserPublic.model_validate(user)


@users_router.post("/{user_id}/password-reset-link", response_model=PasswordResetLink, status_code=201)
def create_password_reset_link(user_id: uuid.UUID, ctx: ManageUsers
                               ) -> PasswordResetLink:
    """A single-use password-reset link for a user of the caller's organization, to hand over in person."""
    user = service.get_user(ctx.session, ctx.org_id, user_id)
    url, expires_at = reset.issue_reset_link(ctx, ctx.session, ctx.settings, user)
    return PasswordResetLink(reset_url=url, expires_at=expires_at)


# --- password reset (public) ---------------------------------------------------------------------

def _reset_throttle(request: Request) -> ResetThrottle:
    st = request.app.state
    throttle: ResetThrottle | None = getattr(st, "reset_throttle", None)
    if throttle is None:
        # Per address, the sign-in limit (LOGIN_MAX_FAILURES_PER_IP) over the sign-in window.
        throttle = ResetThrottle(per_ip=st.settings.login_max_failures_per_ip,
                                 window_seconds=st.settings.login_window_seconds)
        st.reset_throttle = throttle
    return throttle


@router.get("/auth/password-reset", response_class=HTMLResponse, include_in_schema=False)
async def password_reset_page() -> HTMLResponse:
    """The page a reset link opens (a form that posts to /auth/password-reset/confirm)."""
    return HTMLResponse(reset_page.PAGE, headers=reset_page.HEADERS)


@router.post("/auth/password-reset", response_model=PasswordResetAccepted, status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(request: Request, body: PasswordResetRequest, background: BackgroundTasks,
                           session: DbSession) -> PasswordResetAccepted:
    """Ask for a password-reset e-mail (the same answer whether or not the address has an account)."""
    settings = request.app.state.settings
    outcome = reset.request_reset(session, settings, _reset_throttle(request), email=body.email,
                                  ip=client_ip(request), request_id=getattr(request.state, "request_id", None),
                                  accept_language=request.headers.get("accept-language"))
    if outcome.mail is not None:
        background.add_task(mail.send, settings, outcome.mail)  # after the response: no timing difference
    return PasswordResetAccepted(detail=reset.ACCEPTED_DETAIL)


@router.post("/auth/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
def confirm_password_reset(request: Request, body: PasswordResetConfirm,
                           session: DbSession) -> Response:
    """Set a new password with a reset token (single use); every session of the account ends."""
    reset.confirm_reset(session, request.app.state.passwords, _reset_throttle(request), raw_token=body.token,
                        password=body.password, ip=client_ip(request),
                        request_id=getattr(request.state, "request_id", None),
                        accept_language=request.headers.get("accept-language"))
    return Response(status_code=204)


# --- organization settings -------------------------------------------------------------------------

@router.get("/organization", response_model=OrganizationSettings, tags=["organization"])
def get_organization(response: Response, ctx: ReadOrganization
                     ) -> OrganizationSettings:
    """The caller's organization: name, time zone, date order and defaults (ETag for If-Match)."""
    org = org_service.get_organization(ctx.session, ctx.org_id)
    set_etag(response, org.version)
    return OrganizationSettings.model_validate(org)


@router.patch("/organization", response_model=OrganizationSettings, tags=["organization"])
def update_organization(body: OrganizationUpdate, request: Request, response: Response,
                        ctx: WriteOrganization) -> OrganizationSettings:
    """Change the organization's name, time zone, date order or defaults (admin; If-Match required)."""
    org = org_service.get_organization(ctx.session, ctx.org_id)
    expected = require_if_match(request)
    if (body.mfa_required_roles is not None and ctx.role in body.mfa_required_roles
            and not ctx.principal.user.get("mfa_enabled")):
        # An admin who requires MFA of their own role enrolls first: otherwise the next request would lock them
        # out of this very setting (docs/auth.md).
        raise conflict("mfa_enroll_first", "Enroll your own second factor before requiring it of your role.")
    org = org_service.update_organization(ctx, ctx.session, org, body, expected)
    set_etag(response, org.version)
    return OrganizationSettings.model_validate(org)
