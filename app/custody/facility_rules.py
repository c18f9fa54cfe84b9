"""Rules a facility must satisfy beyond its field types, shared by the API and the CSV import so that
both answer the same problem with the same code (docs/facilities.md).

Habeas venue under 28 U.S.C. § 2241 is the district of confinement, so a U.S. facility needs a
federal district: given (and checked against the state, and against the county where 28 U.S.C.
§§ 81–131 as transcribed in ``app.core_data.judicial_divisions`` place it), or filled in when the state
has only one district or the county's district is known; a facility abroad has neither a state nor a
district. Pure functions, no database.
"""

from __future__ import annotations

from app.core_data.districts import DISTRICTS, districts_in_state
from app.core_data.judicial_divisions import district_for, district_record

__all__ = ["ICE_FIELD_OFFICES", "FacilityRuleError", "resolve_field_office", "resolve_venue"]

# ICE Enforcement and Removal Operations field offices (areas of responsibility).
ICE_FIELD_OFFICES: tuple[str, ...] = (
    "Atlanta", "Baltimore", "Boston", "Buffalo", "Chicago", "Dallas", "Denver", "Detroit",
    "El Paso", "Harlingen", "Houston", "Los Angeles", "Miami", "New Orleans", "New York City",
    "Newark", "Philadelphia", "Phoenix", "Salt Lake City", "San Antonio", "San Diego",
    "San Francisco", "Seattle", "St. Paul", "Washington",
)  # fmt: skip
_FIELD_OFFICES = {o.casefold(): o for o in ICE_FIELD_OFFICES} | {
    "new york": "New York City", "saint paul": "St. Paul", "st paul": "St. Paul", "washington dc": "Washington",
    "washington, dc": "Washington", "washington, d.c.": "Washington",
}


class FacilityRuleError(Exception):
    """A broken rule: the field it concerns, a stable code, and a message saying how to fix it."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


def resolve_venue(country: str, state: str | None, federal_district: str | None,
                  county: str | None = None) -> tuple[str | None, str | None]:
    """(federal_district, circuit) for a facility, or ``FacilityRuleError``.

    ``state`` is a USPS code and ``federal_district`` a lower-case PACER id (as the schemas normalise them);
    ``county`` is free text, used only when the statute data knows it."""
    if country != "US":
        if federal_district:
            raise FacilityRuleError("federal_district", "district_abroad",
                                    "Facilities abroad have no federal district.")
        if state:
            raise FacilityRuleError("state", "state_abroad",
                                    "Outside the U.S. leave 'state' empty; put the province in 'county'.")
        return None, None
    if not state:
        raise FacilityRuleError("state", "state_required", "U.S. facilities need a state.")
    by_county = district_for(state, county) if county else None
    if federal_district:
        d = DISTRICTS.get(federal_district)
        if d is None:
            raise FacilityRuleError("federal_district", "invalid_district",
                                    f"{federal_district!r} is not a PACER district court id (e.g. 'mdd', 'txsd').")
        if d.state != state:
            raise FacilityRuleError("federal_district", "district_state_mismatch",
                                    f"{d.court_id} is not in {state}.")
        if by_county is not None and by_county != d.court_id:
            record = district_record(by_county)
            source = f" ({record.source})" if record is not None else ""
            raise FacilityRuleError("federal_district", "district_county_mismatch",
                                    f"{county} County, {state} is in {by_county}{source}, not {d.court_id}.")
        return d.court_id, d.circuit
    if by_county is not None:
        return by_county, DISTRICTS[by_county].circuit
    candidates = districts_in_state(state)
    if len(candidates) == 1:
        return candidates[0].court_id, candidates[0].circuit
    raise FacilityRuleError("federal_district", "federal_district_required",
                            f"{state} has several districts: give the facility's federal_district (habeas venue) "
                            "or a county we can place.")


def resolve_field_office(value: str | None) -> str | None:
    """The canonical ICE field office name ("new york" -> "New York City"), or ``FacilityRuleError``."""
    if not value:
        return None
    office = _FIELD_OFFICES.get(value.casefold())
    if office is None:
        raise FacilityRuleError("ice_field_office", "invalid_field_office", f"Unknown ICE field office {value!r}.")
    return office
