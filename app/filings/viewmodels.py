"""Typed view models that filing templates read — never ORM objects.

The web layer builds a `FilingRecord` from the database (client, current facility at the moment
of drafting, protection orders, proceeding, signing attorney) and stores its JSON dump with the
filing as the input snapshot. Everything here is plain data plus small derived properties, so a
snapshot re-renders to the same document.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.core_data.names import is_latin_script
from app.filings.countries import country_name, executed_within_united_states
from app.filings.districts import District, district_display_name, get_district

__all__ = [
    "AttorneyView",
    "ClientView",
    "CountryView",
    "CustodyEventView",
    "FacilityView",
    "FilingRecord",
    "PersonName",
    "ProceedingView",
    "ProtectionOrderView",
    "RespondentView",
    "VenueView",
    "district_display_name",
]

_S = 300  # default max length of a short string
_L = 2000


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F)


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PersonName(_View):
    given_names: str = Field(min_length=1, max_length=_S)
    first_surname: str = Field(min_length=1, max_length=_S)
    second_surname: str | None = Field(default=None, max_length=_S)
    # Exactly as on the charging document (NTA); often differs from the legal name.
    name_on_charging_document: str | None = Field(default=None, max_length=_S)
    # Family name first (Chinese, Korean, Japanese, Hungarian, Vietnamese usage).
    surname_first: bool = False
    # The name in Latin script as a person entered it (captions are in English); set when the name is recorded
    # in another script. Never produced by transliteration.
    name_latin: str | None = Field(default=None, max_length=_S)

    @property
    def needs_latin(self) -> bool:
        """The recorded name has letters outside the Latin script (Arabic, CJK, Ethiopic, Cyrillic...)."""
        return not is_latin_script(self.full_name)

    @property
    def caption_name(self) -> str:
        """The name a filing prints: the recorded name, or its Latin-script form when it has one."""
        return self.name_latin if self.needs_latin and self.name_latin else self.full_name

    @property
    def full_name(self) -> str:
        """Given names + both surnames ("José Ramírez Núñez"): the caption name. Surname-first
        names keep their order; CJK names are written without a space ("王小明")."""
        if self.surname_first:
            parts = [self.surnames, self.given_names]
            joiner = "" if all(_is_cjk(c) for c in "".join(parts)) else " "
            return joiner.join(p for p in parts if p)
        parts = [self.given_names, self.first_surname, self.second_surname or ""]
        return " ".join(p for p in parts if p)

    @property
    def surnames(self) -> str:
        return " ".join(p for p in (self.first_surname, self.second_surname or "") if p)

    @property
    def initials(self) -> str:
        """Initials for a minor's caption (FRCP 5.2(a)(3))."""
        return "".join(f"{w[0]}." for w in self.caption_name.split() if w)

    @property
    def charging_name_differs(self) -> bool:
        doc = self.name_on_charging_document
        if not doc:
            return False
        return doc.casefold() != self.full_name.casefold()


class CountryView(_View):
    code: str = Field(min_length=2, max_length=2)  # ISO 3166-1 alpha-2
    name: str | None = Field(default=None, max_length=_S)

    @property
    def display(self) -> str:
        return self.name or country_name(self.code)


class FacilityView(_View):
    name: str = Field(min_length=1, max_length=_S)
    address_lines: list[str] = Field(default_factory=list, max_length=6)
    city: str | None = Field(default=None, max_length=_S)
    state: str | None = Field(default=None, max_length=_S)
    country: str = Field(default="US", max_length=2)
    federal_district: str | None = Field(default=None, max_length=12)  # PACER id, e.g. "mdd"
    district_name: str | None = Field(default=None, max_length=_S)  # derived when None
    division: str | None = Field(default=None, max_length=_S)
    custodian_name: str | None = Field(default=None, max_length=_S)
    custodian_title: str | None = Field(default=None, max_length=_S)
    ice_field_office: str | None = Field(default=None, max_length=_S)  # "Baltimore"
    operator: str | None = Field(default=None, max_length=_S)

    @property
    def district(self) -> District | None:
        return get_district(self.federal_district)

    @property
    def district_display(self) -> str:
        if self.district_name:
            return self.district_name
        district = self.district
        return district.name if district else ""

    @property
    def location(self) -> str:
        parts = [self.city or "", self.state or ""]
        text = ", ".join(p for p in parts if p)
        if self.country and self.country.upper() != "US":
            text = f"{text}, {country_name(self.country)}" if text else country_name(self.country)
        return text


class ClientView(_View):
    name: PersonName
    a_number_display: str | None = Field(default=None, max_length=20)  # "A-012-345-678"
    a_number_sealed: bool = False  # A-number supplied in a separate sealed filing
    country_of_birth: str | None = Field(default=None, max_length=2)
    citizenships: list[str] = Field(default_factory=list, max_length=10)
    languages: list[str] = Field(default_factory=list, max_length=10)
    interpreter_needed: bool = False
    is_minor: bool = False
    current_facility: FacilityView | None = None

    @property
    def display_name(self) -> str:
        """Name used throughout a filing: initials for a minor (FRCP 5.2(a)(3))."""
        return self.name.initials if self.is_minor else self.name.caption_name

    @property
    def country_of_birth_name(self) -> str:
        return country_name(self.country_of_birth)

    @property
    def citizenship_names(self) -> list[str]:
        return [country_name(c) for c in self.citizenships]

    @property
    def primary_language(self) -> str | None:
        return self.languages[0] if self.languages else None


class RespondentView(_View):
    name: str | None = Field(default=None, max_length=_S)  # None: sued by title (FRCP 17(d))
    title: str = Field(min_length=1, max_length=_S)
    role: str = Field(default="other", max_length=40)  # immediate_custodian, field_office_director, ...

    @property
    def caption_line(self) -> str:
        return f"{self.name}, {self.title}" if self.name else self.title


class ProtectionOrderView(_View):
    type_label: str = Field(max_length=_S)  # "Withholding of removal under INA 241(b)(3)"
    countries: list[CountryView] = Field(default_factory=list, max_length=20)
    issuing_body: str = Field(max_length=_S)  # "Immigration Judge, Baltimore Immigration Court"
    issued_date: date | None = None
    docket_entry: str | None = Field(default=None, max_length=_S)
    status_label: str = Field(default="active", max_length=40)
    scope_label: str | None = Field(default=None, max_length=_S)

    @property
    def country_names(self) -> str:
        names = [c.display for c in self.countries]
        if len(names) <= 2:
            return " and ".join(names)
        return ", ".join(names[:-1]) + ", and " + names[-1]


class FlightView(_View):
    """Flight facts recorded on an `in_transit` custody event (pleaded as the emergency)."""

    carrier: str | None = Field(default=None, max_length=_S)
    flight_number: str | None = Field(default=None, max_length=40)
    departure_airport: str | None = Field(default=None, max_length=_S)
    departed_at: str | None = Field(default=None, max_length=60)  # "November 5, 2026, 6:10 a.m. CST"
    departed_date: date | None = None
    destination_country: str = Field(min_length=2, max_length=2)

    @property
    def destination_display(self) -> str:
        return country_name(self.destination_country)


class CustodyEventView(_View):
    status_label: str = Field(max_length=_S)  # "Detained by ICE"
    effective_date: date
    location: str | None = Field(default=None, max_length=_S)  # facility name or free text
    country: str | None = Field(default=None, max_length=2)
    source_label: str | None = Field(default=None, max_length=_S)  # "ICE Online Detainee Locator"
    flight: FlightView | None = None

    @property
    def country_display(self) -> str:
        return country_name(self.country)


class ProceedingView(_View):
    court_name: str | None = Field(default=None, max_length=_S)
    district: str | None = Field(default=None, max_length=12)  # PACER id of a district court
    division: str | None = Field(default=None, max_length=_S)
    docket_number: str | None = Field(default=None, max_length=80)
    judge: str | None = Field(default=None, max_length=_S)
    respondents: list[RespondentView] = Field(default_factory=list, max_length=20)


class AdmissionView(_View):
    """One bar admission of an attorney: the court (PACER id of a district court, or a state bar as "state:MD"),
    the number that court knows the attorney by, and its status ("active", "pro_hac_vice", "pending", ...)."""

    court: str = Field(min_length=1, max_length=40)
    bar_number: str | None = Field(default=None, max_length=60)
    status: str = Field(default="active", max_length=40)


class AttorneyView(_View):
    full_name: str = Field(min_length=1, max_length=_S)
    bar_number: str | None = Field(default=None, max_length=60)
    bar_state: str | None = Field(default=None, max_length=60)
    admissions: list[AdmissionView] = Field(default_factory=list, max_length=60)
    firm: str | None = Field(default=None, max_length=_S)
    address_lines: list[str] = Field(default_factory=list, max_length=6)
    phone: str | None = Field(default=None, max_length=60)
    email: str | None = Field(default=None, max_length=_S)

    def admission_in(self, court_id: str | None) -> AdmissionView | None:
        """The attorney's admission in the captioned court, if recorded and not lapsed."""
        if not court_id:
            return None
        for adm in self.admissions:
            if adm.court.lower() == court_id.lower() and adm.status in ADMITTED_STATUSES:
                return adm
        return None


ADMITTED_STATUSES = frozenset({"active", "pro_hac_vice"})


class RemovalOrderView(_View):
    """The removal order underlying a protection grant, as recorded (withholding and CAT are granted with an
    order of removal; the designated country is where that order sends the person)."""

    order_date: date | None = None
    designated_country: str | None = Field(default=None, max_length=2)

    @property
    def designated_country_display(self) -> str:
        return country_name(self.designated_country) if self.designated_country else ""


class VenueView(_View):
    """What the venue engine decided (app/filings/venue.py), stored with the filing: the court, division and
    respondents every document of this filing prints, the rule that decided it and its authority."""

    rule: str = Field(max_length=80)  # endo_docketed_court, padilla_district_of_confinement, ...
    citation: str = Field(max_length=_L)
    court_id: str = Field(max_length=12)
    division: str | None = Field(default=None, max_length=_S)
    respondents: list[RespondentView] = Field(default_factory=list, max_length=20)
    basis: str | None = Field(default=None, max_length=40)  # options.venue_basis when it decided the court
    abroad: bool = False
    docketed: bool = False
    # The facility that places the client in (or last in) the court's district, when there is one.
    confinement_in_district: bool = False


class PleadingItem(_View):
    """One count or prayer: whether it is in the document and which rule decided it."""

    item: str = Field(max_length=80)
    included: bool
    rule: str = Field(max_length=_L)
    source: str | None = Field(default=None, max_length=_L)
    verified: bool = True


class ExhibitView(_View):
    """A client document attached to a filing as an exhibit (app/documents/): what the exhibit index prints and
    what ``GET /filings/{id}/exhibits.pdf`` merges, in this order."""

    document_id: uuid.UUID
    label: str = Field(min_length=1, max_length=8)
    title: str = Field(min_length=1, max_length=300)
    pages: int = Field(ge=1)


class FilingRecord(_View):
    client: ClientView
    # Venue facility for a client who has been removed: the last U.S. facility (district of
    # confinement when the unlawful act happened). Ignored while `client.current_facility` is set.
    last_us_facility: FacilityView | None = None
    respondents: list[RespondentView] = Field(default_factory=list, max_length=20)
    protection_orders: list[ProtectionOrderView] = Field(default_factory=list, max_length=50)
    custody_events: list[CustodyEventView] = Field(default_factory=list, max_length=200)
    proceeding: ProceedingView | None = None
    attorney: AttorneyView | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    today: date
    removed: bool = False  # the client has already been removed from the United States
    # Decided once at drafting time and stored with the filing (absent in snapshots of earlier versions).
    venue: VenueView | None = None
    pleading: list[PleadingItem] = Field(default_factory=list, max_length=60)
    detention_authority: str | None = Field(default=None, max_length=40)  # from the record (custody events)
    detention_days: int | None = None  # days of continuous detention up to `today`, when known
    flight: FlightView | None = None  # the latest in-transit event's flight, when recorded
    removal_order: RemovalOrderView | None = None  # from the protection orders' underlying-order facts
    timezone: str | None = Field(default=None, max_length=64)  # the zone `today` and event dates are in
    # Client documents attached as exhibits, lettered A, B, ... (absent in snapshots of earlier versions).
    exhibits: list[ExhibitView] = Field(default_factory=list, max_length=60)

    @property
    def facility(self) -> FacilityView | None:
        """Facility that fixes venue and the immediate custodian: where the client is held now,
        or — once removed — the last U.S. facility (a foreign prison never fixes venue)."""
        current = self.client.current_facility
        if current is not None and not self.removed:
            return current
        if self.last_us_facility is not None:
            return self.last_us_facility
        if current is not None and executed_within_united_states(current.country or "US"):
            return current
        return None

    @property
    def latest_custody_event(self) -> CustodyEventView | None:
        if not self.custody_events:
            return None
        return max(self.custody_events, key=lambda e: e.effective_date)

    @property
    def custody_chronology(self) -> list[CustodyEventView]:
        return sorted(self.custody_events, key=lambda e: e.effective_date)

    @property
    def court_id(self) -> str | None:
        """District of the proceeding when there is one, else the district of confinement."""
        if self.proceeding and self.proceeding.district:
            return self.proceeding.district
        facility = self.facility
        return facility.federal_district if facility else None

    @property
    def all_respondents(self) -> list[RespondentView]:
        """Explicit respondents, else the proceeding's, else the standard set from the facility."""
        if self.respondents:
            return list(self.respondents)
        if self.proceeding and self.proceeding.respondents:
            return list(self.proceeding.respondents)
        return default_respondents(self.facility)

    @property
    def active_protection_orders(self) -> list[ProtectionOrderView]:
        return [p for p in self.protection_orders if p.status_label.lower() == "active"]


def default_respondents(facility: FacilityView | None) -> list[RespondentView]:
    """Immediate custodian, ICE field office director, ICE director, DHS secretary, Attorney
    General: the set counsel commonly name (Padilla; E.D. Va. practice), sued by title where the
    name is not on record (FRCP 17(d))."""
    out: list[RespondentView] = []
    if facility is not None:
        if facility.custodian_title or facility.custodian_name:
            title = facility.custodian_title or "Warden"
            out.append(
                RespondentView(
                    name=facility.custodian_name,
                    title=f"{title}, {facility.name}",
                    role="immediate_custodian",
                )
            )
        if facility.ice_field_office:
            out.append(
                RespondentView(
                    title=(
                        f"Field Office Director, {facility.ice_field_office} Field Office, "
                        "Enforcement and Removal Operations, U.S. Immigration and Customs "
                        "Enforcement"
                    ),
                    role="field_office_director",
                )
            )
    out.append(RespondentView(title="Director, U.S. Immigration and Customs Enforcement", role="agency_head"))
    out.append(RespondentView(title="Secretary of Homeland Security", role="department_head"))
    out.append(RespondentView(title="Attorney General of the United States", role="attorney_general"))
    return out
