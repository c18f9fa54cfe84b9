"""Court orders and their compliance obligations: record, pause/resume/end by a later order
(docs/domain/protection.md#court-ordered-compliance)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import not_found, unprocessable
from app.core.pagination import paginate
from app.protection import occurrences as occ_mod
from app.protection.models import ComplianceObligation, CourtOrder
from app.protection.schemas import (
    CourtOrderCreate,
    ObligationCreate,
    ObligationUpdate,
)
from app.protection.service import check_proceeding


def get_court_order(session: Session, org_id: uuid.UUID, order_id: uuid.UUID) -> CourtOrder:
    order = session.get(CourtOrder, order_id)
    if order is None or order.organization_id != org_id:
        raise not_found("court_order_not_found", "No such court order.")
    client = session.get(Client, order.client_id)
    if client is None or client.deleted_at is not None:
        raise not_found("court_order_not_found", "No such court order.")
    return order


def get_obligation(session: Session, org_id: uuid.UUID, obligation_id: uuid.UUID) -> ComplianceObligation:
    ob = session.get(ComplianceObligation, obligation_id)
    if ob is None or ob.organization_id != org_id:
        raise not_found("obligation_not_found", "No such obligation.")
    client = session.get(Client, ob.client_id)
    if client is None or client.deleted_at is not None:
        raise not_found("obligation_not_found", "No such obligation.")
    return ob


def obligations_of(session: Session, court_order_id: uuid.UUID) -> list[ComplianceObligation]:
    stmt = select(ComplianceObligation).where(ComplianceObligation.court_order_id == court_order_id).order_by(
        col(ComplianceObligation.first_due_at), col(ComplianceObligation.id))
    return list(session.exec(stmt).all())


def court_orders_stmt(org_id: uuid.UUID, client_id: uuid.UUID) -> SelectOfScalar[CourtOrder]:
    return select(CourtOrder).where(CourtOrder.organization_id == org_id, CourtOrder.client_id == client_id)


def list_court_orders(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, *, limit: int,
                      offset: int) -> tuple[list[tuple[CourtOrder, list[ComplianceObligation]]], int]:
    """A client's court orders (newest first), each with its obligations (by first due date), and the total."""
    rows, total = paginate(session, court_orders_stmt(org_id, client_id),
                           col(CourtOrder.issued_at).desc(), col(CourtOrder.id), limit=limit, offset=offset)
    by_order: dict[uuid.UUID, list[ComplianceObligation]] = {o.id: [] for o in rows}
    if rows:
        stmt = select(ComplianceObligation).where(col(ComplianceObligation.court_order_id).in_(list(by_order)))
        for ob in session.exec(stmt.order_by(col(ComplianceObligation.first_due_at),
                                             col(ComplianceObligation.id))).all():
            by_order[ob.court_order_id].append(ob)
    return [(o, by_order[o.id]) for o in rows], total


def _new_obligation(ctx: AuditActor, session: Session, order: CourtOrder, body: ObligationCreate,
                    now: datetime) -> ComplianceObligation:
    recurrence = occ_mod.validate_schedule(body.first_due_at, body.timezone, body.recurrence)
    ob = ComplianceObligation(
        organization_id=order.organization_id, court_order_id=order.id, client_id=order.client_id,
        obligated_party=body.obligated_party, description=body.description,
        required_elements=list(body.required_elements), declarant_requirement=body.declarant_requirement,
        first_due_at=body.first_due_at, timezone=body.timezone, recurrence=recurrence, created_by=ctx.user_id,
        created_at=now, updated_at=now)
    session.add(ob)
    session.flush()
    occ_mod.materialize(session, ob, now + occ_mod.HORIZON, now)
    audit.record(session, ctx, "compliance_obligation.created", "compliance_obligation", ob.id,
                 {"court_order_id": str(order.id), "obligated_party": ob.obligated_party,
                  "recurring": recurrence is not None})
    return ob


def create_court_order(ctx: AuditActor, session: Session, client: Client, body: CourtOrderCreate,
                       now: datetime) -> tuple[CourtOrder, list[ComplianceObligation]]:
    """Record a court order with its obligations; occurrences are generated up to now + 14 days. Commits."""
    check_proceeding(session, ctx.org_id, client.id, body.proceeding_id)
    order = CourtOrder(organization_id=ctx.org_id, client_id=client.id, proceeding_id=body.proceeding_id,
                       issuing_court=body.issuing_court, judge=body.judge, docket_number=body.docket_number,
                       docket_entry=body.docket_entry, issued_at=body.issued_at, summary=body.summary,
                       created_by=ctx.user_id, created_at=now)
    session.add(order)
    session.flush()
    audit.record(session, ctx, "court_order.created", "court_order", order.id,
                 {"client_id": str(client.id), "obligations": len(body.obligations)})
    obligations = [_new_obligation(ctx, session, order, ob, now) for ob in body.obligations]
    session.commit()
    return order, obligations


def add_obligation(ctx: AuditActor, session: Session, order: CourtOrder, body: ObligationCreate,
                   now: datetime) -> ComplianceObligation:
    """Add an obligation to a recorded court order. Commits."""
    ob = _new_obligation(ctx, session, order, body, now)
    session.commit()
    return ob


def _later_order(session: Session, ob: ComplianceObligation, order_id: uuid.UUID) -> CourtOrder:
    order = get_court_order(session, ob.organization_id, order_id)
    if order.client_id != ob.client_id:
        raise unprocessable("court_order_client_mismatch", "The court order belongs to another client.")
    return order


def update_obligation(ctx: AuditActor, session: Session, ob: ComplianceObligation, body: ObligationUpdate,
                      expected_version: int, now: datetime) -> ComplianceObligation:
    """Pause (``paused_by_order_id``), resume (set it to null) or end (``ended_at``) an obligation. Commits."""
    sent = body.model_fields_set
    if "paused_at" in sent and body.paused_by_order_id is None:
        raise unprocessable("pause_order_required", "paused_at needs paused_by_order_id.")
    if "ended_by_order_id" in sent and body.ended_by_order_id is not None and body.ended_at is None \
            and ob.ended_at is None:
        raise unprocessable("ended_at_required", "ended_by_order_id needs ended_at.")
    for key in ("paused_by_order_id", "ended_by_order_id"):
        value = getattr(body, key)
        if key in sent and value is not None:
            _later_order(session, ob, value)
    claim_version(session, ob, expected_version)
    if "paused_by_order_id" in sent:
        if body.paused_by_order_id is not None:
            ob.paused_by_order_id = body.paused_by_order_id
            ob.paused_at = body.paused_at or now
            occ_mod.drop_unanswered_after(session, ob, ob.paused_at)
        elif ob.paused_by_order_id is not None:
            # Resumed: nothing was owed while paused, so generation restarts from now.
            ob.paused_by_order_id, ob.paused_at, ob.generated_until = None, None, now
    if "ended_at" in sent:
        old_end = ob.ended_at
        ob.ended_at = body.ended_at
        if body.ended_at is not None:
            occ_mod.drop_unanswered_after(session, ob, body.ended_at)
        elif old_end is not None and ob.generated_until is not None:
            ob.generated_until = min(ob.generated_until, old_end)
    if "ended_by_order_id" in sent:
        ob.ended_by_order_id = body.ended_by_order_id
    ob.updated_at = now
    session.add(ob)
    session.flush()
    occ_mod.materialize(session, ob, now + occ_mod.HORIZON, now)
    audit.record(session, ctx, "compliance_obligation.updated", "compliance_obligation", ob.id,
                 {"fields": sorted(sent)})
    session.commit()
    session.refresh(ob)
    return ob


