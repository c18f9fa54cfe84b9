"""Custody vocabularies (statuses.py; docs/design.md#domain-model,
docs/domain/custody.md#custody-is-an-append-only-history)."""

from __future__ import annotations

import pytest

from app.custody.statuses import (
    ABROAD_STATUSES,
    COUNTRY_ALLOWED_STATUSES,
    COUNTRY_REQUIRED_STATUSES,
    DETAINED_STATUSES,
    IN_US_CUSTODY_STATUSES,
    RELEASED_STATUSES,
    REMOVAL_STATUSES,
    WHEREABOUTS_UNKNOWN_STATUSES,
    Confidence,
    CustodyStatus,
    FacilityType,
    SourceType,
    allows_country,
    requires_country,
    requires_location,
)

# The statuses listed in docs/domain/custody.md, in that order.
DOCUMENTED_STATUSES = [
    "not_detained", "arrested_unlocated", "detained_ice", "detained_other_us", "hospitalized",
    "in_transit", "released_bond", "released_parole", "released_osup", "released_atd_or_or",
    "removed_to_designated_country", "removed_to_third_country", "held_by_foreign_government",
    "voluntary_departure", "returned_to_us", "unknown", "deceased",
]  # fmt: skip


def test_exactly_the_documented_statuses() -> None:
    assert [s.value for s in CustodyStatus] == DOCUMENTED_STATUSES
    assert CustodyStatus("detained_ice") == "detained_ice"  # StrEnum compares as its value


def test_sets() -> None:
    S = CustodyStatus
    assert DETAINED_STATUSES == {S.DETAINED_ICE, S.DETAINED_OTHER_US, S.HOSPITALIZED}
    assert REMOVAL_STATUSES == {S.REMOVED_TO_DESIGNATED_COUNTRY, S.REMOVED_TO_THIRD_COUNTRY}
    assert ABROAD_STATUSES == REMOVAL_STATUSES | {S.HELD_BY_FOREIGN_GOVERNMENT, S.VOLUNTARY_DEPARTURE}
    assert COUNTRY_REQUIRED_STATUSES == ABROAD_STATUSES
    assert COUNTRY_ALLOWED_STATUSES == ABROAD_STATUSES | {S.IN_TRANSIT}
    assert RELEASED_STATUSES == {S.RELEASED_BOND, S.RELEASED_PAROLE, S.RELEASED_OSUP, S.RELEASED_ATD_OR_OR}
    assert WHEREABOUTS_UNKNOWN_STATUSES == {S.UNKNOWN, S.ARRESTED_UNLOCATED}
    assert IN_US_CUSTODY_STATUSES >= DETAINED_STATUSES
    # A person cannot be both released and detained, nor abroad and in U.S. custody.
    assert not RELEASED_STATUSES & IN_US_CUSTODY_STATUSES
    assert not ABROAD_STATUSES & IN_US_CUSTODY_STATUSES
    assert not ABROAD_STATUSES & RELEASED_STATUSES


@pytest.mark.parametrize("status", list(CustodyStatus))
def test_predicates_accept_enum_and_string(status: CustodyStatus) -> None:
    assert requires_location(status) == requires_location(status.value) == (status in DETAINED_STATUSES)
    assert requires_country(status.value) == (status in COUNTRY_REQUIRED_STATUSES)
    assert allows_country(status.value) == (status in COUNTRY_ALLOWED_STATUSES)
    if requires_country(status):
        assert allows_country(status)


def test_unknown_status_string_raises() -> None:
    with pytest.raises(ValueError):
        requires_location("detained")


def test_other_vocabularies() -> None:
    assert {c.value for c in Confidence} == {"confirmed", "reported", "inferred"}
    for required in ("ice_locator", "eoir_portal", "family_report", "client_call", "attorney_visit",
                     "facility_call", "government_filing", "court_record", "flight_manifest",
                     "news_report", "consulate", "other"):  # fmt: skip
        assert SourceType(required)
    for required in ("ice_spc", "ice_contract", "igsa_county_jail", "usms_igsa", "hold_room",
                     "hospital", "foreign_prison", "other"):  # fmt: skip
        assert FacilityType(required)
