"""The record as the templates see it: typed view models (never ORM rows) built from clients, custody events,
facilities, protection orders, proceedings and attorneys, with the labels a court reads.

Pure conversions: nothing here queries the database except ``removal_order_view``. The drafting flow that
gathers the rows and decides venue and pleading is app/filings/drafting.py.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.clients.anumber import display_a_number
from app.filings.countries import country_name, is_valid_country
from app.filings.divisions import division_for
from app.filings.viewmodels import (
    AdmissionView,
    AttorneyView,
    ClientView,
    CountryView,
    CustodyEventView,
    FacilityView,
    FlightView,
    PersonName,
    ProceedingView,
    ProtectionOrderView,
    RemovalOrderView,
    RespondentView,
)

if TYPE_CHECKING:
    from app.auth.models import UserAccount
    from app.clients.models import Client, Proceeding
    from app.custody.merged_facility import MergedFacility
    from app.custody.models import CustodyEvent

STATUS_LABELS = {
    "not_detained": "Not detained",
    "arrested_unlocated": "Arrested; place of detention not yet confirmed",
    "detained_ice": "Detained by U.S. Immigration and Customs Enforcement",
    "detained_other_us": "Detained by a U.S. authority",
    "hospitalized": "Hospitalized while in custody",
    "in_transit": "In transit between facilities",
    "released_bond": "Released on bond",
    "released_parole": "Released on parole",
    "released_osup": "Released on an order of supervision",
    "released_atd_or_or": "Released on alternatives to detention or on recognizance",
    "removed_to_designated_country": "Removed from the United States",
    "removed_to_third_country": "Removed from the United States to a third country",
    "held_by_foreign_government": "Held by a foreign government",
    "voluntary_departure": "Departed the United States under voluntary departure",
    "returned_to_us": "Returned to the United States",
    "unknown": "Whereabouts unknown",
    "deceased": "Deceased",
}

SOURCE_LABELS = {
    "ice_locator": "ICE Online Detainee Locator System",
    "eoir_portal": "EOIR automated case information",
    "ice_officer": "statement of an ICE officer",
    "family_report": "report from Petitioner's family",
    "client_call": "call with Petitioner",
    "attorney_visit": "visit by counsel",
    "facility_call": "call to the facility",
    "government_filing": "Respondents' court filing",
    "court_record": "court record",
    "flight_manifest": "flight manifest",
    "news_report": "news report",
    "consulate": "consulate",
    "foia_data": "records released under FOIA",
    "other": "other source",
}

# Phrased to follow "granted Petitioner ..." in the templates.
ORDER_TYPE_LABELS = {
    "asylum_grant": "asylum under 8 U.S.C. § 1158",
    "withholding_241b3": "withholding of removal under 8 U.S.C. § 1231(b)(3)",
    "cat_withholding": "withholding of removal under the Convention Against Torture, 8 C.F.R. § 1208.16(c)",
    "cat_deferral": "deferral of removal under the Convention Against Torture, 8 C.F.R. § 1208.17",
    "automatic_stay": "an automatic stay of removal under 8 C.F.R. § 1003.6",
    "discretionary_stay": "a stay of removal",
    "circuit_stay": "a stay of removal pending review by the court of appeals",
    "tro": "a temporary restraining order",
    "preliminary_injunction": "a preliminary injunction",
    "jurisdiction_preserving_order": "an order preserving the Court's jurisdiction",
    "standing_order": "the protection of a standing order",
    "class_order": "the protection of a class-wide order",
    "other": "a protective order",
}

SCOPE_LABELS = {
    "all_removal": "bars removal from the United States",
    "removal_to_listed_countries": "bars removal to the listed countries",
    "removal_from_continental_us": "bars removal from the continental United States",
    "transfer_out_of_district": "bars transfer out of the district",
    "re_detention": "bars re-detention",
    "other": "other protection",
}

LANGUAGE_NAMES = {
    "eng": "English", "en": "English", "spa": "Spanish", "es": "Spanish", "por": "Portuguese",
    "fra": "French", "fre": "French", "hat": "Haitian Creole", "quc": "K'iche'", "mam": "Mam",
    "kek": "Q'eqchi'", "cak": "Kaqchikel", "arb": "Arabic", "ara": "Arabic", "rus": "Russian",
    "ukr": "Ukrainian", "cmn": "Mandarin", "zho": "Chinese", "hin": "Hindi", "pan": "Punjabi",
    "tir": "Tigrinya", "amh": "Amharic", "fas": "Persian", "pus": "Pashto", "tur": "Turkish",
    "vie": "Vietnamese", "wol": "Wolof", "lin": "Lingala", "swa": "Swahili", "som": "Somali",
}







# --- view models ---------------------------------------------------------------------------------

def calendar_date(now: datetime, tz: str) -> date:
    """The calendar date of an instant in a court's (or organization's) time zone."""
    try:
        return now.astimezone(ZoneInfo(tz)).date()
    except Exception:  # noqa: BLE001 - a bad zone name must not stop a filing; UTC date instead
        return now.date()


def _short(value: str | None, limit: int = 300) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:limit] if value else None


def facility_view(fac: MergedFacility) -> FacilityView:
    """A custody-domain Facility row as the view model templates read."""
    district = fac.federal_district.lower() if fac.federal_district else None
    return FacilityView(
        name=fac.name,
        address_lines=[fac.address] if fac.address else [],
        city=fac.city,
        state=fac.state,
        country=(fac.country or "US").upper(),
        federal_district=district,
        division=division_for(district, fac.county),
        custodian_name=_short(fac.custodian_name),
        custodian_title=_short(fac.custodian_title),
        ice_field_office=_short(fac.ice_field_office),
        operator=_short(fac.operator),
    )


def _is_certainly_minor(dob: str | None, today: date) -> bool:
    """FRCP 5.2(a)(3) initials only when the (possibly partial) birth date proves the person is under 18:
    the earliest date the partial value allows must still be less than 18 years ago."""
    if not dob:
        return False
    try:
        parts = [int(p) for p in dob.split("-")]
        earliest = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return False
    try:
        eighteenth = earliest.replace(year=earliest.year + 18)
    except ValueError:  # 29 February
        eighteenth = date(earliest.year + 18, 3, 1)
    return today < eighteenth


def _language(entry: Any) -> str | None:
    if isinstance(entry, str):
        code, name = entry, None
    elif isinstance(entry, dict):
        code, name = str(entry.get("code") or ""), entry.get("name")
    else:
        return None
    text = name or LANGUAGE_NAMES.get(code.lower()) or code
    return _short(str(text), 300) if text else None


def _languages(raw: Any) -> list[str]:
    entries = list(raw or [])
    # The primary language first (templates read languages[0]).
    entries.sort(key=lambda e: 0 if isinstance(e, dict) and e.get("is_primary") else 1)
    out = [x for x in (_language(e) for e in entries) if x]
    return out[:10]


def client_view(client: Client, facility: FacilityView | None, today: date) -> ClientView:
    sealed = bool(client.a_number_sealed)
    return ClientView(
        name=PersonName(
            given_names=client.given_names,
            first_surname=client.first_surname,
            second_surname=client.second_surname or None,
            name_on_charging_document=_short(client.name_on_charging_document),
            name_latin=_short(client.name_latin),
        ),
        # A sealed A-number stays out of the snapshot as well as the PDF.
        a_number_display=display_a_number(client.a_number) if client.a_number and not sealed else None,
        a_number_sealed=sealed,
        country_of_birth=client.country_of_birth if is_valid_country(client.country_of_birth) else None,
        citizenships=[c for c in (client.citizenships or []) if is_valid_country(c)][:10],
        languages=_languages(client.languages),
        interpreter_needed=bool(client.interpreter_needed),
        is_minor=_is_certainly_minor(client.date_of_birth, today),
        current_facility=facility,
    )


def _clock(instant: datetime, tz: str) -> str:
    """ "November 5, 2026, 6:10 a.m. CST" in the court's zone."""
    try:
        local = instant.astimezone(ZoneInfo(tz))
    except Exception:  # noqa: BLE001 - an unknown zone falls back to UTC
        local = instant.astimezone(ZoneInfo("UTC"))
    hour = local.hour % 12 or 12
    return (f"{local:%B} {local.day}, {local.year}, {hour}:{local.minute:02d} "
            f"{'a.m.' if local.hour < 12 else 'p.m.'} {local.tzname()}")


def flight_view(raw: object, tz: str) -> FlightView | None:
    """Flight facts of an `in_transit` event (stored as JSON on the event), for pleading."""
    if not isinstance(raw, dict) or not is_valid_country(raw.get("destination_country")):
        return None
    departed = None
    if raw.get("departed_at"):
        try:
            departed = datetime.fromisoformat(str(raw["departed_at"]))
        except ValueError:
            departed = None
    return FlightView(
        carrier=_short(raw.get("carrier")),
        flight_number=_short(raw.get("flight_number"), 40),
        departure_airport=_short(raw.get("departure_airport")),
        departed_at=_clock(departed, tz) if departed is not None and departed.tzinfo else None,
        departed_date=calendar_date(departed, tz) if departed is not None and departed.tzinfo else None,
        destination_country=str(raw["destination_country"]).upper(),
    )


def event_view(ev: CustodyEvent, fac: MergedFacility | None, tz: str) -> CustodyEventView:
    location = fac.name if fac is not None else _short(ev.location_text)
    flight = flight_view(ev.flight, tz) if ev.status == "in_transit" else None
    label = STATUS_LABELS.get(ev.status, ev.status.replace("_", " "))
    if flight is not None:
        # A flight bound abroad is not a move "between facilities": say what the record shows.
        label = "In transit on a flight bound outside the United States"
    return CustodyEventView(
        status_label=label,
        effective_date=calendar_date(ev.effective_at, tz),
        location=location,
        country=ev.country if is_valid_country(ev.country) else None,
        source_label=SOURCE_LABELS.get(ev.source_type, ev.source_type.replace("_", " ")),
        flight=flight,
    )


def _date_of(value: Any, tz: str) -> date | None:
    """The calendar date (in the organization's zone) of an instant given as datetime or ISO text."""
    if not value:
        return None
    try:
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return calendar_date(instant, tz) if instant.tzinfo is not None else instant.date()


def protection_view(order: dict[str, Any], tz: str = "America/New_York") -> ProtectionOrderView:
    countries = [CountryView(code=c, name=country_name(c)) for c in order.get("countries") or []
                 if is_valid_country(c)][:20]
    return ProtectionOrderView(
        type_label=ORDER_TYPE_LABELS.get(str(order.get("type")), "a protective order"),
        countries=countries,
        issuing_body=_short(str(order.get("issuing_body") or "")) or "issuing body not recorded",
        issued_date=_date_of(order.get("issued_at"), tz),
        docket_entry=_short(order.get("docket_entry")),
        status_label=str(order.get("status") or "active"),
        scope_label=SCOPE_LABELS.get(str(order.get("scope"))),
    )


def proceeding_view(proc: Proceeding) -> ProceedingView:
    respondents = []
    for r in (proc.respondents or [])[:20]:
        if not isinstance(r, dict) or not str(r.get("title") or "").strip():
            continue
        respondents.append(RespondentView(name=_short(r.get("name")), title=str(r["title"]).strip()[:300],
                                          role=str(r.get("role") or "other")[:40]))
    district = proc.federal_district.lower() if proc.federal_district else None
    return ProceedingView(
        court_name=_short(proc.court_name),
        district=district,
        division=_short(proc.division),
        docket_number=_short(proc.docket_number, 80),
        judge=_short(proc.judge),
        respondents=respondents,
    )


_CITY_LINE = re.compile(r"^(?P<street>.+?),\s*(?P<city>[^,]+,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)$")


def _address_lines(address: str | None) -> list[str]:
    """Signature-block lines: one per line of the stored address; a one-line U.S. address is split
    before its "City, ST 12345" tail ("200 Example St, Suite 4, Baltimore, MD 21201" -> two lines)."""
    if not address:
        return []
    lines = [line.strip() for line in address.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) == 1:
        m = _CITY_LINE.match(lines[0])
        if m:
            lines = [m["street"].strip(), m["city"].strip()]
    return lines[:6]


def attorney_view(user: UserAccount) -> AttorneyView:
    return AttorneyView(
        full_name=user.full_name,
        bar_number=_short(user.bar_number, 60),
        bar_state=_short(user.bar_state, 60),
        admissions=[AdmissionView(court=str(a.get("court"))[:40], bar_number=_short(a.get("bar_number"), 60),
                                  status=str(a.get("status") or "active")[:40])
                    for a in (user.admissions or [])[:60]
                    if isinstance(a, dict) and a.get("court")],
        firm=_short(user.firm_name),
        address_lines=_address_lines(user.office_address),
        phone=_short(user.phone, 60),
        email=_short(user.email),
    )



def removal_order_view(session: Session, org_id: uuid.UUID, orders: list[dict[str, Any]]) -> RemovalOrderView | None:
    """The underlying removal order recorded on the client's active protection orders (first one that says an
    order exists), so the petition can plead it."""
    from app.protection.models import ProtectionOrder

    for o in orders:
        row = session.get(ProtectionOrder, uuid.UUID(str(o["id"]))) if o.get("id") else None
        if row is None or row.organization_id != org_id or str(row.removal_order_exists) != "true":
            continue
        return RemovalOrderView(order_date=row.removal_order_date,
                                designated_country=row.designated_country
                                if is_valid_country(row.designated_country) else None)
    return None

