"""The 94 federal judicial districts, keyed by their PACER court id (e.g. ``mdd``).

Habeas venue is the district of confinement (Rumsfeld v. Padilla, 542 U.S. 426 (2004)), so every
facility carries one of these ids and captions derive the court's name from it. Pure data: no
database, importable by any domain.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    court_id: str  # PACER id, lower case: "mdd", "txsd"
    name: str  # "District of Maryland", "Southern District of Texas"
    state: str  # USPS code of the state or territory
    circuit: str  # "1st" .. "11th", "D.C."
    court_name: str  # the court's formal name as it heads a caption

    @property
    def circuit_name(self) -> str:
        if self.circuit == "D.C.":
            return "United States Court of Appeals for the District of Columbia Circuit"
        return f"United States Court of Appeals for the {self.circuit} Circuit"


# (court id, district name, state, circuit). The three territorial courts (Guam, the Northern
# Mariana Islands, the Virgin Islands) are Article IV courts with their own formal names.
_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # First Circuit
    ("med", "District of Maine", "ME", "1st"),
    ("mad", "District of Massachusetts", "MA", "1st"),
    ("nhd", "District of New Hampshire", "NH", "1st"),
    ("rid", "District of Rhode Island", "RI", "1st"),
    ("prd", "District of Puerto Rico", "PR", "1st"),
    # Second Circuit
    ("ctd", "District of Connecticut", "CT", "2nd"),
    ("nyed", "Eastern District of New York", "NY", "2nd"),
    ("nynd", "Northern District of New York", "NY", "2nd"),
    ("nysd", "Southern District of New York", "NY", "2nd"),
    ("nywd", "Western District of New York", "NY", "2nd"),
    ("vtd", "District of Vermont", "VT", "2nd"),
    # Third Circuit
    ("ded", "District of Delaware", "DE", "3rd"),
    ("njd", "District of New Jersey", "NJ", "3rd"),
    ("paed", "Eastern District of Pennsylvania", "PA", "3rd"),
    ("pamd", "Middle District of Pennsylvania", "PA", "3rd"),
    ("pawd", "Western District of Pennsylvania", "PA", "3rd"),
    ("vid", "District of the Virgin Islands", "VI", "3rd"),
    # Fourth Circuit
    ("mdd", "District of Maryland", "MD", "4th"),
    ("nced", "Eastern District of North Carolina", "NC", "4th"),
    ("ncmd", "Middle District of North Carolina", "NC", "4th"),
    ("ncwd", "Western District of North Carolina", "NC", "4th"),
    ("scd", "District of South Carolina", "SC", "4th"),
    ("vaed", "Eastern District of Virginia", "VA", "4th"),
    ("vawd", "Western District of Virginia", "VA", "4th"),
    ("wvnd", "Northern District of West Virginia", "WV", "4th"),
    ("wvsd", "Southern District of West Virginia", "WV", "4th"),
    # Fifth Circuit
    ("laed", "Eastern District of Louisiana", "LA", "5th"),
    ("lamd", "Middle District of Louisiana", "LA", "5th"),
    ("lawd", "Western District of Louisiana", "LA", "5th"),
    ("msnd", "Northern District of Mississippi", "MS", "5th"),
    ("mssd", "Southern District of Mississippi", "MS", "5th"),
    ("txed", "Eastern District of Texas", "TX", "5th"),
    ("txnd", "Northern District of Texas", "TX", "5th"),
    ("txsd", "Southern District of Texas", "TX", "5th"),
    ("txwd", "Western District of Texas", "TX", "5th"),
    # Sixth Circuit
    ("kyed", "Eastern District of Kentucky", "KY", "6th"),
    ("kywd", "Western District of Kentucky", "KY", "6th"),
    ("mied", "Eastern District of Michigan", "MI", "6th"),
    ("miwd", "Western District of Michigan", "MI", "6th"),
    ("ohnd", "Northern District of Ohio", "OH", "6th"),
    ("ohsd", "Southern District of Ohio", "OH", "6th"),
    ("tned", "Eastern District of Tennessee", "TN", "6th"),
    ("tnmd", "Middle District of Tennessee", "TN", "6th"),
    ("tnwd", "Western District of Tennessee", "TN", "6th"),
    # Seventh Circuit
    ("ilcd", "Central District of Illinois", "IL", "7th"),
    ("ilnd", "Northern District of Illinois", "IL", "7th"),
    ("ilsd", "Southern District of Illinois", "IL", "7th"),
    ("innd", "Northern District of Indiana", "IN", "7th"),
    ("insd", "Southern District of Indiana", "IN", "7th"),
    ("wied", "Eastern District of Wisconsin", "WI", "7th"),
    ("wiwd", "Western District of Wisconsin", "WI", "7th"),
    # Eighth Circuit
    ("ared", "Eastern District of Arkansas", "AR", "8th"),
    ("arwd", "Western District of Arkansas", "AR", "8th"),
    ("iand", "Northern District of Iowa", "IA", "8th"),
    ("iasd", "Southern District of Iowa", "IA", "8th"),
    ("mnd", "District of Minnesota", "MN", "8th"),
    ("moed", "Eastern District of Missouri", "MO", "8th"),
    ("mowd", "Western District of Missouri", "MO", "8th"),
    ("ned", "District of Nebraska", "NE", "8th"),
    ("ndd", "District of North Dakota", "ND", "8th"),
    ("sdd", "District of South Dakota", "SD", "8th"),
    # Ninth Circuit
    ("akd", "District of Alaska", "AK", "9th"),
    ("azd", "District of Arizona", "AZ", "9th"),
    ("cacd", "Central District of California", "CA", "9th"),
    ("caed", "Eastern District of California", "CA", "9th"),
    ("cand", "Northern District of California", "CA", "9th"),
    ("casd", "Southern District of California", "CA", "9th"),
    ("gud", "District of Guam", "GU", "9th"),
    ("hid", "District of Hawaii", "HI", "9th"),
    ("idd", "District of Idaho", "ID", "9th"),
    ("mtd", "District of Montana", "MT", "9th"),
    ("nmid", "District of the Northern Mariana Islands", "MP", "9th"),
    ("nvd", "District of Nevada", "NV", "9th"),
    ("ord", "District of Oregon", "OR", "9th"),
    ("waed", "Eastern District of Washington", "WA", "9th"),
    ("wawd", "Western District of Washington", "WA", "9th"),
    # Tenth Circuit
    ("cod", "District of Colorado", "CO", "10th"),
    ("ksd", "District of Kansas", "KS", "10th"),
    ("nmd", "District of New Mexico", "NM", "10th"),
    ("oked", "Eastern District of Oklahoma", "OK", "10th"),
    ("oknd", "Northern District of Oklahoma", "OK", "10th"),
    ("okwd", "Western District of Oklahoma", "OK", "10th"),
    ("utd", "District of Utah", "UT", "10th"),
    ("wyd", "District of Wyoming", "WY", "10th"),
    # Eleventh Circuit
    ("almd", "Middle District of Alabama", "AL", "11th"),
    ("alnd", "Northern District of Alabama", "AL", "11th"),
    ("alsd", "Southern District of Alabama", "AL", "11th"),
    ("flmd", "Middle District of Florida", "FL", "11th"),
    ("flnd", "Northern District of Florida", "FL", "11th"),
    ("flsd", "Southern District of Florida", "FL", "11th"),
    ("gamd", "Middle District of Georgia", "GA", "11th"),
    ("gand", "Northern District of Georgia", "GA", "11th"),
    ("gasd", "Southern District of Georgia", "GA", "11th"),
    # District of Columbia Circuit
    ("dcd", "District of Columbia", "DC", "D.C."),
)

_TERRITORIAL_COURT_NAMES = {
    "gud": "District Court of Guam",
    "nmid": "District Court for the Northern Mariana Islands",
    "vid": "District Court of the Virgin Islands",
}


def _court_name(court_id: str, name: str) -> str:
    if court_id in _TERRITORIAL_COURT_NAMES:
        return _TERRITORIAL_COURT_NAMES[court_id]
    return f"United States District Court for the {name}"


DISTRICTS: dict[str, District] = {
    cid: District(cid, name, state, circuit, _court_name(cid, name))
    for cid, name, state, circuit in _ROWS
}


def normalize_court_id(court_id: str) -> str:
    """Accept `MDD`, ` mdd `, `mdd.uscourts.gov`; return the bare lower-case id."""
    cid = court_id.strip().lower()
    if cid.endswith(".uscourts.gov"):
        cid = cid[: -len(".uscourts.gov")]
    return cid


def get_district(court_id: str | None) -> District | None:
    """The district for a PACER court id, or None when unknown or empty."""
    if not court_id:
        return None
    return DISTRICTS.get(normalize_court_id(court_id))


def district_display_name(court_id: str) -> str:
    """`mdd` -> "District of Maryland"; raises KeyError for an unknown id."""
    district = get_district(court_id)
    if district is None:
        raise KeyError(f"unknown federal district court id: {court_id!r}")
    return district.name


def district_circuit(court_id: str) -> str:
    """`mdd` -> "4th"; raises KeyError for an unknown id."""
    district = get_district(court_id)
    if district is None:
        raise KeyError(f"unknown federal district court id: {court_id!r}")
    return district.circuit
