"""The calendar feed (``GET /calendar/{feed_token}.ics``, RFC 5545): a staff user's open deadlines and the
organization's open compliance-filing occurrences, for Outlook / Google / Apple calendar subscriptions.

Which deadlines: those the user owns, plus the organization's *unowned* ones (an unowned deadline is the one
nobody watches, so every staff member's calendar shows it). Family liaisons have no feed (404).
What an event shows: the title, the client's display name, the due instant in the court's time zone and the
rule — never A-numbers, notes or anything else from the client record. Event UIDs are stable
(``deadline-<id>@dueprocess``); SEQUENCE is the row version so subscribed calendars pick up changes.
Each deadline carries two display alarms, 2 days and 2 hours before the due instant (``RELATED=END``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Alarm, Calendar, Event
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.auth.models import UserAccount
from app.auth.permissions import Role
from app.auth.service import user_for_calendar_token
from app.clients import service as clients_service
from app.clients.models import Client
from app.core.errors import not_found
from app.deadlines import recompute as rc
from app.deadlines.models import Deadline, DeadlineStatus
from app.protection.models import ComplianceObligation, ObligationOccurrence

LOOKBACK = timedelta(days=30)  # open deadlines overdue by up to this long stay visible
OCCURRENCE_LOOKBACK = timedelta(days=1)
MAX_EVENTS = 2000
EVENT_LENGTH = timedelta(hours=1)  # the event ends at the due instant (RFC 5545: DTEND after DTSTART)
ALARMS = (timedelta(days=2), timedelta(hours=2))
FEED_ROLES = frozenset({Role.admin.value, Role.attorney.value, Role.paralegal.value})
CONTENT_TYPE = "text/calendar; charset=utf-8"


def feed_owner(session: Session, raw_token: str) -> UserAccount:
    """The active staff user holding this feed token; 404 ``feed_not_found`` for anything else."""
    user = user_for_calendar_token(session, raw_token) if raw_token and len(raw_token) <= 128 else None
    if user is None or user.role not in FEED_ROLES:
        raise not_found("feed_not_found", "No such calendar feed.")
    return user


def _zone(name: str) -> ZoneInfo:
    try:
        return rc.zone(name)
    except Exception:  # noqa: BLE001 - a stored zone the system no longer knows: show the event in UTC
        return ZoneInfo("UTC")


def _alarm(before: timedelta, text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text[:200])
    alarm.add("trigger", -before, parameters={"RELATED": "END"})
    return alarm


def _event(uid: str, summary: str, due: datetime, tz: ZoneInfo, *, stamp: datetime, sequence: int,
           description: str, alarms: bool) -> Event:
    local = due.astimezone(tz)
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("last-modified", stamp)
    ev.add("sequence", sequence)
    ev.add("summary", summary[:250])
    ev.add("dtstart", local - EVENT_LENGTH)
    ev.add("dtend", local)
    ev.add("transp", "TRANSPARENT")
    ev.add("status", "CONFIRMED")
    ev.add("description", description)
    if alarms:
        for before in ALARMS:
            ev.add_component(_alarm(before, summary))
    return ev


def _deadline_rows(session: Session, user: UserAccount, now: datetime) -> list[tuple[Deadline, Client]]:
    stmt = (select(Deadline, Client).join(Client, col(Client.id) == Deadline.client_id)
            .where(Deadline.organization_id == user.organization_id,
                   Deadline.status == DeadlineStatus.open.value,
                   sa.or_(col(Deadline.owner_id) == user.id, col(Deadline.owner_id).is_(None)),
                   Deadline.due_at >= now - LOOKBACK,
                   col(Client.deleted_at).is_(None))
            .options(defer(Deadline.trace), defer(Deadline.notes))  # type: ignore[arg-type]
            .order_by(col(Deadline.due_at), col(Deadline.id)).limit(MAX_EVENTS))
    return [(d, c) for d, c in session.exec(stmt).all()]


def _deadline_event(d: Deadline, client: Client) -> Event:
    tz = _zone(d.court_timezone)
    flags = ("[Proposed] " if d.proposed else "") + ("[Jurisdictional] " if d.jurisdictional else "")
    summary = f"{flags}{d.title} — {clients_service.display_name(client)}"
    local = d.due_at.astimezone(tz)
    lines = [f"Due (earliest safe reading): {local:%A %d %B %Y, %H:%M} {local.tzname()} ({d.court_timezone})"]
    if d.due_latest_arguable_date != d.due_earliest_safe_date:
        lines.append(f"Latest arguable date: {d.due_latest_arguable_date:%A %d %B %Y} - do not rely on it.")
    if d.rule_id:
        lines.append(f"Rule: {d.rule_id}" + (f" ({d.regime})" if d.regime else ""))
    else:
        lines.append("Entered manually" if d.source == "manual" else "Set by court order")
    if d.jurisdictional:
        lines.append("Jurisdictional: no extension, no equitable tolling. File early.")
    if d.obligated_party != "us":
        lines.append(f"Clock of the {d.obligated_party} (tracking).")
    lines.append("Confirmed by an attorney." if d.confirmed_at else "Not confirmed by an attorney yet.")
    if d.proposed:
        lines.append("Proposed recomputation awaiting an attorney's review.")
    return _event(f"deadline-{d.id}@dueprocess", summary, d.due_at, tz, stamp=d.updated_at, sequence=d.version,
                  description="\n".join(lines), alarms=True)


def _occurrence_events(session: Session, org_id: uuid.UUID, now: datetime) -> list[tuple[datetime, Event]]:
    """Open compliance-filing occurrences of the organization (protection domain)."""
    occ, ob = ObligationOccurrence, ComplianceObligation
    stmt = (select(occ, ob, Client)
            .join(ob, col(ob.id) == occ.obligation_id)
            .join(Client, col(Client.id) == occ.client_id)
            .where(occ.organization_id == org_id, occ.status == "due", occ.due_at >= now - OCCURRENCE_LOOKBACK,
                   col(Client.deleted_at).is_(None))
            .order_by(col(occ.due_at), col(occ.id)).limit(MAX_EVENTS))
    out = []
    for o, obligation, client in session.exec(stmt).all():
        ours = obligation.obligated_party == "us"
        who = "Our filing due" if ours else "Government filing due"
        summary = f"{who}: {obligation.description[:120]} — {clients_service.display_name(client)}"
        tz = _zone(obligation.timezone)
        local = o.due_at.astimezone(tz)
        description = (f"Court-ordered compliance filing ({'our side' if ours else 'the government'}), due "
                       f"{local:%A %d %B %Y, %H:%M} {local.tzname()} ({obligation.timezone}).")
        out.append((o.due_at, _event(f"occurrence-{o.id}@dueprocess", summary, o.due_at, tz,
                                     stamp=o.updated_at, sequence=0, description=description, alarms=ours)))
    return out


def build_feed(session: Session, user: UserAccount, now: datetime) -> bytes:
    """The ICS document (VTIMEZONE for every court time zone used)."""
    cal = Calendar()
    cal.add("prodid", "-//Due Process//Deadlines//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Due Process deadlines")
    cal.add("x-published-ttl", "PT1H")
    events: list[tuple[datetime, Event]] = [(d.due_at, _deadline_event(d, c))
                                            for d, c in _deadline_rows(session, user, now)]
    events.extend(_occurrence_events(session, user.organization_id, now))
    events.sort(key=lambda pair: pair[0])
    for _, ev in events[:MAX_EVENTS]:
        cal.add_component(ev)
    if events:
        first = min(due for due, _ in events).date() - timedelta(days=400)
        last = max(due for due, _ in events).date() + timedelta(days=400)
        cal.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1))
    return bytes(cal.to_ical())


def feed_headers() -> dict[str, Any]:
    # The URL is a secret: never cached by intermediaries, never sent on as a referrer.
    return {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
            "Content-Disposition": 'inline; filename="dueprocess.ics"'}
