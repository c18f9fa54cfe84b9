"""Template registry: every missing field reported at once, option validation, listing, and the
district table."""

from __future__ import annotations

from datetime import date

import pytest

from app.filings.districts import DISTRICTS, district_circuit, district_display_name, get_district
from app.filings.registry import (
    FilingDataError,
    UnknownTemplate,
    invalid_options,
    missing_fields,
    registry_listing,
)
from app.filings.render.renderer import render_html
from app.filings.viewmodels import (
    AttorneyView,
    ClientView,
    FacilityView,
    FilingRecord,
    PersonName,
    ProceedingView,
    RespondentView,
)

from .conftest import ATTORNEY, FACILITY, context_for

BARE = FilingRecord(
    client=ClientView(name=PersonName(given_names="Ana", first_surname="Pérez")),
    today=date(2026, 11, 16),
)


def test_habeas_lists_every_missing_field_at_once() -> None:
    assert missing_fields("habeas_2241", BARE) == ["client.current_facility", "attorney"]
    facility = FacilityView(name="County Jail", city="Springfield", state="MD")
    attorney = AttorneyView(full_name="A. Lawyer")
    ctx = BARE.model_copy(update={
        "client": BARE.client.model_copy(update={"current_facility": facility}), "attorney": attorney})
    assert missing_fields("habeas_2241", ctx) == [
        "facility.federal_district", "facility.custodian_name", "facility.ice_field_office",
        "attorney.bar_number", "attorney.address_lines", "attorney.phone", "attorney.email",
    ]
    with pytest.raises(FilingDataError) as info:
        render_html("habeas_2241", ctx)
    assert info.value.missing == missing_fields("habeas_2241", ctx)


def test_removed_client_needs_the_last_us_facility() -> None:
    ctx = BARE.model_copy(update={"removed": True, "attorney": ATTORNEY})
    assert missing_fields("habeas_2241", ctx) == ["last_us_facility"]
    ok = ctx.model_copy(update={"last_us_facility": FACILITY})
    assert missing_fields("habeas_2241", ok) == []


def test_named_custodian_respondent_satisfies_the_custodian_field() -> None:
    facility = FACILITY.model_copy(update={"custodian_name": None})
    ctx = context_for("habeas_2241", facility=facility)
    assert missing_fields("habeas_2241", ctx) == ["facility.custodian_name"]
    named = ctx.model_copy(update={"respondents": [
        RespondentView(name="Pat Doe", title="Superintendent", role="immediate_custodian")]})
    assert missing_fields("habeas_2241", named) == []


def test_docket_templates_need_the_proceeding() -> None:
    ctx = BARE.model_copy(update={"attorney": ATTORNEY})
    assert missing_fields("status_report", ctx) == [
        "proceeding.district", "proceeding.docket_number", "options.order_reference",
        "options.report_text"]
    assert missing_fields("notice_of_compliance", ctx) == [
        "proceeding.district", "proceeding.docket_number", "options.order_reference",
        "options.obligation_description", "options.compliance_items"]
    with_case = ctx.model_copy(update={"proceeding": ProceedingView(district="txsd"),
                                       "options": {"order_reference": "ECF 3", "report_text": "x"}})
    assert missing_fields("status_report", with_case) == ["proceeding.docket_number"]


def test_declaration_and_service_options() -> None:
    assert missing_fields("declaration", BARE) == [
        "client.current_facility", "options.declarant_name", "options.place_of_execution",
        "options.execution_country", "options.statements"]
    assert missing_fields("certificate_of_service", BARE) == [
        "client.current_facility", "attorney", "options.document_title", "options.served_parties",
        "options.service_method"]
    next_friend = context_for("habeas_2241", options={"verifier": "next_friend"})
    assert missing_fields("habeas_2241", next_friend) == ["options.verifier_name"]


def test_unknown_district_is_reported() -> None:
    ctx = context_for("habeas_2241", facility=FACILITY.model_copy(update={"federal_district": "xxd"}))
    assert missing_fields("habeas_2241", ctx) == ["facility.federal_district"]


def test_invalid_options_are_all_reported() -> None:
    problems = invalid_options("declaration", {
        "declarant_name": 5, "execution_country": "ZZ", "statements": ["ok", 3],
        "executed_on": "2026-13-01", "verb": "swear", "surprise": True})
    assert problems == [
        "options.surprise: not accepted by this template",
        "options.declarant_name: must be a string",
        "options.execution_country: must be an ISO 3166-1 alpha-2 country code",
        "options.statements: must be a list of strings",
        "options.executed_on: must be a date (YYYY-MM-DD)",
        "options.verb: must be one of: declare, certify, verify, state",
    ]
    assert invalid_options("declaration", {"statements": ["x" * 10_001]}) == [
        "options.statements: each item at most 10000 characters"]
    assert invalid_options("habeas_2241", {"relief": ["x"] * 21}) == [
        "options.relief: at most 20 items"]
    with pytest.raises(FilingDataError) as info:
        render_html("declaration", context_for("declaration", options={"statements": "one"}))
    assert info.value.invalid == ["options.statements: must be a list of strings"]


def test_unknown_template() -> None:
    with pytest.raises(UnknownTemplate):
        missing_fields("affidavit", BARE)


def test_registry_listing_shape() -> None:
    listing = registry_listing()
    assert [t["key"] for t in listing] == ["habeas_2241", "tro_motion", "status_report",
                                          "notice_of_compliance", "declaration",
                                          "certificate_of_service", "proposed_order",
                                          "proposed_order_to_show_cause", "civil_cover_sheet",
                                          "sealed_identifiers", "supplemental_motion", "tro_memorandum"]
    for entry in listing:
        assert entry["title"] and entry["version"] == "2026.12.1" and entry["description"]
        for opt in entry["options"]:
            assert {"name", "type", "required", "description"} <= set(opt)
    declaration = next(t for t in listing if t["key"] == "declaration")
    names = {o["name"]: o for o in declaration["options"]}
    assert names["execution_country"]["type"] == "country" and names["execution_country"]["required"]
    assert "facility.custodian_name" in listing[0]["required_fields"]


def test_district_table() -> None:
    assert len(DISTRICTS) == 94
    assert district_display_name("mdd") == "District of Maryland"
    assert district_display_name("txsd") == "Southern District of Texas"
    assert district_display_name("cacd") == "Central District of California"
    assert district_display_name("dcd") == "District of Columbia"
    assert district_display_name("prd") == "District of Puerto Rico"
    assert district_circuit("prd") == "1st" and district_circuit("dcd") == "D.C."
    assert get_district("gud").court_name == "District Court of Guam"
    assert get_district("vid").circuit == "3rd" and get_district("nmid").circuit == "9th"
    assert get_district("MDD").name == "District of Maryland"
    assert get_district("nope") is None
    with pytest.raises(KeyError):
        district_display_name("nope")


def test_territorial_court_caption() -> None:
    guam = FACILITY.model_copy(update={"federal_district": "gud", "division": None})
    html = render_html("habeas_2241", context_for("habeas_2241", facility=guam))
    assert "DISTRICT COURT OF GUAM" in html and "UNITED STATES DISTRICT COURT" not in html
