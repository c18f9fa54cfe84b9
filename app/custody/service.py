"""Custody history use cases: append-only events, retractions, the current-status projection.

Current status is derived: the latest non-retracted event by ``effective_at`` (docs/design.md#domain-model). The
``custody_current`` projection is rebuilt from the events in the same transaction as every change.
Facility use cases live in ``app.custody.facilities``. What follows an event in other domains (alerts, the
staff status view) is in ``app.casework``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.clients import service as clients_service
from app.clients.bulk import bulk_insert
from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import ProblemError, conflict, not_found
from app.core.types import affected, table_of, utcnow
from app.custody.models import CustodyCurrent, CustodyEvent, Facility, encrypt_event_row
from app.custody.rules import RuleError, check_event
from app.custody.schemas import CustodyEventCreate
from app.custody.statuses import Confidence, SourceType


@dataclass(frozen=True)
class LocationAt:
    """Where a client was at an instant, and in which federal district (venue is fixed at filing time)."""

    event: CustodyEvent | None
    facility: Facility | None
    federal_district: str | None


def _live(org_id: uuid.UUID, client_id: uuid.UUID) -> list[Any]:
    return [
        CustodyEvent.organization_id == org_id,
        CustodyEvent.client_id == client_id,
        col(CustodyEvent.retracted_at).is_(None),
    ]


_NEWEST_FIRST = (col(CustodyEvent.effective_at).desc(), col(CustodyEvent.reported_at).desc(),
                 col(CustodyEvent.id).desc())


def latest_event(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                 at: datetime | None = None, *, family_visible_only: bool = False) -> CustodyEvent | None:
    """Latest non-retracted event (at or before ``at`` if given); ties broken by reported_at, then id."""
    stmt = select(CustodyEvent).where(*_live(org_id, client_id))
    if at is not None:
        stmt = stmt.where(CustodyEvent.effective_at <= at)
    if family_visible_only:
        stmt = stmt.where(CustodyEvent.family_visible == True)  # noqa: E712
    return session.exec(stmt.order_by(*_NEWEST_FIRST).limit(1)).first()


def get_facility(session: Session, org_id: uuid.UUID, facility_id: uuid.UUID) -> Facility:
    """A shared (seeded) facility or one of the organization's own; others look missing (404)."""
    fac = session.get(Facility, facility_id)
    if fac is None or (fac.organization_id is not None and fac.organization_id != org_id):
        raise not_found("facility_not_found", "No such facility.")
    return fac


def location_at(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                at: datetime | None = None) -> LocationAt:
    """Where was this client, and in which federal district, at instant ``at`` (now if None)?"""
    ev = latest_event(session, org_id, client_id, at)
    fac = session.get(Facility, ev.facility_id) if ev is not None and ev.facility_id else None
    return LocationAt(event=ev, facility=fac, federal_district=fac.federal_district if fac else None)


def rebuild_current(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> CustodyCurrent | None:
    """Recompute the projection row from the events (call after every insert/retraction; no commit).

    Soft-deleted clients have no row, so list filters can count on the projection alone."""
    client = session.get(Client, client_id)
    ev = latest_event(session, org_id, client_id)
    row = session.get(CustodyCurrent, client_id)
    if ev is None or client is None or client.deleted_at is not None:
        if row is not None:
            session.delete(row)
        return None
    fac = session.get(Facility, ev.facility_id) if ev.facility_id else None
    if row is None:
        row = CustodyCurrent(client_id=client_id, organization_id=org_id, event_id=ev.id, status=ev.status,
                             effective_at=ev.effective_at, client_created_at=client.created_at)
    _point_at(row, ev, fac)
    session.add(row)
    return row


def _point_at(row: CustodyCurrent, ev: CustodyEvent, facility: Facility | None) -> None:
    """Make the projection row describe ``ev`` (held at ``facility``, if any)."""
    row.event_id = ev.id
    row.status = ev.status
    row.facility_id = ev.facility_id
    row.country = ev.country
    row.federal_district = facility.federal_district if facility is not None else None
    row.effective_at = ev.effective_at


def apply_appended(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, ev: CustodyEvent,
                   facility: Facility | None) -> None:
    """Bring the projection up to date after ``ev`` was appended for a live client (the client row is locked).

    The usual case needs no search through the events: an event that takes effect after the current one
    becomes current, and one that took effect before it (a late report of an earlier move) changes nothing.
    Only a tie on ``effective_at`` (ordered by ``reported_at``, then id) or a first event rebuilds the row."""
    row = session.get(CustodyCurrent, client_id)
    if row is None or ev.effective_at == row.effective_at:
        session.flush()
        rebuild_current(session, org_id, client_id)
        return
    if ev.effective_at > row.effective_at:
        _point_at(row, ev, facility)


# --- events --------------------------------------------------------------------------------------

def rule_problem(errors: Sequence[RuleError]) -> ProblemError:
    """422 with the first rule's code and every violation in ``errors``."""
    first = errors[0]
    return ProblemError(422, first.code, first.message, extra={
        "errors": [{"loc": ["body", e.field], "msg": e.message, "type": e.code} for e in errors],
    })


def append_event(ctx: AuditActor, session: Session, client_id: uuid.UUID,
                 body: CustodyEventCreate) -> tuple[Client, CustodyEvent, Facility | None]:
    """Append a custody event for a live client (locked) and bring the projection up to date. No commit: what
    follows an event (alerts, deadlines) is the caller's (``app.casework.custody_events``).

    Returns the event's facility too: the session's identity map holds rows only while something refers to
    them, so a caller that keeps it reads it from memory (the alert rules, the answer) instead of again."""
    client = clients_service.lock_client(session, ctx.org_id, client_id)
    facility = get_facility(session, ctx.org_id, body.facility_id) if body.facility_id else None
    now = utcnow()
    effective_at = body.effective_at.astimezone(UTC)
    reported_at = body.reported_at.astimezone(UTC) if body.reported_at else max(now, effective_at)
    country, errors = check_event(status=body.status.value, effective_at=effective_at, reported_at=reported_at,
                                  facility=facility, location_text=body.location_text, country=body.country,
                                  now=now)
    if errors:
        raise rule_problem(errors)
    if body.confirms_event_id is not None:
        _check_confirmation(session, ctx.org_id, client.id, body)
    ev = CustodyEvent(
        organization_id=ctx.org_id, client_id=client.id, status=body.status.value, effective_at=effective_at,
        reported_at=reported_at, facility_id=facility.id if facility else None, location_text=body.location_text,
        country=country, custodian=body.custodian.value if body.custodian else None,
        detention_authority=body.detention_authority.value if body.detention_authority else None,
        source_type=body.source_type.value, source_detail=body.source_detail, confidence=body.confidence.value,
        family_visible=body.family_visible, notes=body.notes, entered_by=ctx.user_id, created_at=now,
        flight=body.flight.stored() if body.flight is not None else None,
        confirms_event_id=body.confirms_event_id,
    )
    session.add(ev)
    apply_appended(session, ctx.org_id, client.id, ev, facility)
    session.flush()
    return client, ev, facility


def _check_confirmation(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, body: CustodyEventCreate) -> None:
    """A confirming event names a live family report of the same client and is not itself a family report
    (docs/family-page.md#reporting-news: only the legal team confirms what a family said)."""
    target = session.get(CustodyEvent, body.confirms_event_id)
    if (target is None or target.organization_id != org_id or target.client_id != client_id
            or target.source_type != SourceType.FAMILY_REPORT.value or target.retracted_at is not None):
        raise ProblemError(422, "invalid_confirmation",
                           "confirms_event_id must name a family report of this client that is not retracted.")
    if body.source_type == SourceType.FAMILY_REPORT:
        raise ProblemError(422, "invalid_confirmation", "A family report cannot confirm another family report.")


def confirmed_report_ids(session: Session, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these events a live (not retracted) event confirms."""
    if not ids:
        return set()
    rows = session.execute(sa.select(col(CustodyEvent.confirms_event_id)).where(
        col(CustodyEvent.confirms_event_id).in_(ids), col(CustodyEvent.retracted_at).is_(None))).all()
    return {r[0] for r in rows}


EVENT_DEFAULTS: dict[str, Any] = {
    "facility_id": None, "location_text": None, "country": None, "custodian": None, "detention_authority": None,
    "flight": None, "source_detail": None, "family_visible": False, "notes": None, "entered_by": None,
    "confirms_event_id": None,
    "retracted_at": None, "retracted_by": None, "retraction_reason": None,
}


def append_initial_events(session: Session, events: Sequence[dict[str, Any]],
                          client_created_at: dict[uuid.UUID, datetime]) -> list[uuid.UUID]:
    """Bulk path of the CSV intake: the first event of each new client (column dicts with ``id``).

    Rows are written with one executemany per table; a new client's projection is its only event, so it is
    written directly instead of one rebuild per client. No commit; returns the new events' ids, in order."""
    if not events:
        return []
    rows = [{**EVENT_DEFAULTS, **ev} for ev in events]
    bulk_insert(session, table_of(CustodyEvent), [encrypt_event_row(r) for r in rows])
    fac_ids = {r["facility_id"] for r in rows if r["facility_id"]}
    districts: dict[uuid.UUID, str | None] = {}
    if fac_ids:
        districts = dict(session.execute(sa.select(col(Facility.id), col(Facility.federal_district))
                                         .where(col(Facility.id).in_(fac_ids))).all())
    bulk_insert(session, table_of(CustodyCurrent), [{
        "client_id": r["client_id"], "organization_id": r["organization_id"], "event_id": r["id"],
        "status": r["status"], "facility_id": r["facility_id"], "country": r["country"],
        "federal_district": districts.get(r["facility_id"]) if r["facility_id"] else None,
        "effective_at": r["effective_at"], "client_created_at": client_created_at[r["client_id"]],
    } for r in rows])
    return [r["id"] for r in rows]


def drop_projection(session: Session, client_id: uuid.UUID) -> None:
    """Remove a deleted client's projection row (the projection covers live clients only). No commit."""
    table = table_of(CustodyCurrent)
    session.execute(sa.delete(table).where(table.c.client_id == client_id))


def get_event(session: Session, org_id: uuid.UUID, event_id: uuid.UUID) -> CustodyEvent:
    """The organization's event (of a live client), or 404 ``custody_event_not_found``."""
    ev = session.get(CustodyEvent, event_id)
    if ev is None or ev.organization_id != org_id:
        raise not_found("custody_event_not_found", "No such custody event.")
    client = session.get(Client, ev.client_id)
    if client is None or client.deleted_at is not None:
        raise not_found("custody_event_not_found", "No such custody event.")
    return ev


def retract_event(ctx: AuditActor, session: Session, event_id: uuid.UUID, reason: str) -> CustodyEvent:
    """Mark an event retracted with a reason (never edited or deleted); 409 ``already_retracted``."""
    ev = get_event(session, ctx.org_id, event_id)
    clients_service.lock_client(session, ctx.org_id, ev.client_id)
    table = table_of(CustodyEvent)
    result = session.execute(
        sa.update(table).where(table.c.id == ev.id, table.c.retracted_at.is_(None))
        .values(retracted_at=utcnow(), retracted_by=ctx.user_id, retraction_reason=reason)
    )
    if affected(result) != 1:
        raise conflict("already_retracted", "The event was already retracted.")
    session.refresh(ev)
    rebuild_current(session, ctx.org_id, ev.client_id)
    session.flush()
    audit.record(session, ctx, "custody_event.retract", "custody_event", ev.id, {"client_id": str(ev.client_id)})
    session.commit()
    return ev


def list_events(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, *, limit: int, offset: int,
                include_retracted: bool = True) -> tuple[list[CustodyEvent], int]:
    """The client's history, newest first (retracted events flagged, or left out)."""
    conds: list[Any] = [CustodyEvent.organization_id == org_id, CustodyEvent.client_id == client_id]
    if not include_retracted:
        conds.append(col(CustodyEvent.retracted_at).is_(None))
    total = int(session.execute(sa.select(sa.func.count()).select_from(CustodyEvent).where(*conds)).scalar_one())
    rows = list(session.exec(select(CustodyEvent).where(*conds).order_by(*_NEWEST_FIRST)
                             .limit(limit).offset(offset)).all())
    return rows, total


def facilities_by_id(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Facility]:
    if not ids:
        return {}
    return {f.id: f for f in session.exec(select(Facility).where(col(Facility.id).in_(ids))).all()}


# --- status view ---------------------------------------------------------------------------------

def age_text(last_confirmed_at: datetime | None, now: datetime, *, has_events: bool) -> str:
    """"last confirmed 31 hours ago" (minutes under an hour, hours under three days, then days)."""
    if last_confirmed_at is None:
        return "never confirmed" if has_events else "no custody information"
    seconds = max(0.0, (now - last_confirmed_at).total_seconds())
    if seconds < 60:
        return "last confirmed just now"
    for unit, size, limit in (("minute", 60, 3600), ("hour", 3600, 72 * 3600), ("day", 86400, float("inf"))):
        if seconds < limit:
            n = int(seconds // size)
            return f"last confirmed {n} {unit}{'' if n == 1 else 's'} ago"
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Current:
    """A live client's latest event (None before the first), its facility, and when custody was last confirmed."""

    event: CustodyEvent | None
    facility: Facility | None
    confirmed_at: datetime | None


def read_current(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> Current:
    """The client's current custody in one statement (404 ``client_not_found`` for a missing or deleted client):
    the projection names the latest event (it is rebuilt with every change, in the same transaction), joined
    to that event and its facility, with the latest confirmed event's ``reported_at`` beside them."""
    ct, cc = table_of(Client), table_of(CustodyCurrent)
    confirmed_at = (sa.select(col(CustodyEvent.reported_at))
                    .where(*_live(org_id, client_id), col(CustodyEvent.confidence) == Confidence.CONFIRMED.value)
                    .order_by(*_NEWEST_FIRST).limit(1).scalar_subquery())
    stmt = (sa.select(ct.c.id, CustodyEvent, Facility, confirmed_at.label("confirmed_at"))
            .select_from(ct)
            .outerjoin(cc, cc.c.client_id == ct.c.id)
            .outerjoin(CustodyEvent, col(CustodyEvent.id) == cc.c.event_id)
            .outerjoin(Facility, col(Facility.id) == CustodyEvent.facility_id)
            .where(ct.c.id == client_id, ct.c.organization_id == org_id, ct.c.deleted_at.is_(None)))
    row = session.execute(stmt).first()
    if row is None:
        raise not_found("client_not_found", "No such client.")
    _, ev, fac, confirmed = row
    return Current(event=ev, facility=fac, confirmed_at=confirmed if ev is not None else None)
