"""Protection orders: record, amend (status history), verify, expire; the cross-domain reads
(docs/domain/protection.md#order-types).

Services commit once per use case and audit in the same transaction; alerts raised by an order (the client's
current custody already conflicts, or a TRO is about to lapse) are computed in that transaction too.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.permissions import Permission, has_permission
from app.clients import service as clients_service
from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import forbidden, not_found, unprocessable
from app.core.types import utcnow
from app.core_data.countries import normalize_country_code
from app.core_data.districts import is_valid_district
from app.protection import alerts as alerts_mod
from app.protection import expiry
from app.protection.expiry import history_row
from app.protection.models import (
    COUNTRY_SCOPED_TYPES,
    Alert,
    OrderScope,
    OrderStatus,
    OrderType,
    ProtectionOrder,
    ProtectionOrderStatusChange,
)
from app.protection.rules import is_active
from app.protection.schemas import (
    ClassDefinition,
    ProtectionOrderCreate,
    ProtectionOrderUpdate,
    RemovalOrderFacts,
)

TRO_MAX = timedelta(days=14)  # FRCP 65(b)(2): a TRO expires within 14 days unless extended for good cause
_NOT_NULLABLE = ("type", "scope", "countries", "issuing_body", "issued_at", "extended", "status", "verified")
# Changing these invalidates an attorney's verification of the order (status and notes do not).
_UNVERIFYING = frozenset({"type", "scope", "countries", "federal_district", "issuing_body", "judge", "proceeding_id",
                          "docket_entry", "issued_at", "effective_at", "expires_at", "extended",
                          "underlying_removal_order", "class_definition"})


# --- validation ---------------------------------------------------------------------------------------------


def country_list(values: list[str], field: str) -> list[str]:
    out: list[str] = []
    for v in values:
        try:
            code = normalize_country_code(v)
        except ValueError:
            raise unprocessable("invalid_country", "Use ISO 3166-1 alpha-2 country codes.", field=field) from None
        if code not in out:
            out.append(code)
    return out


def _state_from(order: ProtectionOrder) -> dict[str, Any]:
    return {
        "type": order.type, "scope": order.scope, "countries": list(order.countries),
        "federal_district": order.federal_district, "issuing_body": order.issuing_body, "judge": order.judge,
        "proceeding_id": order.proceeding_id, "docket_entry": order.docket_entry, "issued_at": order.issued_at,
        "effective_at": order.effective_at, "expires_at": order.expires_at, "extended": order.extended,
        "underlying_removal_order": RemovalOrderFacts.of(order), "class_definition": ClassDefinition.of(order),
        "notes": order.notes,
    }


def _validate(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, st: dict[str, Any]) -> dict[str, Any]:
    """Normalize and check the merged state of an order; raise 422 with a stable code."""
    st["countries"] = country_list(st["countries"], "countries")
    facts: RemovalOrderFacts = st["underlying_removal_order"] or RemovalOrderFacts()
    designated = country_list([facts.designated_country], "underlying_removal_order.designated_country") \
        if facts.designated_country else [None]
    st["underlying_removal_order"] = RemovalOrderFacts(
        exists=facts.exists, date=facts.date, designated_country=designated[0],
        alternate_countries=country_list(facts.alternate_countries, "underlying_removal_order.alternate_countries"))
    district = st["federal_district"]
    if district is not None:
        district = district.strip().lower()
        if not is_valid_district(district):
            raise unprocessable("invalid_district", "Use a PACER district court id such as mdd or txsd.",
                                field="federal_district")
        st["federal_district"] = district
    if st["scope"] == OrderScope.transfer_out_of_district and not district:
        raise unprocessable("district_required", "A transfer_out_of_district order needs federal_district.")
    if (st["type"] in COUNTRY_SCOPED_TYPES or st["scope"] == OrderScope.removal_to_listed_countries) \
            and not st["countries"]:
        raise unprocessable("countries_required", "This order protects against removal to named countries; "
                            "list at least one.")
    issued, effective, expires = st["issued_at"], st["effective_at"], st["expires_at"]
    if expires is not None and (expires <= issued or (effective is not None and expires <= effective)):
        raise unprocessable("invalid_dates", "expires_at must be after issued_at and effective_at.")
    if st["type"] == OrderType.tro and not st["extended"] and (expires is None or expires - issued > TRO_MAX):
        raise unprocessable("tro_too_long", "A TRO expires no more than 14 days after issue unless extended "
                            "(FRCP 65(b)(2)); set expires_at, or extended=true.")
    check_proceeding(session, org_id, client_id, st["proceeding_id"])
    return st


def check_proceeding(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                     proceeding_id: uuid.UUID | None) -> None:
    """The proceeding must be the same client's (another organization's is 404 like a missing one)."""
    if proceeding_id is None:
        return
    proc = clients_service.get_proceeding(session, org_id, proceeding_id)
    if proc.client_id != client_id:
        raise unprocessable("proceeding_client_mismatch", "The proceeding belongs to another client.")


def _apply(order: ProtectionOrder, st: dict[str, Any]) -> None:
    for key in ("type", "scope", "countries", "federal_district", "issuing_body", "judge", "proceeding_id",
                "docket_entry", "issued_at", "effective_at", "expires_at", "extended", "notes"):
        setattr(order, key, st[key])
    facts: RemovalOrderFacts = st["underlying_removal_order"]
    order.removal_order_exists = facts.exists
    order.removal_order_date = facts.date
    order.designated_country = facts.designated_country
    order.alternate_countries = list(facts.alternate_countries)
    cls: ClassDefinition | None = st["class_definition"]
    order.class_name = cls.name if cls else None
    order.class_definition_text = cls.definition_text if cls else None
    order.class_certified = cls.certified if cls else None
    order.class_member_basis = cls.member_basis if cls else None


def _check_verify(ctx: AuditActor) -> None:
    if not has_permission(ctx.role or "", Permission.protection_verify):
        raise forbidden("forbidden", "Only an attorney may mark an order verified.")


# --- use cases ------------------------------------------------------------------------------------------------


def get_order(session: Session, org_id: uuid.UUID, order_id: uuid.UUID) -> ProtectionOrder:
    """The organization's order, or 404 ``protection_order_not_found``."""
    order = session.get(ProtectionOrder, order_id)
    if order is None or order.organization_id != org_id:
        raise not_found("protection_order_not_found", "No such protection order.")
    client = session.get(Client, order.client_id)
    if client is None or client.deleted_at is not None:
        raise not_found("protection_order_not_found", "No such protection order.")
    return order


def orders_stmt(org_id: uuid.UUID, client_id: uuid.UUID,
                status: str | None = None) -> SelectOfScalar[ProtectionOrder]:
    stmt = select(ProtectionOrder).where(ProtectionOrder.organization_id == org_id,
                                         ProtectionOrder.client_id == client_id)
    if status is not None:
        stmt = stmt.where(ProtectionOrder.status == status)
    return stmt


def active_orders(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> list[ProtectionOrder]:
    """The client's orders recorded as active (a lapsed TRO among them until the sweep marks it expired)."""
    return list(session.exec(orders_stmt(org_id, client_id, OrderStatus.active)).all())


def history(session: Session, order_id: uuid.UUID) -> list[ProtectionOrderStatusChange]:
    stmt = select(ProtectionOrderStatusChange).where(ProtectionOrderStatusChange.order_id == order_id).order_by(
        col(ProtectionOrderStatusChange.changed_at), col(ProtectionOrderStatusChange.id))
    return list(session.exec(stmt).all())


def create_order(ctx: AuditActor, session: Session, client: Client, body: ProtectionOrderCreate,
                 now: datetime) -> tuple[ProtectionOrder, list[Alert]]:
    """Record an order; raise alerts if the client's current custody already conflicts with it. Commits."""
    if body.verified:
        _check_verify(ctx)
    st = body.model_dump(include={"type", "scope", "countries", "federal_district", "issuing_body", "judge",
                                  "proceeding_id", "docket_entry", "issued_at", "effective_at", "expires_at",
                                  "extended", "notes"})
    st["underlying_removal_order"] = body.underlying_removal_order
    st["class_definition"] = body.class_definition
    st = _validate(session, ctx.org_id, client.id, st)
    order = ProtectionOrder(organization_id=ctx.org_id, client_id=client.id, status=body.status,
                            status_changed_at=now, created_by=ctx.user_id, created_at=now, updated_at=now,
                            issued_at=st["issued_at"], type=st["type"], scope=st["scope"],
                            issuing_body=st["issuing_body"])
    _apply(order, st)
    if body.verified:
        order.verified, order.verified_by, order.verified_at = True, ctx.user_id, now
    session.add(order)
    session.flush()
    session.add(history_row(order, None, order.status, "recorded", ctx.user_id, now))
    audit.record(session, ctx, "protection_order.created", "protection_order", order.id,
                 {"client_id": str(client.id), "type": order.type, "scope": order.scope, "status": order.status,
                  "verified": order.verified})
    raised = _alerts_for_order(ctx, session, client, order, now)
    session.commit()
    return order, raised


def update_order(ctx: AuditActor, session: Session, order: ProtectionOrder, body: ProtectionOrderUpdate,
                 expected_version: int, now: datetime) -> tuple[ProtectionOrder, list[Alert]]:
    """Amend an order (If-Match); a status change needs a reason and is kept in the history. Commits."""
    sent = body.model_fields_set - {"status_reason"}
    if "verified" in sent:
        _check_verify(ctx)
    for key in _NOT_NULLABLE:
        if key in sent and getattr(body, key) is None:
            raise unprocessable("field_not_nullable", f"{key} cannot be null.", field=key)
    new_status = body.status if "status" in sent and body.status != order.status else None
    if new_status is not None and not body.status_reason:
        raise unprocessable("status_reason_required", "Give status_reason when changing the status.")
    st = _state_from(order)
    for key in sent & set(st):
        st[key] = getattr(body, key)
    st = _validate(session, ctx.org_id, order.client_id, st)
    claim_version(session, order, expected_version)
    old_status = order.status
    _apply(order, st)
    order.updated_at = now
    if new_status is not None:
        order.status = new_status
        order.status_changed_at = now
        session.add(history_row(order, old_status, new_status, body.status_reason or "", ctx.user_id, now))
    if "verified" in sent:
        order.verified = bool(body.verified)
        order.verified_by, order.verified_at = (ctx.user_id, now) if body.verified else (None, None)
    elif order.verified and sent & _UNVERIFYING:
        order.verified, order.verified_by, order.verified_at = False, None, None
    session.add(order)
    session.flush()
    detail: dict[str, Any] = {"fields": sorted(sent)}
    if new_status is not None:
        detail.update(status_from=old_status, status_to=new_status)
    audit.record(session, ctx, "protection_order.updated", "protection_order", order.id, detail)
    client = session.get(Client, order.client_id)
    raised = _alerts_for_order(ctx, session, client, order, now) if client is not None else []
    session.commit()
    return order, raised


def _alerts_for_order(ctx: AuditActor, session: Session, client: Client, order: ProtectionOrder,
                      now: datetime) -> list[Alert]:
    if not is_active(order, now):
        return []
    raised = alerts_mod.evaluate_client_now(ctx, session, client, "protection_order", order.id, now)
    return raised + expiry.expiring_alerts(ctx, session, order.organization_id, now, orders=[order])


# --- representations and cross-domain reads -------------------------------------------------------------


def active_protections_for_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                                  now: datetime | None = None) -> list[dict[str, Any]]:
    """Active protection orders of a client as JSON-ready summaries."""
    now = now or utcnow()
    stmt = orders_stmt(org_id, client_id, OrderStatus.active).order_by(
        col(ProtectionOrder.issued_at), col(ProtectionOrder.id))
    out = []
    for o in session.exec(stmt).all():
        if not is_active(o, now):
            continue
        out.append({
            "id": str(o.id), "type": o.type, "scope": o.scope, "countries": list(o.countries),
            "federal_district": o.federal_district, "issuing_body": o.issuing_body, "judge": o.judge,
            "docket_entry": o.docket_entry, "proceeding_id": str(o.proceeding_id) if o.proceeding_id else None,
            "issued_at": o.issued_at.isoformat(), "effective_at": o.effective_at.isoformat() if o.effective_at
            else None, "expires_at": o.expires_at.isoformat() if o.expires_at else None,
            "status": o.status, "verified": o.verified,
        })
    return out


def client_ids_with_active_protection(session: Session, org_id: uuid.UUID,
                                      now: datetime | None = None) -> SelectOfScalar[uuid.UUID]:
    """A SELECT of client ids having an active protection order (for the ``has_active_protection`` filter),
    e.g. ``Client.id.in_(client_ids_with_active_protection(session, org_id))``."""
    now = now or utcnow()
    return select(ProtectionOrder.client_id).where(
        ProtectionOrder.organization_id == org_id, ProtectionOrder.status == OrderStatus.active,
        sa.or_(col(ProtectionOrder.expires_at).is_(None), col(ProtectionOrder.expires_at) > now),
    ).distinct()

