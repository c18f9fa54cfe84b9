"""Dated venue scenarios over HTTP, read back from the PDF text: a pending case after a transfer, a new petition
whose proceeding names another district, a removed client, a transfer between two districts of one state;
flight facts, admissions, the signer rule, dates in the court's zone (both backends)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import assert_problem, mint_headers
from tests.factories import add_custody_event, make_client, make_facility, make_proceeding

from .conftest import API, detained_client
from .test_api_filings import assert_court_ready, draft, fetch_pdf

TEMPLATES = ("habeas_2241", "tro_motion", "status_report", "notice_of_compliance", "declaration",
             "certificate_of_service")
MD_RESPONDENTS = [
    {"name": "Dana K. Whitfield", "title": "Warden, Chesapeake Regional Detention Center",
     "role": "immediate_custodian"},
    {"name": None, "title": "Field Office Director, Baltimore Field Office, Enforcement and Removal Operations, "
     "U.S. Immigration and Customs Enforcement", "role": "field_office_director"},
    {"name": None, "title": "Secretary of Homeland Security", "role": "department_head"},
]


def _el_paso(db: Any, org_id: Any) -> Any:
    return make_facility(db, org_id, name="El Paso Service Processing Center", city="El Paso", state="TX",
                         county="El Paso", federal_district="txwd", circuit="5th", ice_field_office="El Paso",
                         custodian_name="Robin Q. Example", custodian_title="Warden")


def _snapshot(api: Any, org: Any, filing_id: str) -> dict[str, Any]:
    return api.get(f"{API}/filings/{filing_id}", headers=org.h("paralegal")).json()["input_snapshot"]


def test_pending_maryland_case_keeps_its_court_after_transfer_to_texas(api: Any, db: Any, org_a: Any) -> None:
    # 2 Nov: detained in Maryland; 3 Nov: petition docketed in D. Md.; 6 Nov: moved to El Paso, Texas.
    client, _ = detained_client(db, org_a.id, a_number="044455566")
    proc = make_proceeding(db, org_a.id, client.id, federal_district="mdd", division="Northern",
                           docket_number="1:26-cv-03100-ABC", judge="Fictional Judge", respondents=MD_RESPONDENTS)
    tx = _el_paso(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 6, 15, 0, tzinfo=UTC),
                      facility_id=tx.id, source_type="ice_locator")
    for template in TEMPLATES:
        r = draft(api, org_a, client.id, template, proceeding_id=proc.id)
        assert r.status_code == 201, (template, r.text)
        pdf, text = fetch_pdf(api, org_a, r.json()["id"])
        assert_court_ready(pdf)
        assert "FOR THE DISTRICT OF MARYLAND" in text and "(Northern Division)" in text, template
        assert "1:26-cv-03100-ABC" in text
        assert "Dana K. Whitfield, Warden, Chesapeake Regional Detention Center" in text
        assert "District of Texas" not in text and "DISTRICT OF TEXAS" not in text, template
        assert "Robin Q. Example" not in text  # the Texas warden is no respondent
        snap = _snapshot(api, org_a, r.json()["id"])
        assert snap["venue"]["rule"] == "endo_docketed_court" and snap["venue"]["court_id"] == "mdd"
    # The petition pleads the transfer as a fact and keeps jurisdiction under Endo.
    r = draft(api, org_a, client.id, "habeas_2241", proceeding_id=proc.id)
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "Ex parte Endo, 323 U.S. 283 (1944)" in text and "El Paso Service Processing Center" in text
    assert "El Paso Service Processing Center in El Paso, TX, within this District" not in text
    assert "within this District" not in text
    assert "Order Respondents to return Petitioner to the District of Maryland" in text
    assert "not transfer Petitioner out of this District" not in text


def test_new_petition_with_a_conflicting_proceeding(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="055566677")
    proc = make_proceeding(db, org_a.id, client.id, federal_district="txsd", docket_number=None)
    body = assert_problem(draft(api, org_a, client.id, proceeding_id=proc.id), 422, "venue_conflict")
    assert body["districts"] == ["mdd", "txsd"]
    assert "District of Maryland" in body["detail"] and "Southern District of Texas" in body["detail"]
    assert "custodian_unknown" in body["venue_bases"]
    # Every template of the proceeding answers the same way (one venue decision).
    assert_problem(draft(api, org_a, client.id, "tro_motion", proceeding_id=proc.id), 422, "venue_conflict")

    opts = {"facts": "Counsel cannot learn who holds Petitioner.", "venue_basis": "custodian_unknown"}
    r = draft(api, org_a, client.id, options=opts, proceeding_id=proc.id)
    assert r.status_code == 201, r.text
    assert "venue_basis_pleaded" in [w["code"] for w in r.json()["warnings"]]
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "FOR THE SOUTHERN DISTRICT OF TEXAS" in text and "DISTRICT OF MARYLAND" not in text
    bad = draft(api, org_a, client.id, options={**opts, "venue_basis": "convenience"}, proceeding_id=proc.id)
    assert_problem(bad, 422, "invalid_filing_options")


def test_removed_client_asks_to_facilitate_return(api: Any, db: Any, org_a: Any) -> None:
    # 2 Nov detained in Maryland; 5 Nov removed to El Salvador (withholding as to El Salvador on record).
    client, _ = detained_client(db, org_a.id, a_number="066600011")
    add_custody_event(db, org_a.id, client.id, "removed_to_designated_country", datetime(2026, 11, 5, tzinfo=UTC),
                      country="SV", source_type="flight_manifest", confidence="reported")
    for template in ("habeas_2241", "tro_motion"):
        r = draft(api, org_a, client.id, template, options={
            **({"notice_efforts": "Counsel emailed the Civil Chief at 9:05 a.m."} if template == "tro_motion"
               else {})})
        assert r.status_code == 201, r.text
        _, text = fetch_pdf(api, org_a, r.json()["id"])
        low = text.lower()
        assert "FOR THE DISTRICT OF MARYLAND" in text
        assert "facilitate petitioner's return" in low
        assert "stay of removal" not in low and "stay removal" not in low
        assert "shall not remove petitioner" not in low
        assert "bond hearing" not in low
        assert "district of confinement" not in low and "within this district" not in low
        assert "Secretary of State" in text and "Dana K. Whitfield" not in text
        if template == "habeas_2241":
            # No detention-statute framework for a person who is abroad (review O6).
            assert "90-day removal period" not in text and "Freedom from imprisonment" not in text
            assert "declining to disturb the order insofar as it required the Government to facilitate" in text
        snap = _snapshot(api, org_a, r.json()["id"])
        assert snap["venue"]["rule"] == "abroad_officials_who_can_effect_return"
        trace = {i["item"]: i for i in snap["pleading"]}
        assert trace["prayer_facilitate_return"]["included"] and not trace["prayer_bond_hearing"]["included"]
        assert not trace["prayer_no_transfer"]["included"]


def test_transfer_between_two_districts_of_one_state(api: Any, db: Any, org_a: Any) -> None:
    houston = make_facility(db, org_a.id, name="Houston Contract Detention Facility", city="Houston", state="TX",
                            county="Harris", federal_district="txsd", circuit="5th", ice_field_office="Houston",
                            custodian_name="Lee M. Sample", custodian_title="Warden")
    client = make_client(db, org_a.id, a_number="077700022")
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 2, 14, tzinfo=UTC),
                      facility_id=houston.id, source_type="ice_locator")
    tx = _el_paso(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 9, 14, tzinfo=UTC),
                      facility_id=tx.id, source_type="ice_locator")
    # A new petition after the move: the district of present confinement, its warden.
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "FOR THE WESTERN DISTRICT OF TEXAS" in text and "Southern District" not in text
    assert "Robin Q. Example, Warden, El Paso Service Processing Center" in text
    # A case docketed in S.D. Tex. before the move stays there.
    proc = make_proceeding(db, org_a.id, client.id, federal_district="txsd", division="Houston",
                           docket_number="4:26-cv-00500", respondents=[
                               {"name": "Lee M. Sample", "title": "Warden, Houston Contract Detention Facility",
                                "role": "immediate_custodian"}])
    for template in ("tro_motion", "status_report"):
        r = draft(api, org_a, client.id, template, proceeding_id=proc.id)
        assert r.status_code == 201, r.text
        _, text = fetch_pdf(api, org_a, r.json()["id"])
        assert "FOR THE SOUTHERN DISTRICT OF TEXAS" in text and "(Houston Division)" in text
        assert "Western District" not in text and "WESTERN DISTRICT" not in text
        assert "Lee M. Sample" in text and "Robin Q. Example" not in text


def test_only_the_signer_finalizes(api: Any, db: Any, settings: Any, org_a: Any) -> None:
    from app.auth.models import UserAccount

    with db.session(write=True) as s:
        other = UserAccount(organization_id=org_a.id, email=f"second-{uuid.uuid4().hex[:8]}@example.org",
                            full_name="Second Attorney", role="attorney", password_hash="x", bar_number="MD-1111")
        s.add(other)
        s.commit()
        s.refresh(other)
    client, _ = detained_client(db, org_a.id, a_number="088800033")
    filing = draft(api, org_a, client.id).json()  # signed by org_a's attorney
    url = f"{API}/filings/{filing['id']}/finalize"
    body = assert_problem(api.post(url, headers=mint_headers(settings, other)), 403, "not_signer")
    assert body["attorney_id"] == str(org_a.users["attorney"].id)
    assert api.post(url, headers=org_a.h("attorney")).status_code == 200


def test_document_dated_before_what_it_reports(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="099900044")  # detained 2 Nov 2026
    from .conftest import OPTIONS

    body = assert_problem(draft(api, org_a, client.id, options={**OPTIONS["habeas_2241"],
                                                                 "document_date": "2026-11-01"}),
                          422, "date_out_of_order")
    assert body["document_date"] == "2026-11-01" and body["latest_event_date"] == "2026-11-02"
    cos = {**OPTIONS["certificate_of_service"], "document_date": "2026-11-20", "service_date": "2026-11-21"}
    assert_problem(draft(api, org_a, client.id, "certificate_of_service", options=cos), 422, "date_out_of_order")
    ok = draft(api, org_a, client.id, options={**OPTIONS["habeas_2241"], "document_date": "2026-11-20"})
    assert ok.status_code == 201, ok.text
    _, text = fetch_pdf(api, org_a, ok.json()["id"])
    assert "Dated: November 20, 2026" in text
    bad_tz = draft(api, org_a, client.id, options={**OPTIONS["habeas_2241"], "timezone": "Mars/Olympus"})
    assert "options.timezone" in " ".join(assert_problem(bad_tz, 422, "invalid_filing_options")["invalid"])


def test_event_dates_are_the_courts_calendar_dates(api: Any, db: Any, org_a: Any) -> None:
    otay = make_facility(db, org_a.id, name="Otay Mesa Detention Center", city="San Diego", state="CA",
                         county="San Diego", federal_district="casd", circuit="9th", ice_field_office="San Diego",
                         custodian_name="Kim R. Example", custodian_title="Warden")
    client = make_client(db, org_a.id, a_number="011100055")
    # 06:30 UTC on 3 Nov is 10:30 p.m. on 2 Nov in San Diego (the organization is in New York).
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 3, 6, 30, tzinfo=UTC),
                      facility_id=otay.id, source_type="ice_locator")
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "On November 2, 2026: Detained" in text and "On November 3, 2026" not in text
    assert _snapshot(api, org_a, r.json()["id"])["timezone"] == "America/Los_Angeles"
    from .conftest import OPTIONS

    r = draft(api, org_a, client.id, options={**OPTIONS["habeas_2241"], "timezone": "America/New_York"})
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "On November 3, 2026: Detained" in text


def _event(status: str, **kw: Any) -> dict[str, Any]:
    return {"status": status, "effective_at": "2026-11-05T11:00:00+00:00", "source_type": "flight_manifest",
            "confidence": "reported", **kw}


FLIGHT = {"carrier": "Example Air", "flight_number": "EXA 123", "departure_airport": "Harlingen (HRL)",
          "departed_at": "2026-11-05T12:10:00+00:00", "destination_country": "SV"}


def test_flight_facts_are_recorded_and_pleaded(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="022200066")
    url = f"{API}/clients/{client.id}/custody-events"
    r = api.post(url, headers=org_a.h("paralegal"), json=_event("in_transit", flight=FLIGHT, country="SV",
                                                                 detention_authority="ina_241a"))
    assert r.status_code == 201, r.text
    stored = r.json()["event"]["flight"]
    assert stored["flight_number"] == "EXA 123" and stored["destination_country"] == "SV"
    listed = api.get(url, headers=org_a.h("paralegal")).json()["items"]
    assert any(e["flight"] and e["flight"]["carrier"] == "Example Air" for e in listed)
    # Refused: a flight on a status other than in_transit, a U.S. destination, the wrong role, another org.
    assert_problem(api.post(url, headers=org_a.h("paralegal"), json=_event("detained_ice", flight=FLIGHT,
                                                                          location_text="x")), 422)
    assert_problem(api.post(url, headers=org_a.h("paralegal"),
                            json=_event("in_transit", flight={**FLIGHT, "destination_country": "US"})), 422)
    assert_problem(api.post(url, headers=org_a.h("family_liaison"), json=_event("in_transit", flight=FLIGHT)), 403)
    assert_problem(api.post(url, headers=org_b.h("paralegal"), json=_event("in_transit", flight=FLIGHT)), 404)

    r = draft(api, org_a, client.id, options={"facts": "Petitioner's wife saw him taken to the airport."})
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "REMOVAL IMMINENT" in text.split("INTRODUCTION")[0]  # page 1, before the body
    assert "Example Air flight EXA 123" in text and "El Salvador" in text
    assert "turning back" in text and "not disclosed Petitioner's destination" not in text
    assert "8 U.S.C. § 1231(a)" in text  # the detention authority recorded on the event
    assert "November 5, 2026, 7:10 a.m. EST" in text  # departure in the court's (D. Md.) zone
    snap = _snapshot(api, org_a, r.json()["id"])
    assert snap["flight"]["flight_number"] == "EXA 123" and snap["detention_authority"] == "ina_241a"


def test_admissions_on_attorneys_and_the_signer_warning(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    attorney = org_a.users["attorney"]
    url = f"{API}/users/{attorney.id}"
    client, _ = detained_client(db, org_a.id, a_number="033300077")
    before = draft(api, org_a, client.id).json()
    assert "signer_not_admitted" in [w["code"] for w in before["warnings"]]

    etag = api.get(url, headers=org_a.h("admin")).headers["etag"]
    body = {"admissions": [{"court": "MDD", "bar_number": "21457", "status": "active"},
                           {"court": "state:md", "bar_number": "0612150001"}]}
    assert_problem(api.patch(url, json=body, headers={**org_a.h("attorney"), "If-Match": etag}), 403)
    assert_problem(api.patch(f"{API}/users/{attorney.id}", json=body,
                             headers={**org_b.h("admin"), "If-Match": etag}), 404)
    assert_problem(api.patch(url, json={"admissions": [{"court": "zzz"}]},
                             headers={**org_a.h("admin"), "If-Match": etag}), 422)
    assert_problem(api.patch(url, json={"admissions": [{"court": "mdd", "status": "retired"}]},
                             headers={**org_a.h("admin"), "If-Match": etag}), 422)
    r = api.patch(url, json=body, headers={**org_a.h("admin"), "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["admissions"] == [{"court": "mdd", "bar_number": "21457", "status": "active"},
                                      {"court": "state:MD", "bar_number": "0612150001", "status": "active"}]
    assert api.get(url, headers=org_a.h("admin")).json()["admissions"][0]["court"] == "mdd"

    after = draft(api, org_a, client.id).json()
    assert "signer_not_admitted" not in [w["code"] for w in after["warnings"]]
    _, text = fetch_pdf(api, org_a, after["id"])
    assert "District of Maryland Bar No. 21457" in text
    # Reset for other tests sharing the session attorney row.
    etag = api.get(url, headers=org_a.h("admin")).headers["etag"]
    api.patch(url, json={"admissions": []}, headers={**org_a.h("admin"), "If-Match": etag})


def test_warnings_for_unverified_orders_and_rules(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="044400088")  # unverified withholding order
    r = draft(api, org_a, client.id)
    codes = [w["code"] for w in r.json()["warnings"]]
    assert "unverified_protection_order" in codes and "unverified_rule" in codes
    got = api.get(f"{API}/filings/{r.json()['id']}", headers=org_a.h("paralegal")).json()
    assert got["warnings"] == r.json()["warnings"]
    listed = api.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("paralegal")).json()["items"]
    assert listed[0]["warnings"] == r.json()["warnings"]


def test_missing_custodian_says_how_to_fix_it(api: Any, db: Any, org_a: Any) -> None:
    fac = make_facility(db, org_a.id, custodian_name=None)
    client = make_client(db, org_a.id, a_number="055500099")
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 2, tzinfo=UTC), facility_id=fac.id)
    body = assert_problem(draft(api, org_a, client.id), 422, "missing_filing_data")
    assert body["missing"] == ["facility.custodian_name"]
    fix = body["fix"]["facility.custodian_name"]
    assert "immediate_custodian" in fix and "PATCH /facilities/{id}" in fix and "PATCH /proceedings/{id}" in fix
    # A respondent with that role on the proceeding satisfies it.
    proc = make_proceeding(db, org_a.id, client.id, docket_number=None, respondents=[
        {"name": "Pat Example", "title": "Warden, Fictional County Detention Center", "role": "immediate_custodian"}])
    r = draft(api, org_a, client.id, proceeding_id=proc.id)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("template", ["status_report", "notice_of_compliance"])
def test_docketed_filings_without_recorded_respondents(api: Any, db: Any, org_a: Any, template: str) -> None:
    client, _ = detained_client(db, org_a.id, a_number="066600111" if template == "status_report" else "066600112")
    tx = _el_paso(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 6, tzinfo=UTC), facility_id=tx.id)
    proc = make_proceeding(db, org_a.id, client.id)  # docketed in D. Md., no respondents recorded
    body = assert_problem(draft(api, org_a, client.id, template, proceeding_id=proc.id), 422, "missing_filing_data")
    assert body["missing"] == ["proceeding.respondents"] and "proceeding.respondents" in body["fix"]


def test_removal_order_facts_are_pleaded(api: Any, db: Any, org_a: Any) -> None:
    from datetime import date

    from app.protection.models import ProtectionOrder

    from .conftest import add_protection

    client, _ = detained_client(db, org_a.id, a_number="077700123", protection=False)
    order = add_protection(db, org_a.id, client.id)
    with db.session(write=True) as s:
        row = s.get(ProtectionOrder, order.id)
        row.removal_order_exists, row.removal_order_date, row.designated_country = "true", date(2019, 10, 10), "SV"
        s.add(row)
        s.commit()
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "On October 10, 2019, Petitioner was ordered removed, with El Salvador designated" in text
    assert _snapshot(api, org_a, r.json()["id"])["removal_order"]["designated_country"] == "SV"


def _in_flight(api: Any, client_id: Any, org: Any) -> None:
    r = api.post(f"{API}/clients/{client_id}/custody-events", headers=org.h("paralegal"),
                 json={**_event("in_transit", flight={**FLIGHT, "departed_at": "2026-11-07T12:10:00+00:00"},
                                country="SV", detention_authority="ina_241a"),
                       "effective_at": "2026-11-07T11:00:00+00:00"})
    assert r.status_code == 201, r.text


def test_docketed_case_moved_then_put_on_a_flight_pleads_the_flight(api: Any, db: Any, org_a: Any) -> None:
    # 2 Nov detained in Maryland; case docketed in D. Md.; 6 Nov moved to El Paso; 7 Nov on a flight to El Salvador.
    # The documents must not say Respondents "now hold" Petitioner in El Paso, and the TRO's background must
    # plead the flight, not only the banner.
    client, _ = detained_client(db, org_a.id, a_number="044455599")
    proc = make_proceeding(db, org_a.id, client.id, federal_district="mdd", division="Southern",
                           docket_number="8:26-cv-03199-ABC", respondents=MD_RESPONDENTS)
    tx = _el_paso(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 6, 15, 0, tzinfo=UTC),
                      facility_id=tx.id, source_type="ice_locator")
    _in_flight(api, client.id, org_a)
    from .conftest import OPTIONS

    r = draft(api, org_a, client.id, options={**OPTIONS["habeas_2241"], "document_date": "2026-11-07"},
              proceeding_id=proc.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "now hold Petitioner at El Paso" not in text and "Petitioner is now held at El Paso" not in text
    assert "are now moving Petitioner again on Example Air flight EXA 123 bound for El Salvador" in text
    assert "In transit between facilities (El Salvador)" not in text
    assert "In transit on a flight bound outside the United States (El Salvador)" in text
    # One prayer to return Petitioner (with the flight), not two.
    assert text.count("return Petitioner to the District of Maryland") == 1
    r = draft(api, org_a, client.id, "tro_motion", options={**OPTIONS["tro_motion"], "document_date": "2026-11-07"},
              proceeding_id=proc.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    background = text.split("BACKGROUND")[1].split("LEGAL STANDARD")[0]
    assert "Respondents now hold Petitioner" not in background
    assert "flight EXA 123 from Harlingen (HRL)" in background and "bound for El Salvador" in background
    # The proposed order does not order an immediate return and then a return "within ______ days".
    order = text.split("[PROPOSED] TEMPORARY RESTRAINING ORDER")[1]
    assert "immediately halt Petitioner's removal" in order
    assert "return Petitioner to the District of Maryland within" not in order
    assert text.count("return Petitioner to the District of Maryland") == 2  # relief A, order 1


def test_in_transit_petition_does_not_call_the_last_warden_the_present_custodian(api: Any, db: Any,
                                                                                 org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="044455598")
    tx = _el_paso(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 6, 15, 0, tzinfo=UTC),
                      facility_id=tx.id, source_type="ice_locator")
    _in_flight(api, client.id, org_a)
    from .conftest import OPTIONS

    r = draft(api, org_a, client.id, options={**OPTIONS["habeas_2241"], "document_date": "2026-11-07"})
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "FOR THE WESTERN DISTRICT OF TEXAS" in text
    assert "is Petitioner's immediate physical custodian" not in text
    assert "was Petitioner's immediate custodian at El Paso Service Processing Center" in text
    # The Attorney General does not hold ICE detainees (8 U.S.C. § 1103(a), (g)): no "legal custody" claim.
    ag = text.split("Respondent Attorney General of the United States is sued")[1].split("LEGAL FRAMEWORK")[0]
    assert "legal custody" not in ag and "Executive Office for Immigration Review" in ag


@pytest.mark.parametrize("district,circuit", [("txsd", "5th"), ("lawd", "5th"), ("flsd", "11th")])
def test_prolonged_1226c_count_never_prints_a_placeholder_as_authority(api: Any, db: Any, org_a: Any,
                                                                        district: str, circuit: str) -> None:
    # Port Isabel-like facility; § 1226(c) detention since March: the as-applied count is pleaded. Where the
    # circuit has no controlling decision the count must cite Supreme Court authority, not the words
    # "No controlling circuit decision recorded", and never a vacated opinion.
    fac = make_facility(db, org_a.id, name="Example Service Processing Center", city="Example", state="TX",
                        federal_district=district, circuit=circuit, ice_field_office="Example",
                        custodian_name="Alex T. Example", custodian_title="Officer in Charge")
    client = make_client(db, org_a.id, a_number=f"0555666{ {'txsd': 11, 'lawd': 12, 'flsd': 13}[district]}")
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 3, 2, 14, tzinfo=UTC),
                      facility_id=fac.id, source_type="ice_locator", detention_authority="ina_236c")
    r = draft(api, org_a, client.id, options={"facts": "Petitioner has been held since March.",
                                              "document_date": "2026-11-16"})
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "Unlawful Prolonged Detention" in text
    assert "No controlling circuit decision recorded" not in text and "No circuit profile recorded" not in text
    assert "Demore v. Kim, 538 U.S. 510" in text
    assert "Sopo" not in text


def test_removed_client_tro_is_grammatical(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="066600299")
    add_custody_event(db, org_a.id, client.id, "removed_to_designated_country", datetime(2026, 11, 5, 15, tzinfo=UTC),
                      country="SV", source_type="flight_manifest", confidence="reported")
    r = draft(api, org_a, client.id, "tro_motion", options={"notice_efforts": "Counsel emailed the Civil Chief."})
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "Petitioner's removal violates the Due Process Clause" in text
    # Rule 65(b)(1)(A): the facts showing irreparable injury must be in an affidavit or verified complaint.
    assert "verified under 28 U.S.C. § 2242" in text and "65(b)(1)(A)" in text
    assert "removal violate the" not in text


def test_el_paso_division_dates_in_mountain_time(api: Any, db: Any, org_a: Any) -> None:
    # W.D. Tex., El Paso Division keeps Mountain time (28 U.S.C. § 124(d)(3); 49 C.F.R. § 71.7): 06:30 UTC on
    # 7 Nov is 11:30 p.m. MST on 6 Nov in El Paso (12:30 a.m. CST on 7 Nov, the district's default zone).
    client = make_client(db, org_a.id, a_number="077700099")
    tx = _el_paso(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 7, 6, 30, tzinfo=UTC),
                      facility_id=tx.id, source_type="ice_locator")
    r = draft(api, org_a, client.id, options={"facts": "Officers detained Petitioner at night.",
                                              "document_date": "2026-11-16"})
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "(El Paso Division)" in text
    assert "On November 6, 2026: Detained" in text and "On November 7, 2026: Detained" not in text
    assert _snapshot(api, org_a, r.json()["id"])["timezone"] == "America/Denver"
