"""Liaison grants (attorneys, admins), invitation acceptance (public) and the family portal (liaisons)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import BackgroundTasks, Query, Request, Response, status
from sqlmodel import Session, col

from app.auth.deps import Caller, DbSession, GrantLiaison, ReadLiaison, ReadPortal, client_ip
from app.auth.models import UserAccount
from app.clients import service as clients_service
from app.core import mail
from app.core.audit import AuditEvent
from app.core.db import Database
from app.core.pagination import Limit, Offset, Page, paginate
from app.core.routing import api_router
from app.portal import service, view
from app.portal.invite_mail import invitation_mail, invitation_url
from app.portal.models import GrantStatus, LiaisonGrant
from app.portal.schemas import (
    AcceptInvite,
    GrantCreate,
    GrantCreated,
    GrantPublic,
    InvitationIssued,
    Lang,
    LiaisonAccessItem,
    PortalClientSummary,
    PortalClientView,
    RevokeBody,
)

router = api_router()


def _portal_session(request: Request, ctx: Caller) -> Session:
    """Portal reads write an audit row: use a write transaction for the whole read (on SQLite a read
    transaction that later writes can fail with a stale snapshot), and release the auth session first."""
    ctx.session.close()
    db: Database = request.app.state.db
    return db.session(write=True)


# --- grants ----------------------------------------------------------------------------------------

@router.get("/clients/{client_id}/liaison-grants", response_model=Page[GrantPublic], tags=["liaison"])
def list_grants(
    client_id: uuid.UUID,
    ctx: ReadLiaison,
    limit: Limit = 50, offset: Offset = 0,
    grant_status: Annotated[GrantStatus | None, Query(alias="status")] = None,
) -> Page[GrantPublic]:
    """The client's liaison grants (consent records), newest first."""
    clients_service.ensure_client(ctx.session, ctx.org_id, client_id)
    stmt = service.grants_for_client(ctx.org_id, client_id, grant_status)
    rows, total = paginate(ctx.session, stmt, col(LiaisonGrant.created_at).desc(),
                           col(LiaisonGrant.id), limit=limit, offset=offset)
    users = service.liaisons_by_id(ctx.session, {g.liaison_user_id for g in rows})
    return Page(items=[GrantPublic.of(g, users.get(g.liaison_user_id)) for g in rows], total=total,
                limit=limit, offset=offset)


@router.post("/clients/{client_id}/liaison-grants", response_model=GrantCreated, status_code=201,
             tags=["liaison"])
def create_grant(client_id: uuid.UUID, body: GrantCreate, background: BackgroundTasks,
                 ctx: GrantLiaison) -> GrantCreated:
    """Record the client's consent to share scopes with a family liaison (existing, or invited now). A new
    liaison's invitation link is e-mailed when mail is configured, and returned either way."""
    result = service.create_grant(ctx, ctx.session, client_id, body, ctx.user)
    public = GrantPublic.of(result.grant, result.liaison)
    raw = result.invitation_token
    emailed = raw is not None and _send_invitation(background, ctx, result.liaison, raw)
    return GrantCreated(**public.model_dump(), invitation_token=raw,
                        invitation_url=invitation_url(ctx.settings, raw) if raw is not None else None,
                        invitation_expires_at=result.invitation_expires_at, invitation_emailed=emailed)


def _send_invitation(background: BackgroundTasks, ctx: Caller, liaison: UserAccount, raw: str) -> bool:
    """Queue the invitation e-mail after the response (the grant is committed by then). True when mail is
    configured; delivery failures are logged by app.core.mail, and the link in the answer still works."""
    if not mail.mail_configured(ctx.settings):
        return False
    background.add_task(mail.send, ctx.settings,
                        invitation_mail(ctx.settings, liaison.email, liaison.preferred_language, raw))
    return True


@router.get("/liaison-grants/{grant_id}", response_model=GrantPublic, tags=["liaison"])
def get_grant(grant_id: uuid.UUID, ctx: ReadLiaison) -> GrantPublic:
    """One liaison grant."""
    grant = service.get_grant(ctx.session, ctx.org_id, grant_id)
    return GrantPublic.of(grant, ctx.session.get(UserAccount, grant.liaison_user_id))


@router.post("/liaison-grants/{grant_id}/revoke", response_model=GrantPublic, tags=["liaison"])
def revoke_grant(grant_id: uuid.UUID, body: RevokeBody,
                 ctx: GrantLiaison) -> GrantPublic:
    """Revoke a grant; the liaison loses access on the very next request."""
    grant = service.revoke_grant(ctx, ctx.session, grant_id, body.reason)
    return GrantPublic.of(grant, ctx.session.get(UserAccount, grant.liaison_user_id))


@router.post("/liaison-grants/{grant_id}/invitation", response_model=InvitationIssued, status_code=201,
             tags=["liaison"])
def reissue_invitation(grant_id: uuid.UUID, background: BackgroundTasks,
                       ctx: GrantLiaison) -> InvitationIssued:
    """A new 72-hour invitation for a liaison who has not accepted yet (earlier links stop working); e-mailed
    when mail is configured."""
    user, raw, expires = service.reissue_invitation(ctx, ctx.session, grant_id)
    emailed = _send_invitation(background, ctx, user, raw)
    return InvitationIssued(liaison_user_id=user.id, invitation_token=raw,
                            invitation_url=invitation_url(ctx.settings, raw), invitation_expires_at=expires,
                            invitation_emailed=emailed)


@router.get("/clients/{client_id}/liaison-access", response_model=Page[LiaisonAccessItem], tags=["liaison"])
def liaison_access(
    client_id: uuid.UUID,
    ctx: ReadLiaison,
    limit: Limit = 50, offset: Offset = 0,
    liaison_user_id: uuid.UUID | None = None,
) -> Page[LiaisonAccessItem]:
    """Who viewed this client's portal view, and when (from the audit trail), newest first."""
    clients_service.ensure_client(ctx.session, ctx.org_id, client_id)
    stmt = service.liaison_access_query(ctx.org_id, client_id, liaison_user_id)
    rows, total = paginate(ctx.session, stmt, col(AuditEvent.seq).desc(), limit=limit, offset=offset)
    items = [
        LiaisonAccessItem(
            viewed_at=ev.occurred_at, liaison_user_id=ev.actor_user_id,
            liaison_name=user.full_name if user else None, liaison_email=user.email if user else None,
            view=(ev.detail or {}).get("view"), lang=(ev.detail or {}).get("lang"),
        )
        for ev, user in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


# --- invitation (public) ---------------------------------------------------------------------------

@router.post("/auth/accept-invite", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def accept_invite(request: Request, body: AcceptInvite, session: DbSession) -> Response:
    """Set a password with a one-time invitation token (activates the account; then sign in normally)."""
    service.accept_invitation(session, request.app.state.passwords, raw_token=body.token, password=body.password,
                              request_id=getattr(request.state, "request_id", None), ip=client_ip(request))
    return Response(status_code=204)


# --- family portal ---------------------------------------------------------------------------------

@router.get("/portal/clients", response_model=Page[PortalClientSummary], tags=["portal"])
def portal_clients(request: Request, ctx: ReadPortal,
                   limit: Limit = 50, offset: Offset = 0) -> Page[PortalClientSummary]:
    """Clients the caller may follow (active grants only)."""
    session = _portal_session(request, ctx)
    try:
        items, total = view.list_clients(ctx, session, limit=limit, offset=offset)
    finally:
        session.close()
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/portal/clients/{client_id}", response_model=PortalClientView, tags=["portal"])
def portal_client(request: Request, client_id: uuid.UUID, ctx: ReadPortal,
                  lang: Lang | None = None) -> PortalClientView:
    """The redacted status view of one client, in English or Spanish (default: the caller's language)."""
    session = _portal_session(request, ctx)
    try:
        return view.client_view(ctx, session, ctx.user, client_id, lang)
    finally:
        session.close()
