"""Alert kinds, idempotency (also under concurrent inserts), acknowledgement, listing, the evaluation switch."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.core.audit import Actor
from app.protection import alerts as alerts_mod
from app.protection.models import Alert
from app.protection.sweep import sweep
from tests.conftest import ALL_ROLES, assert_problem
from tests.factories import add_custody_event, make_client, make_facility, make_proceeding
from tests.protection.conftest import order_body, record_event_service

API = "/api/v1"


def _order(client: Any, org: Any, person_id: uuid.UUID, **over: Any) -> dict[str, Any]:
    r = client.post(f"{API}/clients/{person_id}/protection-orders", headers=org.h("attorney"), json=order_body(**over))
    assert r.status_code == 201, r.text
    return dict(r.json()["order"])


def _kinds(alerts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((a["kind"], a["severity"]) for a in alerts)


def _open(db: Any, org_id: uuid.UUID, client_id: uuid.UUID) -> list[Alert]:
    with db.session() as s:
        return list(s.exec(select(Alert).where(Alert.organization_id == org_id, Alert.client_id == client_id,
                                               Alert.open_marker == 1)).all())


def test_removal_while_barred_and_third_country(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    person = make_client(db, org_a.id, citizenships=["VE"], country_of_birth="VE")
    _order(client, org_a, person.id, type="jurisdiction_preserving_order", scope="all_removal", countries=[],
           underlying_removal_order={"exists": "true", "designated_country": "VE"})
    # in transit inside the U.S., or destination unknown: no removal yet
    assert record_event(org_a, person.id, status="in_transit", effective_at="2025-03-14T10:00:00Z")[1] == []
    assert record_event(org_a, person.id, status="in_transit", effective_at="2025-03-14T11:00:00Z",
                        country="US")[1] == []
    _, alerts = record_event(org_a, person.id, status="in_transit", effective_at="2025-03-15T10:00:00Z", country="SV")
    assert _kinds(alerts) == [("removal_while_barred", "critical"), ("third_country_removal", "high")]
    _, alerts = record_event(org_a, person.id, status="held_by_foreign_government",
                             effective_at="2025-03-16T10:00:00Z", country="SV")
    assert alerts == []
    # removal to the designated country is barred by the order but not a third country
    other = make_client(db, org_a.id, citizenships=["VE"])
    _order(client, org_a, other.id, type="tro", scope="all_removal", countries=[], issued_at="2025-03-10T12:00:00Z",
           expires_at="2025-03-24T12:00:00Z", underlying_removal_order={"exists": "true", "designated_country": "VE"})
    _, alerts = record_event(org_a, other.id, status="removed_to_designated_country",
                             effective_at="2025-03-15T10:00:00Z", country="VE")
    assert _kinds(alerts) == [("removal_while_barred", "critical")]
    # after the TRO lapsed: the removal itself is not barred any more
    late = make_client(db, org_a.id, citizenships=["VE"])
    _order(client, org_a, late.id, type="tro", scope="all_removal", countries=[], issued_at="2025-03-10T12:00:00Z",
           expires_at="2025-03-24T12:00:00Z")
    assert record_event(org_a, late.id, status="removed_to_designated_country", effective_at="2025-03-25T10:00:00Z",
                        country="VE")[1] == []


def test_third_country_needs_a_basis(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    nothing_known = make_client(db, org_a.id, citizenships=[], country_of_birth=None)
    assert record_event(org_a, nothing_known.id, status="removed_to_designated_country",
                        effective_at="2025-03-15T10:00:00Z", country="SV")[1] == []
    said_so = make_client(db, org_a.id, citizenships=[], country_of_birth=None)
    _, alerts = record_event(org_a, said_so.id, status="removed_to_third_country",
                             effective_at="2025-03-15T10:00:00Z", country="SS")
    assert _kinds(alerts) == [("third_country_removal", "high")]
    citizen = make_client(db, org_a.id, citizenships=["HN", "GT"])
    assert record_event(org_a, citizen.id, status="removed_to_designated_country",
                        effective_at="2025-03-15T10:00:00Z", country="GT")[1] == []
    # voluntary departure is the person's own choice of country
    leaving = make_client(db, org_a.id, citizenships=["HN"])
    assert record_event(org_a, leaving.id, status="voluntary_departure", effective_at="2025-03-15T10:00:00Z",
                        country="MX")[1] == []


def test_continental_us_and_habeas_district(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    person = make_client(db, org_a.id)
    _order(client, org_a, person.id, type="standing_order", scope="removal_from_continental_us", countries=[],
           issuing_body="United States District Court for the District of Maryland")
    honolulu = make_facility(db, org_a.id, name="Fictional Honolulu Detention Center", city="Honolulu", state="HI",
                             federal_district="hid", circuit="9th")
    _, alerts = record_event(org_a, person.id, status="detained_other_us", effective_at="2025-03-15T10:00:00Z",
                             facility_id=honolulu.id)
    assert _kinds(alerts) == [("removal_while_barred", "critical")]
    assert alerts[0]["details"]["place"] == "US-HI"

    petitioner = make_client(db, org_a.id)
    make_proceeding(db, org_a.id, petitioner.id, forum="district_court", federal_district="mdd", status="open")
    make_proceeding(db, org_a.id, petitioner.id, forum="district_court", federal_district="vaed", status="closed")
    md = make_facility(db, org_a.id, federal_district="mdd")
    la = make_facility(db, org_a.id, name="Fictional Louisiana Processing Center", city="Jena", state="LA",
                       federal_district="lawd", circuit="5th")
    assert record_event(org_a, petitioner.id, status="detained_ice", effective_at="2025-03-15T10:00:00Z",
                        facility_id=md.id)[1] == []
    _, alerts = record_event(org_a, petitioner.id, status="detained_ice", effective_at="2025-03-16T10:00:00Z",
                             facility_id=la.id)
    assert _kinds(alerts) == [("transfer_out_of_district_barred", "high")]
    assert alerts[0]["details"]["habeas_district"] == "mdd"


def test_whereabouts_unknown(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    from app.auth.models import Organization

    fresh = make_client(db, org_a.id)
    recent = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    # reported within the hour: the 12-hour window has not run yet
    assert record_event(org_a, fresh.id, status="arrested_unlocated", effective_at=recent)[1] == []
    person = make_client(db, org_a.id)
    t0 = datetime(2025, 3, 12, 18, tzinfo=UTC)
    first = add_custody_event(db, org_a.id, person.id, status="arrested_unlocated", effective_at=t0).id
    add_custody_event(db, org_a.id, person.id, status="unknown", effective_at=t0 + timedelta(hours=6))
    with db.session(write=True) as s:
        assert alerts_mod.check_whereabouts(s, org_a.id, person.id, t0 + timedelta(hours=11)) is None
        alert = alerts_mod.check_whereabouts(s, org_a.id, person.id, t0 + timedelta(hours=13))
        assert alert is not None and alert.kind == "whereabouts_unknown" and alert.severity == "high"
        # the window started at the first unlocated event, not at the later "unknown"
        assert alert.dedupe_key == f"whereabouts_unknown:{first}"
        s.commit()
        assert alerts_mod.check_whereabouts(s, org_a.id, person.id, t0 + timedelta(hours=20)) is None
    # organization setting; found by the sweep; a back-dated report raises at once
    with db.session(write=True) as s:
        s.get(Organization, org_a.id).whereabouts_unknown_hours = 2
        s.commit()
    later = make_client(db, org_a.id)
    add_custody_event(db, org_a.id, later.id, status="arrested_unlocated", effective_at=t0)
    with db.session(write=True) as s:
        assert sweep(s, t0 + timedelta(hours=1), [org_a.id])["alert:whereabouts_unknown"] == 0
        assert sweep(s, t0 + timedelta(hours=3), [org_a.id])["alert:whereabouts_unknown"] == 1
        assert sweep(s, t0 + timedelta(hours=4), [org_a.id])["alert:whereabouts_unknown"] == 0
    backdated = make_client(db, org_a.id)
    _, alerts = record_event(org_a, backdated.id, status="unknown",
                             effective_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
    assert _kinds(alerts) == [("whereabouts_unknown", "high")]
    found = make_client(db, org_a.id)
    add_custody_event(db, org_a.id, found.id, status="unknown", effective_at=t0)
    add_custody_event(db, org_a.id, found.id, status="detained_ice", effective_at=t0 + timedelta(hours=1))
    with db.session(write=True) as s:
        assert alerts_mod.check_whereabouts(s, org_a.id, found.id, t0 + timedelta(days=3)) is None


def test_concurrent_events_with_the_same_facts_raise_one_alert(client: Any, db: Any, org_a: Any) -> None:
    person = make_client(db, org_a.id)
    order = _order(client, org_a, person.id)
    add_custody_event(db, org_a.id, person.id, status="detained_ice", effective_at=datetime(2025, 3, 12, tzinfo=UTC))
    barrier = threading.Barrier(6)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            # the custody service's use case, each in its own session and transaction
            results.append(record_event_service(db, org_a, person.id, status="in_transit", country="SV",
                                                effective_at=datetime(2025, 3, 15, 14, i, tzinfo=UTC)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(results) == 6
    assert sum(len(alerts) for _, alerts in results) == 1
    open_alerts = _open(db, org_a.id, person.id)
    assert [a.dedupe_key for a in open_alerts] == [f"removal_to_protected_country:{order['id']}:SV"]


def test_losing_the_insert_race_is_already_raised(db: Any, org_a: Any) -> None:
    """Transaction B checks before A commits, inserts, waits on A's unique-index entry and loses: the SAVEPOINT
    turns the IntegrityError into "already raised" and B's own transaction still commits."""
    person = make_client(db, org_a.id)
    a_inserted = threading.Event()
    outcome: dict[str, Any] = {}
    kw = dict(org_id=org_a.id, client_id=person.id, kind="removal_to_protected_country", severity="critical",
              dedupe_key=f"race:{uuid.uuid4()}", trigger_type="test", trigger_id=None, details={},
              now=datetime.now(UTC), reopen_after_ack=True)

    def a() -> None:
        with db.session(write=True) as s:
            outcome["a"] = alerts_mod.raise_alert(Actor(org_a.id), s, **kw)
            a_inserted.set()
            threading.Event().wait(0.5)
            s.commit()

    def b() -> None:
        a_inserted.wait(10)
        with db.session(write=True) as s:
            outcome["b"] = alerts_mod.raise_alert(Actor(org_a.id), s, **kw)
            s.commit()
            outcome["b_committed"] = True

    ta, tb = threading.Thread(target=a), threading.Thread(target=b)
    ta.start()
    tb.start()
    ta.join(30)
    tb.join(30)
    assert outcome["a"] is not None and outcome["b"] is None and outcome["b_committed"]
    assert len(_open(db, org_a.id, person.id)) == 1


def test_unique_index_violation_is_absorbed_by_the_savepoint(db: Any, org_a: Any, monkeypatch: Any) -> None:
    """Even with the pre-check blind (as in a race), the second insert is "already raised" and the rest of the
    transaction survives (both backends)."""
    person = make_client(db, org_a.id)
    monkeypatch.setattr(alerts_mod, "existing_keys", lambda *a, **k: set())
    kw = dict(org_id=org_a.id, client_id=person.id, kind="removal_while_barred", severity="critical",
              dedupe_key=f"blind:{uuid.uuid4()}", trigger_type="test", trigger_id=None, details={},
              now=datetime.now(UTC), reopen_after_ack=True)
    with db.session(write=True) as s:
        first = alerts_mod.raise_alert(Actor(org_a.id), s, **kw)
        second = alerts_mod.raise_alert(Actor(org_a.id), s, **kw)
        kw["dedupe_key"] = str(kw["dedupe_key"]) + "2"
        other = alerts_mod.raise_alert(Actor(org_a.id), s, **kw)
        s.commit()
    assert first is not None and second is None and other is not None
    assert len(_open(db, org_a.id, person.id)) == 2


def test_acknowledge_then_same_facts_reopen(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    person = make_client(db, org_a.id)
    order = _order(client, org_a, person.id)
    _, alerts = record_event(org_a, person.id, status="in_transit", effective_at="2025-03-15T14:00:00Z", country="SV")
    alert_id = alerts[0]["id"]
    url = f"{API}/alerts/{alert_id}/acknowledge"
    assert_problem(client.post(url, headers=org_a.h("family_liaison"), json={}), 403, "forbidden")
    assert_problem(client.post(url, headers=org_a.h("paralegal"), json={"note": "x", "extra": 1}), 422)
    r = client.post(url, headers=org_a.h("paralegal"), json={"note": "Called ERO; emergency motion being drafted"})
    assert r.status_code == 200, r.text
    acked = r.json()
    assert acked["open"] is False and acked["acknowledged_by"] == str(org_a.users["paralegal"].id)
    assert acked["acknowledged_at"] and acked["ack_note"].startswith("Called ERO")
    assert_problem(client.post(url, headers=org_a.h("attorney"), json={}), 409, "alert_already_acknowledged")
    # New custody evidence of the same conflict opens a new alert (documented choice) ...
    _, again = record_event(org_a, person.id, status="held_by_foreign_government",
                            effective_at="2025-03-16T10:00:00Z", country="SV")
    assert [a["dedupe_key"] for a in again] == [alerts[0]["dedupe_key"]] and again[0]["id"] != alert_id
    lst = client.get(f"{API}/alerts", headers=org_a.h("paralegal"), params={"client_id": str(person.id)}).json()
    assert lst["total"] == 2 and [a["open"] for a in lst["items"]] == [True, False]
    # ... but re-saving the order (a re-evaluation of known facts) does not reopen an acknowledged one
    client.post(f"{API}/alerts/{again[0]['id']}/acknowledge", headers=org_a.h("attorney"))
    r = client.patch(f"{API}/protection-orders/{order['id']}", headers={**org_a.h("attorney"), "If-Match": '"1"'},
                     json={"judge": "Hon. Other Example"})
    assert r.status_code == 200 and r.json()["alerts"] == []
    lst = client.get(f"{API}/alerts", headers=org_a.h("paralegal"), params={"client_id": str(person.id)}).json()
    assert lst["total"] == 2 and not any(a["open"] for a in lst["items"])


def test_list_filters_order_and_roles(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    person = make_client(db, org_a.id, citizenships=["VE"])
    _order(client, org_a, person.id, countries=["SV", "VE"])
    _order(client, org_a, person.id, type="tro", scope="all_removal", countries=[],
           issued_at=(datetime.now(UTC) - timedelta(days=12)).isoformat(),
           expires_at=(datetime.now(UTC) + timedelta(hours=24)).isoformat())
    record_event(org_a, person.id, status="removed_to_third_country", effective_at=datetime.now(UTC).isoformat(),
                 country="SV")
    h = org_a.h("admin")
    items = client.get(f"{API}/alerts", headers=h, params={"client_id": str(person.id)}).json()["items"]
    assert [a["severity"] for a in items] == ["critical", "critical", "high", "normal"]
    assert {a["kind"] for a in items} == {"removal_to_protected_country", "removal_while_barred",
                                          "third_country_removal", "protection_expiring"}
    for params, n in [({"severity": "critical"}, 2), ({"kind": "third_country_removal"}, 1),
                      ({"acknowledged": "true"}, 0), ({"acknowledged": "false"}, 4)]:
        got = client.get(f"{API}/alerts", headers=h, params={"client_id": str(person.id), **params}).json()
        assert got["total"] == n, params
    page = client.get(f"{API}/alerts", headers=h, params={"client_id": str(person.id), "limit": 1, "offset": 1}).json()
    assert page["items"][0]["id"] == items[1]["id"] and page["total"] == 4
    assert_problem(client.get(f"{API}/alerts", headers=h, params={"severity": "urgent"}), 422)
    assert_problem(client.get(f"{API}/alerts", headers=h, params={"limit": 500}), 422)
    with db.session() as s:
        summaries = alerts_mod.open_alerts_for_client(s, org_a.id, person.id)
    assert [a["severity"] for a in summaries] == ["critical", "critical", "high", "normal"]
    assert client.get(f"{API}/alerts/{items[0]['id']}", headers=h).json()["kind"] == items[0]["kind"]
    # A list names whose alert it is (staff only: liaisons cannot read /alerts at all).
    assert {a["client_display_name"] for a in items} == {"José Luis Ramírez Núñez"}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_alert_read_roles(client: Any, org_a: Any, role: str) -> None:
    r = client.get(f"{API}/alerts", headers=org_a.h(role))
    if role == "family_liaison":
        assert_problem(r, 403, "forbidden")
    else:
        assert r.status_code == 200


def test_details_carry_no_personal_values(client: Any, db: Any, org_a: Any, record_event: Any) -> None:
    person = make_client(db, org_a.id, given_names="Nombre", first_surname="Secreto", a_number="012345678")
    _order(client, org_a, person.id)
    _, alerts = record_event(org_a, person.id, status="in_transit", effective_at="2025-03-15T14:00:00Z", country="SV",
                             notes="Brother says he was put on the Tuesday flight")
    text = str(alerts)
    for secret in ("Nombre", "Secreto", "012345678", "Brother"):
        assert secret not in text


