"""Federal districts for captions: a thin view over ``app.core_data.districts`` (the one table of the
94 PACER court ids). Habeas venue is the district of confinement (Rumsfeld v. Padilla, 542 U.S. 426 (2004)).
"""

from __future__ import annotations

from app.core_data.districts import DISTRICTS as _BY_ID
from app.core_data.districts import District

__all__ = ["DISTRICTS", "District", "district_circuit", "district_display_name", "get_district",
           "normalize_court_id"]

DISTRICTS: dict[str, District] = dict(_BY_ID)


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
