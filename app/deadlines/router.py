"""HTTP routes of the deadlines domain (docs/design.md#api-surface): rule catalog, compute preview, deadlines, trigger
events,
and the calendar feed on ``root_router`` (outside /api/v1, public, authenticated by its secret token)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated

from fastapi import Path, Query, Request, Response
from sqlmodel import Session, col

from app.auth.deps import DbSession, ReadDeadlines, WriteDeadlineRules, WriteDeadlines
from app.clients import service as clients_service
from app.core.clock import Now
from app.core.concurrency import require_if_match, set_etag
from app.core.errors import ProblemError, conflict
from app.core.pagination import Limit, Offset, Page, paginate
from app.core.routing import api_router, reads_only
from app.deadlines import feed as feed_mod
from app.deadlines import recompute as rc
from app.deadlines import rule_specs, rules_service, service, triggers
from app.deadlines.models import DeadlineStatus, TriggerEvent
from app.deadlines.schemas import (
    ComputeRequest,
    ComputeResponse,
    DeadlineCreate,
    DeadlineListItem,
    DeadlinePage,
    DeadlinePublic,
    DeadlineUpdate,
    RecomputeSummary,
    RuleCreate,
    RulePublic,
    RuleUpdate,
    TriggerEventCreate,
    TriggerEventDetail,
    TriggerEventPublic,
    TriggerEventUpdate,
)

router = api_router(tags=["deadlines"])
root_router = api_router(tags=["calendar"])

RuleIdPath = Path(min_length=1, max_length=64)


# --- rule catalog ----------------------------------------------------------------------------------------------


@router.get("/deadline-rules", response_model=Page[RulePublic])
def list_rules(ctx: ReadDeadlines, builtin: bool | None = None,
               limit: Limit = 50, offset: Offset = 0) -> Page[RulePublic]:
    """Built-in rules (with citations and as-of dates) and the organization's own rules."""
    items, total = rules_service.list_rules(ctx.session, ctx.org_id, builtin=builtin, limit=limit, offset=offset)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/deadline-rules/{rule_id}", response_model=RulePublic)
def get_rule(rule_id: Annotated[str, RuleIdPath], response: Response,
             ctx: ReadDeadlines) -> RulePublic:
    """One rule; organization rules carry an ETag."""
    public, row = rules_service.rule_or_404(ctx.session, ctx.org_id, rule_id)
    if row is not None:
        set_etag(response, row.version)
    return public


@router.post("/deadline-rules", response_model=RulePublic, status_code=201)
def create_rule(body: RuleCreate, response: Response, ctx: WriteDeadlineRules,
                now: Now) -> RulePublic:
    """Add an organization rule (attorneys); its id starts with ORG- and never reuses a built-in id (409)."""
    row = rules_service.create_rule(ctx, ctx.session, body, now)
    set_etag(response, row.version)
    return RulePublic.of(row)


@router.patch("/deadline-rules/{rule_id}", response_model=RulePublic)
def update_rule(rule_id: Annotated[str, RuleIdPath], body: RuleUpdate, request: Request,
                response: Response, ctx: WriteDeadlineRules,
                now: Now) -> RulePublic:
    """Edit an organization rule (If-Match); built-in rules are immutable (409). Open deadlines computed from it
    are recomputed; confirmed ones get a proposed version instead."""
    _public, row = rules_service.rule_or_404(ctx.session, ctx.org_id, rule_id)
    if row is None:
        raise conflict("builtin_rule_immutable", "Built-in rules cannot be edited; add an organization rule.")
    expected = require_if_match(request)
    row, _summary = rules_service.update_rule(ctx, ctx.session, row, body, expected, now)
    set_etag(response, row.version)
    return RulePublic.of(row)


# --- compute preview -------------------------------------------------------------------------------------------


@router.post("/deadlines/compute", response_model=ComputeResponse)
@reads_only
def compute_preview(body: ComputeRequest, ctx: ReadDeadlines) -> ComputeResponse:
    """Preview a rule for a trigger: dates, due instant and the trace. Nothing is saved."""
    spec = rule_specs.resolve_rule(ctx.session, ctx.org_id, body.rule)
    state, tz = rc.court_defaults(ctx.principal.org, None, body.court_state, body.court_timezone)
    inp = rc.Inputs(rule_id=spec.id, trigger_date=body.trigger_date, trigger_at=body.trigger_at,
                    service_method=body.service_method.value, court_state=state, court_timezone=tz,
                    period_override=body.period_override)
    comp = rc.run(spec, inp, both_triggers=True)
    return ComputeResponse(**comp.as_dict(), court_state=state)


# --- deadlines -------------------------------------------------------------------------------------------------


def _bound(value: str | None, name: str, org_tz: str) -> datetime | None:
    """A date (midnight starting that day in the organization's time zone) or an instant with an offset."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=rc.zone(org_tz))
        at = datetime.fromisoformat(value)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise ProblemError(422, "validation_error", f"{name} must be YYYY-MM-DD or an ISO 8601 instant with an offset.",
                           extra={"errors": [{"loc": ["query", name], "msg": "invalid date or instant",
                                              "type": "value_error"}]})
    return at


@router.get("/deadlines", response_model=DeadlinePage)
def list_deadlines(
    ctx: ReadDeadlines,
    due_before: Annotated[str | None, Query(max_length=40, description="exclusive; date or instant")] = None,
    due_after: Annotated[str | None, Query(max_length=40, description="inclusive; date or instant")] = None,
    status: Annotated[list[DeadlineStatus] | None, Query()] = None,
    owner: Annotated[str | None, Query(max_length=40, description="user id, 'me' or 'none'")] = None,
    client_id: uuid.UUID | None = None,
    jurisdictional: bool | None = None,
    proposed: bool | None = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeadlinePage:
    """Deadlines of the organization by due instant (then id); dates are days in the organization's time zone."""
    org_tz = ctx.principal.org.get("timezone") or "America/New_York"
    f = service.DeadlineFilters(due_before=_bound(due_before, "due_before", org_tz),
                                due_after=_bound(due_after, "due_after", org_tz),
                                statuses=[s.value for s in status] if status else None, client_id=client_id,
                                jurisdictional=jurisdictional, proposed=proposed, rule=rule)
    if owner == "me":
        f.owner_id = ctx.user_id
    elif owner == "none":
        f.unowned = True
    elif owner is not None:
        try:
            f.owner_id = uuid.UUID(owner)
        except ValueError:
            raise ProblemError(422, "validation_error", "owner must be a user id, 'me' or 'none'.",
                               extra={"errors": [{"loc": ["query", "owner"], "msg": "invalid owner",
                                                  "type": "value_error"}]}) from None
    rows, total, capped = service.list_deadlines(ctx.session, ctx.org_id, f, limit, offset)
    items = [DeadlineListItem.of(d) for d in rows]
    clients_service.label_items(ctx.session, ctx.org_id, items)
    return DeadlinePage(items=items, total=total, limit=limit, offset=offset, total_capped=capped)


@router.post("/clients/{client_id}/deadlines", response_model=DeadlinePublic, status_code=201)
def create_deadline(client_id: uuid.UUID, body: DeadlineCreate, response: Response,
                    ctx: WriteDeadlines,
                    now: Now) -> DeadlinePublic:
    """Docket a deadline: rule + trigger (computed, with trace) or a manual due_date (not in the past)."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    d = service.create_deadline(ctx, ctx.session, client, body, now)
    set_etag(response, d.version)
    return DeadlinePublic.of(d)


@router.get("/deadlines/{deadline_id}", response_model=DeadlinePublic)
def get_deadline(deadline_id: uuid.UUID, response: Response,
                 ctx: ReadDeadlines) -> DeadlinePublic:
    """One deadline with its computation trace."""
    d = service.get_deadline(ctx.session, ctx.org_id, deadline_id)
    set_etag(response, d.version)
    return DeadlinePublic.of(d)


@router.patch("/deadlines/{deadline_id}", response_model=DeadlinePublic)
def update_deadline(deadline_id: uuid.UUID, body: DeadlineUpdate, request: Request, response: Response,
                    ctx: WriteDeadlines,
                    now: Now) -> DeadlinePublic:
    """Status (met_at), owner, title, trigger (recomputes), manual date; `confirmed` by attorneys only (If-Match)."""
    d = service.get_deadline(ctx.session, ctx.org_id, deadline_id)
    service.check_confirm_permission(ctx, body)
    expected = require_if_match(request)
    d = service.update_deadline(ctx, ctx.session, d, body, expected, now)
    set_etag(response, d.version)
    return DeadlinePublic.of(d)


# --- trigger events --------------------------------------------------------------------------------------------


def _detail(session: Session, te: TriggerEvent,
            summary: dict[str, list[uuid.UUID]] | None = None) -> TriggerEventDetail:
    deadlines = [DeadlinePublic.of(d) for d in triggers.dependents(session, te)]
    return TriggerEventDetail(**TriggerEventPublic.of(te).model_dump(), deadlines=deadlines,
                              recompute=RecomputeSummary(**summary) if summary is not None else None)


@router.get("/clients/{client_id}/trigger-events", response_model=Page[TriggerEventPublic])
def list_trigger_events(client_id: uuid.UUID, ctx: ReadDeadlines,
                        limit: Limit = 50, offset: Offset = 0) -> Page[TriggerEventPublic]:
    """A client's trigger events, newest first."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    rows, total = paginate(ctx.session, triggers.list_stmt(ctx.org_id, client.id),
                           col(TriggerEvent.occurred_date).desc(), col(TriggerEvent.id), limit=limit, offset=offset)
    return Page(items=[TriggerEventPublic.of(te) for te in rows], total=total, limit=limit,
                offset=offset)


@router.post("/clients/{client_id}/trigger-events", response_model=TriggerEventDetail, status_code=201)
def create_trigger_event(client_id: uuid.UUID, body: TriggerEventCreate, response: Response,
                         ctx: WriteDeadlines,
                         now: Now) -> TriggerEventDetail:
    """Record a trigger event (BIA decision, OSC served, judgment entered...) and spawn its dependent deadlines."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    te, _spawned = triggers.create_trigger_event(ctx, ctx.session, client, body, now)
    set_etag(response, te.version)
    return _detail(ctx.session, te)


@router.get("/trigger-events/{event_id}", response_model=TriggerEventDetail)
def get_trigger_event(event_id: uuid.UUID, response: Response,
                      ctx: ReadDeadlines) -> TriggerEventDetail:
    """One trigger event with the deadlines it spawned (and proposed versions)."""
    te = triggers.get_trigger_event(ctx.session, ctx.org_id, event_id)
    set_etag(response, te.version)
    return _detail(ctx.session, te)


@router.patch("/trigger-events/{event_id}", response_model=TriggerEventDetail)
def update_trigger_event(event_id: uuid.UUID, body: TriggerEventUpdate, request: Request, response: Response,
                         ctx: WriteDeadlines,
                         now: Now) -> TriggerEventDetail:
    """Correct the event (If-Match); dependents are recomputed, attorney-confirmed ones get a proposed version."""
    te = triggers.get_trigger_event(ctx.session, ctx.org_id, event_id)
    expected = require_if_match(request)
    summary = triggers.update_trigger_event(ctx, ctx.session, te, body, expected, now)
    set_etag(response, te.version)
    return _detail(ctx.session, te, summary)


# --- calendar feed (public; the token is the credential) ---------------------------------------------------------


@root_router.get("/calendar/{feed_token}.ics", response_class=Response,
                 responses={200: {"content": {"text/calendar": {}}, "description": "RFC 5545 calendar"}})
def calendar_feed(feed_token: str, session: DbSession, now: Now) -> Response:
    """The token owner's open deadlines and the organization's open compliance filings (404 if unknown/revoked)."""
    user = feed_mod.feed_owner(session, feed_token)
    body = feed_mod.build_feed(session, user, now)
    return Response(content=body, media_type=feed_mod.CONTENT_TYPE, headers=feed_mod.feed_headers())
