"""The family-facing, redacted status view (visibility matrix: docs/domain/family-view.md#visibility-by-default;
what families need: docs/domain/family-view.md#what-families-need-most).

Built field by field from an allow-list — never by copying a record and deleting keys — so a new
column on a client, custody event, facility or proceeding cannot reach a family by accident.
Only custody events the legal team marked ``family_visible`` are used (the latest one). Every read,
list or detail, writes a ``portal.viewed`` audit row in the same transaction as the read; a refused
detail read writes ``portal.denied``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.auth.models import Organization, UserAccount
from app.auth.orgtime import org_zone
from app.auth.permissions import Role
from app.clients import service as clients_service
from app.clients.anumber import InvalidANumber, mask_a_number
from app.clients.models import Client, Proceeding
from app.core import audit
from app.core.errors import ProblemError, not_found
from app.core.pagination import paginate
from app.core.types import utcnow
from app.core_data.districts import district_court_name, district_timezone, is_valid_district
from app.custody import service as custody_service
from app.custody.models import Facility
from app.deadlines import service as deadlines_service
from app.portal.label_text import STRINGS
from app.portal.labels import format_date, format_datetime, is_feminine, normalize_lang, status_label, t
from app.portal.models import LiaisonGrant, LiaisonScope
from app.portal.schemas import (
    Lang,
    PortalAttorney,
    PortalClientSummary,
    PortalClientView,
    PortalCustodyStatus,
    PortalFiling,
    PortalHearing,
    PortalLocation,
)
from app.portal.service import PORTAL_DENIED, PORTAL_VIEWED, active_grant_filter

_OPEN_DEADLINE_STATUSES = {None, "open", "extended"}


def _granted_client_ids(org_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> Any:
    return select(LiaisonGrant.client_id).where(
        LiaisonGrant.organization_id == org_id, LiaisonGrant.liaison_user_id == user_id, active_grant_filter(now)
    )


def list_clients(ctx: audit.AuditActor, session: Session, *, limit: int,
                 offset: int) -> tuple[list[PortalClientSummary], int]:
    """Clients the caller holds an active grant for (audited: one row per listed client)."""
    now = utcnow()
    stmt = select(Client).where(
        Client.organization_id == ctx.org_id, col(Client.deleted_at).is_(None),
        col(Client.id).in_(_granted_client_ids(ctx.org_id, ctx.user_id, now)),  # type: ignore[arg-type]
    )
    rows, total = paginate(session, stmt,
                           col(Client.first_surname), col(Client.given_names), col(Client.id), limit=limit,
                           offset=offset)
    for c in rows:
        audit.record(session, ctx, PORTAL_VIEWED, "client", c.id, {"view": "list"})
    if not rows:
        audit.record(session, ctx, PORTAL_VIEWED, "portal", None, {"view": "list", "count": 0})
    session.commit()
    items = [PortalClientSummary(client_id=c.id, display_name=clients_service.display_name(c)) for c in rows]
    return items, total


def active_grant(session: Session, org_id: uuid.UUID, user_id: uuid.UUID, client_id: uuid.UUID,
                 now: datetime) -> tuple[LiaisonGrant, Client]:
    """The caller's active grant for a live client of their organization, or 404 ``client_not_found``."""
    stmt = (
        select(LiaisonGrant, Client)
        .join(Client, col(Client.id) == LiaisonGrant.client_id)
        .where(
            LiaisonGrant.organization_id == org_id, LiaisonGrant.liaison_user_id == user_id,
            LiaisonGrant.client_id == client_id, Client.organization_id == org_id,
            col(Client.deleted_at).is_(None),
            active_grant_filter(now),
        )
        .order_by(col(LiaisonGrant.created_at).desc(), col(LiaisonGrant.id).desc())
        .limit(1)
    )
    row = session.exec(stmt).first()
    if row is None:
        raise not_found("client_not_found", "No such client.")
    return row[0], row[1]


def client_view(ctx: audit.AuditActor, session: Session, user: UserAccount, client_id: uuid.UUID,
                lang: str | None) -> PortalClientView:
    """The redacted view of one granted client, in ``lang`` (default: the liaison's language). Audited."""
    return client_view_and_grant(ctx, session, user, client_id, lang)[0]


def client_view_and_grant(ctx: audit.AuditActor, session: Session, user: UserAccount, client_id: uuid.UUID,
                          lang: str | None) -> tuple[PortalClientView, LiaisonGrant]:
    """``client_view`` and the grant it was built under (the family page asks it what else it may offer)."""
    now = utcnow()
    try:
        grant, client = active_grant(session, ctx.org_id, ctx.user_id, client_id, now)  # type: ignore[arg-type]
    except ProblemError:
        # docs/security-model.md#logging-and-audit: a refused read is a security event (probing, or a liaison whose
        # consent ended).
        audit.record(session, ctx, PORTAL_DENIED, "client", client_id, {"view": "detail"})
        session.commit()
        raise
    language: Lang = normalize_lang(lang if lang is not None else user.preferred_language)
    org = session.get(Organization, ctx.org_id)
    org_tz = _zone(org.timezone if org is not None else None)
    scopes = set(grant.scopes or [])
    view = PortalClientView(
        client_id=client.id,
        display_name=clients_service.display_name(client),
        a_number_masked=_masked(client),
        lang=language,
        custody_status=None,
        location=None,
        next_hearing=None,
        next_filing=None,
        attorney=_attorney(session, grant),
    )
    if LiaisonScope.custody_status in scopes or LiaisonScope.location in scopes:
        event = custody_service.latest_event(session, ctx.org_id, client.id, now, family_visible_only=True)
        facility = _facility(session, ctx.org_id, event.facility_id if event is not None else None)
        show_place = LiaisonScope.location in scopes
        if LiaisonScope.custody_status in scopes:
            view.custody_status = _status(event, facility if show_place else None, show_place, language, org_tz,
                                          feminine=is_feminine(client.sex))
        if show_place:
            view.location = _location(facility)
    if LiaisonScope.hearings in scopes:
        view.next_hearing = _hearing(session, ctx.org_id, client.id, now, language, org_tz)
    if LiaisonScope.deadlines_generic in scopes:
        view.next_filing = _filing(session, ctx.org_id, client.id, now, language, org_tz)
    audit.record(session, ctx, PORTAL_VIEWED, "client", client.id,
                 {"view": "detail", "lang": language, "grant_id": str(grant.id)})
    session.commit()
    return view, grant


# --- sections ----------------------------------------------------------------------------------

def _zone(name: str | None) -> tzinfo:
    """The organization's zone (the default zone when it has none or one the tz database no longer knows)."""
    return org_zone(name)


def _masked(client: Client) -> str | None:
    if not client.a_number or client.a_number_sealed:
        return None
    try:
        return mask_a_number(client.a_number)
    except InvalidANumber:
        return None


def _facility(session: Session, org_id: uuid.UUID, facility_id: uuid.UUID | None) -> Facility | None:
    if facility_id is None:
        return None
    fac = session.get(Facility, facility_id)
    if fac is None or (fac.organization_id is not None and fac.organization_id != org_id):
        return None
    return fac


def _status(event: Any, facility: Facility | None, show_place: bool, lang: Lang,
            tz: tzinfo, *, feminine: bool = False) -> PortalCustodyStatus:
    """Label + last-confirmed time; names a facility or a country only with the ``location`` scope."""
    if event is None:
        return PortalCustodyStatus(label=None, last_confirmed_at=None, last_confirmed_text=None)
    try:
        label: str | None = status_label(
            event.status, lang,
            facility_name=facility.name if facility is not None else None,
            country_code=event.country if show_place else None, feminine=feminine,
        )
    except (ValueError, KeyError):  # a status value this release does not know: say nothing
        label = None
    # "Last confirmed" is when the shown fact held (effective_at), not when someone typed it in.
    when = event.effective_at
    certainty = f"certainty_{event.confidence}"
    return PortalCustodyStatus(
        label=label, last_confirmed_at=when,
        last_confirmed_text=t("last_confirmed_at", lang, datetime=format_datetime(when, lang, tz)),
        certainty_text=t(certainty, lang) if certainty in STRINGS else None,
    )


def _location(facility: Facility | None) -> PortalLocation:
    if facility is None:
        return PortalLocation(facility_name=None, address=None, city=None, state=None, zip=None, phone=None,
                              visitation_info=None)
    return PortalLocation(facility_name=facility.name, address=facility.address, city=facility.city,
                          state=facility.state, zip=facility.zip, phone=facility.phone,
                          visitation_info=facility.visitation_info)


def _hearing(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, now: datetime, lang: Lang,
             org_tz: tzinfo) -> PortalHearing:
    stmt = (
        select(Proceeding)
        .where(Proceeding.organization_id == org_id, Proceeding.client_id == client_id,
               col(Proceeding.next_hearing_at) > now,
               Proceeding.sealed == False)  # noqa: E712 - sealed proceedings never reach the portal
        .order_by(col(Proceeding.next_hearing_at), col(Proceeding.id))
        .limit(1)
    )
    proc = session.exec(stmt).first()
    if proc is None or proc.next_hearing_at is None:
        return PortalHearing(at=None, text=t("no_hearing_scheduled", lang), court=None)
    district = proc.federal_district if proc.federal_district and is_valid_district(proc.federal_district) else None
    tz: tzinfo = ZoneInfo(district_timezone(district)) if district else org_tz
    court = proc.court_name or (district_court_name(district) if district else None)
    return PortalHearing(at=proc.next_hearing_at, court=court,
                         text=t("next_hearing_at", lang, datetime=format_datetime(proc.next_hearing_at, lang, tz)))


def _as_date(value: Any, tz: tzinfo) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            if len(value) > 10:
                return _as_date(datetime.fromisoformat(value), tz)
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def next_filing_date(items: list[dict[str, Any]], today: date, tz: tzinfo) -> date | None:
    """Soonest open deadline date on or after ``today``: the conservative date when there is one."""
    dates = []
    for item in items or []:
        if not isinstance(item, dict) or item.get("status") not in _OPEN_DEADLINE_STATUSES:
            continue
        d = None
        for key in ("due_earliest_safe", "due_date", "due_at"):
            d = _as_date(item.get(key), tz)
            if d is not None:
                break
        if d is not None and d >= today:
            dates.append(d)
    return min(dates) if dates else None


def _filing(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, now: datetime, lang: Lang,
            tz: tzinfo) -> PortalFiling:
    items = deadlines_service.next_deadlines_for_client(session, org_id, client_id, limit=20)
    # Only our side's filings: a government clock (removal period, a return to the writ) is not
    # "a filing is due" for the family.
    items = [i for i in items if isinstance(i, dict) and i.get("obligated_party", "us") == "us"]
    due = next_filing_date(items, now.astimezone(tz).date(), tz)
    if due is None:
        return PortalFiling(due_date=None, text=t("no_deadlines", lang))
    return PortalFiling(due_date=due, text=t("filing_due", lang, date=format_date(due, lang)))


def _attorney(session: Session, grant: LiaisonGrant) -> PortalAttorney | None:
    """The grant's attorney, else the person who obtained consent if an attorney; active ones only."""
    for uid in (grant.attorney_id, grant.obtained_by):
        if uid is None:
            continue
        user = session.get(UserAccount, uid)
        if (user is not None and user.organization_id == grant.organization_id and user.is_active
                and user.role == Role.attorney):
            return PortalAttorney(name=user.full_name, phone=user.phone, email=user.email)
    return None
