"""Facility CSV parsing and the packaged seed list (facility_csv.py, docs/facilities_csv.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.core_data.districts import DISTRICTS, is_valid_district
from app.custody.facility_csv import (
    COLUMNS,
    ICE_FIELD_OFFICES,
    facility_identity,
    load_seed_facilities,
    parse_facilities_csv,
)
from app.custody.statuses import FacilityType

SEED = Path(__file__).resolve().parents[2] / "app" / "custody" / "data" / "facilities.csv"
HEADER = "name,type,city,state,country,federal_district,circuit,ice_field_office,as_of,verified,external_id"


def codes(errors: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(e["line"], e["column"], e["code"]) for e in errors]


# --- the seed file -------------------------------------------------------------------------------


def test_seed_file_parses_cleanly() -> None:
    rows, errors = parse_facilities_csv(SEED.read_text(encoding="utf-8"))
    assert errors == []
    assert rows == load_seed_facilities()
    us = [r for r in rows if r["country"] == "US"]
    assert len(us) >= 30
    assert len({r["state"] for r in us}) >= 10
    for r in us:
        assert is_valid_district(r["federal_district"]), r["name"]
        district = DISTRICTS[r["federal_district"]]
        assert district.state == r["state"], r["name"]
        assert r["circuit"] == district.circuit, r["name"]
        assert r["ice_field_office"] in ICE_FIELD_OFFICES, r["name"]
        assert r["external_id"], r["name"]


def test_seed_rows_are_honestly_labelled() -> None:
    for r in load_seed_facilities():
        assert r["source"] and isinstance(r["as_of"], date)
        assert r["verified"] is False  # nobody has checked every field against a current source yet
        assert r["custodian_name"] is None  # wardens change; organisations fill them in


def test_seed_has_cecot_as_foreign_prison() -> None:
    foreign = [r for r in load_seed_facilities() if r["type"] == FacilityType.FOREIGN_PRISON]
    assert foreign
    cecot = next(r for r in foreign if "CECOT" in r["name"])
    assert (cecot["country"], cecot["city"], cecot["county"]) == ("SV", "Tecoluca", "San Vicente")
    assert cecot["state"] is None  # the model's state column holds USPS codes only
    assert cecot["federal_district"] is None and cecot["circuit"] is None


@pytest.mark.parametrize(
    ("name", "district", "office"),
    [
        ("Stewart Detention Center", "gamd", "Atlanta"),
        ("Adelanto ICE Processing Center", "cacd", "Los Angeles"),
        ("Otay Mesa Detention Center", "casd", "San Diego"),
        ("South Texas ICE Processing Center", "txwd", "San Antonio"),
        ("Port Isabel Service Processing Center", "txsd", "Harlingen"),
        ("Krome North Service Processing Center", "flsd", "Miami"),
        ("Northwest ICE Processing Center", "wawd", "Seattle"),
        ("Eloy Detention Center", "azd", "Phoenix"),
        ("Moshannon Valley Processing Center", "pawd", "Philadelphia"),
        ("Elizabeth Detention Center", "njd", "Newark"),
        ("Buffalo (Batavia) Service Processing Center", "nywd", "Buffalo"),
        ("Central Louisiana ICE Processing Center", "lawd", "New Orleans"),
        ("IAH Secure Adult Detention Facility", "txed", "Houston"),
        ("Broadview Service Staging Facility", "ilnd", "Chicago"),
        ("Baltimore Hold Room", "mdd", "Baltimore"),
        ("Farmville Detention Center", "vaed", "Washington"),
    ],
)
def test_seed_spot_checks(name: str, district: str, office: str) -> None:
    row = next(r for r in load_seed_facilities() if r["name"] == name)
    assert (row["federal_district"], row["ice_field_office"]) == (district, office)


def test_seed_header_is_the_documented_layout() -> None:
    header = SEED.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == list(COLUMNS)
    doc = (SEED.parents[3] / "docs" / "facilities_csv.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in doc


# --- encodings and dialects ----------------------------------------------------------------------


def test_bom_semicolons_and_bytes_give_the_same_rows() -> None:
    text = SEED.read_text(encoding="utf-8")
    expected, _ = parse_facilities_csv(text)
    semicolons = text.replace(";", ".").replace(",", ";")  # the seed has no quoted commas
    for variant in ("\ufeff" + text, ("\ufeff" + text).encode("utf-8"), text.encode("utf-8"), semicolons):
        rows, errors = parse_facilities_csv(variant)
        assert errors == []
        assert [r["external_id"] for r in rows] == [r["external_id"] for r in expected]


def test_invalid_utf8_reports_the_line() -> None:
    data = (HEADER + "\nStewart,ice_spc,Lumpkin,GA,US,gamd,,,,,\nBad\xff,x\n").encode("latin-1")
    rows, errors = parse_facilities_csv(data)
    assert rows == [] and codes(errors) == [(3, None, "invalid_encoding")]


@pytest.mark.parametrize("text", ["", "   \n", b""])
def test_empty_file(text: str | bytes) -> None:
    assert codes(parse_facilities_csv(text)[1]) == [(1, None, "empty_file")]


# --- header problems -----------------------------------------------------------------------------


def test_header_problems() -> None:
    rows, errors = parse_facilities_csv("name,type,federal_distrct,name\nA,ice_spc,mdd,A\n")
    assert rows == []
    assert set(codes(errors)) == {
        (1, "name", "duplicate_column"),
        (1, "federal_distrct", "unknown_column"),
        (1, "city", "missing_column"),
        (1, "state", "missing_column"),
    }


def test_header_is_case_and_space_insensitive() -> None:
    rows, errors = parse_facilities_csv(
        "Name , TYPE,City,State,Federal District\nX Jail,igsa_county_jail,Towson,MD,MDD\n"
    )
    assert errors == []
    assert rows[0]["federal_district"] == "mdd" and rows[0]["circuit"] == "4th"
    assert rows[0]["country"] == "US" and rows[0]["verified"] is False


# --- row validation ------------------------------------------------------------------------------

BAD = "\n".join(
    [
        HEADER,
        "Good Facility,ice_spc,Miami,FL,US,flsd,11th,Miami,2025-01-31,true,us-fl-good",  # 2 ok
        ",ice_spc,Miami,FL,US,flsd,,,,,",  # 3 no name
        "Bad Type,prison,Miami,FL,US,flsd,,,,,",  # 4
        "Bad District,ice_spc,Miami,FL,US,fld,,,,,",  # 5
        "Wrong State,ice_spc,Miami,FL,US,mdd,,,,,",  # 6
        "No District,ice_spc,Miami,FL,US,,,,,,",  # 7
        "Bad Circuit,ice_spc,Miami,FL,US,flsd,5th,,,,",  # 8
        "Bad Date,ice_spc,Miami,FL,US,flsd,,,2025-02-30,,",  # 9
        "US Date,ice_spc,Miami,FL,US,flsd,,,03/12/2025,,",  # 10
        "Bad Bool,ice_spc,Miami,FL,US,flsd,,,,yes,",  # 11
        "Bad State,ice_spc,Miami,XX,US,flsd,,,,,",  # 12
        "No State,ice_spc,Miami,,US,flsd,,,,,",  # 13
        "Bad Country,foreign_prison,Somewhere,,XK,,,,,,",  # 14
        "Abroad District,foreign_prison,Tecoluca,San Vicente,SV,flsd,,,,,",  # 15
        "Bad Office,ice_spc,Miami,FL,US,flsd,,Gotham,,,",  # 16
        "Short Row,ice_spc,Miami",  # 17
        "Bidi \u202eevil,ice_spc,Miami,FL,US,flsd,,,,,",  # 18
        "Bad Id,ice_spc,Miami,FL,US,flsd,,,,,Has Spaces",  # 19
        "Good Facility,ice_spc,Miami,FL,US,flsd,,,,,us-fl-good",  # 20 duplicate external_id
        "Second,ice_spc,Miami,FL,US,flsd,,,,,",  # 21 ok (no external id)
        "SECOND,ice_spc,Miami,FL,US,flsd,,,,,",  # 22 duplicate name+state, case-insensitive
        "",
    ]
)


def test_bad_rows_report_line_column_code() -> None:
    rows, errors = parse_facilities_csv(BAD)
    assert [r["line"] for r in rows] == [2, 21]
    assert codes(errors) == [
        (3, "name", "missing_required"),
        (4, "type", "invalid_type"),
        (5, "federal_district", "invalid_district"),
        (6, "federal_district", "district_state_mismatch"),
        (7, "federal_district", "federal_district_required"),  # FL has three districts
        (8, "circuit", "circuit_mismatch"),
        (9, "as_of", "invalid_date"),
        (10, "as_of", "invalid_date"),
        (11, "verified", "invalid_boolean"),
        (12, "state", "invalid_state"),
        (13, "state", "state_required"),
        (14, "country", "invalid_country"),
        (15, "state", "invalid_state"),  # as the API answers: "San Vicente" is no USPS code
        (15, "federal_district", "district_abroad"),
        (16, "ice_field_office", "invalid_field_office"),
        (17, None, "wrong_field_count"),
        (18, "name", "invalid_characters"),
        (19, "external_id", "invalid_external_id"),
        (20, "external_id", "duplicate_row"),
        (22, "name", "duplicate_row"),
    ]
    assert all(e["message"] for e in errors)
    good = rows[0]
    assert good["as_of"] == date(2025, 1, 31) and good["verified"] is True
    assert good["type"] == FacilityType.ICE_SPC


def test_multiline_quoted_field_keeps_line_numbers() -> None:
    text = (
        HEADER + ",notes\n" + 'A,ice_spc,Miami,FL,US,flsd,,,,,,"two\nlines"\nB,nope,Miami,FL,US,flsd,,,,,,\n'
    )
    rows, errors = parse_facilities_csv(text)
    assert rows[0]["notes"] == "two\nlines"
    assert codes(errors) == [(4, "type", "invalid_type")]


def test_visitation_info_may_span_lines() -> None:
    text = HEADER + ",visitation_info\n" + 'A,ice_spc,Miami,FL,US,flsd,,,,,,"Sat 8-3\nSun 8-3"\n'
    rows, errors = parse_facilities_csv(text)
    assert errors == [] and rows[0]["visitation_info"] == "Sat 8-3\nSun 8-3"
    rows, errors = parse_facilities_csv(HEADER + "\n" + 'A,ice_spc,"Mi\nami",FL,US,flsd,,,,,\n')
    assert codes(errors) == [(2, "city", "invalid_characters")]


def test_malformed_csv() -> None:
    rows, errors = parse_facilities_csv(HEADER + '\n"unterminated,ice_spc,Miami\n')
    assert [e["code"] for e in errors] == ["malformed_csv"]


def test_normalisations() -> None:
    text = (
        HEADER
        + ",aliases,zip\n"
        + "  Krome   North ,ICE_SPC,Miami,fl,us,FLSD,11,miami,,TRUE,,A| B ||C,33194\n"
    )
    rows, errors = parse_facilities_csv(text)
    assert errors == []
    row = rows[0]
    assert row["name"] == "Krome North"
    assert (row["state"], row["country"], row["federal_district"]) == ("FL", "US", "flsd")
    assert (row["circuit"], row["ice_field_office"], row["verified"]) == ("11th", "Miami", True)
    assert row["aliases"] == ["A", "B", "C"]


def test_too_long_value() -> None:
    # The API's limit (FacilityCreate.name: 300 characters), not a limit of the file's own.
    assert parse_facilities_csv(HEADER + "\n" + "N" * 300 + ",ice_spc,Miami,FL,US,flsd,,,,,\n")[1] == []
    rows, errors = parse_facilities_csv(HEADER + "\n" + "N" * 301 + ",ice_spc,Miami,FL,US,flsd,,,,,\n")
    assert codes(errors) == [(2, "name", "too_long")]


def test_identity() -> None:
    assert facility_identity({"external_id": "us-ga-stewart", "name": "X"}) == (
        "external_id",
        "us-ga-stewart",
    )
    a = facility_identity({"name": "Ábrego Jail", "state": "MD", "country": "US"})
    b = facility_identity({"name": "abrego  jail", "state": "md", "country": "US"})
    assert a == b and a[0] == "name_state"


def test_a_file_that_is_no_facility_csv_is_a_problem_even_in_a_dry_run(client: Any, org_a: Any) -> None:
    """Not a CSV of facilities (the fuzzer's upload of "null"): 422, with the file's problems, never 200."""
    r = client.post("/api/v1/facilities/import", headers=org_a.h("paralegal"), params={"dry_run": "true"},
                    files={"file": ("f.csv", b"null", "text/csv")})
    assert r.status_code == 422 and r.json()["code"] == "import_invalid"
    assert {e["code"] for e in r.json()["errors"]} >= {"unknown_column"}
