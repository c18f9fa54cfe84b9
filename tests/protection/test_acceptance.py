"""Acceptance scenario (fictional people): a withholding grant as to El Salvador, a removal that conflicts with it,
a daily-declaration order with a late filing and a missed day, and a transfer out of a barred district."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.protection.sweep import sweep
from tests.factories import make_client, make_facility
from tests.protection.conftest import daily_declaration, order_body

API = "/api/v1"
REQUIRED = daily_declaration()["required_elements"]


def test_withholding_removal_alert_and_daily_declarations(client: Any, db: Any, org_a: Any, clock: Any,
                                                           record_event: Any) -> None:
    h = org_a.h("paralegal")
    person = make_client(db, org_a.id, given_names="Mateo Andrés", first_surname="Cañas", second_surname="Rivas",
                         citizenships=["SV"], country_of_birth="SV")
    md_jail = make_facility(db, org_a.id, name="Fictional Bay County Detention Center", federal_district="mdd")
    cecot = make_facility(db, org_a.id, name="Fictional Salvadoran Prison", type="foreign_prison", country="SV",
                          state=None, federal_district=None, circuit=None, ice_field_office=None)

    # 2019: an immigration judge withholds removal as to El Salvador.
    clock.set("2025-03-01T12:00:00+00:00")
    r = client.post(f"{API}/clients/{person.id}/protection-orders", headers=h, json=order_body())
    assert r.status_code == 201, r.text
    order = r.json()["order"]
    assert order["is_active"] and order["countries"] == ["SV"] and r.json()["alerts"] == []

    # 2025-03-12 detained in Maryland: no conflict.
    _, alerts = record_event(org_a, person.id, status="detained_ice", effective_at="2025-03-12T18:00:00+00:00",
                             facility_id=md_jail.id)
    assert alerts == []
    # 2025-03-15 in transit to El Salvador: exactly one critical alert.
    _, alerts = record_event(org_a, person.id, status="in_transit", effective_at="2025-03-15T14:00:00+00:00",
                             country="SV")
    assert [(a["kind"], a["severity"]) for a in alerts] == [("removal_to_protected_country", "critical")]
    assert alerts[0]["dedupe_key"] == f"removal_to_protected_country:{order['id']}:SV"
    # Then held by a foreign government at a Salvadoran prison: no duplicate.
    _, alerts = record_event(org_a, person.id, status="held_by_foreign_government",
                             effective_at="2025-03-16T10:00:00+00:00", facility_id=cecot.id, country="SV")
    assert alerts == []
    listed = client.get(f"{API}/alerts", headers=h, params={"client_id": str(person.id)}).json()
    assert [(a["kind"], a["severity"], a["open"]) for a in listed["items"]] == [
        ("removal_to_protected_country", "critical", True)]

    # 2025-04-11 district-court order: daily declaration by 5:00 PM ET from 2025-04-12 until further order.
    clock.set("2025-04-11T20:00:00+00:00")
    r = client.post(f"{API}/clients/{person.id}/court-orders", headers=h, json={
        "issuing_court": "United States District Court for the District of Maryland", "judge": "Hon. Example Judge",
        "docket_number": "8:25-cv-00000-XX", "docket_entry": "ECF 61", "issued_at": "2025-04-11T19:30:00Z",
        "obligations": [daily_declaration()]})
    assert r.status_code == 201, r.text
    ob = r.json()["obligations"][0]
    assert ob["until_further_order"] is True
    occ_url = f"{API}/obligations/{ob['id']}/occurrences"
    occ = client.get(occ_url, headers=h, params={"until": "2025-04-20T23:59:59Z", "limit": 200}).json()["items"]
    assert [o["due_local"] for o in occ] == [f"2025-04-{d:02d}T17:00:00-04:00" for d in range(12, 21)]
    assert {o["status"] for o in occ} == {"due"}
    by_day = {o["due_local"][:10]: o for o in occ}

    clock.set("2025-04-16T12:00:00+00:00")
    for day in ("2025-04-12", "2025-04-13", "2025-04-14"):
        r = client.post(f"{API}/occurrences/{by_day[day]['id']}/filings", headers=h, json={
            "filed_at": f"{day}T16:30:00-04:00", "docket_entry": "ECF 70", "answered_elements": REQUIRED})
        assert r.status_code == 201 and r.json()["status"] == "filed_on_time", r.text
    # 2025-04-15: filed at 18:10 Eastern -> late by 70 minutes.
    r = client.post(f"{API}/occurrences/{by_day['2025-04-15']['id']}/filings", headers=h, json={
        "filed_at": "2025-04-15T18:10:00-04:00", "docket_entry": "ECF 74", "answered_elements": REQUIRED})
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["minutes_late"]) == ("filed_late", 70)

    # Nothing filed for 2025-04-16: after the sweep of 2025-04-17 it is not_filed with an alert.
    with db.session(write=True) as s:
        result = sweep(s, datetime(2025, 4, 17, 12, tzinfo=UTC), org_ids=[org_a.id])
    assert result["occurrences_not_filed"] == 1 and result["alert:obligation_missed"] == 1
    clock.set("2025-04-17T12:00:00+00:00")
    occ = client.get(occ_url, headers=h, params={"until": "2025-04-20T23:59:59Z"}).json()["items"]
    statuses = {o["due_local"][:10]: (o["status"], o["minutes_late"]) for o in occ}
    assert statuses["2025-04-15"] == ("filed_late", 70)
    assert statuses["2025-04-16"] == ("not_filed", None)
    assert statuses["2025-04-17"] == ("due", None)
    missed = client.get(f"{API}/alerts", headers=h, params={"kind": "obligation_missed"}).json()["items"]
    assert len(missed) == 1 and missed[0]["severity"] == "high"
    assert missed[0]["trigger_id"] == by_day["2025-04-16"]["id"]


def test_transfer_out_of_barred_district_is_critical(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    h = org_a.h("attorney")
    person = make_client(db, org_a.id, given_names="Lucía", first_surname="Montes", citizenships=["HN"])
    md = make_facility(db, org_a.id, name="Fictional Maryland Hold Room", federal_district="mdd")
    tx = make_facility(db, org_a.id, name="Fictional South Texas Processing Center", city="Pearsall", state="TX",
                       federal_district="txsd", circuit="5th", ice_field_office="San Antonio")
    r = client.post(f"{API}/clients/{person.id}/protection-orders", headers=h, json={
        "type": "tro", "scope": "transfer_out_of_district", "federal_district": "mdd",
        "issuing_body": "United States District Court for the District of Maryland",
        "issued_at": "2025-03-24T15:00:00Z", "expires_at": "2025-04-07T15:00:00Z"})
    assert r.status_code == 201, r.text
    _, alerts = record_event(org_a, person.id, status="detained_ice", effective_at="2025-03-25T10:00:00Z",
                             facility_id=md.id)
    assert alerts == []
    _, alerts = record_event(org_a, person.id, status="detained_ice", effective_at="2025-03-27T10:00:00Z",
                             facility_id=tx.id)
    assert [(a["kind"], a["severity"]) for a in alerts] == [("transfer_out_of_district_barred", "critical")]
    assert alerts[0]["details"]["new_place"] == "txsd"
