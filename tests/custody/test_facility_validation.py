"""One validator per entity: a facility CSV row and POST /facilities give the same answer, with the same code."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from app.custody.facility_csv import parse_facilities_csv

FAC = "/api/v1/facilities"
BASE: dict[str, Any] = {"name": "Fictional Detention Annex", "type": "ice_contract", "city": "Baltimore",
                        "state": "MD", "country": "US"}


def _csv(body: dict[str, Any]) -> str:
    row = {k: ("|".join(v) if isinstance(v, list) else ("" if v is None else str(v))) for k, v in body.items()}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


def _api_codes(resp: Any) -> set[str]:
    """The rule's code (top level) for a rule, or the schema's error types for a field problem."""
    body = resp.json()
    if body["code"] == "validation_error":
        return {e["type"] for e in body["errors"]}
    return {body["code"]}


@pytest.mark.parametrize("over", [
    {"state": "ZZ"},                                   # invalid_state
    {"country": "XK", "state": None},                  # invalid_country
    {"type": "castle"},                                # invalid_type
    {"zip": "ABCDE"},                                  # invalid_zip
    {"external_id": "Has Spaces"},                     # invalid_external_id
    {"name": "Bidi \u202eevil"},                       # invalid_characters
    {"ice_detloc_code": "ab-12"},                      # invalid_detloc_code
    {"as_of": "03/12/2025"},                           # invalid_date
    {"state": "TX"},                                   # federal_district_required (four districts)
    {"federal_district": "txsd"},                      # district_state_mismatch
    {"federal_district": "zzz"},                       # invalid_district
    {"state": None},                                   # state_required
    {"country": "SV", "state": None, "federal_district": "txsd"},  # district_abroad
    {"country": "SV"},                                 # state_abroad
    {"ice_field_office": "Gotham"},                    # invalid_field_office
    {"name": "N" * 301},                               # string_too_long / too_long
    {"state": "TX", "county": "Cameron", "federal_district": "txwd"},  # district_county_mismatch (§ 124(b))
])
def test_csv_row_and_api_report_the_same_code(client: Any, org_a: Any, over: dict[str, Any]) -> None:
    body = {**BASE, **over}
    resp = client.post(FAC, headers=org_a.h("paralegal"), json={k: v for k, v in body.items() if v is not None})
    assert resp.status_code == 422, resp.text
    api = _api_codes(resp)
    rows, errors = parse_facilities_csv(_csv(body))
    assert rows == [] and errors
    file_codes = {e["code"] for e in errors}
    # pydantic's own error types keep their name in the API and are named for people in the file.
    api = {{"string_too_long": "too_long"}.get(c, c) for c in api}
    assert file_codes == api, (file_codes, api)


@pytest.mark.parametrize(("state", "district"), [("MD", "mdd"), ("CO", "cod"), ("AZ", "azd"), ("NJ", "njd")])
def test_a_states_only_district_is_filled_in_by_both(client: Any, org_a: Any, state: str, district: str) -> None:
    body = {**BASE, "state": state, "name": f"Single District Annex {state}"}
    resp = client.post(FAC, headers=org_a.h("paralegal"), json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["federal_district"] == district
    rows, errors = parse_facilities_csv(_csv(body))
    assert errors == [] and rows[0]["federal_district"] == district
    assert rows[0]["circuit"] == resp.json()["circuit"]


def test_valid_row_equals_the_api_normalisation(client: Any, org_a: Any) -> None:
    body = {**BASE, "name": "  Fictional   Center ", "type": "ICE_CONTRACT", "state": "md", "country": "us",
            "federal_district": "MDD", "ice_field_office": "baltimore", "ice_detloc_code": "fic01",
            "aliases": ["Annex", " Fictional Annex "], "as_of": "2026-12-01", "zip": "21201"}
    resp = client.post(FAC, headers=org_a.h("paralegal"), json=body)
    assert resp.status_code == 201, resp.text
    api = resp.json()
    rows, errors = parse_facilities_csv(_csv(body))
    assert errors == []
    row = rows[0]
    for key in ("type", "state", "country", "federal_district", "circuit", "ice_field_office", "ice_detloc_code",
                "aliases", "zip"):
        assert str(getattr(row[key], "value", row[key])) == str(api[key]), key
    assert row["as_of"].isoformat() == api["as_of"]
    # A file also tidies runs of spaces (spreadsheet padding); the API keeps what was typed.
    assert row["name"] == "Fictional Center" and api["name"] == "Fictional   Center"


@pytest.mark.parametrize(("state", "county", "district"), [("TX", "Cameron County", "txsd"), ("TX", "Willacy", "txsd"),
                                                           ("TX", "Frio", "txwd"), ("CA", "Kern", "caed"),
                                                           ("GA", "Charlton", "gasd")])
def test_the_countys_district_is_filled_in_by_both(client: Any, org_a: Any, state: str, county: str,
                                                  district: str) -> None:
    """Where 28 U.S.C. §§ 81-131 place the county, the district need not be typed (and cannot contradict it)."""
    body = {**BASE, "state": state, "county": county, "name": f"County Annex {county}"}
    resp = client.post(FAC, headers=org_a.h("paralegal"), json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["federal_district"] == district
    rows, errors = parse_facilities_csv(_csv(body))
    assert errors == [] and rows[0]["federal_district"] == district


def test_county_mismatch_names_the_statute(client: Any, org_a: Any) -> None:
    body = {**BASE, "state": "TX", "county": "Cameron", "federal_district": "txwd"}
    problem = client.post(FAC, headers=org_a.h("paralegal"), json=body).json()
    assert problem["code"] == "district_county_mismatch"
    assert "txsd" in problem["detail"] and "28 U.S.C. § 124" in problem["detail"]
