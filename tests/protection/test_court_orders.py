"""Court orders, compliance obligations, occurrences (DST wall clock, idempotent generation), filings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.protection import occurrences as occ_mod
from app.protection.models import ComplianceObligation, ObligationOccurrence
from app.protection.sweep import sweep
from tests.conftest import ALL_ROLES, assert_problem
from tests.factories import make_client
from tests.protection.conftest import daily_declaration

API = "/api/v1"
REQUIRED = daily_declaration()["required_elements"]


def court_order(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"issuing_court": "United States District Court for the District of Maryland",
                            "judge": "Hon. Example Judge", "docket_number": "8:25-cv-00000-XX",
                            "issued_at": "2025-04-11T19:30:00Z", "obligations": [daily_declaration()]}
    body.update(over)
    return body


def _order(client: Any, org: Any, person_id: uuid.UUID, **over: Any) -> dict[str, Any]:
    r = client.post(f"{API}/clients/{person_id}/court-orders", headers=org.h("paralegal"), json=court_order(**over))
    assert r.status_code == 201, r.text
    return r.json()


def _occurrences(client: Any, org: Any, ob_id: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get(f"{API}/obligations/{ob_id}/occurrences", headers=org.h("paralegal"),
                   params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


@pytest.mark.parametrize("role", ALL_ROLES)
def test_roles(client: Any, db: Any, org_a: Any, role: str) -> None:
    person = make_client(db, org_a.id)
    r = client.post(f"{API}/clients/{person.id}/court-orders", headers=org_a.h(role), json=court_order())
    g = client.get(f"{API}/clients/{person.id}/court-orders", headers=org_a.h(role))
    if role == "family_liaison":
        assert_problem(r, 403, "forbidden")
        assert_problem(g, 403, "forbidden")
    else:
        assert r.status_code == 201 and g.json()["total"] == 1


@pytest.mark.parametrize(("first_due", "days", "expected_utc"), [
    # spring forward on Sunday 2025-03-09: 17:00 EST = 22:00Z before, 17:00 EDT = 21:00Z after
    ("2025-03-07T17:00:00-05:00", 5, ["22:00", "22:00", "21:00", "21:00", "21:00"]),
    # fall back on Sunday 2025-11-02: 21:00Z before, 22:00Z after
    ("2025-10-31T17:00:00-04:00", 5, ["21:00", "21:00", "22:00", "22:00", "22:00"]),
])
def test_daily_17h_eastern_across_dst(client: Any, db: Any, org_a: Any, clock: Any, first_due: str, days: int,
                                      expected_utc: list[str]) -> None:
    start = datetime.fromisoformat(first_due)
    clock.set(start - timedelta(days=1))
    person = make_client(db, org_a.id)
    ob = _order(client, org_a, person.id, obligations=[daily_declaration(first_due_at=first_due)])["obligations"][0]
    occ = _occurrences(client, org_a, ob["id"], until=(start + timedelta(days=days - 1, hours=1)).isoformat())
    assert [o["due_at"][11:16] for o in occ[:days]] == expected_utc
    assert {o["due_local"][11:19] for o in occ} == {"17:00:00"}
    assert len({o["due_at"] for o in occ}) == len(occ)


def test_generation_is_idempotent_and_rolling(client: Any, db: Any, org_a: Any, clock: Any) -> None:
    clock.set("2025-04-11T20:00:00+00:00")
    person = make_client(db, org_a.id)
    ob = _order(client, org_a, person.id)["obligations"][0]
    assert ob["generated_until"] is not None
    first = _occurrences(client, org_a, ob["id"])
    # created with the order: 04-12 .. 04-24 (17:00 EDT on 04-25 is past now + 14 days)
    assert first[0]["due_local"] == "2025-04-12T17:00:00-04:00" and first[-1]["due_local"][:10] == "2025-04-24"
    again = _occurrences(client, org_a, ob["id"])
    assert [o["id"] for o in again] == [o["id"] for o in first]
    # a racing generator that starts from scratch inserts nothing twice
    with db.session(write=True) as s:
        row = s.get(ComplianceObligation, uuid.UUID(ob["id"]))
        row.generated_until = None
        now = datetime(2025, 4, 11, 20, tzinfo=UTC)
        occ_mod.materialize(s, row, now + timedelta(days=14), now)
        occ_mod.materialize(s, row, now + timedelta(days=14), now)
        s.commit()
        from sqlmodel import func, select

        n = s.exec(select(func.count()).select_from(ObligationOccurrence).where(
            ObligationOccurrence.obligation_id == row.id)).one()
    assert n == len(first) == 13
    # time moves on: the horizon rolls forward on read and on sweep
    clock.set("2025-04-20T20:00:00+00:00")
    later = _occurrences(client, org_a, ob["id"], since="2025-04-20T00:00:00Z")
    assert later[-1]["due_local"][:10] == "2025-05-03"
    with db.session(write=True) as s:
        sweep(s, datetime(2025, 4, 30, 12, tzinfo=UTC), [org_a.id])
    assert _occurrences(client, org_a, ob["id"])[-1]["due_local"][:10] == "2025-05-13"


def test_one_off_and_finite_rules(client: Any, db: Any, org_a: Any, clock: Any) -> None:
    clock.set("2025-04-09T12:00:00+00:00")
    person = make_client(db, org_a.id)
    order = _order(client, org_a, person.id, obligations=[
        daily_declaration(first_due_at="2025-04-11T09:30:00-04:00", recurrence=None),
        daily_declaration(first_due_at="2025-04-14T12:00:00-05:00", timezone="America/Chicago",
                          recurrence="RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=3"),
        daily_declaration(obligated_party="us", recurrence="FREQ=DAILY;UNTIL=20250414T235959Z"),
    ])
    one_off, weekly, until = order["obligations"]
    assert one_off["until_further_order"] is False and until["until_further_order"] is False
    assert [o["due_at"] for o in _occurrences(client, org_a, one_off["id"])] == ["2025-04-11T13:30:00Z"]
    assert [o["due_local"] for o in _occurrences(client, org_a, weekly["id"], until="2025-05-30T00:00:00Z")] == [
        "2025-04-14T12:00:00-05:00", "2025-04-17T12:00:00-05:00", "2025-04-21T12:00:00-05:00"]
    assert [o["due_local"][:10] for o in _occurrences(client, org_a, until["id"])] == [
        "2025-04-12", "2025-04-13", "2025-04-14"]


@pytest.mark.parametrize(("over", "code"), [
    ({"recurrence": "FREQ=SOMETIMES"}, "invalid_rrule"),
    ({"recurrence": "EVERY DAY"}, "invalid_rrule"),
    ({"recurrence": "FREQ=MINUTELY"}, "invalid_rrule"),
    ({"recurrence": "FREQ=DAILY;BYHOUR=25"}, "invalid_rrule"),
    ({"recurrence": "DTSTART:20250101T000000Z\nRRULE:FREQ=DAILY"}, "validation_error"),
    ({"recurrence": "FREQ=DAILY;UNTIL=20250501T170000"}, "invalid_rrule"),  # UNTIL must be UTC
    ({"timezone": "Mars/Olympus_Mons"}, "invalid_timezone"),
    ({"timezone": "../../etc/passwd"}, "invalid_timezone"),
    ({"first_due_at": "2025-04-12T17:00:00"}, "validation_error"),  # naive
    ({"obligated_party": "court"}, "validation_error"),
    ({"required_elements": ["a", "a"]}, "validation_error"),
    ({"status": "due"}, "validation_error"),  # extra field
])
def test_invalid_obligations_are_422(client: Any, db: Any, org_a: Any, over: dict[str, Any], code: str) -> None:
    person = make_client(db, org_a.id)
    h = org_a.h("paralegal")
    bad = daily_declaration(**over)
    assert_problem(client.post(f"{API}/clients/{person.id}/court-orders", headers=h,
                               json=court_order(obligations=[bad])), 422, code)
    order = _order(client, org_a, person.id, obligations=[])
    assert_problem(client.post(f"{API}/court-orders/{order['id']}/obligations", headers=h, json=bad), 422, code)
    # nothing half-created
    assert client.get(f"{API}/court-orders/{order['id']}", headers=h).json()["obligations"] == []


@pytest.mark.parametrize("over", [{"issued_at": "2025-04-11 19:30"}, {"judge": "A\x00B"}, {"extra": True},
                                  {"issuing_court": ""}])
def test_invalid_court_orders_are_422(client: Any, db: Any, org_a: Any, over: dict[str, Any]) -> None:
    person = make_client(db, org_a.id)
    assert_problem(client.post(f"{API}/clients/{person.id}/court-orders", headers=org_a.h("paralegal"),
                               json=court_order(**over)), 422, "validation_error")


def test_filings_on_time_late_non_responsive(client: Any, db: Any, org_a: Any, clock: Any) -> None:
    clock.set("2025-04-11T20:00:00+00:00")
    person = make_client(db, org_a.id)
    ob = _order(client, org_a, person.id)["obligations"][0]
    occ = {o["due_local"][:10]: o["id"] for o in _occurrences(client, org_a, ob["id"])}
    clock.set("2025-04-20T12:00:00+00:00")
    h = org_a.h("paralegal")

    def file(day: str, filed_at: str, elements: list[str]) -> dict[str, Any]:
        r = client.post(f"{API}/occurrences/{occ[day]}/filings", headers=h,
                        json={"filed_at": filed_at, "docket_entry": "ECF 80", "answered_elements": elements})
        assert r.status_code == 201, r.text
        return dict(r.json())

    on_time = file("2025-04-12", "2025-04-12T17:00:00-04:00", REQUIRED)
    assert (on_time["status"], on_time["minutes_late"], on_time["missing_elements"]) == ("filed_on_time", 0, [])
    one_sec = file("2025-04-13", "2025-04-13T17:00:01-04:00", REQUIRED)
    assert (one_sec["status"], one_sec["minutes_late"]) == ("filed_late", 1)
    # answered only the location question: non-responsive, lateness kept
    partial = file("2025-04-14", "2025-04-14T17:45:00-04:00", REQUIRED[:1])
    assert (partial["status"], partial["minutes_late"]) == ("non_responsive", 45)
    assert partial["missing_elements"] == REQUIRED[1:]
    # a supplemental declaration completes it: late, timed by the completing filing
    done = file("2025-04-14", "2025-04-15T09:00:00-04:00", REQUIRED[1:])
    assert (done["status"], done["minutes_late"]) == ("filed_late", 16 * 60)
    assert len(done["filings"]) == 2 and done["missing_elements"] == []
    assert client.get(f"{API}/occurrences/{occ['2025-04-14']}", headers=h).json()["status"] == "filed_late"
    # invalid filings
    url = f"{API}/occurrences/{occ['2025-04-16']}/filings"
    assert_problem(client.post(url, headers=h, json={"filed_at": "2025-04-16T16:00:00-04:00",
                                                     "answered_elements": ["something else"]}), 422, "unknown_element")
    assert_problem(client.post(url, headers=h, json={"filed_at": "2025-05-16T16:00:00-04:00"}), 422, "filed_in_future")
    assert_problem(client.post(url, headers=h, json={"filed_at": "2025-04-16T16:00:00"}), 422, "validation_error")
    assert_problem(client.post(url, headers=h, json={"filed_at": "2025-04-16T16:00:00Z", "status": "x"}), 422,
                   "validation_error")
    assert_problem(client.post(url, headers=org_a.h("family_liaison"), json={"filed_at": "2025-04-16T16:00:00Z"}),
                   403, "forbidden")


def test_listing_marks_missed_and_alerts_only_recent_history(client: Any, db: Any, org_a: Any, clock: Any) -> None:
    person = make_client(db, org_a.id)
    # recorded on 2025-05-01 although it started on 2025-04-12: old days are history, not alarms
    clock.set("2025-05-01T12:00:00+00:00")
    ob = _order(client, org_a, person.id)["obligations"][0]
    occ = _occurrences(client, org_a, ob["id"], until="2025-05-01T12:00:00Z")
    assert len(occ) == 19 and {o["status"] for o in occ} == {"not_filed"}
    alerts = client.get(f"{API}/alerts", headers=org_a.h("paralegal"),
                        params={"client_id": str(person.id), "limit": 200}).json()["items"]
    assert len(alerts) == 7 and {a["kind"] for a in alerts} == {"obligation_missed"}
    # a late filing still converts a not_filed day
    r = client.post(f"{API}/occurrences/{occ[-1]['id']}/filings", headers=org_a.h("paralegal"),
                    json={"filed_at": "2025-05-01T08:00:00-04:00", "answered_elements": REQUIRED})
    assert (r.json()["status"], r.json()["minutes_late"]) == ("filed_late", 15 * 60)


def test_pause_resume_end(client: Any, db: Any, org_a: Any, org_b: Any, clock: Any) -> None:
    clock.set("2025-04-11T20:00:00+00:00")
    person = make_client(db, org_a.id)
    ob = _order(client, org_a, person.id)["obligations"][0]
    url = f"{API}/obligations/{ob['id']}"
    h = org_a.h("paralegal")
    pausing = _order(client, org_a, person.id, obligations=[], issued_at="2025-04-16T15:00:00Z",
                     summary="Discovery and declarations paused on sealed motions")
    other_client_order = _order(client, org_a, make_client(db, org_a.id).id, obligations=[])
    foreign = _order(client, org_b, make_client(db, org_b.id).id, obligations=[])
    assert client.get(url, headers=h).headers["etag"] == '"1"'
    assert_problem(client.patch(url, headers=h, json={"paused_by_order_id": pausing["id"]}), 428)
    hm = {**h, "If-Match": '"1"'}
    assert_problem(client.patch(url, headers=hm, json={"paused_by_order_id": other_client_order["id"]}), 422,
                   "court_order_client_mismatch")
    assert_problem(client.patch(url, headers=hm, json={"paused_by_order_id": foreign["id"]}), 404,
                   "court_order_not_found")
    assert_problem(client.patch(url, headers=hm, json={"paused_at": "2025-04-16T15:00:00Z"}), 422,
                   "pause_order_required")
    assert_problem(client.patch(url, headers=hm, json={"ended_at": "2025-04-16T15:00:00"}), 422, "validation_error")
    clock.set("2025-04-16T16:00:00+00:00")
    r = client.patch(url, headers=hm, json={"paused_by_order_id": pausing["id"], "paused_at": "2025-04-16T15:00:00Z"})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"' and r.json()["paused_by_order_id"] == pausing["id"]
    days = [o["due_local"][:10] for o in _occurrences(client, org_a, ob["id"], until="2025-05-30T00:00:00Z")]
    assert days == ["2025-04-12", "2025-04-13", "2025-04-14", "2025-04-15"]
    # resumed on 04-20: nothing owed for the paused days, daily again from 04-20
    clock.set("2025-04-20T16:00:00+00:00")
    r = client.patch(url, headers={**h, "If-Match": '"2"'}, json={"paused_by_order_id": None})
    assert r.status_code == 200 and r.json()["paused_by_order_id"] is None
    days = [o["due_local"][:10] for o in _occurrences(client, org_a, ob["id"])]
    assert days[:6] == ["2025-04-12", "2025-04-13", "2025-04-14", "2025-04-15", "2025-04-20", "2025-04-21"]
    # ended by a later order on 04-25 at noon Eastern
    r = client.patch(url, headers={**h, "If-Match": '"3"'}, json={"ended_at": "2025-04-25T12:00:00-04:00",
                                                                  "ended_by_order_id": pausing["id"]})
    assert r.status_code == 200 and r.json()["until_further_order"] is False
    days = [o["due_local"][:10] for o in _occurrences(client, org_a, ob["id"], until="2025-06-30T00:00:00Z")]
    assert days[-1] == "2025-04-24"


def test_until_bounds(client: Any, db: Any, org_a: Any, clock: Any) -> None:
    clock.set("2025-04-11T20:00:00+00:00")
    person = make_client(db, org_a.id)
    ob = _order(client, org_a, person.id)["obligations"][0]
    url = f"{API}/obligations/{ob['id']}/occurrences"
    assert_problem(client.get(url, headers=org_a.h("paralegal"), params={"until": "2027-01-01T00:00:00Z"}), 422,
                   "until_too_far")
    assert_problem(client.get(url, headers=org_a.h("paralegal"), params={"until": "2025-05-01T00:00:00"}), 422,
                   "validation_error")
    assert len(_occurrences(client, org_a, ob["id"], until="2025-06-10T21:00:00Z")) == 60
