"""Recording custody events, and what an event sets off in other domains.

An event is appended by the custody domain (validated, projection updated); this module then asks the
protection domain whether it conflicts with a protection order or leaves the client's whereabouts unknown,
records the audit entry and commits once, so the event and its alerts are one transaction: an alert never
exists for an event that was rolled back, and an event is never stored without having been checked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.custody import service as custody_service
from app.custody.models import CustodyEvent
from app.custody.schemas import CustodyEventCreate
from app.protection import alerts as protection_alerts

_CHUNK = 500


def _serialize_alert(alert: Any) -> Any:
    dump = getattr(alert, "model_dump", None)
    return dump(mode="json") if callable(dump) else alert


def record_custody_event(ctx: AuditActor, session: Session, client_id: uuid.UUID,
                         body: CustodyEventCreate) -> tuple[CustodyEvent, list[Any]]:
    """Append a custody event, evaluate the alerts it raises, audit; one commit. Returns the event and the
    alerts (as JSON-ready summaries) for the answer."""
    client, ev = custody_service.append_event(ctx, session, client_id, body)
    alerts = list(protection_alerts.evaluate_custody_event(ctx, session, client, ev) or [])
    audit.record(session, ctx, "custody_event.create", "custody_event", ev.id,
                 {"client_id": str(client.id), "alerts": len(alerts)})
    session.commit()
    return ev, [_serialize_alert(a) for a in alerts]


def record_initial_events(ctx: AuditActor, session: Session, events: Sequence[dict[str, Any]],
                          client_created_at: dict[uuid.UUID, datetime]) -> int:
    """The CSV intake's first event of each new client, written in bulk, then evaluated for alerts with the same
    rules as a single event (``evaluate_new_client_events``: the clients are new, so they have no orders to
    look up). No commit (the import commits once); returns the number of alerts raised."""
    ids = custody_service.append_initial_events(session, events, client_created_at)
    raised = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        loaded = session.exec(select(CustodyEvent, Client).join(Client, Client.id == CustodyEvent.client_id)  # type: ignore[arg-type]
                              .where(CustodyEvent.id.in_(chunk))).all()  # type: ignore[attr-defined]
        raised += protection_alerts.evaluate_new_client_events(ctx, session, [(c, ev) for ev, c in loaded])
    return raised
