"""Liaison grants, invitations and the liaison-access log (docs/domain/family-view.md#consent).

Rules: the client consents, not the liaison; default-deny; revocation is immediate (grants are
checked on every request, nothing is cached); every liaison view is audited (see view.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from app.auth import service as auth_service
from app.auth.emails import normalize_email
from app.auth.models import UserAccount
from app.auth.permissions import Role
from app.clients import service as clients_service
from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditEvent
from app.core.errors import ProblemError, conflict, not_found, unprocessable
from app.core.security import PasswordService, hash_opaque_token, new_opaque_token
from app.core.types import table_of, utcnow
from app.portal.models import GrantStatus, LiaisonGrant, LiaisonInvitation
from app.portal.schemas import GrantCreate

INVITATION_TTL = timedelta(hours=72)
# Clock skew tolerated on "consent obtained at" (a phone clock a little ahead of the server).
CONSENT_FUTURE_TOLERANCE = timedelta(minutes=5)
PORTAL_VIEWED = "portal.viewed"
PORTAL_DENIED = "portal.denied"


@dataclass
class GrantResult:
    grant: LiaisonGrant
    liaison: UserAccount
    invitation_token: str | None = None
    invitation_expires_at: datetime | None = None


# --- queries ---------------------------------------------------------------------------------

def active_grant_filter(now: datetime) -> sa.ColumnElement[bool]:
    """SQL condition: the grant is neither revoked nor expired at ``now``."""
    return sa.and_(
        col(LiaisonGrant.revoked_at).is_(None),
        sa.or_(col(LiaisonGrant.expires_at).is_(None), col(LiaisonGrant.expires_at) > now),
    )


def grants_for_client(org_id: uuid.UUID, client_id: uuid.UUID,
                      status: GrantStatus | None = None) -> SelectOfScalar[LiaisonGrant]:
    stmt = select(LiaisonGrant).where(LiaisonGrant.organization_id == org_id, LiaisonGrant.client_id == client_id)
    now = utcnow()
    if status == GrantStatus.active:
        stmt = stmt.where(active_grant_filter(now))
    elif status == GrantStatus.revoked:
        stmt = stmt.where(col(LiaisonGrant.revoked_at).is_not(None))
    elif status == GrantStatus.expired:
        stmt = stmt.where(col(LiaisonGrant.revoked_at).is_(None), col(LiaisonGrant.expires_at) <= now)
    return stmt


def get_grant(session: Session, org_id: uuid.UUID, grant_id: uuid.UUID) -> LiaisonGrant:
    """The organization's grant, or 404 ``grant_not_found``."""
    grant = session.get(LiaisonGrant, grant_id)
    if grant is None or grant.organization_id != org_id:
        raise not_found("grant_not_found", "No such liaison grant.")
    return grant


def liaisons_by_id(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, UserAccount]:
    if not ids:
        return {}
    rows = session.exec(select(UserAccount).where(col(UserAccount.id).in_(ids))).all()
    return {u.id: u for u in rows}


# --- granting --------------------------------------------------------------------------------

def _check_liaison(session: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> UserAccount:
    user = session.get(UserAccount, user_id)
    if user is None or user.organization_id != org_id or user.role != Role.family_liaison:
        raise unprocessable("invalid_liaison", "Grants go to a family liaison of your organization.")
    return user


def _check_attorney(session: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> UserAccount:
    user = session.get(UserAccount, user_id)
    if user is None or user.organization_id != org_id or user.role != Role.attorney or not user.is_active:
        raise unprocessable("invalid_attorney", "attorney_id must be an active attorney of your organization.")
    return user


def _new_invitation(ctx: audit.AuditActor, session: Session, user: UserAccount,
                    grant: LiaisonGrant) -> tuple[str, datetime]:
    raw = new_opaque_token()
    now = utcnow()
    inv = LiaisonInvitation(organization_id=user.organization_id, user_id=user.id, grant_id=grant.id,
                            token_hash=hash_opaque_token(raw), created_by=ctx.user_id,  # type: ignore[arg-type]
                            created_at=now, expires_at=now + INVITATION_TTL)
    session.add(inv)
    session.flush()
    audit.record(session, ctx, "liaison_invitation.created", "user_account", user.id,
                 {"invitation_id": str(inv.id), "grant_id": str(grant.id)})
    return raw, inv.expires_at


def create_grant(ctx: audit.AuditActor, session: Session, client_id: uuid.UUID, body: GrantCreate,
                 caller: UserAccount) -> GrantResult:
    """Record the client's consent to share ``scopes`` with one liaison (inviting a new one if asked)."""
    org_id = ctx.org_id
    clients_service.get_client(session, org_id, client_id)
    # Serialize grants per client (PostgreSQL row lock; SQLite write transactions are already serial)
    # so two concurrent requests cannot both pass the duplicate check below.
    session.exec(select(Client.id).where(Client.id == client_id).with_for_update()).first()
    now = utcnow()
    consent = body.consent
    if consent.obtained_at > now + CONSENT_FUTURE_TOLERANCE:
        raise unprocessable("invalid_consent_date", "Consent cannot have been obtained in the future.")
    if body.expires_at is not None and (body.expires_at <= now or body.expires_at <= consent.obtained_at):
        raise unprocessable("invalid_expiry", "expires_at must be in the future.")
    if body.attorney_id is not None:
        attorney_id: uuid.UUID | None = _check_attorney(session, org_id, body.attorney_id).id
    else:
        attorney_id = caller.id if caller.role == Role.attorney else None

    if body.liaison_user_id is not None:
        liaison = _check_liaison(session, org_id, body.liaison_user_id)
        existing = session.exec(
            select(LiaisonGrant.id).where(
                LiaisonGrant.organization_id == org_id, LiaisonGrant.client_id == client_id,
                LiaisonGrant.liaison_user_id == liaison.id, active_grant_filter(now),
            )
        ).first()
        if existing is not None:
            raise conflict("grant_exists", "This liaison already has an active grant for this client; "
                           "revoke it first to record a new consent.", grant_id=str(existing))
    else:
        invite = body.invite
        assert invite is not None  # noqa: S101 - guaranteed by GrantCreate
        if auth_service.find_user_by_email(session, invite.email) is not None:
            raise conflict("email_taken", "A user with this e-mail already exists.")
        # No password and inactive until the invitation is accepted: nobody can sign in as this user.
        liaison = UserAccount(organization_id=org_id, email=normalize_email(invite.email),
                              full_name=invite.full_name,
                              role=Role.family_liaison, password_hash=None, is_active=False,
                              preferred_language=invite.preferred_language)
        session.add(liaison)
        try:
            session.flush()
        except sa.exc.IntegrityError:
            session.rollback()
            raise conflict("email_taken", "A user with this e-mail already exists.") from None
        audit.record(session, ctx, "user.created", "user_account", liaison.id,
                     {"role": Role.family_liaison.value, "via": "liaison_invite"})

    grant = LiaisonGrant(
        organization_id=org_id, client_id=client_id, liaison_user_id=liaison.id,
        scopes=sorted({s.value for s in body.scopes}), consent_method=consent.method.value,
        consent_obtained_at=consent.obtained_at, consent_language=consent.language,
        interpreter_name=consent.interpreter, obtained_by=ctx.user_id,  # type: ignore[arg-type]
        attorney_id=attorney_id, notes=body.notes, expires_at=body.expires_at, created_at=now,
    )
    session.add(grant)
    session.flush()
    audit.record(session, ctx, "liaison_grant.created", "liaison_grant", grant.id,
                 {"client_id": str(client_id), "liaison_user_id": str(liaison.id), "scopes": grant.scopes,
                  "consent_method": grant.consent_method})
    result = GrantResult(grant=grant, liaison=liaison)
    if body.invite is not None:
        result.invitation_token, result.invitation_expires_at = _new_invitation(ctx, session, liaison, grant)
    session.commit()
    return result


def revoke_grant(ctx: audit.AuditActor, session: Session, grant_id: uuid.UUID, reason: str) -> LiaisonGrant:
    """Revoke now (effective on the liaison's very next request); pending invitations die with it."""
    get_grant(session, ctx.org_id, grant_id)
    grant = session.exec(select(LiaisonGrant).where(LiaisonGrant.id == grant_id).with_for_update()).one()
    if grant.revoked_at is not None:
        raise conflict("grant_already_revoked", "This grant is already revoked.")
    now = utcnow()
    grant.revoked_at = now
    grant.revoked_by = ctx.user_id
    grant.revocation_reason = reason
    session.add(grant)
    session.execute(
        sa.update(table_of(LiaisonInvitation))
        .where(table_of(LiaisonInvitation).c.grant_id == grant.id,
               table_of(LiaisonInvitation).c.used_at.is_(None),
               table_of(LiaisonInvitation).c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    audit.record(session, ctx, "liaison_grant.revoked", "liaison_grant", grant.id,
                 {"client_id": str(grant.client_id), "liaison_user_id": str(grant.liaison_user_id)})
    session.commit()
    return grant


def reissue_invitation(ctx: audit.AuditActor, session: Session,
                       grant_id: uuid.UUID) -> tuple[UserAccount, str, datetime]:
    """A fresh 72-hour invitation for a liaison who never accepted; earlier tokens stop working."""
    grant = get_grant(session, ctx.org_id, grant_id)
    if grant.status_at(utcnow()) != GrantStatus.active:
        raise conflict("grant_inactive", "The grant is revoked or expired.")
    user = session.get(UserAccount, grant.liaison_user_id)
    if user is None or user.password_hash is not None or user.role != Role.family_liaison:
        raise conflict("invitation_not_needed", "This liaison has already set a password.")
    session.execute(
        sa.update(table_of(LiaisonInvitation))
        .where(table_of(LiaisonInvitation).c.user_id == user.id,
               table_of(LiaisonInvitation).c.used_at.is_(None),
               table_of(LiaisonInvitation).c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    raw, expires = _new_invitation(ctx, session, user, grant)
    session.commit()
    return user, raw, expires


# --- invitations -----------------------------------------------------------------------------

def accept_invitation(session: Session, passwords: PasswordService, *, raw_token: str, password: str,
                      request_id: str | None, ip: str | None) -> None:
    """Exchange a one-time invitation for a password; activates the account. Single use, 72 hours."""
    stmt = select(LiaisonInvitation).where(LiaisonInvitation.token_hash == hash_opaque_token(raw_token))
    inv = session.exec(stmt.with_for_update()).first()
    if inv is None:
        raise not_found("invitation_not_found", "This invitation link is not valid.")
    if inv.used_at is not None:
        raise ProblemError(400, "invitation_used", "This invitation was already used; sign in instead.")
    if inv.revoked_at is not None:
        raise ProblemError(400, "invitation_revoked", "This invitation was withdrawn; contact the legal team.")
    if inv.expires_at <= utcnow():
        raise ProblemError(400, "invitation_expired", "This invitation has expired; ask the legal team for a new one.")
    user = session.get(UserAccount, inv.user_id)
    if user is None or user.organization_id != inv.organization_id or user.role != Role.family_liaison:
        raise ProblemError(400, "invitation_revoked", "This invitation was withdrawn; contact the legal team.")
    if not user.is_active and (user.password_hash is not None or user.updated_at > inv.created_at):
        # The account was used and then deactivated, or changed (deactivated) after this invitation was sent:
        # an old link must not undo an administrator's decision. A new invitation is the way back.
        raise ProblemError(400, "invitation_revoked", "This invitation was withdrawn; contact the legal team.")
    auth_service.check_password_policy(password)
    now = utcnow()
    user.password_hash = passwords.hash(password)
    user.is_active = True
    user.updated_at = now
    inv.used_at = now
    session.add(user)
    session.add(inv)
    actor = audit.Actor(user.organization_id, user.id, user.role, request_id, ip)
    audit.record(session, actor, "liaison_invitation.accepted", "user_account", user.id,
                 {"invitation_id": str(inv.id)})
    session.commit()


# --- who looked ------------------------------------------------------------------------------

def liaison_access_query(org_id: uuid.UUID, client_id: uuid.UUID,
                         liaison_user_id: uuid.UUID | None) -> Select[AuditEvent, UserAccount]:
    """Portal reads of one client, from the audit trail (actor left-joined for name and e-mail)."""
    stmt = (
        select(AuditEvent, UserAccount)
        .join(UserAccount, col(UserAccount.id) == AuditEvent.actor_user_id, isouter=True)
        .where(AuditEvent.organization_id == org_id, AuditEvent.action == PORTAL_VIEWED,
               AuditEvent.entity_type == "client", AuditEvent.entity_id == str(client_id))
    )
    if liaison_user_id is not None:
        stmt = stmt.where(AuditEvent.actor_user_id == liaison_user_id)
    return stmt
