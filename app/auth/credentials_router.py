"""Routes for the second factor and personal access tokens (docs/auth.md)."""

from __future__ import annotations

import uuid

from fastapi import Request, Response, status
from sqlmodel import col
from starlette.datastructures import State

from app.auth import access_tokens, mfa, mfa_login, service
from app.auth.credential_models import (
    AccessTokenCreate,
    AccessTokenCreated,
    AccessTokenPublic,
    MfaStatus,
    MfaTokenExchange,
    PersonalAccessToken,
    TotpCode,
    TotpDisable,
    TotpEnrollment,
)
from app.auth.deps import (
    AccountEnrolling,
    AccountSession,
    DbSession,
    ManageAccessTokens,
    ManageUsers,
    MfaEnrollment,
    client_ip,
)
from app.auth.models import TokenResponse
from app.auth.throttle import BackoffCounter
from app.core.pagination import Limit, Offset, Page, paginate
from app.core.routing import api_router

router = api_router(tags=["auth"])


def _mfa_throttle(state: State) -> BackoffCounter:
    """Wrong codes per account: MFA_MAX_FAILURES free, then the sign-in backoff (docs/SECURITY.md)."""
    throttle: BackoffCounter | None = getattr(state, "mfa_throttle", None)
    if throttle is None:
        s = state.settings
        throttle = BackoffCounter(s.mfa_max_failures, s.login_backoff_base_seconds, s.login_backoff_max_seconds,
                                  s.login_failure_memory_seconds)
        state.mfa_throttle = throttle
    return throttle


# --- the second factor ------------------------------------------------------------------------------------

@router.get("/auth/me/mfa", response_model=MfaStatus)
def mfa_status(ctx: AccountEnrolling) -> MfaStatus:
    """Whether the caller's second factor is on (or pending), and how many recovery codes are left."""
    return mfa.status(ctx.session, ctx.user)


@router.post("/auth/me/mfa/totp", response_model=TotpEnrollment, status_code=201)
def start_totp(ctx: MfaEnrollment) -> TotpEnrollment:
    """Start a TOTP enrollment: the secret, its otpauth:// URI (for a QR code) and ten recovery codes, shown
    once. Nothing changes at sign-in until the first code is confirmed."""
    return mfa.start_enrollment(ctx, ctx.session, ctx.user)


@router.post("/auth/me/mfa/totp/confirm", status_code=status.HTTP_204_NO_CONTENT)
def confirm_totp(request: Request, body: TotpCode, ctx: MfaEnrollment) -> Response:
    """Turn the second factor on with the authenticator's current code."""
    mfa.confirm_enrollment(ctx, ctx.session, _mfa_throttle(request.app.state), ctx.user, body.code,
                           request.headers.get("accept-language"))
    return Response(status_code=204)


@router.delete("/auth/me/mfa/totp", status_code=status.HTTP_204_NO_CONTENT)
def delete_totp(request: Request, body: TotpDisable, ctx: AccountSession) -> Response:
    """Turn the second factor off, with a current code, a recovery code, or the password."""
    mfa.disable(ctx, ctx.session, request.app.state.passwords, _mfa_throttle(request.app.state), ctx.user, body,
                request.headers.get("accept-language"))
    return Response(status_code=204)


@router.post("/auth/token/mfa", response_model=TokenResponse)
def token_mfa(request: Request, body: MfaTokenExchange, session: DbSession) -> TokenResponse:
    """Second step of a sign-in: the ``mfa_token`` of the 401 ``mfa_required`` answer and a code."""
    pair = mfa_login.exchange(session, request.app.state.settings, _mfa_throttle(request.app.state),
                              mfa_token=body.mfa_token, code=body.code, ip=client_ip(request),
                              request_id=getattr(request.state, "request_id", None),
                              accept_language=request.headers.get("accept-language"))
    return TokenResponse(access_token=pair.access_token, expires_in=pair.expires_in,
                         refresh_token=pair.refresh_token)


@router.delete("/users/{user_id}/mfa", status_code=status.HTTP_204_NO_CONTENT, tags=["users"])
def reset_user_mfa(user_id: uuid.UUID, ctx: ManageUsers) -> Response:
    """Remove a user's second factor (a lost phone and lost recovery codes); the user enrolls again."""
    user = service.get_user(ctx.session, ctx.org_id, user_id)
    mfa.reset_by_admin(ctx, ctx.session, user)
    return Response(status_code=204)


# --- personal access tokens -------------------------------------------------------------------------------

@router.get("/auth/me/tokens", response_model=Page[AccessTokenPublic])
def list_access_tokens(ctx: ManageAccessTokens, limit: Limit = 50, offset: Offset = 0) -> Page[AccessTokenPublic]:
    """The caller's personal access tokens (never the tokens themselves), newest first."""
    rows, total = paginate(ctx.session, access_tokens.list_tokens(ctx.user_id),
                           col(PersonalAccessToken.created_at).desc(),
                           col(PersonalAccessToken.id), limit=limit, offset=offset)
    return Page[AccessTokenPublic](items=[AccessTokenPublic.model_validate(r) for r in rows], total=total,
                                   limit=limit, offset=offset)


@router.post("/auth/me/tokens", response_model=AccessTokenCreated, status_code=201)
def create_personal_access_token(body: AccessTokenCreate, ctx: ManageAccessTokens) -> AccessTokenCreated:
    """A new personal access token with ``scopes`` (permissions of the caller's role) until ``expires_at``;
    ``token`` is in this answer only."""
    row, raw = access_tokens.create(ctx, ctx.session, ctx.settings, ctx.user, body)
    return AccessTokenCreated.of(row, raw)


@router.delete("/auth/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_access_token(token_id: uuid.UUID, ctx: ManageAccessTokens) -> Response:
    """Revoke one of the caller's tokens; it stops working at once."""
    access_tokens.revoke(ctx, ctx.session, ctx.user, token_id)
    return Response(status_code=204)
