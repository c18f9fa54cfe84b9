"""Custody vocabularies: statuses, provenance, confidence, custodian, authority, facility type.

The status list follows docs/domain/custody.md#custody-is-an-append-only-history ("Custody record (append-only events)",
status enum) as
adopted by docs/design.md#domain-model (CustodyEvent.status); values are the lower-case forms docs/design.md uses. The
sets below drive validation of custody events (which statuses need a facility or a country),
alerts (removal statuses are checked against country-scoped protection orders) and the family
portal's plain-language labels (app/portal/labels.py covers every status).

Pure data, no database: models import these StrEnums and store their values as VARCHAR.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ABROAD_STATUSES",
    "COUNTRY_ALLOWED_STATUSES",
    "COUNTRY_REQUIRED_STATUSES",
    "DETAINED_STATUSES",
    "IN_US_CUSTODY_STATUSES",
    "RELEASED_STATUSES",
    "REMOVAL_STATUSES",
    "WHEREABOUTS_UNKNOWN_STATUSES",
    "Confidence",
    "Custodian",
    "CustodyStatus",
    "DetentionAuthority",
    "FacilityType",
    "SourceType",
    "allows_country",
    "requires_country",
    "requires_location",
]


class CustodyStatus(StrEnum):
    """Where a person is and under whose control (docs/domain/custody.md#custody-is-an-append-only-history status
    enum)."""

    NOT_DETAINED = "not_detained"  # at liberty, no known restraint
    ARRESTED_UNLOCATED = "arrested_unlocated"  # arrest reported, not yet on the ICE locator
    DETAINED_ICE = "detained_ice"  # ICE custody at a known facility (SPC, contract, IGSA, BOP, USMS)
    DETAINED_OTHER_US = "detained_other_us"  # CBP hold, USMS/BOP/state criminal custody
    HOSPITALIZED = "hospitalized"  # in custody at a hospital
    IN_TRANSIT = "in_transit"  # transfer in progress; destination unknown or announced
    RELEASED_BOND = "released_bond"
    RELEASED_PAROLE = "released_parole"  # INA 212(d)(5)
    RELEASED_OSUP = "released_osup"  # order of supervision
    RELEASED_ATD_OR_OR = "released_atd_or_or"  # Alternatives to Detention / own recognizance
    REMOVED_TO_DESIGNATED_COUNTRY = "removed_to_designated_country"
    REMOVED_TO_THIRD_COUNTRY = "removed_to_third_country"  # not designated in prior proceedings
    HELD_BY_FOREIGN_GOVERNMENT = "held_by_foreign_government"  # post-removal detention abroad
    VOLUNTARY_DEPARTURE = "voluntary_departure"
    RETURNED_TO_US = "returned_to_us"  # returned after removal
    UNKNOWN = "unknown"  # no reliable information; show the "last confirmed" time
    DECEASED = "deceased"


S = CustodyStatus

# In U.S. custody at a place we can name: the event needs a facility or free-text location.
DETAINED_STATUSES: frozenset[CustodyStatus] = frozenset({S.DETAINED_ICE, S.DETAINED_OTHER_US, S.HOSPITALIZED})

# In U.S. government hands, whether or not we know where (habeas "in custody"); includes the
# high-risk windows right after arrest and during a transfer.
IN_US_CUSTODY_STATUSES: frozenset[CustodyStatus] = DETAINED_STATUSES | {
    S.ARRESTED_UNLOCATED,
    S.IN_TRANSIT,
}

# Removal by the U.S. government: checked against country-scoped protection orders.
REMOVAL_STATUSES: frozenset[CustodyStatus] = frozenset(
    {S.REMOVED_TO_DESIGNATED_COUNTRY, S.REMOVED_TO_THIRD_COUNTRY}
)

# Outside the United States; each needs the destination / current country.
ABROAD_STATUSES: frozenset[CustodyStatus] = REMOVAL_STATUSES | {
    S.HELD_BY_FOREIGN_GOVERNMENT,
    S.VOLUNTARY_DEPARTURE,
}

COUNTRY_REQUIRED_STATUSES: frozenset[CustodyStatus] = ABROAD_STATUSES
# A transfer may already have an announced destination country (e.g. a removal flight staging).
COUNTRY_ALLOWED_STATUSES: frozenset[CustodyStatus] = ABROAD_STATUSES | {S.IN_TRANSIT}

RELEASED_STATUSES: frozenset[CustodyStatus] = frozenset(
    {S.RELEASED_BOND, S.RELEASED_PAROLE, S.RELEASED_OSUP, S.RELEASED_ATD_OR_OR}
)

# Raise a whereabouts_unknown alert; the portal shows "Whereabouts unknown" + last confirmed.
WHEREABOUTS_UNKNOWN_STATUSES: frozenset[CustodyStatus] = frozenset({S.UNKNOWN, S.ARRESTED_UNLOCATED})

del S


def requires_location(status: CustodyStatus | str) -> bool:
    """True if an event with this status must name a facility or carry location text."""
    return CustodyStatus(status) in DETAINED_STATUSES


def requires_country(status: CustodyStatus | str) -> bool:
    """True if an event with this status must carry a destination/current country."""
    return CustodyStatus(status) in COUNTRY_REQUIRED_STATUSES


def allows_country(status: CustodyStatus | str) -> bool:
    """True if a country may be recorded at all (abroad statuses and in_transit)."""
    return CustodyStatus(status) in COUNTRY_ALLOWED_STATUSES


class SourceType(StrEnum):
    """How we learned about a custody event (docs/domain/custody.md#custody-is-an-append-only-history ``source_type``:
    provenance)."""

    ICE_LOCATOR = "ice_locator"  # ICE Online Detainee Locator System
    EOIR_PORTAL = "eoir_portal"  # EOIR automated case information (web or 1-800 line)
    ICE_OFFICER = "ice_officer"  # deportation officer / field office statement
    FAMILY_REPORT = "family_report"
    CLIENT_CALL = "client_call"
    ATTORNEY_VISIT = "attorney_visit"
    FACILITY_CALL = "facility_call"
    GOVERNMENT_FILING = "government_filing"  # declaration or status report filed by the government
    COURT_RECORD = "court_record"  # docket entry, order, transcript
    FLIGHT_MANIFEST = "flight_manifest"
    NEWS_REPORT = "news_report"
    CONSULATE = "consulate"
    FOIA_DATA = "foia_data"
    OTHER = "other"


class Confidence(StrEnum):
    """How sure we are (docs/domain/custody.md#custody-is-an-append-only-history): confirmed first-hand/official,
    reported, or inferred."""

    CONFIRMED = "confirmed"
    REPORTED = "reported"
    INFERRED = "inferred"


class Custodian(StrEnum):
    """Who physically holds the person (docs/domain/custody.md#custody-is-an-append-only-history custodian enum)."""

    ICE_ERO = "ice_ero"
    CBP = "cbp"
    USMS = "usms"
    BOP = "bop"
    STATE_LOCAL = "state_local"  # including IGSA county jails
    PRIVATE_CONTRACTOR = "private_contractor"  # record the operator on the facility
    FOREIGN_GOVERNMENT = "foreign_government"
    NONE = "none"
    UNKNOWN = "unknown"


class DetentionAuthority(StrEnum):
    """Statutory basis of detention; drives which habeas claims exist
    (docs/domain/custody.md#custody-is-an-append-only-history)."""

    INA_236A = "ina_236a"  # discretionary, bond-eligible
    INA_236C = "ina_236c"  # mandatory
    INA_235B = "ina_235b"  # arriving / expedited removal
    INA_241A = "ina_241a"  # post-order; Zadvydas six-month presumption
    AEA_50USC21 = "aea_50usc21"  # Alien Enemies Act proclamation
    CRIMINAL = "criminal"
    FOREIGN_SOVEREIGN = "foreign_sovereign"
    UNKNOWN = "unknown"


class FacilityType(StrEnum):
    """Kind of place (docs/domain/custody.md#facilities ``type``; names used in the facilities CSV)."""

    ICE_SPC = "ice_spc"  # ICE-owned service processing center
    ICE_CONTRACT = "ice_contract"  # contract detention facility (CDF), privately operated
    DEDICATED_IGSA = "dedicated_igsa"  # intergovernmental agreement, ICE-only population
    IGSA_COUNTY_JAIL = "igsa_county_jail"  # shared local jail under an IGSA
    USMS_IGSA = "usms_igsa"  # jail used through a U.S. Marshals agreement
    BOP = "bop"
    FAMILY_RESIDENTIAL = "family_residential"
    JUVENILE = "juvenile"
    HOLD_ROOM = "hold_room"  # field-office hold room or staging facility (short stays)
    HOSPITAL = "hospital"
    FOREIGN_PRISON = "foreign_prison"  # post-removal detention abroad (e.g. CECOT)
    OTHER = "other"
