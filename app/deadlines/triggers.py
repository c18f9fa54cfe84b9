"""Trigger events: recording one spawns a deadline per dependent rule (``catalog.DEPENDENTS``,
docs/domain/deadlines.md#engine-duties);
changing its date, instant, service method or court recomputes them (confirmed ones get a proposed version)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.deps import Caller
from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import not_found, unprocessable
from app.deadlines import recompute as rc
from app.deadlines.catalog import dependents_of
from app.deadlines.models import Deadline, DeadlineSource, DeadlineStatus, TriggerEvent
from app.deadlines.schemas import TriggerEventCreate, TriggerEventUpdate
from app.deadlines.service import check_owner, proceeding_of_client

_INPUT_FIELDS = frozenset({"occurred_on", "occurred_at", "service_method", "court_state", "court_timezone"})


def get_trigger_event(session: Session, org_id: uuid.UUID, event_id: uuid.UUID) -> TriggerEvent:
    """The organization's trigger event, or 404 ``trigger_event_not_found``."""
    te = session.get(TriggerEvent, event_id)
    if te is None or te.organization_id != org_id:
        raise not_found("trigger_event_not_found", "No such trigger event.")
    return te


def list_stmt(org_id: uuid.UUID, client_id: uuid.UUID) -> SelectOfScalar[TriggerEvent]:
    return select(TriggerEvent).where(TriggerEvent.organization_id == org_id, TriggerEvent.client_id == client_id)


def dependents(session: Session, te: TriggerEvent, *, current_only: bool = False) -> list[Deadline]:
    """Deadlines spawned by the event (with proposals unless ``current_only``), in due order."""
    stmt = select(Deadline).where(Deadline.organization_id == te.organization_id, Deadline.trigger_event_id == te.id)
    if current_only:
        stmt = stmt.where(col(Deadline.proposed).is_(False),
                          col(Deadline.superseded_by_id).is_(None))
    return list(session.exec(stmt.order_by(col(Deadline.due_at), col(Deadline.id))).all())


def _when(occurred_on: Any, occurred_at: datetime | None, tz: str) -> tuple[Any, datetime | None]:
    if occurred_at is not None:
        local = rc.local_date(occurred_at, tz)
        if occurred_on is not None and occurred_on != local:
            raise unprocessable("conflicting_trigger", f"occurred_on is not the court-local date of occurred_at "
                                f"({local.isoformat()}).")
        return local, occurred_at.astimezone(UTC)
    if occurred_on is None:
        raise unprocessable("trigger_required", "Give occurred_on or occurred_at.")
    return occurred_on, None


def _inputs(te: TriggerEvent, rule_id: str) -> rc.Inputs:
    return rc.Inputs(rule_id=rule_id, trigger_date=te.occurred_date, trigger_at=te.occurred_at,
                     service_method=te.service_method, court_state=te.court_state, court_timezone=te.court_timezone,
                     period_override=None)


def create_trigger_event(ctx: Caller, session: Session, client: Client, body: TriggerEventCreate,
                         now: datetime) -> tuple[TriggerEvent, list[Deadline]]:
    """Record the event and spawn one deadline per dependent rule, all in one transaction."""
    proc = proceeding_of_client(session, ctx.org_id, client, body.proceeding_id)
    check_owner(session, ctx.org_id, body.owner_id)
    state, tz = rc.court_defaults(ctx.principal.org, proc.federal_district if proc else None, body.court_state,
                                  body.court_timezone)
    day, at = _when(body.occurred_on, body.occurred_at, tz)
    te = TriggerEvent(organization_id=ctx.org_id, client_id=client.id, proceeding_id=proc.id if proc else None,
                      kind=body.kind.value, occurred_date=day, occurred_at=at, service_method=body.service_method.value,
                      court_state=state, court_timezone=tz, owner_id=body.owner_id, created_by=ctx.user_id,
                      created_at=now, updated_at=now)
    session.add(te)
    session.flush()
    spawned: list[Deadline] = []
    for spec in dependents_of(te.kind):
        inp = _inputs(te, spec.id)
        comp = rc.run(spec, inp)
        d = Deadline(organization_id=ctx.org_id, client_id=client.id, proceeding_id=te.proceeding_id,
                     title=spec.title, trigger_event_id=te.id, trigger_kind=te.kind, owner_id=te.owner_id,
                     source=DeadlineSource.computed.value, status=DeadlineStatus.open.value, created_by=ctx.user_id,
                     created_at=now, updated_at=now, due_earliest_safe_date=day, due_latest_arguable_date=day,
                     due_at=now, due_latest_arguable_at=now)
        rc.set_inputs(d, inp)
        rc.apply(d, spec, comp)
        session.add(d)
        spawned.append(d)
    session.flush()
    audit.record(session, ctx, "trigger_event.created", "trigger_event", te.id,
                 {"client_id": str(client.id), "kind": te.kind, "deadlines": len(spawned)})
    for d in spawned:
        audit.record(session, ctx, "deadline.created", "deadline", d.id,
                     {"client_id": str(client.id), "rule": d.rule_id, "source": d.source,
                      "trigger_event_id": str(te.id)})
    session.commit()
    spawned.sort(key=lambda x: (x.due_at, str(x.id)))
    return te, spawned


def update_trigger_event(ctx: AuditActor, session: Session, te: TriggerEvent, body: TriggerEventUpdate, expected: int,
                         now: datetime) -> dict[str, list[uuid.UUID]]:
    """Correct the event; recompute its current dependents (confirmed ones -> proposed versions)."""
    fields = body.model_fields_set
    claim_version(session, te, expected)
    state = rc.check_state(body.court_state) if "court_state" in fields else te.court_state
    tz = body.court_timezone if "court_timezone" in fields and body.court_timezone else te.court_timezone
    rc.zone(tz)
    if "occurred_at" in fields and body.occurred_at is not None:
        day, at = _when(body.occurred_on if "occurred_on" in fields else None, body.occurred_at, tz)
    elif "occurred_on" in fields or "occurred_at" in fields:
        day, at = _when(body.occurred_on, None, tz)
    elif te.occurred_at is not None:
        day, at = rc.local_date(te.occurred_at, tz), te.occurred_at
    else:
        day, at = te.occurred_date, None
    te.occurred_date, te.occurred_at = day, at
    te.court_state, te.court_timezone = state, tz
    if "service_method" in fields and body.service_method is not None:
        te.service_method = body.service_method.value
    te.updated_at = now
    summary = rc.empty_summary()
    if fields & _INPUT_FIELDS:
        for d in dependents(session, te, current_only=True):
            rc.recompute(ctx, session, d, _inputs(te, d.rule_id or ""), now, summary)
    audit.record(session, ctx, "trigger_event.updated", "trigger_event", te.id,
                 {"fields": sorted(fields), "recomputed": len(summary["recomputed"]),
                  "proposed": len(summary["proposed"])})
    session.commit()
    return summary
