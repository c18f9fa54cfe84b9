"""Webhook endpoints, the on-call rotation and the delivery log: the services behind the routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.core import audit
from app.core.audit import AuditActor
from app.core.config import Settings
from app.core.errors import not_found, unprocessable
from app.core.keyring import ring
from app.core.types import utcnow
from app.notifications import outbox, webhooks
from app.notifications.delivery import deliver, secret_aad
from app.notifications.models import NotificationDelivery, OnCallRotation, WebhookEndpoint


def list_endpoints(session: Session, org_id: uuid.UUID) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == org_id, col(WebhookEndpoint.deleted_at).is_(None))
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))).all())


def get_endpoint(session: Session, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    ep = session.get(WebhookEndpoint, endpoint_id)
    if ep is None or ep.organization_id != org_id or ep.deleted_at is not None:
        raise not_found("webhook_endpoint_not_found", "No such webhook endpoint.")
    return ep


def create_endpoint(actor: AuditActor, session: Session, settings: Settings, *, url: str, events: list[str],
                    description: str | None, user_id: uuid.UUID) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint (target checked now, and again at every delivery); the secret is returned once
    and stored only encrypted. Commits."""
    unknown = sorted(set(events) - set(outbox.WEBHOOK_EVENTS))
    if unknown or not events:
        raise unprocessable("webhook_event_unknown", "Unknown or missing events.", allowed=list(outbox.WEBHOOK_EVENTS))
    try:
        webhooks.resolve(url, allow_private=settings.webhook_allow_private_networks)
    except webhooks.TargetRefused as exc:
        raise unprocessable(str(exc.args[0]), "The webhook URL is not an allowed target: http(s), a resolvable "
                            "host, and a public address unless private networks are allowed.") from None
    secret = webhooks.new_secret()
    ep = WebhookEndpoint(organization_id=actor.org_id, url=url, description=description,
                         events=sorted(set(events)), secret_encrypted="", created_by=user_id)
    ep.secret_encrypted = ring().encrypt(secret, secret_aad(ep))
    session.add(ep)
    audit.record(session, actor, "webhook_endpoint.create", "webhook_endpoint", ep.id, {"events": ep.events})
    session.commit()
    session.refresh(ep)
    return ep, secret


def delete_endpoint(actor: AuditActor, session: Session, ep: WebhookEndpoint) -> None:
    """Soft delete (its delivery log stays); its pending deliveries stop. Commits."""
    ep.deleted_at = utcnow()
    session.add(ep)
    audit.record(session, actor, "webhook_endpoint.delete", "webhook_endpoint", ep.id, {})
    session.commit()


def send_test(actor: AuditActor, session: Session, settings: Settings, ep: WebhookEndpoint,
              now: datetime) -> NotificationDelivery:
    """A ``webhook.test`` event to this endpoint only, delivered now (and retried like any other)."""
    intent = outbox.record(session, org_id=ep.organization_id, event="webhook.test", subject_type="webhook_endpoint",
                           subject_id=ep.id, payload={"endpoint_id": str(ep.id)}, recipients=[], now=now)
    d = outbox.add_delivery(session, intent, channel="webhook", key=f"webhook:{ep.id}", now=now, endpoint_id=ep.id)
    assert d is not None  # a new intent has no deliveries yet
    audit.record(session, actor, "webhook_endpoint.test", "webhook_endpoint", ep.id, {"delivery_id": str(d.id)})
    session.commit()
    deliver(session, settings, d.id, now)
    session.refresh(d)
    return d


def get_rotation(session: Session, org_id: uuid.UUID) -> OnCallRotation:
    return session.get(OnCallRotation, org_id) or OnCallRotation(organization_id=org_id, version=0)


def put_rotation(actor: AuditActor, session: Session, *, user_id: uuid.UUID, shifts: list[dict[str, Any]],
                 steps: list[dict[str, Any]], repeat_minutes: int) -> OnCallRotation:
    """Replace the rotation. Every person must be active staff of this organization (422 otherwise). Commits."""
    ids = sorted({str(s["user_id"]) for s in shifts})
    found = {str(u.id) for u in outbox.active_users(session, actor.org_id, roles=outbox.STAFF_ROLES, ids=ids)}
    if set(ids) - found:
        raise unprocessable("on_call_user_invalid", "Every shift must name an active staff member of the "
                            "organization.", user_ids=sorted(set(ids) - found))
    row = session.get(OnCallRotation, actor.org_id) or OnCallRotation(organization_id=actor.org_id, version=0)
    row.shifts, row.steps, row.repeat_minutes = shifts, steps, repeat_minutes
    row.version += 1
    row.updated_by, row.updated_at = user_id, utcnow()
    session.add(row)
    audit.record(session, actor, "on_call.update", "on_call_rotation", actor.org_id,
                 {"shifts": len(shifts), "steps": [s["notify"] for s in steps], "version": row.version})
    session.commit()
    session.refresh(row)
    return row


def list_deliveries(org_id: uuid.UUID, *, alert_id: uuid.UUID | None, channel: str | None,
                    status: str | None) -> SelectOfScalar[NotificationDelivery]:
    from app.notifications.models import NotificationIntent

    stmt = select(NotificationDelivery).where(NotificationDelivery.organization_id == org_id)
    if alert_id is not None:
        stmt = stmt.join(NotificationIntent, col(NotificationIntent.id) == NotificationDelivery.intent_id).where(
            NotificationIntent.subject_type == "alert", NotificationIntent.subject_id == alert_id)
    if channel is not None:
        stmt = stmt.where(NotificationDelivery.channel == channel)
    if status is not None:
        stmt = stmt.where(NotificationDelivery.status == status)
    return stmt


DELIVERY_ORDER = (col(NotificationDelivery.created_at).desc(), col(NotificationDelivery.id))
