"""HTTP routes: protection orders and alerts (court orders and obligations: ``court_router.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import Request, Response
from sqlmodel import Session, col

from app.auth.deps import (
    AckAlerts,
    Caller,
    ReadAlerts,
    ReadClients,
    WriteProtection,
    read_actor,
    run_side_effects,
)
from app.clients import service as clients_service
from app.core.clock import Now
from app.core.concurrency import require_if_match, set_etag
from app.core.pagination import Limit, Offset, Page, paginate
from app.core.routing import api_router
from app.protection import alerts as alerts_mod
from app.protection import expiry, service
from app.protection.court_router import router as court_router
from app.protection.models import AlertKind, OrderStatus, ProtectionOrder, Severity
from app.protection.schemas import (
    AcknowledgeBody,
    AlertAction,
    AlertPublic,
    OrderWithAlerts,
    ProtectionOrderCreate,
    ProtectionOrderPublic,
    ProtectionOrderUpdate,
)

router = api_router(tags=["protection"])


def _raise_expiring_on_read(request: Request, ctx: Caller, orders: list[ProtectionOrder], now: datetime) -> None:
    if not expiry.missing_expiring_alerts(ctx.session, ctx.org_id, orders, now):
        return
    ids = [o.id for o in orders]

    def effects(ws: Session) -> None:
        expiry.raise_expiring_for(read_actor(ctx), ws, ctx.org_id, ids, now)

    run_side_effects(request, ctx, effects)


# --- protection orders ----------------------------------------------------------------------------------------


@router.get("/clients/{client_id}/protection-orders", response_model=Page[ProtectionOrderPublic])
def list_protection_orders(client_id: uuid.UUID, request: Request,
                           ctx: ReadClients, now: Now,
                           limit: Limit = 50, offset: Offset = 0,
                           status: OrderStatus | None = None) -> Page[ProtectionOrderPublic]:
    """A client's protection orders (newest issued first); `effective_status` shows lapsed TROs as expired."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    active = service.active_orders(ctx.session, ctx.org_id, client.id)
    _raise_expiring_on_read(request, ctx, active, now)
    rows, total = paginate(ctx.session, service.orders_stmt(ctx.org_id, client_id, status),
                           col(ProtectionOrder.issued_at).desc(), col(ProtectionOrder.id), limit=limit, offset=offset)
    return Page(items=[ProtectionOrderPublic.of(o, now) for o in rows], total=total, limit=limit,
                offset=offset)


@router.post("/clients/{client_id}/protection-orders", response_model=OrderWithAlerts, status_code=201)
def create_protection_order(client_id: uuid.UUID, body: ProtectionOrderCreate, response: Response,
                            ctx: WriteProtection,
                            now: Now) -> OrderWithAlerts:
    """Record a protection order; the answer carries any alert it raised against the client's custody."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    order, raised = service.create_order(ctx, ctx.session, client, body, now)
    set_etag(response, order.version)
    return OrderWithAlerts(order=ProtectionOrderPublic.of(order, now, service.history(ctx.session, order.id)),
                           alerts=[AlertPublic.of(a) for a in raised])


@router.get("/protection-orders/{order_id}", response_model=ProtectionOrderPublic)
def get_protection_order(order_id: uuid.UUID, request: Request, response: Response,
                         ctx: ReadClients,
                         now: Now) -> ProtectionOrderPublic:
    """One protection order with its status history."""
    order = service.get_order(ctx.session, ctx.org_id, order_id)
    _raise_expiring_on_read(request, ctx, [order], now)
    set_etag(response, order.version)
    return ProtectionOrderPublic.of(order, now, service.history(ctx.session, order.id))


@router.patch("/protection-orders/{order_id}", response_model=OrderWithAlerts)
def update_protection_order(order_id: uuid.UUID, body: ProtectionOrderUpdate, request: Request,
                            response: Response, ctx: WriteProtection,
                            now: Now) -> OrderWithAlerts:
    """Amend an order (If-Match). Status changes need `status_reason`; only attorneys set `verified`."""
    order = service.get_order(ctx.session, ctx.org_id, order_id)
    expected = require_if_match(request)
    order, raised = service.update_order(ctx, ctx.session, order, body, expected, now)
    set_etag(response, order.version)
    return OrderWithAlerts(order=ProtectionOrderPublic.of(order, now, service.history(ctx.session, order.id)),
                           alerts=[AlertPublic.of(a) for a in raised])


# --- alerts ---------------------------------------------------------------------------------------------------


@router.get("/alerts", response_model=Page[AlertPublic])
def list_alerts(ctx: ReadAlerts, limit: Limit = 50, offset: Offset = 0,
                client_id: uuid.UUID | None = None, kind: AlertKind | None = None, severity: Severity | None = None,
                acknowledged: bool | None = None) -> Page[AlertPublic]:
    """Alerts of the organization, most severe and newest first."""
    stmt = alerts_mod.list_alerts(ctx.org_id, client_id=client_id, kind=kind, severity=severity,
                                  acknowledged=acknowledged)
    rows, total = paginate(ctx.session, stmt, *alerts_mod.alert_order(), limit=limit, offset=offset)
    items = [AlertPublic.of(a) for a in rows]
    clients_service.label_items(ctx.session, ctx.org_id, items)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/alerts/{alert_id}", response_model=AlertPublic)
def get_alert(alert_id: uuid.UUID, ctx: ReadAlerts) -> AlertPublic:
    """One alert, with the action that drafts an emergency packet for its client (alert prefilled)."""
    alert = alerts_mod.get_alert(ctx.session, ctx.org_id, alert_id)
    out = AlertPublic.of(alert)
    out.actions = [AlertAction(rel="emergency_packet", method="POST",
                               href=f"/api/v1/clients/{alert.client_id}/emergency-packets",
                               body={"alert_id": str(alert.id), "attorney_id": None})]
    return out


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def acknowledge_alert(alert_id: uuid.UUID, ctx: AckAlerts, body: AcknowledgeBody | None = None) -> AlertPublic:
    """Acknowledge an open alert (who, when, note); the same facts may later open a new alert."""
    alert = alerts_mod.get_alert(ctx.session, ctx.org_id, alert_id)
    alert = alerts_mod.acknowledge(ctx, ctx.session, alert, body.note if body else None)
    return AlertPublic.of(alert)


router.include_router(court_router)
