"""Glue between stored deadlines and the pure engine: inputs, defaults, results, recomputation and versions.

docs/domain/deadlines.md#engine-duties: recompute on trigger, service-method or rule edits, but *never silently change a
deadline that an
attorney has confirmed*: a recomputation that would move a confirmed deadline creates (or updates) one proposed
version linked to it (``proposed=True``, ``supersedes_id``) and leaves the confirmed row exactly as it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import ProblemError
from app.core_data.districts import DISTRICTS
from app.deadlines.compute import Computation, DeadlineInputError, RuleSpec, compute
from app.deadlines.holidays_us import SUPPORTED_STATES
from app.deadlines.models import Deadline, DeadlineStatus
from app.deadlines.regimes import END_OF_DAY
from app.deadlines.rule_specs import resolve_rule

RECOMPUTABLE = (DeadlineStatus.open.value, DeadlineStatus.missed.value)


@dataclass(frozen=True)
class Inputs:
    """Everything a computation depends on besides the rule text."""

    rule_id: str
    trigger_date: date | None
    trigger_at: datetime | None
    service_method: str
    court_state: str | None
    court_timezone: str
    period_override: int | None


@lru_cache(maxsize=128)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ProblemError(422, "unknown_timezone", "Use an IANA time zone such as America/New_York.") from None


def check_state(state: str | None) -> str | None:
    if state is None:
        return None
    code = state.strip().upper()
    if code not in SUPPORTED_STATES:
        raise ProblemError(422, "unknown_court_state", "Unknown court state (use a USPS code such as MD).")
    return code


def court_defaults(org: dict[str, Any], federal_district: str | None, state: str | None,
                   tz: str | None) -> tuple[str | None, str]:
    """Court state / time zone: the body, else the proceeding's district, else the organization's defaults."""
    district = DISTRICTS.get((federal_district or "").strip().lower())
    if tz is None:
        tz = district.timezone if district is not None else (org.get("timezone") or "America/New_York")
    if state is None:
        state = district.state if district is not None else org.get("default_court_state")
        if state is not None and state.upper() not in SUPPORTED_STATES:
            state = None  # a default the engine has no holiday table for: count with federal holidays only
    zone(tz)
    return check_state(state), tz


def local_date(at: datetime, tz: str) -> date:
    return at.astimezone(zone(tz)).date()


def run(spec: RuleSpec, inp: Inputs, *, both_triggers: bool = False) -> Computation:
    """Call the engine; its input errors become 422 with the engine's code."""
    try:
        comp = compute(
            spec,
            trigger_date=inp.trigger_date if (both_triggers or inp.trigger_at is None) else None,
            trigger_at=inp.trigger_at, service_method=inp.service_method, court_state=inp.court_state,
            court_timezone=inp.court_timezone, period_override=inp.period_override,
        )
    except DeadlineInputError as exc:
        raise ProblemError(422, exc.code, exc.message) from None
    if comp.due_earliest_safe is None or comp.due_at is None:
        raise ProblemError(422, "no_computable_deadline", f"{spec.id}: nothing to compute for this trigger.")
    return comp


def inputs_of(d: Deadline) -> Inputs:
    assert d.rule_id is not None
    return Inputs(rule_id=d.rule_id, trigger_date=d.trigger_date, trigger_at=d.trigger_at,
                  service_method=d.service_method or "electronic", court_state=d.court_state,
                  court_timezone=d.court_timezone, period_override=d.period_override)


def set_inputs(d: Deadline, inp: Inputs) -> None:
    d.rule_id = inp.rule_id
    d.trigger_at = inp.trigger_at.astimezone(UTC) if inp.trigger_at else None
    d.trigger_date = local_date(inp.trigger_at, inp.court_timezone) if inp.trigger_at else inp.trigger_date
    d.service_method = inp.service_method
    d.court_state = inp.court_state
    d.court_timezone = inp.court_timezone
    d.period_override = inp.period_override


def apply(d: Deadline, spec: RuleSpec, comp: Computation) -> None:
    assert comp.due_at is not None and comp.due_earliest_safe is not None
    latest_at = comp.due_at_latest_arguable or comp.due_at
    d.regime = comp.regime
    d.due_earliest_safe_date = comp.due_earliest_safe
    d.due_latest_arguable_date = comp.due_latest_arguable or comp.due_earliest_safe
    d.due_at = comp.due_at.astimezone(UTC)
    d.due_latest_arguable_at = latest_at.astimezone(UTC)
    d.trace = [step.as_dict() for step in comp.trace]
    d.computation_notes = list(comp.notes)
    d.jurisdictional = spec.jurisdictional
    d.extendable = spec.extendable
    d.obligated_party = spec.obligated_party


def apply_manual(d: Deadline, *, due_date: date | None, due_at: datetime | None, tz: str, source: str) -> None:
    """A typed-in date ends at 23:59:59 court time (FRCP 6(a)(4)(A)); an order's literal instant is kept."""
    if due_at is None:
        assert due_date is not None
        due_at = datetime.combine(due_date, END_OF_DAY, tzinfo=zone(tz))
    local = due_at.astimezone(zone(tz))
    d.regime = None
    d.due_earliest_safe_date = d.due_latest_arguable_date = local.date()
    d.due_at = d.due_latest_arguable_at = due_at.astimezone(UTC)
    why = "Set by court order" if source == "court_order" else "Entered manually"
    d.trace = [{"date": local.date().isoformat(), "action": "due",
                "reason": f"{why}: due {local.isoformat()} ({tz})", "citation": ""}]
    d.computation_notes = []


def _same_result(d: Deadline, comp: Computation) -> bool:
    assert comp.due_at is not None
    latest = comp.due_at_latest_arguable or comp.due_at
    return (d.due_earliest_safe_date == comp.due_earliest_safe
            and d.due_latest_arguable_date == (comp.due_latest_arguable or comp.due_earliest_safe)
            and d.due_at == comp.due_at.astimezone(UTC) and d.due_latest_arguable_at == latest.astimezone(UTC))


def open_proposal(session: Session, d: Deadline) -> Deadline | None:
    stmt = select(Deadline).where(Deadline.organization_id == d.organization_id, Deadline.supersedes_id == d.id,
                                  col(Deadline.proposed).is_(True),
                                  Deadline.status == DeadlineStatus.open.value)
    return session.exec(stmt.limit(1)).first()


def _new_proposal(ctx: AuditActor, d: Deadline, now: datetime) -> Deadline:
    return Deadline(
        organization_id=d.organization_id, client_id=d.client_id, proceeding_id=d.proceeding_id, title=d.title,
        notes=d.notes, trigger_event_id=d.trigger_event_id, trigger_kind=d.trigger_kind, owner_id=d.owner_id,
        source=d.source, status=DeadlineStatus.open.value, proposed=True, supersedes_id=d.id,
        due_earliest_safe_date=d.due_earliest_safe_date, due_latest_arguable_date=d.due_latest_arguable_date,
        due_at=d.due_at, due_latest_arguable_at=d.due_latest_arguable_at, created_by=ctx.user_id,
        created_at=now, updated_at=now,
    )


def recompute(ctx: AuditActor, session: Session, d: Deadline, inp: Inputs, now: datetime,
              summary: dict[str, list[uuid.UUID]], *, spec: RuleSpec | None = None) -> None:
    """Recompute one deadline with new inputs: in place, or as a proposal when an attorney confirmed it."""
    if d.status not in RECOMPUTABLE or d.superseded_by_id is not None or d.proposed:
        summary["untouched"].append(d.id)
        return
    spec = spec or resolve_rule(session, d.organization_id, inp.rule_id)
    comp = run(spec, inp)
    if d.confirmed_at is not None:
        proposal = open_proposal(session, d)
        if _same_result(d, comp):
            if proposal is not None:  # the inputs went back to what was confirmed: withdraw the proposal
                claim_version(session, proposal, proposal.version)
                proposal.status, proposal.updated_at = DeadlineStatus.moot.value, now
                audit.record(session, ctx, "deadline.proposal_withdrawn", "deadline", proposal.id,
                             {"supersedes_id": str(d.id)})
                summary["withdrawn"].append(proposal.id)
            else:
                summary["untouched"].append(d.id)
            return
        if proposal is None:
            proposal = _new_proposal(ctx, d, now)
            session.add(proposal)
            action = "deadline.proposed"
        else:
            claim_version(session, proposal, proposal.version)
            action = "deadline.proposal_updated"
        set_inputs(proposal, inp)
        apply(proposal, spec, comp)
        proposal.updated_at = now
        session.flush()
        audit.record(session, ctx, action, "deadline", proposal.id,
                     {"supersedes_id": str(d.id), "rule": inp.rule_id})
        summary["proposed"].append(proposal.id)
        return
    claim_version(session, d, d.version)
    set_inputs(d, inp)
    apply(d, spec, comp)
    if d.status == DeadlineStatus.missed.value:
        d.status = DeadlineStatus.open.value  # the sweep decides again with the corrected date
    d.updated_at = now
    audit.record(session, ctx, "deadline.recomputed", "deadline", d.id, {"rule": inp.rule_id})
    summary["recomputed"].append(d.id)


def empty_summary() -> dict[str, list[uuid.UUID]]:
    return {"recomputed": [], "proposed": [], "withdrawn": [], "untouched": []}


def recompute_rule_deadlines(ctx: AuditActor, session: Session, spec: RuleSpec,
                             now: datetime) -> dict[str, list[uuid.UUID]]:
    """After an organization rule changed: recompute its open/missed deadlines (confirmed ones -> proposals)."""
    summary = empty_summary()
    stmt = select(Deadline).where(Deadline.organization_id == ctx.org_id, Deadline.rule_id == spec.id,
                                  col(Deadline.status).in_(RECOMPUTABLE),
                                  col(Deadline.proposed).is_(False),
                                  col(Deadline.superseded_by_id).is_(None))
    for d in list(session.exec(stmt).all()):
        recompute(ctx, session, d, inputs_of(d), now, summary, spec=spec)
    return summary


def with_trigger(inp: Inputs, *, trigger_date: date | None, trigger_at: datetime | None) -> Inputs:
    return replace(inp, trigger_date=trigger_date, trigger_at=trigger_at)
