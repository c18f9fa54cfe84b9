"""The 94 U.S. district courts, keyed by PACER court id (``mdd``, ``txsd``, ``cacd``, ...).

Habeas venue under 28 U.S.C. 2241 is the district of confinement (docs/domain/custody.md#facilities,
docs/domain/filings.md#forum-and-parties), so every
U.S. facility carries one of these ids; display names ("District of Maryland") and the court's
formal name are derived from it, never typed by hand.

``timezone`` is the IANA zone of the court's principal courthouse / clerk's office, used as the
default for "end of day" e-filing deadlines (FRCP 6(a)(4)(A): midnight in the court's time zone)
and for court-ordered clock times. Several districts straddle two zones; the division matters
and an attorney can override per proceeding:

- txwd: the El Paso Division keeps Mountain time (America/Denver); Alpine (Brewster County) and Pecos (Reeves
  County) are on Central time like the rest of the district.
- kywd: Louisville is Eastern; Paducah, Owensboro and Bowling Green are Central.
- innd: South Bend and Fort Wayne are Eastern; Hammond and Lafayette are Central.
- flnd: Tallahassee and Gainesville are Eastern; Pensacola and Panama City are Central.
- ndd, sdd, ned, ksd, miwd, idd: parts of these states keep another zone.

Pure data, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "CIRCUITS",
    "DISTRICTS",
    "District",
    "district",
    "district_court_name",
    "district_display_name",
    "district_timezone",
    "districts_in_state",
    "is_valid_district",
]

CIRCUITS: tuple[str, ...] = tuple("1st 2nd 3rd 4th 5th 6th 7th 8th 9th 10th 11th D.C.".split())


_TERRITORIAL_COURT_NAMES = {
    "gud": "District Court of Guam",
    "nmid": "District Court for the Northern Mariana Islands",
    "vid": "District Court of the Virgin Islands",
}


@dataclass(frozen=True, slots=True)
class District:
    court_id: str  # PACER id, lower case
    name: str  # "Southern District of Texas"
    state: str  # USPS code of the state or territory
    circuit: str  # "1st" .. "11th", "D.C."
    timezone: str  # IANA zone of the principal courthouse

    @property
    def court_name(self) -> str:
        """Formal name heading a caption. The territorial courts (Guam, Northern Mariana Islands, Virgin
        Islands) are Article IV courts with their own names."""
        return _TERRITORIAL_COURT_NAMES.get(self.court_id, f"United States District Court for the {self.name}")

    @property
    def circuit_court_name(self) -> str:
        if self.circuit == "D.C.":
            return "United States Court of Appeals for the District of Columbia Circuit"
        return f"United States Court of Appeals for the {self.circuit} Circuit"

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# (PACER id, display name, state, circuit, courthouse time zone). The three territorial courts
# (gud, nmid, vid) are Article IV courts but hear 2241 petitions like the others.
_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    # First Circuit
    ("med", "District of Maine", "ME", "1st", "America/New_York"),
    ("mad", "District of Massachusetts", "MA", "1st", "America/New_York"),
    ("nhd", "District of New Hampshire", "NH", "1st", "America/New_York"),
    ("rid", "District of Rhode Island", "RI", "1st", "America/New_York"),
    ("prd", "District of Puerto Rico", "PR", "1st", "America/Puerto_Rico"),
    # Second Circuit
    ("ctd", "District of Connecticut", "CT", "2nd", "America/New_York"),
    ("nyed", "Eastern District of New York", "NY", "2nd", "America/New_York"),
    ("nynd", "Northern District of New York", "NY", "2nd", "America/New_York"),
    ("nysd", "Southern District of New York", "NY", "2nd", "America/New_York"),
    ("nywd", "Western District of New York", "NY", "2nd", "America/New_York"),
    ("vtd", "District of Vermont", "VT", "2nd", "America/New_York"),
    # Third Circuit
    ("ded", "District of Delaware", "DE", "3rd", "America/New_York"),
    ("njd", "District of New Jersey", "NJ", "3rd", "America/New_York"),
    ("paed", "Eastern District of Pennsylvania", "PA", "3rd", "America/New_York"),
    ("pamd", "Middle District of Pennsylvania", "PA", "3rd", "America/New_York"),
    ("pawd", "Western District of Pennsylvania", "PA", "3rd", "America/New_York"),
    ("vid", "District of the Virgin Islands", "VI", "3rd", "America/St_Thomas"),
    # Fourth Circuit
    ("mdd", "District of Maryland", "MD", "4th", "America/New_York"),
    ("nced", "Eastern District of North Carolina", "NC", "4th", "America/New_York"),
    ("ncmd", "Middle District of North Carolina", "NC", "4th", "America/New_York"),
    ("ncwd", "Western District of North Carolina", "NC", "4th", "America/New_York"),
    ("scd", "District of South Carolina", "SC", "4th", "America/New_York"),
    ("vaed", "Eastern District of Virginia", "VA", "4th", "America/New_York"),
    ("vawd", "Western District of Virginia", "VA", "4th", "America/New_York"),
    ("wvnd", "Northern District of West Virginia", "WV", "4th", "America/New_York"),
    ("wvsd", "Southern District of West Virginia", "WV", "4th", "America/New_York"),
    # Fifth Circuit
    ("laed", "Eastern District of Louisiana", "LA", "5th", "America/Chicago"),
    ("lamd", "Middle District of Louisiana", "LA", "5th", "America/Chicago"),
    ("lawd", "Western District of Louisiana", "LA", "5th", "America/Chicago"),
    ("msnd", "Northern District of Mississippi", "MS", "5th", "America/Chicago"),
    ("mssd", "Southern District of Mississippi", "MS", "5th", "America/Chicago"),
    ("txed", "Eastern District of Texas", "TX", "5th", "America/Chicago"),
    ("txnd", "Northern District of Texas", "TX", "5th", "America/Chicago"),
    ("txsd", "Southern District of Texas", "TX", "5th", "America/Chicago"),
    ("txwd", "Western District of Texas", "TX", "5th", "America/Chicago"),
    # Sixth Circuit
    ("kyed", "Eastern District of Kentucky", "KY", "6th", "America/New_York"),
    ("kywd", "Western District of Kentucky", "KY", "6th", "America/Kentucky/Louisville"),
    ("mied", "Eastern District of Michigan", "MI", "6th", "America/Detroit"),
    ("miwd", "Western District of Michigan", "MI", "6th", "America/Detroit"),
    ("ohnd", "Northern District of Ohio", "OH", "6th", "America/New_York"),
    ("ohsd", "Southern District of Ohio", "OH", "6th", "America/New_York"),
    ("tned", "Eastern District of Tennessee", "TN", "6th", "America/New_York"),
    ("tnmd", "Middle District of Tennessee", "TN", "6th", "America/Chicago"),
    ("tnwd", "Western District of Tennessee", "TN", "6th", "America/Chicago"),
    # Seventh Circuit
    ("ilcd", "Central District of Illinois", "IL", "7th", "America/Chicago"),
    ("ilnd", "Northern District of Illinois", "IL", "7th", "America/Chicago"),
    ("ilsd", "Southern District of Illinois", "IL", "7th", "America/Chicago"),
    ("innd", "Northern District of Indiana", "IN", "7th", "America/Indiana/Indianapolis"),
    ("insd", "Southern District of Indiana", "IN", "7th", "America/Indiana/Indianapolis"),
    ("wied", "Eastern District of Wisconsin", "WI", "7th", "America/Chicago"),
    ("wiwd", "Western District of Wisconsin", "WI", "7th", "America/Chicago"),
    # Eighth Circuit
    ("ared", "Eastern District of Arkansas", "AR", "8th", "America/Chicago"),
    ("arwd", "Western District of Arkansas", "AR", "8th", "America/Chicago"),
    ("iand", "Northern District of Iowa", "IA", "8th", "America/Chicago"),
    ("iasd", "Southern District of Iowa", "IA", "8th", "America/Chicago"),
    ("mnd", "District of Minnesota", "MN", "8th", "America/Chicago"),
    ("moed", "Eastern District of Missouri", "MO", "8th", "America/Chicago"),
    ("mowd", "Western District of Missouri", "MO", "8th", "America/Chicago"),
    ("ned", "District of Nebraska", "NE", "8th", "America/Chicago"),
    ("ndd", "District of North Dakota", "ND", "8th", "America/Chicago"),
    ("sdd", "District of South Dakota", "SD", "8th", "America/Chicago"),
    # Ninth Circuit
    ("akd", "District of Alaska", "AK", "9th", "America/Anchorage"),
    ("azd", "District of Arizona", "AZ", "9th", "America/Phoenix"),
    ("cacd", "Central District of California", "CA", "9th", "America/Los_Angeles"),
    ("caed", "Eastern District of California", "CA", "9th", "America/Los_Angeles"),
    ("cand", "Northern District of California", "CA", "9th", "America/Los_Angeles"),
    ("casd", "Southern District of California", "CA", "9th", "America/Los_Angeles"),
    ("gud", "District of Guam", "GU", "9th", "Pacific/Guam"),
    ("hid", "District of Hawaii", "HI", "9th", "Pacific/Honolulu"),
    ("idd", "District of Idaho", "ID", "9th", "America/Boise"),
    ("mtd", "District of Montana", "MT", "9th", "America/Denver"),
    ("nvd", "District of Nevada", "NV", "9th", "America/Los_Angeles"),
    ("nmid", "District of the Northern Mariana Islands", "MP", "9th", "Pacific/Saipan"),
    ("ord", "District of Oregon", "OR", "9th", "America/Los_Angeles"),
    ("waed", "Eastern District of Washington", "WA", "9th", "America/Los_Angeles"),
    ("wawd", "Western District of Washington", "WA", "9th", "America/Los_Angeles"),
    # Tenth Circuit
    ("cod", "District of Colorado", "CO", "10th", "America/Denver"),
    ("ksd", "District of Kansas", "KS", "10th", "America/Chicago"),
    ("nmd", "District of New Mexico", "NM", "10th", "America/Denver"),
    ("oked", "Eastern District of Oklahoma", "OK", "10th", "America/Chicago"),
    ("oknd", "Northern District of Oklahoma", "OK", "10th", "America/Chicago"),
    ("okwd", "Western District of Oklahoma", "OK", "10th", "America/Chicago"),
    ("utd", "District of Utah", "UT", "10th", "America/Denver"),
    ("wyd", "District of Wyoming", "WY", "10th", "America/Denver"),
    # Eleventh Circuit
    ("almd", "Middle District of Alabama", "AL", "11th", "America/Chicago"),
    ("alnd", "Northern District of Alabama", "AL", "11th", "America/Chicago"),
    ("alsd", "Southern District of Alabama", "AL", "11th", "America/Chicago"),
    ("flmd", "Middle District of Florida", "FL", "11th", "America/New_York"),
    ("flnd", "Northern District of Florida", "FL", "11th", "America/New_York"),
    ("flsd", "Southern District of Florida", "FL", "11th", "America/New_York"),
    ("gamd", "Middle District of Georgia", "GA", "11th", "America/New_York"),
    ("gand", "Northern District of Georgia", "GA", "11th", "America/New_York"),
    ("gasd", "Southern District of Georgia", "GA", "11th", "America/New_York"),
    # District of Columbia Circuit
    ("dcd", "District of Columbia", "DC", "D.C.", "America/New_York"),
)

DISTRICTS: MappingProxyType[str, District] = MappingProxyType({row[0]: District(*row) for row in _ROWS})


def _key(court_id: object) -> str | None:
    if not isinstance(court_id, str):
        return None
    return court_id.strip().lower()


def is_valid_district(court_id: object) -> bool:
    """True for one of the 94 PACER district ids (case-insensitive, surrounding spaces ignored)."""
    key = _key(court_id)
    return key is not None and key in DISTRICTS


def district(court_id: str) -> District:
    """The ``District`` for a PACER id; ``KeyError`` if unknown."""
    key = _key(court_id)
    if key is None or key not in DISTRICTS:
        raise KeyError(court_id)
    return DISTRICTS[key]


def district_display_name(court_id: str) -> str:
    """``"mdd"`` -> ``"District of Maryland"``."""
    return district(court_id).name


def district_court_name(court_id: str) -> str:
    """``"mdd"`` -> ``"United States District Court for the District of Maryland"``."""
    return district(court_id).court_name


def district_timezone(court_id: str) -> str:
    """Default IANA time zone of the district's principal courthouse."""
    return district(court_id).timezone


def districts_in_state(state: str) -> tuple[District, ...]:
    """All districts sitting in a state or territory (USPS code), in table order."""
    code = state.strip().upper()
    return tuple(d for d in DISTRICTS.values() if d.state == code)
