"""Orders lapsing on their own terms: ``protection_expiring`` alerts (48 hours ahead) and the recorded
``active -> expired`` transition (the sweep). A TRO lapses 14 days after issue unless extended (FRCP 65(b)(2)).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core import audit
from app.core.audit import Actor, AuditActor
from app.core.types import affected, table_of
from app.protection import alerts as alerts_mod
from app.protection.models import Alert, AlertKind, OrderStatus, ProtectionOrder, ProtectionOrderStatusChange, Severity
from app.protection.rules import is_active

EXPIRING_WINDOW = timedelta(hours=48)


def history_row(order: ProtectionOrder, from_status: str | None, to_status: str, reason: str,
                 user_id: uuid.UUID | None, now: datetime) -> ProtectionOrderStatusChange:
    return ProtectionOrderStatusChange(organization_id=order.organization_id, order_id=order.id,
                                       from_status=from_status, to_status=to_status, reason=reason,
                                       changed_by=user_id, changed_at=now)


def expiring_candidates(orders: list[ProtectionOrder], now: datetime) -> list[ProtectionOrder]:
    return [o for o in orders if is_active(o, now) and o.expires_at is not None
            and o.expires_at <= now + EXPIRING_WINDOW]


def expiring_key(order: ProtectionOrder) -> str:
    assert order.expires_at is not None  # noqa: S101 - callers filter on it
    return f"protection_expiring:{order.id}:{order.expires_at.isoformat()}"


def expiring_alerts(actor: AuditActor, session: Session, org_id: uuid.UUID, now: datetime, *,
                    orders: list[ProtectionOrder] | None = None) -> list[Alert]:
    """``protection_expiring`` (normal) for orders lapsing within 48 hours (TROs above all). No commit."""
    if orders is None:
        stmt = select(ProtectionOrder).where(
            ProtectionOrder.organization_id == org_id, ProtectionOrder.status == OrderStatus.active,
            col(ProtectionOrder.expires_at) > now, col(ProtectionOrder.expires_at) <= now + EXPIRING_WINDOW)
        orders = list(session.exec(stmt).all())
    raised = []
    for o in expiring_candidates(orders, now):
        alert = alerts_mod.raise_alert(
            actor, session, org_id=org_id, client_id=o.client_id, kind=AlertKind.protection_expiring,
            severity=Severity.normal, dedupe_key=expiring_key(o), trigger_type="protection_order", trigger_id=o.id,
            details={"order_id": str(o.id), "order_type": o.type, "expires_at": o.expires_at.isoformat()
                     if o.expires_at else None}, now=now, reopen_after_ack=False)
        if alert is not None:
            raised.append(alert)
    return raised


def raise_expiring_for(actor: AuditActor, session: Session, org_id: uuid.UUID, order_ids: list[uuid.UUID],
                       now: datetime) -> list[Alert]:
    """``expiring_alerts`` for these orders, read again in ``session`` (the write session of a read that found
    alerts missing). No commit."""
    orders = list(session.exec(select(ProtectionOrder).where(ProtectionOrder.organization_id == org_id,
                                                             col(ProtectionOrder.id).in_(order_ids))).all())
    return expiring_alerts(actor, session, org_id, now, orders=orders)


def missing_expiring_alerts(session: Session, org_id: uuid.UUID, orders: list[ProtectionOrder],
                            now: datetime) -> bool:
    """True if some order is about to lapse and has no alert yet (a read then opens a write transaction)."""
    keys = [expiring_key(o) for o in expiring_candidates(orders, now)]
    if not keys:
        return False
    found = set(session.exec(select(Alert.dedupe_key).where(Alert.organization_id == org_id,
                                                             col(Alert.dedupe_key).in_(keys))).all())
    return bool(set(keys) - found)


def expire_lapsed(session: Session, org_id: uuid.UUID, now: datetime) -> int:
    """Record ``active -> expired`` for orders past expires_at (history row + audit). No commit."""
    stmt = select(ProtectionOrder).where(
        ProtectionOrder.organization_id == org_id, ProtectionOrder.status == OrderStatus.active,
        col(ProtectionOrder.expires_at) <= now)
    table = table_of(ProtectionOrder)
    count = 0
    for order in session.exec(stmt).all():
        # Compare-and-set, so a concurrent PATCH (or a second sweep) cannot record the transition twice.
        result = session.execute(
            sa.update(table).where(table.c.id == order.id, table.c.status == OrderStatus.active,
                                   table.c.expires_at <= now)
            .values(status=OrderStatus.expired, status_changed_at=now, updated_at=now, version=table.c.version + 1))
        if affected(result) != 1:
            continue
        assert order.expires_at is not None  # noqa: S101
        session.add(history_row(order, OrderStatus.active, OrderStatus.expired,
                                 f"expired on its own terms at {order.expires_at.isoformat()}", None, now))
        audit.record(session, Actor(org_id), "protection_order.expired", "protection_order",
                     order.id, {"status_from": "active", "status_to": "expired"})
        session.expire(order)
        count += 1
    session.flush()
    return count


