"""Custody history use cases. (Core queries; the clients/custody issue extends this module.)

Current status is derived: the latest non-retracted event by ``effective_at`` (DESIGN §5). The
``custody_current`` projection is rebuilt from the events in the same transaction as every change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from app.custody.models import CustodyCurrent, CustodyEvent, Facility
from app.core.errors import not_found


@dataclass(frozen=True)
class LocationAt:
    """Where a client was at an instant, and in which federal district (venue is fixed at filing time)."""

    event: CustodyEvent | None
    facility: Facility | None
    federal_district: str | None


def latest_event(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                 at: datetime | None = None, *, family_visible_only: bool = False) -> CustodyEvent | None:
    """Latest non-retracted event (at or before ``at`` if given); ties broken by reported_at, then id."""
    stmt = select(CustodyEvent).where(
        CustodyEvent.organization_id == org_id,
        CustodyEvent.client_id == client_id,
        CustodyEvent.retracted_at.is_(None),  # type: ignore[union-attr]
    )
    if at is not None:
        stmt = stmt.where(CustodyEvent.effective_at <= at)
    if family_visible_only:
        stmt = stmt.where(CustodyEvent.family_visible == True)  # noqa: E712
    stmt = stmt.order_by(CustodyEvent.effective_at.desc(), CustodyEvent.reported_at.desc(),  # type: ignore[attr-defined]
                         CustodyEvent.id.desc())  # type: ignore[attr-defined]
    return session.exec(stmt.limit(1)).first()


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
    """Recompute the projection row from the events (call after every insert/retraction; no commit)."""
    ev = latest_event(session, org_id, client_id)
    row = session.get(CustodyCurrent, client_id)
    if ev is None:
        if row is not None:
            session.delete(row)
        return None
    fac = session.get(Facility, ev.facility_id) if ev.facility_id else None
    if row is None:
        row = CustodyCurrent(client_id=client_id, organization_id=org_id, event_id=ev.id, status=ev.status,
                             effective_at=ev.effective_at)
    row.event_id = ev.id
    row.status = ev.status
    row.facility_id = ev.facility_id
    row.country = ev.country
    row.federal_district = fac.federal_district if fac else None
    row.effective_at = ev.effective_at
    session.add(row)
    return row
