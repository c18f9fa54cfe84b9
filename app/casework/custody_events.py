"""Recording custody events, and what an event sets off in other domains.

An event is appended by the custody domain (validated, projection updated); this module then asks the
protection domain whether it conflicts with a protection order or leaves the client's whereabouts unknown,
records the audit entry and commits once, so the event and its alerts are one transaction: an alert never
exists for an event that was rolled back, and an event is never stored without having been checked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.custody import service as custody_service
from app.custody.models import CustodyEvent, Facility
from app.custody.schemas import CustodyEventCreate
from app.notifications import outbox, preferences
from app.portal.labels import status_label
from app.portal.models import LiaisonGrant, LiaisonScope
from app.portal.service import active_grant_filter
from app.protection import alerts as protection_alerts

_CHUNK = 500


def _serialize_alert(alert: Any) -> Any:
    dump = getattr(alert, "model_dump", None)
    return dump(mode="json") if callable(dump) else alert


@dataclass(frozen=True)
class RecordedEvent:
    event: CustodyEvent
    facility: Facility | None
    alerts: list[Any]  # JSON-ready summaries of the alerts the event raised


def record_custody_event(ctx: AuditActor, session: Session, client_id: uuid.UUID,
                         body: CustodyEventCreate) -> RecordedEvent:
    """Append a custody event, evaluate the alerts it raises, audit; one commit. Returns the event, its
    facility and the alerts, everything the answer needs: nothing is read after the commit (a read there would
    open a transaction of its own, only to roll it back)."""
    client, ev, facility = custody_service.append_event(ctx, session, client_id, body)
    alerts = list(protection_alerts.evaluate_custody_event(ctx, session, client, ev) or [])
    audit.record(session, ctx, "custody_event.create", "custody_event", ev.id,
                 {"client_id": str(client.id), "alerts": len(alerts)})
    notify_custody_event(session, ev)
    session.commit()
    return RecordedEvent(ev, facility, [_serialize_alert(a) for a in alerts])


def _liaisons_to_tell(session: Session, ev: CustodyEvent) -> list[uuid.UUID]:
    """Liaisons who opted in to custody updates AND hold an active grant for this client with the
    ``custody_status`` scope; only for an event the legal team marked family-visible (the portal's rule)."""
    if not ev.family_visible or ev.retracted_at is not None:
        return []
    grants = session.exec(select(LiaisonGrant).where(
        LiaisonGrant.organization_id == ev.organization_id, LiaisonGrant.client_id == ev.client_id,
        active_grant_filter(ev.reported_at or ev.effective_at))).all()
    ids = sorted({g.liaison_user_id for g in grants if LiaisonScope.custody_status.value in (g.scopes or [])})
    return [i for i in ids if (p := preferences.get(session, i)) is not None and p.custody_updates]


def notify_custody_event(session: Session, ev: CustodyEvent) -> None:
    """Notification intents for a recorded event, in this transaction: ``custody_event.recorded`` for the
    webhooks (ids and kinds), and a family update to the liaisons entitled to it. The family message carries
    the plain status label only (no facility, country or note): the family page shows what the grant's scopes
    allow (docs/notifications.md "Family updates")."""
    outbox.record(session, org_id=ev.organization_id, event="custody_event.recorded", subject_type="custody_event",
                  subject_id=ev.id, client_id=ev.client_id, recipients=[],
                  payload={"custody_event_id": str(ev.id), "status": ev.status, "family_visible": ev.family_visible})
    liaisons = _liaisons_to_tell(session, ev)
    if liaisons:
        outbox.record(session, org_id=ev.organization_id, event="custody_event.family_update",
                      subject_type="custody_event", subject_id=ev.id, client_id=ev.client_id, recipients=liaisons,
                      payload={"status_label": {lang: status_label(ev.status, lang) for lang in ("en", "es")}})


def record_initial_events(ctx: AuditActor, session: Session, events: Sequence[dict[str, Any]],
                          client_created_at: dict[uuid.UUID, datetime]) -> int:
    """The CSV intake's first event of each new client, written in bulk, then evaluated for alerts with the same
    rules as a single event (``evaluate_new_client_events``: the clients are new, so they have no orders to
    look up). No commit (the import commits once); returns the number of alerts raised."""
    ids = custody_service.append_initial_events(session, events, client_created_at)
    raised = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        loaded = session.exec(select(CustodyEvent, Client).join(Client, col(Client.id) == CustodyEvent.client_id)
                              .where(col(CustodyEvent.id).in_(chunk))).all()
        raised += protection_alerts.evaluate_new_client_events(ctx, session, [(c, ev) for ev, c in loaded])
    return raised
