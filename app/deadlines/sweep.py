"""The deadline sweep (``dueprocess deadlines sweep``): what becomes true by the passage of time.

- open deadlines whose *latest arguable* instant has passed are marked ``missed`` (an open deadline whose
  earliest-safe instant passed but whose latest arguable one has not stays open: the argument still exists,
  and it shows up as due soon);
- ``deadline_due_soon`` alerts for open deadlines due within 72 hours (high when jurisdictional, else normal),
  ``deadline_missed`` alerts (high) for those just marked missed, through the protection domain's alerts
  (the deadlines domain sits above protection, so it calls it directly).

``now`` is an argument (no hidden clock). Each organization is committed separately; every step is
idempotent (alerts are deduplicated by key), so the sweep can be re-run or run next to requests.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from app.auth.models import Organization
from app.clients.models import Client
from app.core import audit
from app.core.audit import Actor, AuditActor
from app.core.types import table_of
from app.deadlines.models import Deadline, DeadlineStatus
from app.notifications import outbox
from app.protection import alerts

DUE_SOON = timedelta(hours=72)
KIND_DUE_SOON = "deadline_due_soon"
KIND_MISSED = "deadline_missed"


def _raise(actor: AuditActor, session: Session, *, deadline_id: uuid.UUID, org_id: uuid.UUID, client_id: uuid.UUID,
           kind: str, severity: str, dedupe_key: str, details: dict[str, Any], now: datetime) -> Any:
    """Open a deadline alert unless the same facts already have one (deduplicated by key); a new one also
    writes a ``deadline.due_soon`` / ``deadline.missed`` notification intent (webhooks; people hear of it
    through the alert's own ``alert.raised``)."""
    alert = alerts.raise_alert(actor, session, org_id=org_id, client_id=client_id, kind=kind, severity=severity,
                              dedupe_key=dedupe_key, trigger_type="deadline", trigger_id=deadline_id,
                              details=details, now=now, reopen_after_ack=False)
    if alert is not None:
        event = "deadline.missed" if kind == KIND_MISSED else "deadline.due_soon"
        outbox.record(session, org_id=org_id, event=event, subject_type="deadline", subject_id=deadline_id,
                      severity=severity, client_id=client_id, recipients=[], now=now,
                      payload={"deadline_id": str(deadline_id), "rule": details.get("rule"),
                               "due_at": details.get("due_at"), "alert_id": str(alert.id)})
    return alert


def _details(row: Any) -> dict[str, Any]:
    return {"deadline_id": str(row.id), "rule": row.rule_id, "due_at": row.due_at.isoformat(),
            "due_latest_arguable_at": row.due_latest_arguable_at.isoformat(), "jurisdictional": row.jurisdictional,
            "proposed": row.proposed}


def mark_missed(actor: AuditActor, session: Session, org_id: uuid.UUID, now: datetime) -> list[sa.Row[Any]]:
    """One UPDATE ... RETURNING: race-free against concurrent edits (a row edited first no longer matches)."""
    t = table_of(Deadline)
    stmt = (sa.update(t)
            .where(t.c.organization_id == org_id, t.c.status == DeadlineStatus.open.value, t.c.due_at < now,
                   t.c.due_latest_arguable_at < now)
            .values(status=DeadlineStatus.missed.value, version=t.c.version + 1, updated_at=now)
            .returning(t.c.id, t.c.client_id, t.c.rule_id, t.c.due_at, t.c.due_latest_arguable_at,
                       t.c.jurisdictional, t.c.proposed))
    rows = list(session.execute(stmt).all())
    for row in rows:
        audit.record(session, actor, "deadline.missed", "deadline", row.id, {"rule": row.rule_id})
    return rows


def due_soon(session: Session, org_id: uuid.UUID, now: datetime) -> list[sa.Row[Any]]:
    t = table_of(Deadline)
    stmt = (sa.select(t.c.id, t.c.client_id, t.c.rule_id, t.c.due_at, t.c.due_latest_arguable_at,
                      t.c.jurisdictional, t.c.proposed)
            .join(table_of(Client), table_of(Client).c.id == t.c.client_id)
            .where(t.c.organization_id == org_id, t.c.status == DeadlineStatus.open.value,
                   t.c.due_at <= now + DUE_SOON, t.c.due_latest_arguable_at >= now,
                   table_of(Client).c.deleted_at.is_(None))
            .order_by(t.c.due_at, t.c.id))
    return list(session.execute(stmt).all())


def sweep_organization(session: Session, org_id: uuid.UUID, now: datetime) -> Counter[str]:
    """Mark missed deadlines and raise due-soon / missed alerts for one organization. Commits."""
    actor = Actor(org_id)
    counts: Counter[str] = Counter()
    missed = mark_missed(actor, session, org_id, now)
    counts["missed"] += len(missed)
    for row in missed:
        if _raise(actor, session, deadline_id=row.id, org_id=org_id, client_id=row.client_id, kind=KIND_MISSED,
                  severity="high", dedupe_key=f"{KIND_MISSED}:{row.id}", details=_details(row), now=now) is not None:
            counts[f"alert:{KIND_MISSED}"] += 1
    for row in due_soon(session, org_id, now):
        key = f"{KIND_DUE_SOON}:{row.id}:{row.due_at:%Y%m%dT%H%M%SZ}"
        severity = "high" if row.jurisdictional else "normal"
        if _raise(actor, session, deadline_id=row.id, org_id=org_id, client_id=row.client_id, kind=KIND_DUE_SOON,
                  severity=severity, dedupe_key=key, details=_details(row), now=now) is not None:
            counts[f"alert:{KIND_DUE_SOON}"] += 1
    session.commit()
    return counts


def sweep(session: Session, now: datetime, org_ids: Iterable[uuid.UUID] | None = None) -> dict[str, Any]:
    """Run the deadline sweep for every organization (or the given ones); return counts."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ids = list(org_ids) if org_ids is not None else list(session.exec(select(Organization.id)).all())
    session.commit()  # end the read transaction; each organization gets its own
    total: Counter[str] = Counter()
    for org_id in ids:
        total.update(sweep_organization(session, org_id, now))
    return {"organizations": len(ids), "missed": int(total["missed"]),
            f"alert:{KIND_DUE_SOON}": int(total[f"alert:{KIND_DUE_SOON}"]),
            f"alert:{KIND_MISSED}": int(total[f"alert:{KIND_MISSED}"])}
