"""News reported by a family from the page (docs/family-page.md#reporting-news).

A report becomes a custody event through the same casework flow as a staff entry (``record_custody_event``), so it
raises alerts and escalation like any other event, with ``source_type: family_report`` and ``confidence:
reported``; it is not family-visible (the legal team decides what families see). Staff see it as an unconfirmed
report until someone appends an event that names it in ``confirms_event_id``. Only a grant with the
``report_news`` scope allows it.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from pydantic import ValidationError

from app.auth.models import Organization
from app.auth.orgtime import org_zone
from app.casework.custody_events import record_custody_event
from app.core.types import utcnow
from app.core_data.countries import COUNTRY_CODES, country_name
from app.custody.schemas import CustodyEventCreate
from app.custody.statuses import Confidence, CustodyStatus, SourceType
from app.family.sessions import FamilyCtx
from app.portal.models import LiaisonScope
from app.portal.view import active_grant

# What a family can tell us, and the custody status it means. A family rarely knows the custodian or the kind of
# release, so each choice maps to the least specific status that is still true.
WHAT: dict[str, CustodyStatus] = {
    "arrested": CustodyStatus.ARRESTED_UNLOCATED,
    "moved": CustodyStatus.IN_TRANSIT,
    "detained_at": CustodyStatus.DETAINED_ICE,
    "released": CustodyStatus.NOT_DETAINED,
}
MAX_PLACE = 500
MAX_DETAILS = 1000


class ReportRefused(Exception):
    """``key``: the text (texts.py) to show on the form; ``status`` the HTTP status of the answer."""

    def __init__(self, key: str, status: int = 422) -> None:
        super().__init__(key)
        self.key = key
        self.status = status


@dataclass
class ReportForm:
    what: str
    when: str
    place: str
    details: str
    country: str = ""  # where a transfer is headed, when the family knows (a removal flight)


def country_options(lang: str) -> list[tuple[str, str]]:
    """(code, name) of every country but the United States, sorted by name in ``lang``."""
    names = [(code, country_name(code, lang)) for code in COUNTRY_CODES if code != "US"]
    return sorted(names, key=lambda item: unicodedata.normalize("NFKD", item[1]).casefold())


def may_report(fctx: FamilyCtx, client_id: uuid.UUID) -> bool:
    """True when the caller's active grant for this client carries ``report_news`` (404 if there is none)."""
    grant, _ = active_grant(fctx.session, fctx.user.organization_id, fctx.user.id, client_id, utcnow())
    return LiaisonScope.report_news.value in (grant.scopes or [])


def _effective_at(when: str, tz: tzinfo, now: datetime) -> datetime:
    """Today (or no date) means now; an earlier day means noon of that day in the organization's zone (the family
    gives a day, not an hour)."""
    if not when:
        return now
    try:
        day = date.fromisoformat(when)
    except ValueError:
        raise ReportRefused("report_bad_date") from None
    today = now.astimezone(tz).date()
    if day > today:
        raise ReportRefused("report_bad_date")
    if day == today:
        return now
    return datetime.combine(day, time(12, 0), tzinfo=tz)


def record_report(fctx: FamilyCtx, client_id: uuid.UUID, form: ReportForm) -> uuid.UUID:
    """Record the family's news as a custody event (alerts included, one commit); returns the event id."""
    if not may_report(fctx, client_id):
        raise ReportRefused("report_not_allowed", 403)
    status = WHAT.get(form.what)
    if status is None:
        raise ReportRefused("report_need_what")
    place = form.place.strip()
    details = form.details.strip()
    if len(place) > MAX_PLACE or len(details) > MAX_DETAILS:
        raise ReportRefused("too_long")
    if status == CustodyStatus.DETAINED_ICE and not place:
        raise ReportRefused("report_need_place")
    country = form.country.strip().upper() or None
    if country is not None and (status != CustodyStatus.IN_TRANSIT or country not in COUNTRY_CODES):
        raise ReportRefused("report_bad_country")
    org = fctx.session.get(Organization, fctx.user.organization_id)
    tz = org_zone(org.timezone if org is not None else None)
    now = utcnow()
    try:
        body = CustodyEventCreate(
            status=status, effective_at=_effective_at(form.when, tz, now), reported_at=now,
            location_text=place or None, country=country, source_type=SourceType.FAMILY_REPORT,
            source_detail=details or None, confidence=Confidence.REPORTED, family_visible=False,
        )
    except ValidationError:
        raise ReportRefused("report_rejected") from None
    return record_custody_event(fctx.actor, fctx.session, client_id, body).event.id
