"""The staff status view of one client: where the client is held, how sure we are and how old that is, the
protections in force, open alerts and the next deadlines — read from four domains in one place.

Reading the status of a client whose whereabouts are unknown is also one of the two places such a client is
noticed (the protection sweep is the other): past the organization's threshold the read raises a
``whereabouts_unknown`` alert (idempotent), in its own short write transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.core.audit import Actor
from app.core.types import utcnow
from app.custody import service as custody_service
from app.custody.facilities import district_name
from app.custody.facility_schemas import FacilitySummary
from app.custody.schemas import DistrictRef, StatusView
from app.custody.statuses import WHEREABOUTS_UNKNOWN_STATUSES
from app.deadlines import service as deadlines_service
from app.protection import alerts as protection_alerts
from app.protection import service as protection_service

WriteRunner = Callable[[Callable[[Session], Any]], None]


def status_view(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                now: datetime | None = None, *, current: custody_service.Current | None = None) -> StatusView:
    """Current status with provenance and age, location and district, protections, alerts, deadlines.

    ``current``: the client's ``read_current`` when the caller has already read it (saves reading it twice)."""
    now = now or utcnow()
    cur = current if current is not None else custody_service.read_current(session, org_id, client_id)
    ev, fac = cur.event, cur.facility
    # "Confirmed" is when we learned it first-hand (reported_at), not when it happened.
    confirmed_at = cur.confirmed_at
    district = fac.federal_district if fac is not None else None
    return StatusView(
        client_id=client_id,
        status=ev.status if ev else None,
        event_id=ev.id if ev else None,
        effective_at=ev.effective_at if ev else None,
        reported_at=ev.reported_at if ev else None,
        source_type=ev.source_type if ev else None,
        confidence=ev.confidence if ev else None,
        last_confirmed_at=confirmed_at,
        age_hours=round(max(0.0, (now - confirmed_at).total_seconds()) / 3600, 1) if confirmed_at else None,
        age_text=custody_service.age_text(confirmed_at, now, has_events=ev is not None),
        facility=FacilitySummary.of(fac) if fac else None,
        location_text=ev.location_text if ev else None,
        country=ev.country if ev else None,
        federal_district=DistrictRef(id=district, name=district_name(district) or district)
        if district_name(district) else None,
        active_protections=list(protection_service.active_protections_for_client(session, org_id, client_id)),
        open_alerts=list(protection_alerts.open_alerts_for_client(session, org_id, client_id)),
        next_deadlines=list(deadlines_service.next_deadlines_for_client(session, org_id, client_id, limit=5)),
    )


def read_status(actor: Actor, session: Session, client_id: uuid.UUID, now: datetime,
                run_write: WriteRunner) -> StatusView:
    """The status view; first, for a client whose whereabouts are unknown, raise ``whereabouts_unknown`` once the
    organization's threshold has passed (``run_write`` runs it in a write transaction of its own)."""
    current = custody_service.read_current(session, actor.org_id, client_id)
    if current.event is not None and current.event.status in WHEREABOUTS_UNKNOWN_STATUSES:
        run_write(lambda ws: protection_alerts.check_whereabouts(ws, actor.org_id, client_id, now, actor=actor))
    return status_view(session, actor.org_id, client_id, now, current=current)
