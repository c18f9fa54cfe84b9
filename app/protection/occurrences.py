"""Compliance-obligation occurrences: RRULE expansion in wall-clock time, idempotent materialization,
filings (on time / late by N minutes / non-responsive) and ``not_filed`` marking
(docs/domain/protection.md#court-ordered-compliance, docs/domain/abrego-garcia.md#timeline).

Wall-clock semantics: the rule is expanded in the obligation's IANA zone with DTSTART = first_due_at in that
zone, then each instance is converted to UTC, so "daily by 5:00 PM ET" stays 17:00 Eastern across DST
(21:00Z in summer, 22:00Z in winter).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil.rrule import rrule, rrulestr
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import not_found, unprocessable
from app.core.types import affected, table_of
from app.protection import alerts as alerts_mod
from app.protection.models import (
    Alert,
    AlertKind,
    ComplianceObligation,
    ObligationFiling,
    ObligationOccurrence,
    OccurrenceStatus,
    Severity,
)
from app.protection.schemas import ObligationFilingCreate

HORIZON = timedelta(days=14)  # occurrences exist up to now + 14 days
HORIZON_SLACK = timedelta(days=1)  # a read regenerates only when the horizon fell a day behind
MAX_UNTIL = timedelta(days=400)  # `?until=` may reach this far past now
MAX_PER_RUN = 2000
# Occurrences that were already past due when the order was recorded are history being typed in: they are
# marked not_filed, but only those due at most this long before recording raise an alert.
MISSED_ALERT_LOOKBACK = timedelta(days=7)
FILING_CLOCK_SKEW = timedelta(minutes=5)
_FORBIDDEN_FREQ = {"SECONDLY", "MINUTELY"}


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError for path-like keys, ...
        raise unprocessable("invalid_timezone", "Use an IANA time zone such as America/New_York.") from None


def parse_rule(recurrence: str, dtstart_local: datetime) -> rrule:
    """One RFC 5545 RRULE (optionally prefixed ``RRULE:``); 422 ``invalid_rrule`` otherwise."""
    text = recurrence.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    bad = unprocessable("invalid_rrule", "recurrence must be one RFC 5545 RRULE, e.g. FREQ=DAILY "
                        "(UNTIL in UTC with a trailing Z; no DTSTART; at most hourly).")
    if not text or ":" in text or "\n" in text:
        raise bad
    parts = {}
    for piece in text.upper().split(";"):
        key, sep, value = piece.partition("=")
        if not sep:
            raise bad
        parts[key] = value
    if parts.get("FREQ") in _FORBIDDEN_FREQ:
        raise bad
    try:
        rule = rrulestr(text, dtstart=dtstart_local)
    except (ValueError, TypeError, OverflowError):
        raise bad from None
    if not isinstance(rule, rrule):
        raise bad
    return rule


def validate_schedule(first_due_at: datetime, timezone: str, recurrence: str | None) -> str | None:
    """Check zone and rule; return the rule text as stored (prefix stripped, upper case)."""
    tz = zone(timezone)
    if recurrence is None:
        return None
    parse_rule(recurrence, first_due_at.astimezone(tz))
    text = recurrence.strip()
    return (text[6:] if text.upper().startswith("RRULE:") else text).upper()


def expand(first_due_at: datetime, timezone: str, recurrence: str | None, *, after: datetime | None,
           until: datetime, limit: int = MAX_PER_RUN) -> list[datetime]:
    """Due instants (UTC) in ``(after, until]``, first_due_at always included, at most ``limit``."""
    tz = zone(timezone)
    out: list[datetime] = []
    if (after is None or first_due_at > after) and first_due_at <= until:
        out.append(first_due_at.astimezone(UTC))
    if recurrence is not None:
        start_local = first_due_at.astimezone(tz)
        rule = parse_rule(recurrence, start_local)
        lower = after.astimezone(tz) if after is not None and after > first_due_at else start_local
        it: Iterator[datetime] = rule.xafter(lower, inc=False)
        for dt in it:
            if dt > until or len(out) >= limit:
                break
            out.append(dt.astimezone(UTC))
    return sorted(set(out))[:limit]


def _insert_ignore(session: Session, rows: list[dict[str, Any]]) -> None:
    table = table_of(ObligationOccurrence)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(insert(table).values(rows).on_conflict_do_nothing(index_elements=["obligation_id", "due_at"]))


def materialize(session: Session, ob: ComplianceObligation, up_to: datetime, now: datetime) -> int:
    """Create the occurrences due up to ``up_to`` that do not exist yet (idempotent, race-safe). No commit."""
    if ob.paused_by_order_id is not None:
        return 0
    hi = min(up_to, ob.ended_at) if ob.ended_at is not None else up_to
    lo = ob.generated_until
    if lo is not None and lo >= hi:
        return 0
    instants = expand(ob.first_due_at, ob.timezone, ob.recurrence, after=lo, until=hi)
    if instants:
        _insert_ignore(session, [
            {"id": uuid.uuid4(), "organization_id": ob.organization_id, "obligation_id": ob.id,
             "client_id": ob.client_id, "due_at": due, "status": OccurrenceStatus.due, "minutes_late": None,
             "filed_at": None, "created_at": now, "updated_at": now}
            for due in instants])
    cursor = instants[-1] if len(instants) >= MAX_PER_RUN else hi
    table = table_of(ComplianceObligation)
    session.execute(sa.update(table).where(
        table.c.id == ob.id, sa.or_(table.c.generated_until.is_(None), table.c.generated_until < cursor))
        .values(generated_until=cursor))
    session.expire(ob, ["generated_until"])
    return len(instants)


def horizon(now: datetime, until: datetime | None) -> datetime:
    if until is not None and until > now + MAX_UNTIL:
        raise unprocessable("until_too_far", "until may be at most 400 days from now.")
    return max(now + HORIZON, until) if until is not None else now + HORIZON


def needs_refresh(session: Session, ob: ComplianceObligation, target: datetime, now: datetime) -> bool:
    """Would listing have to generate occurrences or mark some not_filed? (Only then does a read write.)"""
    if ob.paused_by_order_id is None:
        hi = min(target, ob.ended_at) if ob.ended_at is not None else target
        slack = HORIZON_SLACK if target <= now + HORIZON else timedelta(0)
        if ob.generated_until is None or ob.generated_until < hi - slack:
            return True
    stmt = select(ObligationOccurrence.id).where(ObligationOccurrence.obligation_id == ob.id,
                                                 ObligationOccurrence.status == OccurrenceStatus.due,
                                                 ObligationOccurrence.due_at < now)
    return session.exec(stmt.limit(1)).first() is not None


def mark_missed(actor: AuditActor, session: Session, org_id: uuid.UUID, now: datetime,
                obligation_id: uuid.UUID | None = None) -> tuple[int, list[Alert]]:
    """Past-due occurrences without a filing become ``not_filed`` and raise ``obligation_missed``. No commit."""
    stmt = select(ObligationOccurrence).where(ObligationOccurrence.organization_id == org_id,
                                              ObligationOccurrence.status == OccurrenceStatus.due,
                                              ObligationOccurrence.due_at < now)
    if obligation_id is not None:
        stmt = stmt.where(ObligationOccurrence.obligation_id == obligation_id)
    table = table_of(ObligationOccurrence)
    marked = 0
    raised: list[Alert] = []
    for occ in session.exec(stmt.order_by(col(ObligationOccurrence.due_at))).all():
        result = session.execute(sa.update(table).where(table.c.id == occ.id, table.c.status == OccurrenceStatus.due)
                                 .values(status=OccurrenceStatus.not_filed, updated_at=now))
        if affected(result) != 1:
            continue  # a filing was recorded meanwhile
        marked += 1
        session.expire(occ)
        ob = session.get(ComplianceObligation, occ.obligation_id)
        if ob is None or occ.due_at < ob.created_at - MISSED_ALERT_LOOKBACK:
            continue
        alert = alerts_mod.raise_alert(
            actor, session, org_id=org_id, client_id=occ.client_id, kind=AlertKind.obligation_missed,
            severity=Severity.high, dedupe_key=f"obligation_missed:{occ.id}", trigger_type="obligation_occurrence",
            trigger_id=occ.id, details={"obligation_id": str(ob.id), "court_order_id": str(ob.court_order_id),
                                        "obligated_party": ob.obligated_party, "due_at": occ.due_at.isoformat()},
            now=now, reopen_after_ack=False)
        if alert is not None:
            raised.append(alert)
    return marked, raised


def drop_unanswered_after(session: Session, ob: ComplianceObligation, instant: datetime) -> None:
    """Occurrences after a pause/end that nobody answered were never owed: remove them. No commit."""
    table = table_of(ObligationOccurrence)
    session.execute(sa.delete(table).where(table.c.obligation_id == ob.id, table.c.due_at > instant,
                                           table.c.status == OccurrenceStatus.due))


# --- filings --------------------------------------------------------------------------------------------------


def get_occurrence(session: Session, org_id: uuid.UUID, occurrence_id: uuid.UUID) -> ObligationOccurrence:
    occ = session.get(ObligationOccurrence, occurrence_id)
    if occ is None or occ.organization_id != org_id:
        raise not_found("occurrence_not_found", "No such occurrence.")
    client = session.get(Client, occ.client_id)
    if client is None or client.deleted_at is not None:
        raise not_found("occurrence_not_found", "No such occurrence.")
    return occ


def filings_of(session: Session, occurrence_id: uuid.UUID) -> list[ObligationFiling]:
    stmt = select(ObligationFiling).where(ObligationFiling.occurrence_id == occurrence_id).order_by(
        col(ObligationFiling.filed_at), col(ObligationFiling.id))
    return list(session.exec(stmt).all())


def minutes_late(due_at: datetime, filed_at: datetime) -> int:
    """Whole minutes after the deadline, rounded up (18:10 for 17:00 is 70; 17:00:01 is 1)."""
    return max(0, math.ceil((filed_at - due_at).total_seconds() / 60))


def assess(due_at: datetime, required: list[str], filings: list[ObligationFiling]) -> tuple[str, int, datetime]:
    """(status, minutes_late, decisive filing time): responsive once every required element is answered,
    timed by the filing that completed the answer; otherwise non-responsive, timed by the first filing."""
    answered: set[str] = set()
    for f in filings:
        answered.update(f.answered_elements or [])
        if set(required) <= answered:
            late = minutes_late(due_at, f.filed_at)
            return (OccurrenceStatus.filed_late if late > 0 else OccurrenceStatus.filed_on_time), late, f.filed_at
    first = filings[0].filed_at
    return OccurrenceStatus.non_responsive, minutes_late(due_at, first), first


def record_filing(ctx: AuditActor, session: Session, occ: ObligationOccurrence, body: ObligationFilingCreate,
                  now: datetime) -> tuple[ObligationOccurrence, ComplianceObligation, list[ObligationFiling]]:
    """Record a docket entry answering an occurrence and re-assess it. Commits."""
    ob = session.get(ComplianceObligation, occ.obligation_id)
    assert ob is not None  # noqa: S101 - foreign key
    if ob.required_elements:
        unknown = [e for e in body.answered_elements if e not in ob.required_elements]
        if unknown:
            raise unprocessable("unknown_element", "answered_elements must be taken from the obligation's "
                                "required_elements.")
    if body.filed_at > now + FILING_CLOCK_SKEW:
        raise unprocessable("filed_in_future", "filed_at is in the future.")
    # Lock the occurrence (PostgreSQL) so two filings recorded at once assess against each other.
    session.exec(select(ObligationOccurrence).where(ObligationOccurrence.id == occ.id).with_for_update()).one()
    session.add(ObligationFiling(organization_id=occ.organization_id, occurrence_id=occ.id, filed_at=body.filed_at,
                                 docket_entry=body.docket_entry, answered_elements=list(body.answered_elements),
                                 recorded_by=ctx.user_id, created_at=now))
    session.flush()
    filings = filings_of(session, occ.id)
    status, late, decisive = assess(occ.due_at, list(ob.required_elements), filings)
    occ.status, occ.minutes_late, occ.filed_at, occ.updated_at = status, late, decisive, now
    session.add(occ)
    audit.record(session, ctx, "obligation_filing.recorded", "obligation_occurrence", occ.id,
                 {"obligation_id": str(ob.id), "status": status, "minutes_late": late})
    session.commit()
    return occ, ob, filings


def occurrences_stmt(org_id: uuid.UUID, obligation_id: uuid.UUID, *, since: datetime | None,
                     until: datetime | None, status: str | None) -> SelectOfScalar[ObligationOccurrence]:
    stmt = select(ObligationOccurrence).where(ObligationOccurrence.organization_id == org_id,
                                              ObligationOccurrence.obligation_id == obligation_id)
    if since is not None:
        stmt = stmt.where(ObligationOccurrence.due_at >= since)
    if until is not None:
        stmt = stmt.where(ObligationOccurrence.due_at <= until)
    if status is not None:
        stmt = stmt.where(ObligationOccurrence.status == status)
    return stmt
