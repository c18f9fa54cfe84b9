"""Build a `FilingRecord` (typed view models, never ORM objects) from the database at drafting time.

The court, division and respondents are decided once by the venue engine (app/filings/venue.py): a docketed
proceeding keeps its court (Ex parte Endo); a new filing takes the district of (last) confinement (Rumsfeld
v. Padilla); a removed client's case runs against the officials who can effect return. The decision, the
counts and prayers with the rule behind each (app/filings/pleading.py) and the facts drawn from the record
(flight, detention authority, length of detention) are stored with the filing in its snapshot. Dates are
the court's calendar dates (its courthouse time zone unless `options.timezone` says otherwise).

Every problem is reported at once: invalid options -> 422 ``invalid_filing_options``, missing record data ->
422 ``missing_filing_data`` with ``missing`` (and ``fix`` hints), a new filing whose proceeding names another
district -> 422 ``venue_conflict``, a document dated before what it reports -> 422 ``date_out_of_order``.
Non-fatal concerns (unverified rules or orders, a signer not admitted in the court) are `warnings`.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.auth import service as auth_service
from app.auth.permissions import Role
from app.clients import service as clients_service
from app.core.errors import ProblemError
from app.core.validation import check_text
from app.custody import facilities as facilities_service
from app.custody import service as custody_service
from app.custody.statuses import ABROAD_STATUSES, IN_US_CUSTODY_STATUSES
from app.filings import registry
from app.filings.districts import get_district
from app.filings.divisions import division_timezone
from app.filings.pleading import decide_pleading
from app.filings.record_views import (
    attorney_view,
    calendar_date,
    client_view,
    event_view,
    facility_view,
    proceeding_view,
    protection_view,
    removal_order_view,
)
from app.filings.venue import RECOGNISED_BASES, decide_venue, facts_of
from app.filings.viewmodels import (
    FilingRecord,
)
from app.protection import service as protection_service

if TYPE_CHECKING:
    from app.auth.models import UserAccount
    from app.custody.merged_facility import MergedFacility
    from app.custody.models import CustodyEvent

#: Option read by the API, not by templates: the attorney who signs when the caller is not one.
ATTORNEY_OPTION = "attorney_id"
MAX_EVENTS = 200  # FilingRecord.custody_events cap; the newest are kept



@dataclass(frozen=True)
class Drafter:
    """Who is drafting: decides the signing attorney when no `attorney_id` option is given."""

    org_id: uuid.UUID
    user_id: uuid.UUID | None
    role: str | None
    org_timezone: str = "America/New_York"


def _problem_missing(missing: list[str], invalid: list[str] | None = None) -> ProblemError:
    return ProblemError(422, "missing_filing_data",
                        "The record lacks data this filing needs; every missing field is listed.",
                        extra={"missing": missing, "invalid": invalid or []})


def _problem_invalid(invalid: list[str], missing: list[str] | None = None) -> ProblemError:
    return ProblemError(422, "invalid_filing_options", "Some options are not valid for this template.",
                        extra={"invalid": invalid, "missing": missing or []})


def unknown_template(key: str) -> ProblemError:
    return ProblemError(422, "unknown_template", "No filing template has that key.",
                        extra={"templates": sorted(registry.TEMPLATES)})


def check_template(key: str) -> None:
    if key not in registry.TEMPLATES:
        raise unknown_template(key)


def split_options(options: dict[str, Any]) -> tuple[dict[str, Any], object]:
    """(template options, raw attorney_id option)."""
    if not isinstance(options, dict):
        return options, None
    rest = {k: v for k, v in options.items() if k != ATTORNEY_OPTION}
    return rest, options.get(ATTORNEY_OPTION)


def _text_problem(value: str) -> str | None:
    if any("\ud800" <= c <= "\udfff" for c in value):
        return "contains an unpaired surrogate"
    try:
        check_text(value, multiline=True)
    except ValueError as exc:
        return str(exc)
    return None


def clean_options(options: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Options with every string NFC-normalized, and the options whose text is refused: control,
    zero-width and bidirectional-override characters (docs/design.md#strings-and-text-hygiene) never reach a court
    filing."""
    if not isinstance(options, dict):
        return options, []
    out: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in options.items():
        texts = [value] if isinstance(value, str) else (
            [v for v in value if isinstance(v, str)] if isinstance(value, list) else [])
        why = next((p for p in (_text_problem(t) for t in texts) if p), None)
        if why:
            problems.append(f"options.{name}: {why}")
            out[name] = value
        elif isinstance(value, str):
            out[name] = unicodedata.normalize("NFC", value)
        elif isinstance(value, list):
            out[name] = [unicodedata.normalize("NFC", v) if isinstance(v, str) else v for v in value]
        else:
            out[name] = value
    return out, problems




# --- view models ---------------------------------------------------------------------------------


# --- lookups -------------------------------------------------------------------------------------

def resolve_attorney(session: Session, caller: Drafter,
                     attorney_id: object) -> tuple[UserAccount | None, list[str]]:
    """(signing attorney row or None, invalid-option messages). An explicit `attorney_id` wins; else the
    caller signs when the caller is an attorney."""
    if attorney_id is not None:
        try:
            wanted = uuid.UUID(str(attorney_id))
        except ValueError:
            return None, [f"options.{ATTORNEY_OPTION}: must be a user id"]
        try:
            user = auth_service.get_user(session, caller.org_id, wanted)
        except ProblemError:
            user = None
        if user is None or user.role != Role.attorney or not user.is_active:
            return None, [f"options.{ATTORNEY_OPTION}: not an active attorney of this organization"]
        return user, []
    if caller.role == Role.attorney and caller.user_id is not None:
        return auth_service.get_user(session, caller.org_id, caller.user_id), []
    return None, []


@dataclass(frozen=True)
class _Record:
    current: MergedFacility | None  # facility where the client is held now, as the organization sees it
    last_us: MergedFacility | None  # last U.S. facility of the current custody (removed / in transit)
    events: list[CustodyEvent]  # custody events up to the drafting instant, newest first
    facilities: dict[uuid.UUID, MergedFacility]
    removed: bool
    status: str | None


def _custody_record(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, at: datetime) -> _Record:
    loc = custody_service.location_at(session, org_id, client_id, at=at)
    status = loc.event.status if loc.event is not None else None
    removed = status in ABROAD_STATUSES
    held = loc.facility if loc.event is not None and (status in IN_US_CUSTODY_STATUSES or removed) else None
    # As the organization sees it: its overlay (custodian, phone) over the shared row.
    current = facilities_service.merge(session, org_id, held) if held is not None else None
    events, _ = custody_service.list_events(session, org_id, client_id, limit=MAX_EVENTS, offset=0,
                                            include_retracted=False)
    events = [e for e in events if e.effective_at <= at]  # newest first
    facilities = dict(facilities_service.merged_by_id(
        session, org_id, {e.facility_id for e in events if e.facility_id}))
    last_us = None
    # Removed: venue is the last U.S. facility the client was held at. In transit with no facility on record:
    # the facility the transfer started from, provided custody was continuous since (a release in between
    # means that facility belongs to an earlier detention).
    if removed or (status == "in_transit" and current is None):
        for e in events:  # newest first
            if e.status in ABROAD_STATUSES:
                continue
            if e.status not in IN_US_CUSTODY_STATUSES:
                if removed:
                    continue
                break
            fac = facilities.get(e.facility_id) if e.facility_id else None
            if fac is not None and (fac.country or "US").upper() == "US":
                last_us = fac
                break
    return _Record(current, last_us, events, facilities, removed, status)


def _current_detention(events: list[CustodyEvent]) -> list[CustodyEvent]:
    """The events of the present continuous U.S. custody, newest first (empty when not held)."""
    out: list[CustodyEvent] = []
    for e in events:  # newest first
        if e.status not in IN_US_CUSTODY_STATUSES:
            break
        out.append(e)
    return out


def _record_authority(events: list[CustodyEvent]) -> str | None:
    """The detention authority most recently recorded during the present (or, once removed, last) custody."""
    for e in events:
        if e.status in IN_US_CUSTODY_STATUSES and e.detention_authority:
            return str(e.detention_authority)
        if e.status not in IN_US_CUSTODY_STATUSES and e.status not in ABROAD_STATUSES:
            return None
    return None


def _resolve_timezone(opt: Any, court_id: str | None, org_tz: str,
                      division: str | None = None) -> tuple[str, list[str]]:
    """The zone documents are dated in: `options.timezone`, else the court's courthouse zone (the division's
    when it keeps another zone, e.g. W.D. Tex., El Paso Division: Mountain), else the org's."""
    if opt is not None:
        try:
            ZoneInfo(str(opt))
            return str(opt), []
        except Exception:  # noqa: BLE001 - any lookup failure is an invalid option
            return org_tz, ["options.timezone: not an IANA time zone name (e.g. America/Chicago)"]
    by_division = division_timezone(court_id, division)
    if by_division is not None:
        return by_division, []
    district = get_district(court_id)
    return ((district.timezone or org_tz) if district is not None else org_tz), []


def _warn(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def collect_warnings(ctx: FilingRecord, orders: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Non-fatal concerns the drafter must read before filing. Messages name no person."""
    warnings: list[dict[str, str]] = []
    venue = ctx.venue
    court = get_district(venue.court_id) if venue is not None else None
    if venue is not None and venue.basis:
        warnings.append(_warn("venue_basis_pleaded",
                              f"The caption follows the proceeding's court for the stated reason "
                              f"'{venue.basis}', not the district of confinement; the venue section must "
                              "explain why."))
    unverified = sorted({i.source for i in ctx.pleading if i.included and not i.verified and i.source})
    if unverified:
        warnings.append(_warn("unverified_rule",
                              "This filing relies on circuit or Supreme Court rules not yet verified by an "
                              "attorney: " + "; ".join(unverified)))
    for o in orders:
        if not o.get("verified"):
            warnings.append(_warn("unverified_protection_order",
                                  f"A protection order ({o.get('type')}) pleaded in this filing has not been "
                                  "verified against the order itself."))
    if ctx.attorney is not None and venue is not None and court is not None \
            and ctx.attorney.admission_in(venue.court_id) is None:
        warnings.append(_warn("signer_not_admitted",
                              f"The signing attorney has no active admission recorded in the {court.name}."))
    opt_auth = ctx.options.get("detention_authority")
    if opt_auth and opt_auth != "unknown" and ctx.detention_authority and \
            ctx.detention_authority.replace("aea_50usc21", "aea") != opt_auth:
        warnings.append(_warn("detention_authority_differs",
                              "options.detention_authority differs from the authority recorded on the custody "
                              "events; the option was used."))
    return warnings


def _reported_dates(ctx: FilingRecord, opts: dict[str, Any]) -> list[tuple[str, date]]:
    """(what, date) of every event this document reports, in the document's time zone."""
    out: list[tuple[str, date]] = [("custody_events", e.effective_date) for e in ctx.custody_events]
    out += [("protection_orders", p.issued_date) for p in ctx.protection_orders if p.issued_date]
    out += [("custody_events.flight", e.flight.departed_date) for e in ctx.custody_events
            if e.flight is not None and e.flight.departed_date]
    for name in ("completed_on", "service_date", "notice_date", "custody_start_date"):
        value = opts.get(name)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                value = None
        if isinstance(value, date):
            out.append((f"options.{name}", value))
    return out


def check_date_order(ctx: FilingRecord) -> None:
    """422 ``date_out_of_order`` when the document is dated before an event it reports."""
    late = [(what, d) for what, d in _reported_dates(ctx, ctx.options) if d > ctx.today]
    if late:
        what, latest = max(late, key=lambda x: x[1])
        raise ProblemError(422, "date_out_of_order",
                           "The document would be dated before an event it reports; date it on or after that "
                           "event (options.document_date) or correct the record.",
                           extra={"document_date": ctx.today.isoformat(), "latest_event_date": latest.isoformat(),
                                  "fields": sorted({w for w, _ in late})})


CUSTODIAN_FIX = ("Add a respondent with role 'immediate_custodian' (name and title) to the proceeding "
                 "(PATCH /proceedings/{id}), or set the facility's custodian for your organization "
                 "(PATCH /facilities/{id}).")


@dataclass(frozen=True)
class Draft:
    """What a render needs, who signs it, and what the drafter must read."""

    context: FilingRecord
    attorney_id: uuid.UUID | None
    proceeding_id: uuid.UUID | None
    warnings: tuple[dict[str, str], ...] = ()


def build_record(session: Session, caller: Drafter, client_id: uuid.UUID, template: str,
                  proceeding_id: uuid.UUID | None, options: dict[str, Any], now: datetime) -> Draft:
    """The context of one filing, or a ProblemError (404 client/proceeding, 422 options/missing data/venue)."""
    check_template(template)
    client = clients_service.get_client(session, caller.org_id, client_id)
    proc = None
    if proceeding_id is not None:
        proc = clients_service.get_proceeding(session, caller.org_id, proceeding_id)
        if proc.client_id != client.id:
            raise ProblemError(404, "proceeding_not_found", "No such proceeding.")
    template_options, attorney_id = split_options(options)
    template_options, invalid = clean_options(template_options)
    invalid += registry.invalid_options(template, template_options)
    signer, attorney_problems = resolve_attorney(session, caller, attorney_id)
    invalid += attorney_problems
    opts = template_options if isinstance(template_options, dict) else {}

    record = _custody_record(session, caller.org_id, client.id, now)
    current_view = facility_view(record.current) if record.current is not None else None
    last_view = facility_view(record.last_us) if record.last_us is not None else None
    proc_view = proceeding_view(proc) if proc is not None else None
    # Venue first: the court decides the time zone every date of the document is in.
    probe = FilingRecord(
        client=client_view(client, current_view, now.date()), last_us_facility=last_view,
        proceeding=proc_view, options=opts, today=now.date(), removed=record.removed)
    outcome = decide_venue(facts_of(probe))
    tz, tz_problems = _resolve_timezone(opts.get("timezone"), outcome.venue.court_id if outcome.venue else None,
                                        caller.org_timezone, outcome.venue.division if outcome.venue else None)
    invalid += tz_problems
    document_date = opts.get("document_date")
    try:
        today = date.fromisoformat(document_date) if isinstance(document_date, str) else calendar_date(now, tz)
    except ValueError:
        today = calendar_date(now, tz)  # reported by invalid_options

    facilities = record.facilities
    views = [event_view(e, facilities.get(e.facility_id) if e.facility_id else None, tz) for e in record.events]
    detention = _current_detention(record.events)
    days = (today - calendar_date(detention[-1].effective_at, tz)).days if detention else None
    transit = next((v for v in views if v.flight is not None), None) if record.status == "in_transit" else None
    orders = protection_service.active_protections_for_client(session, caller.org_id, client.id, now)
    ctx = FilingRecord(
        client=client_view(client, current_view, today),
        last_us_facility=last_view,
        protection_orders=[protection_view(o, tz) for o in orders][:50],
        custody_events=views,
        proceeding=proc_view,
        attorney=attorney_view(signer) if signer is not None else None,
        options=opts,
        today=today,
        removed=record.removed,
        venue=outcome.venue,
        detention_authority=_record_authority(record.events),
        detention_days=max(days, 0) if days is not None else None,
        flight=transit.flight if transit is not None else None,
        removal_order=removal_order_view(session, caller.org_id, orders),
        timezone=tz,
    )
    missing = registry.missing_fields(template, ctx)
    if ctx.client.name.needs_latin and not ctx.client.name.name_latin:
        # A caption in English needs the name in Latin letters, as a person entered it (no transliteration).
        missing.append("client.name_latin")
    if signer is None and attorney_id is None:
        # The caller is not an attorney: name what to send instead of the bare record field.
        missing = [f"options.{ATTORNEY_OPTION}" if m == "attorney" else m for m in missing]
    if invalid:
        raise _problem_invalid(invalid, missing)
    if outcome.conflict is not None:
        derived, named = outcome.conflict
        raise ProblemError(
            422, "venue_conflict",
            f"The proceeding names the {_district_name(named)}, but this filing's venue is the "
            f"{_district_name(derived)} ({_rule_name(probe)}). File there, correct the proceeding, or give "
            f"options.venue_basis (one of: {', '.join(RECOGNISED_BASES)}).",
            extra={"venue_district": derived, "proceeding_district": named,
                   "districts": [derived, named], "venue_bases": list(RECOGNISED_BASES)})
    if missing:
        problem = _problem_missing(missing)
        fix = {}
        if "facility.custodian_name" in missing:
            fix["facility.custodian_name"] = CUSTODIAN_FIX
        if "proceeding.respondents" in missing:
            fix["proceeding.respondents"] = ("A docketed case keeps its respondents: record them on the proceeding "
                                             "(PATCH /proceedings/{id}) as docketed.")
        if fix:
            problem.extra["fix"] = fix
            problem.detail = problem.detail + " " + " ".join(fix.values())
        raise problem
    check_date_order(ctx)
    ctx = ctx.model_copy(update={"pleading": decide_pleading(ctx)})
    warnings = collect_warnings(ctx, orders)
    return Draft(context=ctx, attorney_id=signer.id if signer is not None else None,
                 proceeding_id=proc.id if proc is not None else None, warnings=tuple(warnings))


def _district_name(court_id: str) -> str:
    district = get_district(court_id)
    return district.name if district is not None else court_id


def _rule_name(ctx: FilingRecord) -> str:
    if ctx.removed:
        return "district of last U.S. confinement of a removed client"
    if ctx.client.current_facility is not None:
        return "district of confinement, Rumsfeld v. Padilla"
    return "district of last U.S. confinement while in transit"
