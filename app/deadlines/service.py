"""Deadline use cases: create (computed or manual), read, list, update (status, owner, confirmation, inputs),
and the cross-domain ``next_deadlines_for_client``. No FastAPI imports; one commit per use case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.auth.deps import Caller
from app.auth.models import UserAccount
from app.auth.orgtime import org_today
from app.auth.permissions import Permission, Role, has_permission
from app.clients import service as clients_service
from app.clients.models import Client, Proceeding
from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import conflict, forbidden, not_found, unprocessable
from app.deadlines import recompute as rc
from app.deadlines.models import Deadline, DeadlineSource, DeadlineStatus
from app.deadlines.rule_specs import resolve_rule
from app.deadlines.schemas import DeadlineCreate, DeadlineUpdate

STAFF_ROLES = frozenset({Role.admin.value, Role.attorney.value, Role.paralegal.value})
COUNT_CAP = 10_000
MET_AT_SKEW = timedelta(minutes=5)
_TRIGGER_FIELDS = frozenset({"trigger_date", "trigger_at", "service_method", "period_override", "court_state",
                             "court_timezone"})
_MANUAL_FIELDS = frozenset({"due_date", "due_at"})


# --- lookups ---------------------------------------------------------------------------------------------------


def get_deadline(session: Session, org_id: uuid.UUID, deadline_id: uuid.UUID) -> Deadline:
    """The organization's deadline, or 404 ``deadline_not_found``."""
    d = session.get(Deadline, deadline_id)
    if d is None or d.organization_id != org_id:
        raise not_found("deadline_not_found", "No such deadline.")
    return d


def proceeding_of_client(session: Session, org_id: uuid.UUID, client: Client,
                         proceeding_id: uuid.UUID | None) -> Proceeding | None:
    """The client's proceeding, or 404 ``proceeding_not_found`` (another client's or organization's)."""
    if proceeding_id is None:
        return None
    proc = clients_service.get_proceeding(session, org_id, proceeding_id)
    if proc.client_id != client.id:
        raise not_found("proceeding_not_found", "No such proceeding.")
    return proc


def check_owner(session: Session, org_id: uuid.UUID, owner_id: uuid.UUID | None) -> None:
    """An owner is an active staff user of the organization; 422 ``invalid_owner`` otherwise."""
    if owner_id is None:
        return
    user = session.get(UserAccount, owner_id)
    if user is None or user.organization_id != org_id or not user.is_active or user.role not in STAFF_ROLES:
        raise unprocessable("invalid_owner", "The owner must be an active admin, attorney or paralegal of the "
                            "organization.")


def _today(org: dict[str, Any], now: datetime) -> date:
    """Today on the organization's clock (not the UTC date, already tomorrow in the American evening)."""
    return org_today(org, now)


def _check_not_past(org: dict[str, Any], now: datetime, due_date: date | None, due_at: datetime | None) -> None:
    if (due_date is not None and due_date < _today(org, now)) or (due_at is not None and due_at < now):
        raise unprocessable("deadline_in_past", "A manual deadline cannot be in the past (use today or later).")


# --- create ----------------------------------------------------------------------------------------------------


def create_deadline(ctx: Caller, session: Session, client: Client, body: DeadlineCreate, now: datetime) -> Deadline:
    """Create a computed (rule + trigger) or manual (due_date / due_at) deadline for a client."""
    proc = proceeding_of_client(session, ctx.org_id, client, body.proceeding_id)
    check_owner(session, ctx.org_id, body.owner_id)
    org = ctx.principal.org
    state, tz = rc.court_defaults(org, proc.federal_district if proc else None, body.court_state, body.court_timezone)
    d = Deadline(organization_id=ctx.org_id, client_id=client.id, proceeding_id=proc.id if proc else None,
                 title="", owner_id=body.owner_id, notes=body.notes, status=DeadlineStatus.open.value,
                 court_state=state, court_timezone=tz, created_by=ctx.user_id, created_at=now, updated_at=now,
                 due_earliest_safe_date=date.min, due_latest_arguable_date=date.min, due_at=now,
                 due_latest_arguable_at=now)
    if body.rule is not None:
        extra = [f for f in ("due_date", "due_at", "source", "jurisdictional", "extendable")
                 if getattr(body, f) is not None]
        if extra:
            raise unprocessable("ambiguous_deadline", "A computed deadline takes its dates and flags from the rule; "
                                f"drop {', '.join(extra)} or drop rule.")
        spec = resolve_rule(session, ctx.org_id, body.rule)
        inp = rc.Inputs(rule_id=spec.id, trigger_date=body.trigger_date, trigger_at=body.trigger_at,
                        service_method=(body.service_method or "electronic"), court_state=state, court_timezone=tz,
                        period_override=body.period_override)
        comp = rc.run(spec, inp, both_triggers=True)
        rc.set_inputs(d, inp)
        rc.apply(d, spec, comp)
        d.title = body.title or spec.title
        d.source = DeadlineSource.computed.value
    else:
        extra = [f for f in ("trigger_date", "trigger_at", "service_method", "period_override")
                 if getattr(body, f) is not None]
        if extra:
            raise unprocessable("rule_required", f"{', '.join(extra)} need a rule; a manual deadline takes due_date.")
        if (body.due_date is None) == (body.due_at is None):
            raise unprocessable("due_date_required", "Give a rule and a trigger, or exactly one of due_date / due_at.")
        if not body.title:
            raise unprocessable("title_required", "A manual deadline needs a title.")
        _check_not_past(org, now, body.due_date, body.due_at)
        d.source = body.source or DeadlineSource.manual.value
        d.title = body.title
        d.jurisdictional = bool(body.jurisdictional)
        d.extendable = True if body.extendable is None else body.extendable
        rc.apply_manual(d, due_date=body.due_date, due_at=body.due_at, tz=tz, source=d.source)
    session.add(d)
    session.flush()
    audit.record(session, ctx, "deadline.created", "deadline", d.id,
                 {"client_id": str(client.id), "rule": d.rule_id, "source": d.source})
    session.commit()
    return d


# --- update ----------------------------------------------------------------------------------------------------


def check_confirm_permission(ctx: AuditActor, body: DeadlineUpdate) -> None:
    """Only attorneys confirm (or unconfirm) a deadline: 403 before anything else."""
    if "confirmed" in body.model_fields_set and not has_permission(ctx.role or "", Permission.deadlines_confirm):
        raise forbidden("forbidden", "Only an attorney can confirm a deadline.")


def _change_inputs(ctx: Caller, session: Session, d: Deadline, body: DeadlineUpdate, fields: set[str],
                   now: datetime) -> None:
    if d.superseded_by_id is not None:
        raise conflict("deadline_superseded", "This version was superseded; change the current one.")
    if d.confirmed_at is not None and not ("confirmed" in fields and body.confirmed is False):
        raise conflict("deadline_confirmed", "An attorney confirmed this deadline: an attorney must send "
                       "confirmed: false with the change (or change the trigger event, which proposes a new version).")
    if d.trigger_event_id is not None and fields & _TRIGGER_FIELDS:
        raise conflict("trigger_event_owned", "This deadline follows its trigger event; change the trigger event.")
    state = rc.check_state(body.court_state) if "court_state" in fields else d.court_state
    tz = body.court_timezone if "court_timezone" in fields and body.court_timezone else d.court_timezone
    rc.zone(tz)
    if d.rule_id is None:
        if fields & (_TRIGGER_FIELDS - {"court_state", "court_timezone"}):
            raise conflict("manual_deadline", "A manual deadline has no rule or trigger; change due_date instead.")
        if "due_date" in fields and "due_at" in fields:
            raise unprocessable("ambiguous_deadline", "Give due_date or due_at, not both.")
        due_date = body.due_date if "due_date" in fields else None
        due_at = body.due_at if "due_at" in fields else None
        if "due_date" in fields and due_date is None or "due_at" in fields and due_at is None:
            raise unprocessable("due_date_required", "A manual deadline needs a due date.")
        _check_not_past(ctx.principal.org, now, due_date, due_at)
        if due_date is None and due_at is None:
            due_at = d.due_at  # only the court changed: keep the instant
        d.court_state, d.court_timezone = state, tz
        rc.apply_manual(d, due_date=due_date, due_at=due_at, tz=tz, source=d.source)
        return
    if fields & _MANUAL_FIELDS:
        raise conflict("computed_deadline", "This deadline is computed from a rule; change its trigger instead.")
    old = rc.inputs_of(d)
    trigger_date, trigger_at = old.trigger_date, old.trigger_at
    if "trigger_at" in fields:
        trigger_at = body.trigger_at
        trigger_date = body.trigger_date if "trigger_date" in fields else None
    elif "trigger_date" in fields:
        trigger_date, trigger_at = body.trigger_date, None
    inp = rc.Inputs(rule_id=old.rule_id, trigger_date=trigger_date, trigger_at=trigger_at,
                    service_method=body.service_method if body.service_method else old.service_method,
                    court_state=state, court_timezone=tz,
                    period_override=body.period_override if "period_override" in fields else old.period_override)
    spec = resolve_rule(session, ctx.org_id, inp.rule_id)
    comp = rc.run(spec, inp, both_triggers=True)
    rc.set_inputs(d, inp)
    rc.apply(d, spec, comp)


def _change_status(d: Deadline, body: DeadlineUpdate, fields: set[str], now: datetime) -> None:
    new = body.status
    if new is None:
        raise unprocessable("invalid_status", "status cannot be null.")
    if d.superseded_by_id is not None:
        raise conflict("deadline_superseded", "This version was superseded; change the current one.")
    if d.proposed and new not in (DeadlineStatus.open, DeadlineStatus.moot):
        raise conflict("proposal_pending", "A proposed version is accepted by an attorney (confirmed: true) or "
                       "rejected (status: moot).")
    if new == DeadlineStatus.extended and not d.extendable and d.status != DeadlineStatus.extended:
        raise conflict("deadline_not_extendable", "This deadline cannot be extended under its rule.")
    if new == DeadlineStatus.met:
        met_at = body.met_at if "met_at" in fields and body.met_at else (d.met_at or now)
        if met_at > now + MET_AT_SKEW:
            raise unprocessable("met_at_in_future", "met_at cannot be in the future.")
        d.met_at = met_at.astimezone(UTC)
    else:
        d.met_at = None
    d.status = new.value


def _accept_proposal(ctx: AuditActor, session: Session, d: Deadline, now: datetime) -> None:
    old = session.get(Deadline, d.supersedes_id) if d.supersedes_id else None
    d.proposed = False
    if old is not None and old.organization_id == d.organization_id and old.superseded_by_id is None:
        claim_version(session, old, old.version)
        old.superseded_by_id = d.id
        old.status = DeadlineStatus.moot.value
        old.updated_at = now
        audit.record(session, ctx, "deadline.superseded", "deadline", old.id, {"superseded_by_id": str(d.id)})


def update_deadline(ctx: Caller, session: Session, d: Deadline, body: DeadlineUpdate, expected: int,
                    now: datetime) -> Deadline:
    """Status (met_at), owner, title/notes, confirmation (attorneys), trigger inputs (recompute), manual date."""
    check_confirm_permission(ctx, body)
    fields = set(body.model_fields_set)
    claim_version(session, d, expected)
    if "title" in fields:
        if not body.title:
            raise unprocessable("title_required", "title cannot be empty.")
        d.title = body.title
    if "notes" in fields:
        d.notes = body.notes
    if "owner_id" in fields:
        check_owner(session, ctx.org_id, body.owner_id)
        d.owner_id = body.owner_id
    recomputed = bool(fields & (_TRIGGER_FIELDS | _MANUAL_FIELDS))
    if recomputed:
        _change_inputs(ctx, session, d, body, fields, now)
    if "status" in fields:
        _change_status(d, body, fields, now)
    elif "met_at" in fields:
        if d.status != DeadlineStatus.met.value or body.met_at is None:
            raise unprocessable("met_at_requires_met", "met_at goes with status met.")
        if body.met_at > now + MET_AT_SKEW:
            raise unprocessable("met_at_in_future", "met_at cannot be in the future.")
        d.met_at = body.met_at.astimezone(UTC)
    if "confirmed" in fields:
        if body.confirmed:
            if d.superseded_by_id is not None:
                raise conflict("deadline_superseded", "This version was superseded; confirm the current one.")
            if d.proposed:
                if d.status != DeadlineStatus.open.value:
                    raise conflict("proposal_closed", "This proposed version was withdrawn or rejected.")
                _accept_proposal(ctx, session, d, now)
            d.confirmed_by, d.confirmed_at = ctx.user_id, now
        elif not d.proposed:
            d.confirmed_by = d.confirmed_at = None
    d.updated_at = now
    detail: dict[str, Any] = {"fields": sorted(fields), "status": d.status}
    if recomputed:
        detail["recomputed"] = True
    audit.record(session, ctx, "deadline.updated", "deadline", d.id, detail)
    session.commit()
    return d


# --- reads -----------------------------------------------------------------------------------------------------


@dataclass
class DeadlineFilters:
    due_before: datetime | None = None
    due_after: datetime | None = None
    statuses: list[str] | None = None
    owner_id: uuid.UUID | None = None
    unowned: bool = False
    client_id: uuid.UUID | None = None
    jurisdictional: bool | None = None
    proposed: bool | None = None
    rule: str | None = None


def _conditions(org_id: uuid.UUID, f: DeadlineFilters) -> list[Any]:
    c: list[Any] = [Deadline.organization_id == org_id]
    if f.due_before is not None:
        c.append(Deadline.due_at < f.due_before)
    if f.due_after is not None:
        c.append(Deadline.due_at >= f.due_after)
    if f.statuses:
        c.append(Deadline.status == f.statuses[0] if len(f.statuses) == 1
                 else col(Deadline.status).in_(f.statuses))
    if f.unowned:
        c.append(col(Deadline.owner_id).is_(None))
    elif f.owner_id is not None:
        c.append(Deadline.owner_id == f.owner_id)
    if f.client_id is not None:
        c.append(Deadline.client_id == f.client_id)
    if f.jurisdictional is not None:
        c.append(col(Deadline.jurisdictional).is_(f.jurisdictional))
    if f.proposed is not None:
        c.append(col(Deadline.proposed).is_(f.proposed))
    if f.rule is not None:
        c.append(Deadline.rule_id == f.rule)
    return c


def list_deadlines(session: Session, org_id: uuid.UUID, f: DeadlineFilters, limit: int,
                   offset: int) -> tuple[list[Deadline], int, bool]:
    """One page sorted by (due_at, id) and the match count; counts stop at COUNT_CAP (index-bound cost)."""
    conds = _conditions(org_id, f)
    stmt = (select(Deadline).where(*conds)
            .options(defer(Deadline.trace), defer(Deadline.computation_notes), defer(Deadline.notes))  # type: ignore[arg-type]
            .order_by(col(Deadline.due_at), col(Deadline.id)).limit(limit).offset(offset))
    rows = list(session.exec(stmt).all())
    capped_ids = select(Deadline.id).where(*conds).limit(COUNT_CAP + 1).subquery()
    total = int(session.exec(select(sa.func.count()).select_from(capped_ids)).one())
    capped = total > COUNT_CAP
    return rows, min(total, COUNT_CAP), capped


def next_deadlines_for_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                              limit: int = 5) -> list[dict[str, Any]]:
    """The client's next open deadlines as JSON-ready summaries, soonest first (proposed versions excluded)."""
    limit = max(1, min(int(limit), 50))
    # The summary's columns only, as plain rows: this runs on every status view (no ORM objects needed).
    stmt = (sa.select(*_SUMMARY_COLUMNS)
            .where(col(Deadline.organization_id) == org_id, col(Deadline.client_id) == client_id,
                   col(Deadline.status) == DeadlineStatus.open.value, col(Deadline.proposed).is_(False))
            .order_by(col(Deadline.due_at), col(Deadline.id)).limit(limit))
    return [summary(d) for d in session.execute(stmt).all()]


_SUMMARY_COLUMNS = (col(Deadline.id), col(Deadline.title), col(Deadline.due_at), col(Deadline.due_earliest_safe_date),
                    col(Deadline.due_latest_arguable_date), col(Deadline.jurisdictional), col(Deadline.status),
                    col(Deadline.rule_id), col(Deadline.obligated_party))


def summary(d: Deadline | sa.Row[Any]) -> dict[str, Any]:
    """A deadline (or a row of ``_SUMMARY_COLUMNS``) as the JSON-ready summary other views embed."""
    return {
        "id": str(d.id), "title": d.title, "due_at": d.due_at.isoformat(),
        "due_earliest_safe": d.due_earliest_safe_date.isoformat(),
        "due_latest_arguable": d.due_latest_arguable_date.isoformat(), "jurisdictional": d.jurisdictional,
        "status": d.status, "rule": d.rule_id, "obligated_party": d.obligated_party,
    }
