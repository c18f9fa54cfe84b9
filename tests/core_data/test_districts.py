"""Federal district table (districts.py) and USPS state codes."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from app.core_data.districts import (
    CIRCUITS,
    DISTRICTS,
    district,
    district_court_name,
    district_display_name,
    district_timezone,
    districts_in_state,
    is_valid_district,
)
from app.core_data.us_states import US_STATES, is_valid_us_state


def test_ninety_four_districts() -> None:
    assert len(DISTRICTS) == 94
    assert all(d.court_id == key and key.islower() for key, d in DISTRICTS.items())


def test_districts_per_circuit() -> None:
    # 28 U.S.C. 41 with the territorial courts: 1st 5 (incl. P.R.), 3rd 6 (incl. V.I.),
    # 9th 15 (incl. Guam and N. Mariana Is.).
    counts = Counter(d.circuit for d in DISTRICTS.values())
    assert counts == {
        "1st": 5, "2nd": 6, "3rd": 6, "4th": 9, "5th": 9, "6th": 9,
        "7th": 7, "8th": 10, "9th": 15, "10th": 8, "11th": 9, "D.C.": 1,
    }  # fmt: skip
    assert set(counts) == set(CIRCUITS)


def test_every_state_and_territory_with_a_court_has_a_district() -> None:
    states_with_courts = {d.state for d in DISTRICTS.values()}
    assert states_with_courts == set(US_STATES) - {"AS"}
    assert len(districts_in_state("TX")) == 4
    assert len(districts_in_state("ca")) == 4
    assert [d.court_id for d in districts_in_state("MD")] == ["mdd"]


def test_every_timezone_loads() -> None:
    for d in DISTRICTS.values():
        assert ZoneInfo(d.timezone) == d.tzinfo


@pytest.mark.parametrize(
    ("court_id", "name", "state", "circuit", "tz"),
    [
        ("mdd", "District of Maryland", "MD", "4th", "America/New_York"),
        ("txsd", "Southern District of Texas", "TX", "5th", "America/Chicago"),
        ("txwd", "Western District of Texas", "TX", "5th", "America/Chicago"),
        ("txed", "Eastern District of Texas", "TX", "5th", "America/Chicago"),
        ("cacd", "Central District of California", "CA", "9th", "America/Los_Angeles"),
        ("azd", "District of Arizona", "AZ", "9th", "America/Phoenix"),
        ("gud", "District of Guam", "GU", "9th", "Pacific/Guam"),
        ("nmid", "District of the Northern Mariana Islands", "MP", "9th", "Pacific/Saipan"),
        ("prd", "District of Puerto Rico", "PR", "1st", "America/Puerto_Rico"),
        ("vid", "District of the Virgin Islands", "VI", "3rd", "America/St_Thomas"),
        ("dcd", "District of Columbia", "DC", "D.C.", "America/New_York"),
        ("gamd", "Middle District of Georgia", "GA", "11th", "America/New_York"),
        ("lawd", "Western District of Louisiana", "LA", "5th", "America/Chicago"),
        ("wawd", "Western District of Washington", "WA", "9th", "America/Los_Angeles"),
        ("hid", "District of Hawaii", "HI", "9th", "Pacific/Honolulu"),
        ("akd", "District of Alaska", "AK", "9th", "America/Anchorage"),
    ],
)
def test_known_districts(court_id: str, name: str, state: str, circuit: str, tz: str) -> None:
    d = district(court_id)
    assert (d.name, d.state, d.circuit, d.timezone) == (name, state, circuit, tz)
    assert district_display_name(court_id) == name
    assert district_timezone(court_id) == tz
    territorial = {"gud": "District Court of Guam", "nmid": "District Court for the Northern Mariana Islands",
                   "vid": "District Court of the Virgin Islands"}  # Article IV courts keep their own names
    assert district_court_name(court_id) == territorial.get(court_id, f"United States District Court for the {name}")


def test_circuit_court_names() -> None:
    assert district("mdd").circuit_court_name == "United States Court of Appeals for the 4th Circuit"
    assert district("dcd").circuit_court_name.endswith("District of Columbia Circuit")


def test_lookup_is_case_insensitive() -> None:
    assert is_valid_district("MDD")
    assert is_valid_district(" txsd ")
    assert district_display_name("TXSD") == "Southern District of Texas"


@pytest.mark.parametrize("bad", ["", "md", "mdd1", "txd", "nyd", "cad", "asd", "cafc", "dc", None, 4])
def test_invalid_districts(bad: object) -> None:
    assert not is_valid_district(bad)
    with pytest.raises(KeyError):
        district(bad)  # type: ignore[arg-type]


def test_us_states() -> None:
    assert len(US_STATES) == 56  # 50 states + DC + AS, GU, MP, PR, VI
    assert is_valid_us_state("TX") and is_valid_us_state("PR")
    assert not is_valid_us_state("tx") and not is_valid_us_state("XX") and not is_valid_us_state(None)
