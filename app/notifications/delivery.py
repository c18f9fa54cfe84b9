"""Delivering: claim a due delivery, send it outside any transaction, record the outcome; and the sweep.

At least once, never lost: a delivery is *claimed* (status ``in_progress``, ``attempts + 1``, a lease) in a
short committed transaction before anything is sent. A worker that dies mid-send leaves a claim whose lease
expires; the next sweep claims it again and sends it again with the same ``webhook-id``, which receivers
deduplicate on. Only the holder of the current claim (same ``attempts``) may record the outcome.
On PostgreSQL the sweep claims with ``SELECT ... FOR UPDATE SKIP LOCKED`` so that several workers split the
due rows instead of queueing on them; SQLite serializes writers anyway.

Every attempt is audited (``notification.attempt``: delivery id, channel, attempt, outcome, HTTP status).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.auth.models import UserAccount
from app.core import audit, mail
from app.core.audit import Actor
from app.core.config import Settings
from app.core.keyring import ring
from app.core.types import affected, table_of
from app.notifications import messages, oncall, outbox, webhooks
from app.notifications.models import NotificationDelivery, NotificationIntent, WebhookEndpoint

_D = table_of(NotificationDelivery)


def schedule(settings: Settings) -> list[int]:
    return [int(x) for x in settings.notification_retry_schedule.split(",") if x.strip()]


def secret_aad(endpoint: WebhookEndpoint) -> bytes:
    return ring().aad(endpoint.organization_id, "webhook_endpoint", "secret", endpoint.id)


def _due(now: datetime) -> Any:
    return sa.or_(sa.and_(_D.c.status == "pending", _D.c.next_attempt_at <= now),
                  sa.and_(_D.c.status == "in_progress", _D.c.lease_until < now))


def _claim_values(settings: Settings, now: datetime) -> dict[str, Any]:
    return {"status": "in_progress", "attempts": _D.c.attempts + 1,
            "lease_until": now + timedelta(seconds=settings.notification_lease_seconds)}


def claim_one(session: Session, settings: Settings, delivery_id: uuid.UUID, now: datetime) -> int | None:
    """Compare-and-set claim of one due delivery; the attempt number, or None (not due, or taken). Commits."""
    row = session.execute(sa.update(_D).where(_D.c.id == delivery_id, _due(now))
                          .values(**_claim_values(settings, now)).returning(_D.c.attempts)).first()
    session.commit()
    return int(row[0]) if row else None


def claim_due(session: Session, settings: Settings, now: datetime, limit: int = 100,
              org_ids: list[uuid.UUID] | None = None,
              intent_id: uuid.UUID | None = None) -> list[tuple[uuid.UUID, int]]:
    """Claim up to ``limit`` due deliveries (of one intent when given; SKIP LOCKED on PostgreSQL). Commits."""
    pick = sa.select(_D.c.id).where(_due(now)).order_by(_D.c.next_attempt_at).limit(limit)
    if org_ids is not None:
        pick = pick.where(_D.c.organization_id.in_(org_ids))
    if intent_id is not None:
        pick = pick.where(_D.c.intent_id == intent_id)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.execute(pick).scalars().all())
    claimed: list[tuple[uuid.UUID, int]] = []
    if ids:
        rows = session.execute(sa.update(_D).where(_D.c.id.in_(ids), _due(now))
                               .values(**_claim_values(settings, now)).returning(_D.c.id, _D.c.attempts)).all()
        claimed = [(r[0], int(r[1])) for r in rows]
    session.commit()
    return claimed


Outcome = tuple[bool, int | None, str | None]  # (delivered, HTTP status, error code)


def _prepare(session: Session, settings: Settings, d: NotificationDelivery,
             intent: NotificationIntent) -> Callable[[], Outcome] | Outcome:
    """Everything one attempt needs from the database, read now; the network part is returned as a function
    to run after the read transaction ends (nothing is held open while sending). An outcome known without
    sending (a deleted endpoint, an inactive recipient, no SMTP) is returned as is."""
    if d.channel == "webhook":
        ep = session.get(WebhookEndpoint, d.endpoint_id)
        if ep is None or ep.deleted_at is not None:
            return False, None, "endpoint_deleted"
        secret = ring().decrypt(ep.secret_encrypted, secret_aad(ep))
        url, body, msg_id = ep.url, messages.webhook_body(str(d.id), intent), f"msg_{d.id.hex}"

        def post() -> Outcome:
            try:
                target = webhooks.resolve(url, allow_private=settings.webhook_allow_private_networks)
            except webhooks.TargetRefused as exc:
                return False, None, str(exc.args[0])
            sent_at = datetime.now(intent.created_at.tzinfo)  # the signature's timestamp is the real send time
            try:
                code = webhooks.post(target, body, webhooks.headers(secret, msg_id, sent_at, body),
                                     settings.webhook_timeout_seconds)
            except OSError as exc:
                return False, None, f"connection:{type(exc).__name__}"
            return 200 <= code < 300, code, None if 200 <= code < 300 else f"http_{code}"

        return post
    user = session.get(UserAccount, d.recipient_user_id)
    if user is None or not user.is_active:
        return False, None, "recipient_inactive"
    if not mail.mail_configured(settings):
        return False, None, "smtp_not_configured"
    message = messages.email(intent, to=user.email, lang=user.preferred_language or "en",
                             base_url=settings.public_base_url, escalated=d.escalation_step > 0)
    return lambda: (True, None, None) if mail.send(settings, message) else (False, None, "smtp_failed")


# Failures that waiting cannot cure: the delivery fails at once (shown in GET /notifications) instead of
# coming back for 24 hours. Without SMTP settings every e-mail would otherwise be retried through the whole
# schedule, and under load those retries ran in the API's own job worker (bench/RESULTS.md).
FINAL_ERRORS = frozenset({"endpoint_deleted", "smtp_not_configured", "recipient_inactive"})


def _outcome_values(settings: Settings, outcome: Outcome, attempt_no: int, now: datetime) -> dict[str, Any]:
    ok, code, error = outcome
    gaps = schedule(settings)
    if ok:
        return {"status": "delivered", "delivered_at": now, "lease_until": None, "last_error": None,
                "last_status_code": code, "next_attempt_at": None}
    if attempt_no <= len(gaps) and error not in FINAL_ERRORS:
        return {"status": "pending", "lease_until": None, "last_error": error, "last_status_code": code,
                "next_attempt_at": now + timedelta(seconds=gaps[attempt_no - 1])}
    # the schedule (>= 24 h) is spent: failed, and the endpoint is marked failing below
    return {"status": "failed", "lease_until": None, "last_error": error, "last_status_code": code,
            "next_attempt_at": None}


# Sends of one intent run side by side: a webhook receiver that takes its whole timeout to answer must not
# hold back the on-call person's e-mail behind it.
MAX_PARALLEL_SENDS = 8


def _send_all(plans: dict[uuid.UUID, Callable[[], Outcome] | Outcome]) -> dict[uuid.UUID, Outcome]:
    sends = {d_id: plan for d_id, plan in plans.items() if callable(plan)}
    outcomes: dict[uuid.UUID, Outcome] = {d_id: plan for d_id, plan in plans.items() if not callable(plan)}
    if len(sends) == 1:
        (d_id, send), = sends.items()
        outcomes[d_id] = send()
    elif sends:
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_SENDS, len(sends)),
                                thread_name_prefix="notify-send") as pool:
            outcomes.update(zip(sends, pool.map(lambda send: send(), sends.values()), strict=True))
    return outcomes


def attempt_all(session: Session, settings: Settings, claimed: list[tuple[uuid.UUID, int]],
                now: datetime) -> dict[uuid.UUID, str]:
    """Send claimed deliveries and record their outcomes; the new status of each. Commits.

    Three steps, so that a whole intent's deliveries cost one read and one write transaction (one audit-chain
    lock) however many people they reach: read what every attempt needs; send, outside any transaction;
    record every outcome. Only the holder of the current claim (same ``attempts``) records an outcome; a
    delivery whose lease expired meanwhile is someone else's now ("superseded")."""
    if not claimed:
        return {}
    attempt_of = dict(claimed)
    rows = session.exec(select(NotificationDelivery).where(col(NotificationDelivery.id).in_(list(attempt_of)))).all()
    deliveries = {d.id: d for d in rows}
    intent_ids = {d.intent_id for d in rows}
    intents = {i.id: i for i in session.exec(select(NotificationIntent).where(
        col(NotificationIntent.id).in_(list(intent_ids)))).all()} if intent_ids else {}
    plans = {d_id: _prepare(session, settings, d, intents[d.intent_id])
             for d_id, d in deliveries.items() if d.intent_id in intents}
    session.commit()  # end the read transaction before the network
    outcomes = _send_all(plans)
    result: dict[uuid.UUID, str] = dict.fromkeys(attempt_of, "missing")
    retry_at: dict[uuid.UUID, datetime] = {}
    for d_id, outcome in outcomes.items():
        d, n = deliveries[d_id], attempt_of[d_id]
        values = _outcome_values(settings, outcome, n, now)
        fenced = session.execute(sa.update(_D).where(_D.c.id == d_id, _D.c.status == "in_progress",
                                                     _D.c.attempts == n).values(**values))
        if affected(fenced) != 1:
            result[d_id] = "superseded"  # our lease expired and someone else holds the claim: theirs to record
            continue
        ok, code, error = outcome
        audit.record(session, Actor(d.organization_id), "notification.attempt", "notification_delivery", d.id,
                     {"channel": d.channel, "attempt": n, "outcome": values["status"], "http_status": code,
                      "error": error, "intent_id": str(d.intent_id), "event": intents[d.intent_id].event})
        if d.channel == "webhook" and d.endpoint_id is not None and error != "endpoint_deleted":
            _endpoint_health(session, settings, d.endpoint_id, ok, values["status"] == "failed", now)
        if values["status"] == "pending":
            at = values["next_attempt_at"]
            retry_at[d.intent_id] = min(at, retry_at.get(d.intent_id, at))
        result[d_id] = str(values["status"])
    for intent_id, at in retry_at.items():
        # The retry is a job that starts no earlier than the schedule says (the sweep is only the backstop).
        outbox.queue(session, intent_id, not_before=at)
    session.commit()
    return result


def attempt(session: Session, settings: Settings, delivery_id: uuid.UUID, attempt_no: int, now: datetime) -> str:
    """Send one claimed delivery and record the outcome; returns the new status. Commits."""
    return attempt_all(session, settings, [(delivery_id, attempt_no)], now)[delivery_id]


def _endpoint_health(session: Session, settings: Settings, endpoint_id: uuid.UUID, ok: bool, spent: bool,
                     now: datetime) -> None:
    """Count consecutive failures; at the threshold (or a spent schedule) mark the endpoint ``failing`` and
    tell the admins once. Never disabled: it keeps receiving, and a success makes it ``active`` again."""
    ep = session.get(WebhookEndpoint, endpoint_id)
    if ep is None:
        return
    if ok:
        ep.consecutive_failures, ep.status, ep.failing_since = 0, "active", None
    else:
        ep.consecutive_failures += 1
        if ep.status != "failing" and (spent or ep.consecutive_failures >= settings.webhook_failing_after):
            ep.status, ep.failing_since = "failing", now
            audit.record(session, Actor(ep.organization_id), "webhook_endpoint.failing", "webhook_endpoint",
                         ep.id, {"consecutive_failures": ep.consecutive_failures})
            admins = [u.id for u in outbox.active_users(session, ep.organization_id, roles=("admin",))]
            outbox.record(session, org_id=ep.organization_id, event="webhook_endpoint.failing",
                          subject_type="webhook_endpoint", subject_id=ep.id, severity="high",
                          payload={"endpoint_id": str(ep.id)}, recipients=admins, now=now)
    session.add(ep)


def deliver(session: Session, settings: Settings, delivery_id: uuid.UUID, now: datetime) -> str:
    """The ``notifications.deliver`` job's body: claim this delivery if due, then attempt it."""
    n = claim_one(session, settings, delivery_id, now)
    return "not_due" if n is None else attempt(session, settings, delivery_id, n, now)


def deliver_intent(session: Session, settings: Settings, intent_id: uuid.UUID, now: datetime) -> Counter[str]:
    """The ``notifications.deliver_intent`` job's body: every due delivery of one intent (an alert reaching
    twelve attorneys is one job, not twelve)."""
    return _drain(session, settings, now, intent_id=intent_id)


def _drain(session: Session, settings: Settings, now: datetime, *, org_ids: list[uuid.UUID] | None = None,
           intent_id: uuid.UUID | None = None) -> Counter[str]:
    """Claim and attempt due deliveries in batches of 100 until none is left; the outcomes counted."""
    outcomes: Counter[str] = Counter()
    for _ in range(1000):  # bounded: a zero gap in a test schedule must not spin forever
        claimed = claim_due(session, settings, now, org_ids=org_ids, intent_id=intent_id)
        outcomes.update(attempt_all(session, settings, claimed, now).values())
        if len(claimed) < 100:
            break
    return outcomes


def escalate(session: Session, now: datetime, org_ids: list[uuid.UUID] | None = None) -> int:
    """Run the escalation steps that are due: for each unacknowledged critical alert whose next step time has
    come, e-mail that step's people. Returns the steps run. Commits per intent."""
    it = table_of(NotificationIntent)
    pick = sa.select(it.c.id).where(it.c.next_escalation_at <= now, it.c.acknowledged_at.is_(None))
    if org_ids is not None:
        pick = pick.where(it.c.organization_id.in_(org_ids))
    ran = 0
    for intent_id in list(session.execute(pick).scalars().all()):
        intent = session.get(NotificationIntent, intent_id)
        if intent is None:
            continue
        step = intent.escalation_step + 1
        _, steps, repeat = outbox.rotation(session, intent.organization_id)
        nxt = oncall.next_step_at(steps, step, intent.created_at, now, repeat)
        # Compare-and-set on the step: of two sweeps, one runs it.
        won = session.execute(sa.update(it).where(it.c.id == intent_id, it.c.escalation_step == step - 1,
                                                  it.c.acknowledged_at.is_(None))
                              .values(escalation_step=step, next_escalation_at=nxt))
        if affected(won) != 1:
            session.rollback()
            continue
        target = str(oncall.step_for(steps, step)["notify"])
        added = outbox.email_users(session, intent, outbox.step_recipients(session, intent.organization_id,
                                                                           target, now), now, step=step)
        outbox.queue_deliveries(session, intent, added, now)
        audit.record(session, Actor(intent.organization_id), "notification.escalated", "notification_intent",
                     intent.id, {"step": step, "target": target, "subject_id": str(intent.subject_id)})
        session.commit()
        ran += 1
    session.commit()
    return ran


def sweep(session: Session, now: datetime, org_ids: list[uuid.UUID] | None = None,
          settings: Settings | None = None) -> dict[str, Any]:
    """Escalate what is due, then deliver every due delivery (claimed in batches). Idempotent."""
    from app.core.config import get_settings

    settings = settings or get_settings()
    escalated = escalate(session, now, org_ids)
    outcomes = _drain(session, settings, now, org_ids=org_ids)
    return {"escalation_steps": escalated, **{k: int(v) for k, v in sorted(outcomes.items())}}


def pending_count(session: Session, org_id: uuid.UUID) -> int:
    return int(session.exec(select(sa.func.count()).select_from(NotificationDelivery).where(
        NotificationDelivery.organization_id == org_id, col(NotificationDelivery.status) == "pending")).one())
