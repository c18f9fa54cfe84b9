"""Helpers of the protection tests: a controllable clock, and custody events recorded with alert evaluation.

Custody events go through ``POST /api/v1/clients/{id}/custody-events`` when that route exists; until then
through the same steps the custody service takes in one transaction (insert, rebuild_current,
evaluate_custody_event, commit).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

CUSTODY_ROUTE = "/api/v1/clients/{client_id}/custody-events"


@dataclass
class Clock:
    now: datetime

    def set(self, value: datetime | str) -> None:
        self.now = datetime.fromisoformat(value) if isinstance(value, str) else value


@pytest.fixture
def clock(app: Any) -> Iterator[Clock]:
    """Pin the routes' notion of "now" (``app.core.clock.current_time``)."""
    from app.core.clock import current_time

    holder = Clock(datetime.now(UTC))

    async def fake_now() -> datetime:
        return holder.now

    app.dependency_overrides[current_time] = fake_now
    yield holder
    app.dependency_overrides.pop(current_time, None)


def custody_http_available(app: Any) -> bool:
    from app.core.route_inventory import iter_routes

    return any(r.method == "POST" and r.path == CUSTODY_ROUTE for r in iter_routes(app))


def record_event_direct(db: Any, org_id: uuid.UUID, client_id: uuid.UUID, *, user: Any = None,
                        **fields: Any) -> tuple[uuid.UUID, list[dict[str, Any]]]:
    """Insert a custody event, rebuild the projection and evaluate alerts in ONE transaction (own session)."""
    from app.clients.models import Client
    from app.core.audit import Actor
    from app.custody.models import CustodyEvent
    from app.custody.service import rebuild_current
    from app.protection.alerts import alert_summary, evaluate_custody_event

    data: dict[str, Any] = {"source_type": "attorney_visit", "confidence": "confirmed"}
    data.update(fields)
    if isinstance(data.get("effective_at"), str):
        data["effective_at"] = datetime.fromisoformat(data["effective_at"])
    data.setdefault("effective_at", datetime.now(UTC))
    with db.session(write=True) as s:
        client = s.get(Client, client_id)
        ev = CustodyEvent(organization_id=org_id, client_id=client_id, **data)
        s.add(ev)
        s.flush()
        rebuild_current(s, org_id, client_id)
        actor = Actor(org_id, user_id=user.id if user else None, role=user.role if user else None)
        raised = [alert_summary(a) for a in evaluate_custody_event(actor, s, client, ev)]
        s.commit()
        return ev.id, raised


def record_event_service(db: Any, org: Any, client_id: uuid.UUID, **fields: Any) -> tuple[uuid.UUID, list[Any]]:
    """The custody service's own use case (own session, one transaction) when it exists, else the direct path."""
    try:
        from app.casework.custody_events import record_custody_event as create_event
        from app.custody.schemas import CustodyEventCreate
    except ImportError:
        return record_event_direct(db, org.id, client_id, user=org.users["paralegal"], **fields)
    from app.core.audit import Actor

    user = org.users["paralegal"]
    body = CustodyEventCreate(**{"source_type": "attorney_visit", "confidence": "confirmed", **fields})
    with db.session(write=True) as s:
        recorded = create_event(Actor(org.id, user_id=user.id, role=user.role), s, client_id, body)
        return recorded.event.id, list(recorded.alerts)


@pytest.fixture
def record_event(client: Any, app: Any, db: Any) -> Any:
    """``record_event(org, client_id, status=..., effective_at=..., facility_id=..., country=...)`` ->
    (event_id, alerts raised)."""

    def record(org: Any, client_id: uuid.UUID, **fields: Any) -> tuple[str, list[dict[str, Any]]]:
        if custody_http_available(app):
            body = {"source_type": "attorney_visit", "confidence": "confirmed", **fields}
            for key, value in list(body.items()):
                if isinstance(value, datetime):
                    body[key] = value.isoformat()
                elif isinstance(value, uuid.UUID):
                    body[key] = str(value)
            r = client.post(CUSTODY_ROUTE.format(client_id=client_id), headers=org.h("paralegal"), json=body)
            assert r.status_code == 201, r.text
            data = r.json()
            return data["event"]["id"], data["alerts"]
        ev_id, alerts = record_event_direct(db, org.id, client_id, user=org.users["paralegal"], **fields)
        return str(ev_id), alerts

    return record


def order_body(**over: Any) -> dict[str, Any]:
    """A withholding-of-removal grant as to El Salvador by an immigration judge (fictional)."""
    body: dict[str, Any] = {
        "type": "withholding_241b3", "scope": "removal_to_listed_countries", "countries": ["SV"],
        "issuing_body": "Immigration Judge, Baltimore Immigration Court", "judge": "Hon. Example Judge",
        "issued_at": "2019-10-10T15:00:00Z",
        "underlying_removal_order": {"exists": "true", "date": "2019-10-10", "designated_country": "SV"},
    }
    body.update(over)
    return body


def daily_declaration(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "obligated_party": "government",
        "description": "Daily declaration by an individual with personal knowledge",
        "required_elements": ["current physical location and custodial status", "steps taken to facilitate return",
                              "additional steps planned and when"],
        "declarant_requirement": "individual with personal knowledge",
        "first_due_at": "2025-04-12T17:00:00-04:00", "timezone": "America/New_York", "recurrence": "FREQ=DAILY",
    }
    body.update(over)
    return body
