"""The outbox: what the domains call, inside their own transaction, when something must be heard.

``record`` writes the intent and its deliveries (one per webhook endpoint subscribed to the event, one per
person to e-mail) and defers one ``notifications.deliver_intent`` job for the intent (it delivers them all) —
all in the caller's transaction, never committing. A rolled-back transaction therefore leaves no intent, no
delivery and no job; a committed one leaves rows that a worker or the sweep delivers even if the job itself is
lost (docs/notifications.md).

Payloads carry ids and kinds only: never a name, an A-number, a note or a location (they go to webhooks and
into e-mail bodies that are composed from them).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.auth.models import UserAccount
from app.core import jobs
from app.core.types import affected, table_of, utcnow
from app.notifications import oncall, preferences
from app.notifications.models import NotificationDelivery, NotificationIntent, OnCallRotation, WebhookEndpoint

# Events a webhook endpoint can subscribe to (the public contract; add, never rename).
WEBHOOK_EVENTS = ("alert.raised", "alert.acknowledged", "deadline.due_soon", "deadline.missed",
                  "custody_event.recorded", "filing_batch.completed")
ESCALATING = "critical"
STAFF_ROLES = ("admin", "attorney", "paralegal")


def queue(session: Session, intent_id: uuid.UUID, *, not_before: datetime | None = None) -> None:
    """Defer the job that delivers an intent's due deliveries (in the caller's transaction); ``not_before``
    for a retry or the end of quiet hours. The sweep delivers anything a lost job left behind."""
    jobs.defer(session, "notifications.deliver_intent", queue="notify", not_before=not_before,
               intent_id=str(intent_id))


def add_delivery(session: Session, intent: NotificationIntent, *, channel: str, key: str, now: datetime,
         user_id: uuid.UUID | None = None, endpoint_id: uuid.UUID | None = None, step: int = 0,
         not_before: datetime | None = None, fresh: bool = False) -> NotificationDelivery | None:
    """One delivery, unless the same one exists (a re-run sweep; ``fresh``: the intent was written in this
    transaction, so none can). The unique ``dedupe_key`` is the backstop; two sweeps cannot write the same
    escalation step (the step is claimed by compare-and-set first). The caller queues the intent."""
    key = f"{intent.id}:{key}"
    if not fresh and session.exec(select(NotificationDelivery.id).where(NotificationDelivery.dedupe_key == key)
                                  ).first():
        return None
    d = NotificationDelivery(organization_id=intent.organization_id, intent_id=intent.id, dedupe_key=key,
                             channel=channel, recipient_user_id=user_id, endpoint_id=endpoint_id,
                             escalation_step=step, next_attempt_at=not_before or now, created_at=now)
    session.add(d)
    return d


def active_users(session: Session, org_id: uuid.UUID, *, roles: tuple[str, ...] | None = None,
                 ids: list[str] | None = None) -> list[UserAccount]:
    stmt = select(UserAccount).where(UserAccount.organization_id == org_id, col(UserAccount.is_active).is_(True))
    if roles is not None:
        stmt = stmt.where(col(UserAccount.role).in_(roles))
    if ids is not None:
        stmt = stmt.where(col(UserAccount.id).in_([uuid.UUID(i) for i in ids]))
    users = list(session.exec(stmt.order_by(col(UserAccount.id))).all())
    if ids is not None:  # keep the rotation's order
        order = {i: n for n, i in enumerate(ids)}
        users.sort(key=lambda u: order.get(str(u.id), 0))
    return users


def rotation(session: Session, org_id: uuid.UUID) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    row = session.get(OnCallRotation, org_id)
    if row is None:
        return [], oncall.DEFAULT_STEPS, 15
    return list(row.shifts), list(row.steps) or oncall.DEFAULT_STEPS, row.repeat_minutes


def step_recipients(session: Session, org_id: uuid.UUID, target: str, now: datetime,
                    shifts: list[dict[str, Any]] | None = None) -> list[UserAccount]:
    """The active staff one escalation step reaches; every attorney when the step names nobody. ``shifts``:
    the rotation's, when the caller has read it already (each ``rotation`` call is a query)."""
    if shifts is None:
        shifts, _, _ = rotation(session, org_id)
    ids = oncall.step_users(shifts, target, now)
    if ids is None:
        roles = {"all_attorneys": ("attorney",), "all_admins": ("admin",)}.get(target, STAFF_ROLES)
        users = active_users(session, org_id, roles=roles)
    else:
        users = active_users(session, org_id, roles=STAFF_ROLES, ids=ids) if ids else []
    return users or active_users(session, org_id, roles=("attorney",)) or active_users(session, org_id,
                                                                                      roles=("admin",))


def email_users(session: Session, intent: NotificationIntent, users: list[UserAccount], now: datetime,
                step: int = 0, fresh: bool = False) -> list[NotificationDelivery]:
    """E-mail deliveries for those of ``users`` whose preferences ask for this severity (one query for all
    their preferences), each held back to the end of the person's quiet hours where they apply."""
    users = list({u.id: u for u in users}.values())  # one e-mail per person, even if named twice
    prefs = preferences.get_many(session, [u.id for u in users])
    out = []
    for user in users:
        pref = prefs.get(user.id)
        if not preferences.wants(pref, intent.severity):
            continue
        d = add_delivery(session, intent, channel="email", key=f"email:{user.id}:{step}", now=now,
                         user_id=user.id, step=step, not_before=preferences.quiet_until(pref, intent.severity, now),
                         fresh=fresh)
        if d is not None:
            out.append(d)
    return out


def queue_deliveries(session: Session, intent: NotificationIntent, deliveries: list[NotificationDelivery],
                     now: datetime) -> None:
    """Queue the intent's job: now for what is due now, later for what waits for quiet hours to end."""
    if not deliveries:
        return
    if any(d.next_attempt_at is None or d.next_attempt_at <= now for d in deliveries):
        queue(session, intent.id)
    later = [d.next_attempt_at for d in deliveries if d.next_attempt_at is not None and d.next_attempt_at > now]
    if later:
        queue(session, intent.id, not_before=min(later))


def record(session: Session, *, org_id: uuid.UUID, event: str, subject_type: str, subject_id: uuid.UUID,
           severity: str | None = None, client_id: uuid.UUID | None = None,
           payload: dict[str, Any] | None = None, recipients: list[uuid.UUID] | None = None,
           now: datetime | None = None) -> NotificationIntent:
    """Write a notification intent and its deliveries in the caller's transaction (no commit).

    Who hears it: webhook endpoints subscribed to ``event``; the people in ``recipients`` when given;
    for ``alert.raised``: critical and high alerts reach the on-call person at once (critical ones then
    escalate, see ``escalation``), other severities the staff whose preferences ask for them."""
    now = now or utcnow()
    intent = NotificationIntent(organization_id=org_id, event=event, subject_type=subject_type,
                                subject_id=subject_id, severity=severity, client_id=client_id,
                                payload=dict(payload or {}), created_at=now)
    session.add(intent)
    session.flush()
    added: list[NotificationDelivery | None] = []
    if event in WEBHOOK_EVENTS:
        endpoints = session.exec(select(WebhookEndpoint).where(
            WebhookEndpoint.organization_id == org_id, col(WebhookEndpoint.deleted_at).is_(None))).all()
        for ep in endpoints:
            if event in (ep.events or []):
                added.append(add_delivery(session, intent, channel="webhook", key=f"webhook:{ep.id}", now=now,
                                          endpoint_id=ep.id, fresh=True))
    if recipients is not None:
        users = active_users(session, org_id, ids=[str(r) for r in recipients])
    elif event == "alert.raised" and severity in (ESCALATING, "high"):
        shifts, steps, repeat_minutes = rotation(session, org_id)  # read once for the whole intent
        users = step_recipients(session, org_id, str(oncall.step_for(steps, 0)["notify"]), now, shifts=shifts)
        if severity == ESCALATING:
            intent.next_escalation_at = oncall.next_step_at(steps, 0, now, now, repeat_minutes)
    elif event == "alert.raised":
        users = active_users(session, org_id, roles=STAFF_ROLES)
    else:
        users = []
    added.extend(email_users(session, intent, users, now, fresh=True))
    session.add(intent)
    queue_deliveries(session, intent, [d for d in added if d is not None], now)
    session.flush()
    return intent


def acknowledge(session: Session, *, org_id: uuid.UUID, subject_type: str, subject_id: uuid.UUID,
                payload: dict[str, Any] | None = None, client_id: uuid.UUID | None = None,
                now: datetime | None = None) -> int:
    """Someone acknowledged the subject (an alert): stop its escalation, cancel the e-mails not yet sent,
    tell the webhooks (``alert.acknowledged``). In the caller's transaction; returns e-mails cancelled."""
    now = now or utcnow()
    it = table_of(NotificationIntent)
    ids = list(session.execute(sa.update(it).where(
        it.c.organization_id == org_id, it.c.subject_type == subject_type, it.c.subject_id == subject_id,
        it.c.acknowledged_at.is_(None)).values(acknowledged_at=now, next_escalation_at=None)
        .returning(it.c.id)).scalars().all())
    cancelled = 0
    if ids:
        dt = table_of(NotificationDelivery)
        result = session.execute(sa.update(dt).where(dt.c.intent_id.in_(ids), dt.c.channel == "email",
                                                     dt.c.status == "pending")
                                 .values(status="cancelled", last_error="acknowledged"))
        cancelled = affected(result)
    record(session, org_id=org_id, event=f"{subject_type}.acknowledged", subject_type=subject_type,
           subject_id=subject_id, client_id=client_id, payload=payload, recipients=[], now=now)
    return cancelled


def filing_batch_completed(session: Session, *, org_id: uuid.UUID, batch_id: uuid.UUID, status: str,
                           counts: dict[str, int] | None = None) -> NotificationIntent:
    """For the filing-batch worker: call in the transaction that marks the batch done."""
    return record(session, org_id=org_id, event="filing_batch.completed", subject_type="filing_batch",
                  subject_id=batch_id, payload={"batch_id": str(batch_id), "status": status,
                                                "counts": dict(counts or {})}, recipients=[])
