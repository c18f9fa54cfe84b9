"""Removal-risk alerts (docs/design.md#domain-model Alert, docs/domain/protection.md#order-types "Alert logic").

Callers in other domains use ``evaluate_custody_event``, ``open_alerts_for_client`` and ``check_whereabouts``;
they run inside the caller's transaction and never commit.

Idempotency: the same facts (``dedupe_key``) never hold two OPEN alerts. A unique index on
(organization_id, dedupe_key, open_marker) enforces it; ``open_marker`` is 1 while open and NULL once
acknowledged. The insert runs in a SAVEPOINT so that losing a race (two transactions raising the same facts)
is "already raised", not an error.

Re-raising after acknowledgement (see docs/protection.md): a NEW custody event showing the same conflict opens a
new alert (new evidence; a critical alarm is never silenced by an earlier acknowledgement). Re-evaluations of
facts already known (an order saved again, the sweep, a read) do not reopen an acknowledged alert.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.models import Organization
from app.clients.models import Client, Proceeding
from app.core import audit
from app.core.audit import Actor, AuditActor
from app.core.errors import ProblemError, not_found
from app.core.types import affected, table_of, utcnow
from app.custody import service as custody_service
from app.custody.models import CustodyEvent, Facility
from app.custody.statuses import WHEREABOUTS_UNKNOWN_STATUSES
from app.notifications import outbox
from app.protection import rules
from app.protection.models import SEVERITY_RANK, Alert, AlertKind, ProtectionOrder, Severity


def _new_alert(org_id: uuid.UUID, client_id: uuid.UUID, f: rules.Finding, trigger_type: str,
               trigger_id: uuid.UUID | None, now: datetime) -> Alert:
    return Alert(organization_id=org_id, client_id=client_id, kind=f.kind, severity=f.severity,
                 severity_rank=SEVERITY_RANK[f.severity], dedupe_key=f.dedupe_key[:200], open_marker=1,
                 trigger_type=trigger_type, trigger_id=trigger_id, details=f.details, created_at=now)


def _insert_in_savepoint(session: Session, alerts: list[Alert]) -> bool:
    try:
        with session.begin_nested():
            session.add_all(alerts)
            session.flush()
    except IntegrityError:
        # Another transaction raised the same facts between our check and our insert: already raised.
        return False
    return True


_KEYS_STMT: Any = sa.select(col(Alert.dedupe_key)).where(
    col(Alert.organization_id) == sa.bindparam("org_id"),
    col(Alert.dedupe_key).in_(sa.bindparam("keys", expanding=True)))
_OPEN_KEYS_STMT: Any = _KEYS_STMT.where(col(Alert.open_marker) == 1)


def existing_keys(session: Session, org_id: uuid.UUID, keys: list[str], *, open_only: bool) -> set[str]:
    """Cheap pre-check through the unique index; the index itself decides races."""
    stmt = _OPEN_KEYS_STMT if open_only else _KEYS_STMT
    return set(session.execute(stmt, {"org_id": org_id, "keys": keys}).scalars().all())


def raise_alerts(actor: AuditActor, session: Session, *, org_id: uuid.UUID, client_id: uuid.UUID,
                 findings: list[rules.Finding], trigger_type: str, trigger_id: uuid.UUID | None, now: datetime,
                 reopen_after_ack: bool) -> list[Alert]:
    """Open an alert for each finding whose facts have no open alert yet (no acknowledged one either, unless
    ``reopen_after_ack``); return those opened. One pre-check, one SAVEPOINT, one audit row. No commit."""
    unique = list({f.dedupe_key[:200]: f for f in findings}.values())
    if not unique:
        return []
    existing = existing_keys(session, org_id, [f.dedupe_key[:200] for f in unique], open_only=reopen_after_ack)
    todo = [f for f in unique if f.dedupe_key[:200] not in existing]
    if not todo:
        return []
    created = [_new_alert(org_id, client_id, f, trigger_type, trigger_id, now) for f in todo]
    if not _insert_in_savepoint(session, created):
        # Lost a race on at least one key: retry one by one so the others are still raised.
        created = [a for a in (_new_alert(org_id, client_id, f, trigger_type, trigger_id, now) for f in todo)
                   if _insert_in_savepoint(session, [a])]
    if created:
        _audit_raised(session, actor, client_id, trigger_type, trigger_id, created)
        _notify_raised(session, created)
    return created


def _notify_raised(session: Session, created: list[Alert]) -> None:
    """An ``alert.raised`` notification intent per alert, in this transaction (docs/notifications.md): a
    critical alert pages the on-call person and escalates until acknowledged. Ids and kinds only."""
    for a in created:
        outbox.record(session, org_id=a.organization_id, event="alert.raised", subject_type="alert",
                      subject_id=a.id, severity=a.severity, client_id=a.client_id,
                      payload={"kind": a.kind, "trigger_type": a.trigger_type,
                               "trigger_id": str(a.trigger_id) if a.trigger_id else None})


def _audit_raised(session: Session, actor: AuditActor, client_id: uuid.UUID, trigger_type: str,
                  trigger_id: uuid.UUID | None, created: list[Alert]) -> None:
    """One ``alert.raised`` audit event for the alerts one trigger opened for one client (ids and kinds only)."""
    audit.record(session, actor, "alert.raised", "client", client_id, {
        "trigger_type": trigger_type, "trigger_id": str(trigger_id) if trigger_id else None,
        "alerts": [{"id": str(a.id), "kind": a.kind, "severity": a.severity} for a in created]})


def raise_alert(actor: AuditActor, session: Session, *, org_id: uuid.UUID, client_id: uuid.UUID, kind: str,
                severity: str, dedupe_key: str, trigger_type: str, trigger_id: uuid.UUID | None,
                details: dict[str, Any], now: datetime, reopen_after_ack: bool) -> Alert | None:
    """Open one alert unless the same facts already have one; return it, or None if already raised."""
    out = raise_alerts(actor, session, org_id=org_id, client_id=client_id,
                       findings=[rules.Finding(kind, severity, dedupe_key, details)], trigger_type=trigger_type,
                       trigger_id=trigger_id, now=now, reopen_after_ack=reopen_after_ack)
    return out[0] if out else None


# Only what the rules read: light rows instead of full ORM objects. These run on every custody event, so the
# statements are built once with bind parameters (building a SELECT costs more than SQLite executing it).
_ORDER_COLUMNS = (col(ProtectionOrder.id), col(ProtectionOrder.type), col(ProtectionOrder.scope),
                  col(ProtectionOrder.status), col(ProtectionOrder.countries), col(ProtectionOrder.federal_district),
                  col(ProtectionOrder.expires_at), col(ProtectionOrder.designated_country),
                  col(ProtectionOrder.alternate_countries))


def _build_statements() -> tuple[Any, Any]:
    orders: Any = sa.select(sa.literal_column("'o'").label("src"), *_ORDER_COLUMNS).where(
        col(ProtectionOrder.client_id) == sa.bindparam("client_id"),
        col(ProtectionOrder.organization_id) == sa.bindparam("org_id"))
    # Pending habeas: open district-court proceedings. Filtered on client_id (its index); the client was already
    # checked to be the organization's.
    habeas: Any = sa.select(
        sa.literal_column("'p'"), col(Proceeding.id), sa.null(), sa.null(), col(Proceeding.status), sa.null(),
        col(Proceeding.federal_district), sa.null(), sa.null(), sa.null()).where(
        col(Proceeding.client_id) == sa.bindparam("client_id"), col(Proceeding.forum) == "district_court",
        col(Proceeding.status) == "open", col(Proceeding.federal_district).is_not(None))
    return orders, sa.union_all(orders, habeas)


_ORDERS_STMT, _ORDERS_AND_HABEAS_STMT = _build_statements()


def orders_for_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> list[sa.Row[Any]]:
    """All orders of a client as light rows (one probe of ix_protection_order_client)."""
    return list(session.execute(_ORDERS_STMT, {"client_id": client_id, "org_id": org_id}).all())


def _orders_and_habeas(session: Session, org_id: uuid.UUID,
                       client_id: uuid.UUID) -> tuple[list[Any], list[tuple[uuid.UUID, str]]]:
    """The client's orders and pending habeas proceedings in ONE round trip (every detention event)."""
    rows = session.execute(_ORDERS_AND_HABEAS_STMT, {"client_id": client_id, "org_id": org_id}).all()
    return ([r for r in rows if r.src == "o"],
            [(r.id, str(r.federal_district)) for r in rows if r.src == "p"])


def _conflicts(session: Session, org_id: uuid.UUID, client: Client, event: CustodyEvent,
               at: datetime, *, new_client: bool = False) -> list[rules.Finding]:
    """``new_client``: the client was created in this very transaction, so it has no orders and no proceedings
    yet and the lookups are skipped (the rules still judge the event itself, e.g. a third-country removal)."""
    if not rules.may_conflict(event.status, event.country, event.facility_id is not None):
        return []  # e.g. a release: no order can be violated by it, skip the lookups
    facility = session.get(Facility, event.facility_id) if event.facility_id else None
    district = facility.federal_district if facility is not None else None
    orders: list[Any] = []
    habeas: list[tuple[uuid.UUID, str]] = []
    if not new_client:
        if district and rules.is_detention_status(event.status):
            orders, habeas = _orders_and_habeas(session, org_id, client.id)
        else:
            orders = orders_for_client(session, org_id, client.id)
    return rules.custody_findings(
        client_id=client.id, status=event.status, country=event.country, facility_district=district,
        facility_state=facility.state if facility is not None else None, event_id=event.id,
        orders=orders, citizenships=list(client.citizenships or []), at=at, pending_habeas=habeas)


def evaluate_custody_event(ctx: AuditActor, session: Session, client: Client, event: CustodyEvent) -> list[Alert]:
    """Evaluate a just-recorded custody event against the client's orders; return the alerts raised."""
    if event.retracted_at is not None:
        return []
    org_id = event.organization_id
    now = utcnow()
    # Orders are judged as of the event: a removal while a TRO was in force is a violation even if the TRO
    # has expired by the time we learn of it.
    findings = _conflicts(session, org_id, client, event, event.effective_at)
    raised = raise_alerts(ctx, session, org_id=org_id, client_id=client.id, findings=findings,
                          trigger_type="custody_event", trigger_id=event.id, now=now, reopen_after_ack=True)
    if event.status in WHEREABOUTS_UNKNOWN_STATUSES:
        alert = check_whereabouts(session, org_id, client.id, now, actor=ctx)
        if alert is not None:
            raised.append(alert)
    return raised


def evaluate_new_client_events(ctx: AuditActor, session: Session, pairs: list[tuple[Client, CustodyEvent]]) -> int:
    """Bulk path of the CSV intake: evaluate the first custody event of clients created in this transaction.

    Same findings as ``evaluate_custody_event``, without its per-event lookups and savepoints: a new client has
    no orders, proceedings or alerts yet, and no other transaction can see it before COMMIT, so there is no race
    to lose. The alerts are inserted together; one ``alert.raised`` audit event per client, as for single
    events. Returns the number of alerts raised. No commit."""
    now = utcnow()
    raised: list[Alert] = []
    unknown: list[tuple[Client, CustodyEvent]] = []
    by_client: list[tuple[Client, CustodyEvent, list[Alert]]] = []
    for client, event in pairs:
        if event.retracted_at is not None:
            continue
        findings = _conflicts(session, event.organization_id, client, event, event.effective_at, new_client=True)
        unique = list({f.dedupe_key[:200]: f for f in findings}.values())
        created = [_new_alert(event.organization_id, client.id, f, "custody_event", event.id, now) for f in unique]
        if created:
            raised.extend(created)
            by_client.append((client, event, created))
        if event.status in WHEREABOUTS_UNKNOWN_STATUSES:
            unknown.append((client, event))
    if raised:
        session.add_all(raised)
        session.flush()
        for client, event, created in by_client:
            _audit_raised(session, ctx, client.id, "custody_event", event.id, created)
        _notify_raised(session, raised)
    count = len(raised)
    for client, event in unknown:  # rare (unknown / arrested, location unknown): the regular path
        if check_whereabouts(session, event.organization_id, client.id, now, actor=ctx) is not None:
            count += 1
    return count


def evaluate_client_now(ctx: AuditActor, session: Session, client: Client, trigger_type: str, trigger_id: uuid.UUID,
                        now: datetime) -> list[Alert]:
    """Re-check the client's current custody against the orders in force now (after an order is saved)."""
    event = custody_service.latest_event(session, client.organization_id, client.id)
    if event is None:
        return []
    findings = _conflicts(session, client.organization_id, client, event, now)
    return raise_alerts(ctx, session, org_id=client.organization_id, client_id=client.id, findings=findings,
                        trigger_type=trigger_type, trigger_id=trigger_id, now=now, reopen_after_ack=False)


def check_whereabouts(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, now: datetime,
                      actor: AuditActor | None = None) -> Alert | None:
    """Raise ``whereabouts_unknown`` when the client's current status has been unknown/unlocated for longer than
    the organization's ``whereabouts_unknown_hours``. Writes (does not commit): call it with a write session."""
    stmt = (select(CustodyEvent).where(CustodyEvent.organization_id == org_id, CustodyEvent.client_id == client_id,
                                       col(CustodyEvent.retracted_at).is_(None))
            .order_by(col(CustodyEvent.effective_at).desc(), col(CustodyEvent.reported_at).desc(),
                      col(CustodyEvent.id).desc())
            .limit(100))
    start: CustodyEvent | None = None
    latest: CustodyEvent | None = None
    for ev in session.exec(stmt):
        latest = latest or ev
        if ev.status not in WHEREABOUTS_UNKNOWN_STATUSES:
            break
        start = ev  # the run of unknown/unlocated statuses began at the earliest one
    if start is None or latest is None:
        return None
    org = session.get(Organization, org_id)
    hours = org.whereabouts_unknown_hours if org is not None else 12
    if now - start.effective_at <= timedelta(hours=hours):
        return None
    details = {"status": latest.status, "since": start.effective_at.isoformat(), "threshold_hours": hours}
    return raise_alert(actor or Actor(org_id), session, org_id=org_id, client_id=client_id,
                       kind=AlertKind.whereabouts_unknown, severity=Severity.high,
                       dedupe_key=f"whereabouts_unknown:{start.id}", trigger_type="custody_event",
                       trigger_id=start.id, details=details, now=now, reopen_after_ack=False)


# --- reads ------------------------------------------------------------------------------------------------


def alert_summary(alert: Alert | sa.Row[Any]) -> dict[str, Any]:
    """JSON-ready form of an alert, or of a row of ``_SUMMARY_COLUMNS`` (custody/status responses embed these)."""
    return {
        "id": str(alert.id), "client_id": str(alert.client_id), "kind": alert.kind, "severity": alert.severity,
        "dedupe_key": alert.dedupe_key, "trigger_type": alert.trigger_type,
        "trigger_id": str(alert.trigger_id) if alert.trigger_id else None, "details": alert.details,
        "created_at": alert.created_at.isoformat(), "open": alert.open_marker is not None,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by": str(alert.acknowledged_by) if alert.acknowledged_by else None,
        "ack_note": alert.ack_note,
    }


_ORDER: tuple[Any, ...] = (col(Alert.severity_rank), col(Alert.created_at).desc(), col(Alert.id))


def open_alerts_for_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> list[dict[str, Any]]:
    """Open (unacknowledged) alerts of a client as JSON-ready summaries, most severe first."""
    # The summary's columns only, as plain rows: this runs on every status view (no ORM objects needed).
    stmt = sa.select(*_SUMMARY_COLUMNS).where(
        col(Alert.organization_id) == org_id, col(Alert.client_id) == client_id, col(Alert.open_marker) == 1,
    ).order_by(*_ORDER).limit(200)
    return [alert_summary(a) for a in session.execute(stmt).all()]


_SUMMARY_COLUMNS = (col(Alert.id), col(Alert.client_id), col(Alert.kind), col(Alert.severity), col(Alert.dedupe_key),
                    col(Alert.trigger_type), col(Alert.trigger_id), col(Alert.details), col(Alert.created_at),
                    col(Alert.open_marker), col(Alert.acknowledged_at), col(Alert.acknowledged_by), col(Alert.ack_note))


def list_alerts(org_id: uuid.UUID, *, client_id: uuid.UUID | None = None, kind: str | None = None,
                severity: str | None = None, acknowledged: bool | None = None) -> SelectOfScalar[Alert]:
    """Scoped SELECT of alerts with filters (paginate with ``alert_order``)."""
    stmt = select(Alert).where(Alert.organization_id == org_id)
    if client_id is not None:
        stmt = stmt.where(Alert.client_id == client_id)
    if kind is not None:
        stmt = stmt.where(Alert.kind == kind)
    if severity is not None:
        stmt = stmt.where(Alert.severity == severity)
    if acknowledged is True:
        stmt = stmt.where(col(Alert.open_marker).is_(None))
    elif acknowledged is False:
        stmt = stmt.where(Alert.open_marker == 1)
    return stmt


def alert_order() -> tuple[Any, ...]:
    return _ORDER


def get_alert(session: Session, org_id: uuid.UUID, alert_id: uuid.UUID) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.organization_id != org_id:
        raise not_found("alert_not_found", "No such alert.")
    return alert


def acknowledge(ctx: AuditActor, session: Session, alert: Alert, note: str | None) -> Alert:
    """Close an open alert with who/when/why; a second acknowledgement is 409. Commits."""
    now = utcnow()
    table = table_of(Alert)
    # Compare-and-set: of two concurrent acknowledgements exactly one wins.
    result = session.execute(
        sa.update(table).where(table.c.id == alert.id, table.c.open_marker == 1)
        .values(open_marker=None, acknowledged_by=ctx.user_id, acknowledged_at=now, ack_note=note))
    if affected(result) != 1:
        raise ProblemError(409, "alert_already_acknowledged", "The alert was already acknowledged.")
    audit.record(session, ctx, "alert.acknowledged", "alert", alert.id, {"kind": alert.kind})
    # Stops the escalation and cancels pages not yet sent, in the same transaction as the acknowledgement.
    outbox.acknowledge(session, org_id=alert.organization_id, subject_type="alert", subject_id=alert.id,
                       client_id=alert.client_id, payload={"kind": alert.kind, "severity": alert.severity}, now=now)
    session.commit()
    session.refresh(alert)
    return alert
