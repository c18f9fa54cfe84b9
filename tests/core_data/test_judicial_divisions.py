"""Districts and divisions by county (28 U.S.C. §§ 81–131), and every seeded facility checked against them."""

from __future__ import annotations

import pytest

from app.core_data.districts import DISTRICTS, districts_in_state
from app.core_data.judicial_divisions import (
    STATE_DATA,
    county_key,
    district_for,
    district_record,
    division_for,
    division_rule,
)
from app.custody.facility_csv import load_seed_facilities
from app.filings import divisions as filing_divisions

# Counties (parishes in Louisiana; counties and independent cities in Virginia) per the Census Bureau's
# 2020 list, for the states with more than one district.
CENSUS_COUNTY_COUNTS = {"CA": 58, "FL": 67, "GA": 159, "IL": 102, "LA": 64, "MI": 83, "MS": 82, "NY": 62,
                        "PA": 67, "TX": 254, "VA": 133, "WA": 39}


def test_every_record_is_sourced_and_unverified_until_checked() -> None:
    for state, records in STATE_DATA.items():
        for rec in records:
            assert DISTRICTS[rec.district].state == state
            assert rec.source.startswith("28 U.S.C. § ") and rec.as_of and rec.verified is False
            for rule in rec.divisions:
                assert rule.source and rule.as_of and rule.verified is False
                assert rule.counties <= rec.counties
            if not rec.divisions:
                assert rec.division_note, rec.district


@pytest.mark.parametrize("state", sorted(STATE_DATA))
def test_counties_belong_to_one_district_and_one_division(state: str) -> None:
    seen: dict[str, str] = {}
    for rec in STATE_DATA[state]:
        for key in rec.counties:
            assert key not in seen, f"{key} in {seen.get(key)} and {rec.district}"
            seen[key] = rec.district
        in_divisions = [k for rule in rec.divisions for k in rule.counties]
        assert len(in_divisions) == len(set(in_divisions))
        if rec.divisions and rec.complete:
            assert set(in_divisions) == set(rec.counties), rec.district
    if all(r.complete for r in STATE_DATA[state]) and len(districts_in_state(state)) > 1:
        assert len(seen) == CENSUS_COUNTY_COUNTS[state]
        assert {r.district for r in STATE_DATA[state]} == {d.court_id for d in districts_in_state(state)}


@pytest.mark.parametrize(("state", "county", "district", "division"), [
    ("TX", "Cameron County", "txsd", "Brownsville"),      # Port Isabel SPC, § 124(b)
    ("TX", "Willacy", "txsd", "Brownsville"),             # El Valle, § 124(b)
    ("TX", "Frio", "txwd", "San Antonio"),                # Dilley and Pearsall, § 124(d)
    ("TX", "El Paso", "txwd", "El Paso"),
    ("TX", "Polk", "txed", "Lufkin"),                     # § 124(c)
    ("TX", "Johnson", "txnd", "Dallas"),                  # § 124(a)
    ("MD", "Prince George's County", "mdd", "Southern"),  # § 100(2)
    ("MD", "Saint Marys", "mdd", "Southern"),
    ("MD", "Baltimore City", "mdd", "Northern"),          # § 100(1)
    ("MD", "Anne Arundel", "mdd", "Northern"),
    ("GA", "Stewart", "gamd", "Columbus"),                # § 90(b)
    ("GA", "Charlton", "gasd", "Waycross"),               # § 90(c)
    ("CA", "San Bernardino", "cacd", "Eastern"),          # § 84(c)
    ("CA", "San Diego", "casd", None),                    # § 84(d): no divisions
    ("NY", "Brooklyn", "nyed", None),
    ("NJ", "Union", "njd", None),                         # § 110: one district, no divisions
    ("IL", "Cook", "ilnd", "Eastern"),                    # § 93(a)
    ("IL", "Sangamon", "ilcd", None),                     # § 93(b)
    ("MS", "Adams", "mssd", "Western"),                   # § 104(b)(4)
    ("MS", "DeSoto", "msnd", "Oxford"),                   # § 104(a)
    ("VA", "Prince Edward", "vaed", "Richmond"),          # § 127(a): Farmville
    ("VA", "Caroline", "vaed", "Richmond"),
    ("VA", "Falls Church City", "vaed", "Alexandria"),
    ("VA", "Albemarle", "vawd", None),
    ("LA", "LaSalle Parish", "lawd", None),
])
def test_known_places(state: str, county: str, district: str, division: str | None) -> None:
    assert district_for(state, county) == district
    assert division_for(district, county) == division
    assert filing_divisions.division_for(district, county) == division


def test_unknown_and_missing() -> None:
    assert district_for("TX", None) is None and district_for("TX", "Atlantis") is None
    assert district_for("CO", None) == "cod"  # one district: the county does not matter
    assert district_for(None, "Cameron") is None
    assert division_for("txsd", None) is None and division_for(None, "Cameron") is None
    assert division_for("zzz", "Cameron") is None and district_record("zzz") is None
    rule = division_rule("mdd", "Montgomery")
    assert rule is not None and rule.source == "28 U.S.C. § 100" and rule.verified is False
    assert county_key("St. Mary's County") == county_key("Saint Marys") == county_key("st marys")
    assert county_key("Doña Ana County") == "donaana"


def test_every_seeded_facility_sits_in_its_statutory_district_and_division() -> None:
    """Each bundled U.S. facility's district (and division where recorded) as 28 U.S.C. §§ 81–131 give it."""
    rows = [r for r in load_seed_facilities() if r["country"] == "US"]
    assert len(rows) >= 45
    for row in rows:
        expected = district_for(row["state"], row["county"])
        assert expected is not None, f"{row['name']}: {row['state']}/{row['county']} not transcribed"
        assert row["federal_district"] == expected, row["name"]
        assert row["circuit"] == DISTRICTS[expected].circuit, row["name"]
        rec = district_record(expected)
        assert rec is not None
        if rec.divisions:
            assert division_for(expected, row["county"]) is not None, row["name"]


def test_the_brownsville_facilities() -> None:
    by_name = {r["name"]: r for r in load_seed_facilities()}
    for name in ("Port Isabel Service Processing Center", "El Valle Detention Facility"):
        row = by_name[name]
        assert row["federal_district"] == "txsd"
        assert division_for(row["federal_district"], row["county"]) == "Brownsville"
    dilley = by_name["South Texas Family Residential Center"]
    assert (dilley["city"], dilley["county"], dilley["federal_district"]) == ("Dilley", "Frio", "txwd")
    assert division_for("txwd", dilley["county"]) == "San Antonio"
