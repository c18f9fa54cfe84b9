"""HTTP routes: court orders, compliance obligations, occurrences and the filings that answer them."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from sqlmodel import Session, col

from app.auth.deps import ReadClients, WriteCourtOrders, read_actor, run_side_effects
from app.clients import service as clients_service
from app.core.clock import Now
from app.core.concurrency import require_if_match, set_etag
from app.core.pagination import Limit, Offset, Page, QueryInstant, paginate
from app.core.routing import api_router
from app.protection import court_orders
from app.protection import occurrences as occ_mod
from app.protection.models import ComplianceObligation, ObligationOccurrence, OccurrenceStatus
from app.protection.schemas import (
    CourtOrderCreate,
    CourtOrderPublic,
    ObligationCreate,
    ObligationFilingCreate,
    ObligationPublic,
    ObligationUpdate,
    OccurrencePublic,
)

router = api_router(tags=["court orders"])


@router.get("/clients/{client_id}/court-orders", response_model=Page[CourtOrderPublic])
def list_court_orders(client_id: uuid.UUID, ctx: ReadClients, limit: Limit = 50,
                      offset: Offset = 0) -> Page[CourtOrderPublic]:
    """A client's court orders with their obligations (newest first)."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    rows, total = court_orders.list_court_orders(ctx.session, ctx.org_id, client.id, limit=limit, offset=offset)
    return Page(items=[CourtOrderPublic.of(o, obs) for o, obs in rows], total=total, limit=limit,
                offset=offset)


@router.post("/clients/{client_id}/court-orders", response_model=CourtOrderPublic, status_code=201)
def create_court_order(client_id: uuid.UUID, body: CourtOrderCreate,
                       ctx: WriteCourtOrders,
                       now: Now) -> CourtOrderPublic:
    """Record a court order, optionally with compliance obligations (occurrences generated 14 days ahead)."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    order, obligations = court_orders.create_court_order(ctx, ctx.session, client, body, now)
    return CourtOrderPublic.of(order, obligations)


@router.get("/court-orders/{order_id}", response_model=CourtOrderPublic)
def get_court_order(order_id: uuid.UUID, ctx: ReadClients) -> CourtOrderPublic:
    """One court order with its obligations."""
    order = court_orders.get_court_order(ctx.session, ctx.org_id, order_id)
    return CourtOrderPublic.of(order, court_orders.obligations_of(ctx.session, order.id))


@router.post("/court-orders/{order_id}/obligations", response_model=ObligationPublic, status_code=201)
def add_obligation(order_id: uuid.UUID, body: ObligationCreate, response: Response,
                   ctx: WriteCourtOrders,
                   now: Now) -> ObligationPublic:
    """Add a compliance obligation to a recorded court order."""
    order = court_orders.get_court_order(ctx.session, ctx.org_id, order_id)
    ob = court_orders.add_obligation(ctx, ctx.session, order, body, now)
    set_etag(response, ob.version)
    return ObligationPublic.of(ob)


@router.get("/obligations/{obligation_id}", response_model=ObligationPublic)
def get_obligation(obligation_id: uuid.UUID, response: Response,
                   ctx: ReadClients) -> ObligationPublic:
    """One obligation (ETag for PATCH)."""
    ob = court_orders.get_obligation(ctx.session, ctx.org_id, obligation_id)
    set_etag(response, ob.version)
    return ObligationPublic.of(ob)


@router.patch("/obligations/{obligation_id}", response_model=ObligationPublic)
def update_obligation(obligation_id: uuid.UUID, body: ObligationUpdate, request: Request, response: Response,
                      ctx: WriteCourtOrders,
                      now: Now) -> ObligationPublic:
    """Pause (by a later order), resume, or end an obligation (If-Match)."""
    ob = court_orders.get_obligation(ctx.session, ctx.org_id, obligation_id)
    expected = require_if_match(request)
    ob = court_orders.update_obligation(ctx, ctx.session, ob, body, expected, now)
    set_etag(response, ob.version)
    return ObligationPublic.of(ob)


@router.get("/obligations/{obligation_id}/occurrences", response_model=Page[OccurrencePublic])
def list_occurrences(obligation_id: uuid.UUID, request: Request,
                     ctx: ReadClients, now: Now,
                     limit: Limit = 50, offset: Offset = 0, until: QueryInstant | None = None,
                     since: QueryInstant | None = None,
                     status: OccurrenceStatus | None = None) -> Page[OccurrencePublic]:
    """Occurrences by due time; generated up to now + 14 days (or `until`), past-due unfiled ones marked
    `not_filed` (raising `obligation_missed`)."""
    ob = court_orders.get_obligation(ctx.session, ctx.org_id, obligation_id)
    target = occ_mod.horizon(now, until)
    if occ_mod.needs_refresh(ctx.session, ob, target, now):
        ob_id = ob.id

        def effects(ws: Session) -> None:
            fresh = ws.get(ComplianceObligation, ob_id)
            if fresh is not None:
                occ_mod.materialize(ws, fresh, target, now)
                occ_mod.mark_missed(read_actor(ctx), ws, ctx.org_id, now, obligation_id=ob_id)

        run_side_effects(request, ctx, effects)
        ob = court_orders.get_obligation(ctx.session, ctx.org_id, obligation_id)
    stmt = occ_mod.occurrences_stmt(ctx.org_id, ob.id, since=since, until=until, status=status)
    rows, total = paginate(ctx.session, stmt,
                           col(ObligationOccurrence.due_at), col(ObligationOccurrence.id), limit=limit,
                           offset=offset)
    return Page(items=[OccurrencePublic.of(o, ob) for o in rows], total=total, limit=limit,
                offset=offset)


@router.get("/occurrences/{occurrence_id}", response_model=OccurrencePublic)
def get_occurrence(occurrence_id: uuid.UUID, ctx: ReadClients) -> OccurrencePublic:
    """One occurrence with the filings that answered it and the elements still missing."""
    occ = occ_mod.get_occurrence(ctx.session, ctx.org_id, occurrence_id)
    ob = court_orders.get_obligation(ctx.session, ctx.org_id, occ.obligation_id)
    return OccurrencePublic.of(occ, ob, occ_mod.filings_of(ctx.session, occ.id))


@router.post("/occurrences/{occurrence_id}/filings", response_model=OccurrencePublic, status_code=201)
def record_filing(occurrence_id: uuid.UUID, body: ObligationFilingCreate,
                  ctx: WriteCourtOrders,
                  now: Now) -> OccurrencePublic:
    """Record a filing answering an occurrence: on time, late by N minutes, or non-responsive."""
    occ = occ_mod.get_occurrence(ctx.session, ctx.org_id, occurrence_id)
    occ, ob, filings = occ_mod.record_filing(ctx, ctx.session, occ, body, now)
    return OccurrencePublic.of(occ, ob, filings)
