"""Protection orders API: roles, verification, validation, status history, expiry, order-triggered alerts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.protection import service
from app.protection.sweep import sweep
from tests.conftest import ALL_ROLES, assert_problem
from tests.factories import make_client, make_proceeding
from tests.protection.conftest import order_body

API = "/api/v1"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def _create(client: Any, org: Any, person_id: uuid.UUID, role: str = "paralegal", **over: Any) -> dict[str, Any]:
    r = client.post(f"{API}/clients/{person_id}/protection-orders", headers=org.h(role), json=order_body(**over))
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    return r.json()["order"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_roles_record_and_read(client: Any, db: Any, org_a: Any, role: str) -> None:
    person = make_client(db, org_a.id)
    post = client.post(f"{API}/clients/{person.id}/protection-orders", headers=org_a.h(role), json=order_body())
    get = client.get(f"{API}/clients/{person.id}/protection-orders", headers=org_a.h(role))
    if role == "family_liaison":
        assert_problem(post, 403, "forbidden")
        assert_problem(get, 403, "forbidden")
    else:
        assert post.status_code == 201, post.text
        assert get.status_code == 200 and get.json()["total"] == 1


def test_only_attorney_marks_verified(client: Any, db: Any, org_a: Any) -> None:
    person = make_client(db, org_a.id)
    url = f"{API}/clients/{person.id}/protection-orders"
    assert_problem(client.post(url, headers=org_a.h("paralegal"), json=order_body(verified=True)), 403, "forbidden")
    assert_problem(client.post(url, headers=org_a.h("admin"), json=order_body(verified=True)), 403, "forbidden")
    order = _create(client, org_a, person.id)
    assert order["verified"] is False and order["verified_by"] is None
    patch_url = f"{API}/protection-orders/{order['id']}"
    assert_problem(client.patch(patch_url, headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                                json={"verified": True}), 403, "forbidden")
    r = client.patch(patch_url, headers={**org_a.h("attorney"), "If-Match": '"1"'}, json={"verified": True})
    assert r.status_code == 200, r.text
    got = r.json()["order"]
    assert got["verified"] is True and got["verified_by"] == str(org_a.users["attorney"].id)
    assert got["verified_at"] is not None and r.headers["etag"] == '"2"'
    # A paralegal may still edit notes; a substantive change withdraws the attorney's verification.
    r = client.patch(patch_url, headers={**org_a.h("paralegal"), "If-Match": '"2"'}, json={"notes": "copy on file"})
    assert r.status_code == 200 and r.json()["order"]["verified"] is True
    r = client.patch(patch_url, headers={**org_a.h("paralegal"), "If-Match": '"3"'}, json={"countries": ["SV", "GT"]})
    assert r.status_code == 200 and r.json()["order"]["verified"] is False
    # attorney may record an order as verified directly
    direct = client.post(url, headers=org_a.h("attorney"), json=order_body(verified=True)).json()["order"]
    assert direct["verified"] is True and direct["verified_by"] == str(org_a.users["attorney"].id)


@pytest.mark.parametrize(("over", "code"), [
    ({"countries": ["XX"]}, "invalid_country"),
    ({"countries": ["SV", "El Salvador"]}, "validation_error"),
    ({"countries": []}, "countries_required"),
    ({"type": "cat_deferral", "scope": "all_removal", "countries": []}, "countries_required"),
    ({"type": "tro", "scope": "removal_to_listed_countries", "countries": []}, "countries_required"),
    ({"type": "tro", "scope": "all_removal", "countries": [], "expires_at": "2019-10-25T15:00:01Z"}, "tro_too_long"),
    ({"type": "tro", "scope": "all_removal", "countries": []}, "tro_too_long"),
    ({"type": "tro", "scope": "transfer_out_of_district", "countries": [], "expires_at": "2019-10-20T15:00:00Z"},
     "district_required"),
    ({"scope": "transfer_out_of_district", "federal_district": "zzz"}, "invalid_district"),
    ({"expires_at": "2019-10-01T00:00:00Z"}, "invalid_dates"),
    ({"underlying_removal_order": {"exists": "true", "designated_country": "QQ"}}, "invalid_country"),
    ({"underlying_removal_order": {"exists": "maybe"}}, "validation_error"),
    ({"issued_at": "2019-10-10T15:00:00"}, "validation_error"),  # naive datetime
    ({"expires_at": "2030-01-01 00:00"}, "validation_error"),
    ({"organization_id": str(uuid.uuid4())}, "validation_error"),  # extra field
    ({"verified_by": str(uuid.uuid4())}, "validation_error"),
    ({"type": "amnesty"}, "validation_error"),
    ({"status": "pending"}, "validation_error"),
    ({"issuing_body": "Court\u202eX"}, "validation_error"),
    ({"issuing_body": ""}, "validation_error"),
])
def test_invalid_orders_are_422(client: Any, db: Any, org_a: Any, over: dict[str, Any], code: str) -> None:
    person = make_client(db, org_a.id)
    r = client.post(f"{API}/clients/{person.id}/protection-orders", headers=org_a.h("attorney"),
                    json=order_body(**over))
    assert_problem(r, 422, code)


def test_valid_variants(client: Any, db: Any, org_a: Any) -> None:
    person = make_client(db, org_a.id)
    lower = _create(client, org_a, person.id, countries=["sv", "SV", "gt"])
    assert lower["countries"] == ["SV", "GT"]
    tro = _create(client, org_a, person.id, type="tro", scope="all_removal", countries=[],
                  expires_at="2019-10-24T15:00:00Z")
    assert tro["type"] == "tro"
    extended = _create(client, org_a, person.id, type="tro", scope="all_removal", countries=[],
                       expires_at="2019-11-30T15:00:00Z", extended=True)
    assert extended["extended"] is True
    moved = _create(client, org_a, person.id, type="jurisdiction_preserving_order", countries=[],
                    scope="transfer_out_of_district", federal_district="MDD")
    assert moved["federal_district"] == "mdd"
    klass = _create(client, org_a, person.id, type="class_order", scope="removal_to_listed_countries",
                    countries=["SV"], class_definition={"name": "Fictional class", "definition_text": "All persons",
                                                        "certified": True, "member_basis": "detained in district"})
    assert klass["class_definition"]["certified"] is True


def test_proceeding_must_belong_to_the_client(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    person = make_client(db, org_a.id)
    other = make_client(db, org_a.id)
    mine = make_proceeding(db, org_a.id, person.id, forum="immigration_court")
    theirs = make_proceeding(db, org_a.id, other.id)
    foreign = make_proceeding(db, org_b.id, make_client(db, org_b.id).id)
    assert _create(client, org_a, person.id, proceeding_id=str(mine.id))["proceeding_id"] == str(mine.id)
    url = f"{API}/clients/{person.id}/protection-orders"
    assert_problem(client.post(url, headers=org_a.h("attorney"), json=order_body(proceeding_id=str(theirs.id))),
                   422, "proceeding_client_mismatch")
    assert_problem(client.post(url, headers=org_a.h("attorney"), json=order_body(proceeding_id=str(foreign.id))),
                   404, "proceeding_not_found")


def test_patch_preconditions_and_validation(client: Any, db: Any, org_a: Any) -> None:
    person = make_client(db, org_a.id)
    order = _create(client, org_a, person.id)
    url = f"{API}/protection-orders/{order['id']}"
    h = org_a.h("paralegal")
    assert_problem(client.patch(url, headers=h, json={"notes": "x"}), 428, "precondition_required")
    assert_problem(client.patch(url, headers={**h, "If-Match": '"9"'}, json={"notes": "x"}), 412, "version_conflict")
    hm = {**h, "If-Match": '"1"'}
    assert_problem(client.patch(url, headers=hm, json={"status": "vacated"}), 422, "status_reason_required")
    assert_problem(client.patch(url, headers=hm, json={"status": None}), 422, "field_not_nullable")
    assert_problem(client.patch(url, headers=hm, json={"countries": ["ZZ"]}), 422, "invalid_country")
    assert_problem(client.patch(url, headers=hm, json={"countries": []}), 422, "countries_required")
    assert_problem(client.patch(url, headers=hm, json={"expires_at": "2031-01-01T00:00:00"}), 422, "validation_error")
    assert_problem(client.patch(url, headers=hm, json={"client_id": str(uuid.uuid4())}), 422, "validation_error")
    assert_problem(client.patch(url, headers=hm, json={"type": "tro", "scope": "all_removal"}), 422, "tro_too_long")
    # nothing changed by the refused requests
    got = client.get(url, headers=h)
    assert got.headers["etag"] == '"1"' and got.json()["countries"] == ["SV"]


def test_status_history_only_grows(client: Any, db: Any, org_a: Any) -> None:
    person = make_client(db, org_a.id)
    order = _create(client, org_a, person.id)
    url = f"{API}/protection-orders/{order['id']}"
    h = org_a.h("attorney")
    first = client.get(url, headers=h).json()["status_history"]
    assert [(x["from_status"], x["to_status"]) for x in first] == [(None, "active")]
    r = client.patch(url, headers={**h, "If-Match": '"1"'},
                     json={"status": "stayed", "status_reason": "BIA stayed the grant pending appeal"})
    assert r.status_code == 200, r.text
    r = client.patch(url, headers={**h, "If-Match": '"2"'}, json={"status": "active", "status_reason": "stay lifted"})
    hist = r.json()["order"]["status_history"]
    assert [(x["from_status"], x["to_status"]) for x in hist] == [(None, "active"), ("active", "stayed"),
                                                                   ("stayed", "active")]
    assert hist[:1] == first and hist[1]["changed_by"] == str(org_a.users["attorney"].id)
    # same status again: no new row, reason not needed
    r = client.patch(url, headers={**h, "If-Match": '"3"'}, json={"status": "active", "notes": "re-read the order"})
    assert len(r.json()["order"]["status_history"]) == 3
    # there is no API to edit or delete history, and the database refuses it too
    assert client.delete(url, headers={**h, "If-Match": '"4"'}).status_code == 405
    from sqlalchemy import text

    for stmt in ("UPDATE protection_order_status_change SET reason = 'x' WHERE order_id = :id",
                 "DELETE FROM protection_order_status_change WHERE order_id = :id"):
        with db.session(write=True) as s, pytest.raises(Exception, match="append-only"):
            s.execute(text(stmt), {"id": order["id"] if db.dialect == "postgresql" else order["id"].replace("-", "")})
            s.commit()
    assert len(client.get(url, headers=h).json()["status_history"]) == 3


def test_tro_lapses_and_sweep_records_expiry(client: Any, db: Any, org_a: Any, clock: Any) -> None:
    person = make_client(db, org_a.id)
    issued = datetime(2025, 5, 1, 15, tzinfo=UTC)
    clock.set(issued)
    r = client.post(f"{API}/clients/{person.id}/protection-orders", headers=org_a.h("attorney"), json=order_body(
        type="tro", scope="all_removal", countries=[], issued_at=_iso(issued),
        expires_at=_iso(issued + timedelta(days=14))))
    order = r.json()["order"]
    assert r.json()["alerts"] == [] and order["is_active"]
    # 12 days later: within 48 hours of expiry -> one normal alert, raised once however often it is read
    clock.set(issued + timedelta(days=12, hours=1))
    url = f"{API}/protection-orders/{order['id']}"
    assert client.get(url, headers=org_a.h("paralegal")).status_code == 200
    client.get(f"{API}/clients/{person.id}/protection-orders", headers=org_a.h("paralegal"))
    alerts = client.get(f"{API}/alerts", headers=org_a.h("paralegal"), params={"client_id": str(person.id)}).json()
    assert [(a["kind"], a["severity"]) for a in alerts["items"]] == [("protection_expiring", "normal")]
    # after expiry: inactive at once, the sweep records the transition exactly once
    clock.set(issued + timedelta(days=14, seconds=1))
    got = client.get(url, headers=org_a.h("paralegal")).json()
    assert (got["status"], got["effective_status"], got["is_active"]) == ("active", "expired", False)
    with db.session(write=True) as s:
        assert service.client_ids_with_active_protection(s, org_a.id, now=clock.now) is not None
        ids = set(s.exec(service.client_ids_with_active_protection(s, org_a.id, now=clock.now)).all())
        assert person.id not in ids
        assert sweep(s, clock.now, [org_a.id])["orders_expired"] == 1
        assert sweep(s, clock.now, [org_a.id])["orders_expired"] == 0
    got = client.get(url, headers=org_a.h("paralegal")).json()
    assert got["status"] == "expired" and got["version"] == 2
    assert [(x["from_status"], x["to_status"], x["changed_by"]) for x in got["status_history"]] == [
        (None, "active", str(org_a.users["attorney"].id)), ("active", "expired", None)]


def test_expiring_tro_recorded_within_48_hours_alerts_in_response(client: Any, db: Any, org_a: Any,
                                                                  clock: Any) -> None:
    person = make_client(db, org_a.id)
    now = datetime(2025, 6, 2, 12, tzinfo=UTC)
    clock.set(now)
    r = client.post(f"{API}/clients/{person.id}/protection-orders", headers=org_a.h("attorney"), json=order_body(
        type="tro", scope="all_removal", countries=[], issued_at=_iso(now - timedelta(days=13)),
        expires_at=_iso(now + timedelta(hours=20))))
    assert [(a["kind"], a["severity"]) for a in r.json()["alerts"]] == [("protection_expiring", "normal")]


def test_order_recorded_while_custody_already_conflicts(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    person = make_client(db, org_a.id)
    record_event(org_a, person.id, status="in_transit", effective_at="2025-03-15T14:00:00+00:00", country="SV")
    r = client.post(f"{API}/clients/{person.id}/protection-orders", headers=org_a.h("attorney"), json=order_body())
    order = r.json()["order"]
    assert [(a["kind"], a["trigger_type"], a["trigger_id"]) for a in r.json()["alerts"]] == [
        ("removal_to_protected_country", "protection_order", order["id"])]
    # saving the order again does not duplicate the open alert
    r = client.patch(f"{API}/protection-orders/{order['id']}", headers={**org_a.h("attorney"), "If-Match": '"1"'},
                     json={"docket_entry": "IJ decision p. 4"})
    assert r.json()["alerts"] == []


def test_cross_domain_reads(client: Any, db: Any, org_a: Any) -> None:
    person = make_client(db, org_a.id)
    unprotected = make_client(db, org_a.id)
    order = _create(client, org_a, person.id)
    vacated = _create(client, org_a, unprotected.id)
    client.patch(f"{API}/protection-orders/{vacated['id']}", headers={**org_a.h("attorney"), "If-Match": '"1"'},
                 json={"status": "vacated", "status_reason": "vacated on appeal"})
    with db.session() as s:
        active = service.active_protections_for_client(s, org_a.id, person.id)
        assert [(p["id"], p["countries"], p["type"]) for p in active] == [(order["id"], ["SV"], "withholding_241b3")]
        assert service.active_protections_for_client(s, org_a.id, unprotected.id) == []
        ids = set(s.exec(service.client_ids_with_active_protection(s, org_a.id)).all())
        assert person.id in ids and unprotected.id not in ids


def test_changes_are_audited_without_personal_values(client: Any, db: Any, org_a: Any) -> None:
    person = make_client(db, org_a.id, given_names="Auditada", first_surname="Privada")
    order = _create(client, org_a, person.id, notes="Privileged: client fears the MS-13 in Soyapango")
    client.patch(f"{API}/protection-orders/{order['id']}", headers={**org_a.h("attorney"), "If-Match": '"1"'},
                 json={"status": "superseded", "status_reason": "superseded by the BIA's decision"})
    events = client.get(f"{API}/audit-events", headers=org_a.h("admin"), params={"entity_id": order["id"]}).json()
    assert [e["action"] for e in events["items"]] == ["protection_order.created", "protection_order.updated"] or \
        sorted(e["action"] for e in events["items"]) == ["protection_order.created", "protection_order.updated"]
    text = str(events)
    for secret in ("Soyapango", "Auditada", "Privada", "superseded by the BIA"):
        assert secret not in text
