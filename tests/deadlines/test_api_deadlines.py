"""Deadlines API: computed and manual deadlines, updates (status, owner, confirmation, trigger), validation,
roles, filters/ordering/pagination of GET /deadlines, next_deadlines_for_client, audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from app.core.audit import AuditEvent
from app.deadlines import service as deadlines_service
from tests.conftest import assert_problem
from tests.deadlines.conftest import API
from tests.factories import make_client, make_proceeding

LIST = f"{API}/deadlines"


def test_create_computed_deadline_answers_dates_and_trace(world: Any) -> None:
    r = world.post_deadline(title="PFR - Fourth Circuit", rule="PFR-30", trigger_date="2026-05-20")
    assert r.status_code == 201, r.text
    d = r.json()
    assert r.headers["etag"] == '"1"'
    assert d["due_earliest_safe"] == d["due_latest_arguable"] == "2026-06-22"
    assert d["due_at"] == "2026-06-23T03:59:59Z"  # 23:59:59 EDT on 22 June, stored and answered in UTC
    assert d["due_at_local"] == "2026-06-22T23:59:59-04:00"
    assert d["jurisdictional"] is True and d["extendable"] is False and d["source"] == "computed"
    assert d["status"] == "open" and d["confirmed"] is False and d["proposed"] is False
    assert d["trace"][-1]["action"] == "due" and d["rule"] == "PFR-30" and d["regime"] == "frap26"
    assert any("Jurisdictional" in n for n in d["computation_notes"])
    got = world.http.get(f"{LIST}/{d['id']}", headers=world.h())
    assert got.status_code == 200 and got.headers["etag"] == '"1"' and got.json() == d


def test_title_defaults_to_rule_title_and_proceeding_district_sets_the_court(world: Any, db: Any) -> None:
    proc = make_proceeding(db, world.org.id, world.client_id, federal_district="txsd")
    d = world.deadline(rule="FRCP59E", trigger_date="2026-05-04", proceeding_id=str(proc.id))
    assert d["title"].startswith("Motion to alter or amend") and d["proceeding_id"] == str(proc.id)
    assert (d["court_state"], d["court_timezone"]) == ("TX", "America/Chicago")
    assert d["due_at_local"].endswith("-05:00")


def test_manual_deadline(world: Any) -> None:
    d = world.deadline(title="File exhibits per scheduling order", due_date="2026-05-15", owner_id=str(
        world.org.users["attorney"].id), notes="Privileged: call the client's sister first.")
    assert d["source"] == "manual" and d["rule"] is None
    assert d["due_earliest_safe"] == d["due_latest_arguable"] == "2026-05-15"
    assert d["due_at_local"] == "2026-05-15T23:59:59-04:00" and d["trace"][0]["action"] == "due"
    order = world.deadline(title="Status report", due_at="2026-05-08T09:30:00-04:00", source="court_order",
                           jurisdictional=True)
    assert order["source"] == "court_order" and order["due_at"] == "2026-05-08T13:30:00Z"
    assert order["jurisdictional"] is True
    today = world.deadline(title="Today counts", due_date="2026-05-01")
    assert today["due_earliest_safe"] == "2026-05-01"


@pytest.mark.parametrize(("body", "code"), [
    ({"title": "Too late", "due_date": "2026-04-30"}, "deadline_in_past"),
    ({"title": "Too late", "due_at": "2026-05-01T11:00:00Z"}, "deadline_in_past"),
    ({"title": "No date"}, "due_date_required"),
    ({"title": "Both", "due_date": "2026-05-20", "due_at": "2026-05-20T10:00:00Z"}, "due_date_required"),
    ({"due_date": "2026-05-20"}, "title_required"),
    ({"title": "x", "due_date": "2026-02-30"}, "validation_error"),
    ({"title": "x", "due_at": "2026-05-20T10:00:00"}, "validation_error"),
    ({"title": "x", "due_date": "2026-05-20", "trigger_date": "2026-05-01"}, "rule_required"),
    ({"title": "x", "due_date": "2026-05-20", "court_timezone": "Atlantis/Capital"}, "unknown_timezone"),
    ({"title": "x", "due_date": "2026-05-20", "surprise": 1}, "validation_error"),
    ({"rule": "NOPE", "trigger_date": "2026-05-20"}, "unknown_rule"),
    ({"rule": "PFR-30", "trigger_at": "2026-05-20T10:00:00"}, "validation_error"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "service_method": "fax"}, "validation_error"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "court_timezone": "Nowhere/Town"}, "unknown_timezone"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "due_date": "2026-06-01"}, "ambiguous_deadline"),
    ({"rule": "PFR-30"}, "trigger_required"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "owner_id": str(uuid.uuid4())}, "invalid_owner"),
])
def test_invalid_create_is_422(world: Any, body: dict[str, Any], code: str) -> None:
    assert_problem(world.post_deadline(**body), 422, code)


def test_owner_must_be_staff_of_the_org(world: Any, make_org: Any) -> None:
    liaison = world.org.users["family_liaison"].id
    other = make_org().users["attorney"].id
    for owner in (liaison, other):
        assert_problem(world.post_deadline(title="x", due_date="2026-05-20", owner_id=str(owner)), 422,
                       "invalid_owner")
    assert world.post_deadline(title="x", due_date="2026-05-20",
                               owner_id=str(world.org.users["admin"].id)).status_code == 201


def test_proceeding_of_another_client_or_org_is_404(world: Any, db: Any, make_org: Any) -> None:
    sibling = make_client(db, world.org.id, given_names="Ana")
    other_org = make_org()
    foreign_client = make_client(db, other_org.id)
    for proc in (make_proceeding(db, world.org.id, sibling.id), make_proceeding(db, other_org.id, foreign_client.id)):
        r = world.post_deadline(rule="PFR-30", trigger_date="2026-05-20", proceeding_id=str(proc.id))
        assert_problem(r, 404, "proceeding_not_found")
    assert_problem(world.post_deadline(client_id=foreign_client.id, title="x", due_date="2026-05-20"), 404,
                   "client_not_found")


@pytest.mark.parametrize("role", ["admin", "attorney", "paralegal"])
def test_staff_docket_deadlines(world: Any, role: str) -> None:
    assert world.post_deadline(role, rule="EOIR-APPEAL-IJ", trigger_date="2026-04-24").status_code == 201
    assert world.http.get(LIST, headers=world.h(role)).status_code == 200


def test_liaison_gets_403_everywhere(world: Any) -> None:
    d = world.deadline(rule="PFR-30", trigger_date="2026-05-20")
    h = world.h("family_liaison")
    assert_problem(world.post_deadline("family_liaison", rule="PFR-30", trigger_date="2026-05-20"), 403)
    assert_problem(world.http.get(LIST, headers=h), 403)
    assert_problem(world.http.get(f"{LIST}/{d['id']}", headers=h), 403)
    assert_problem(world.patch(f"/deadlines/{d['id']}", {"status": "met"}, 1, role="family_liaison"), 403)


def test_patch_requires_if_match_and_current_version(world: Any) -> None:
    d = world.deadline(rule="PFR-30", trigger_date="2026-05-20")
    url = f"{LIST}/{d['id']}"
    assert_problem(world.http.patch(url, headers=world.h(), json={"title": "New"}), 428, "precondition_required")
    assert_problem(world.patch(f"/deadlines/{d['id']}", {"title": "New"}, 5), 412, "version_conflict")
    r = world.patch(f"/deadlines/{d['id']}", {"title": "New"}, 1)
    assert r.status_code == 200 and r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    assert_problem(world.patch(f"/deadlines/{d['id']}", {"title": "Again"}, 1), 412, "version_conflict")


def test_status_transitions_and_met_at(world: Any) -> None:
    d = world.deadline(rule="EOIR-APPEAL-IJ", trigger_date="2026-04-24")
    path = f"/deadlines/{d['id']}"
    assert_problem(world.patch(path, {"met_at": "2026-05-01T10:00:00Z"}, 1), 422, "met_at_requires_met")
    assert_problem(world.patch(path, {"status": "met", "met_at": "2026-05-03T10:00:00Z"}, 1), 422, "met_at_in_future")
    assert_problem(world.patch(path, {"status": "done"}, 1), 422, "validation_error")
    r = world.patch(path, {"status": "met", "met_at": "2026-04-30T15:00:00-04:00"}, 1)
    assert r.status_code == 200 and r.json()["status"] == "met" and r.json()["met_at"] == "2026-04-30T19:00:00Z"
    r = world.patch(path, {"status": "open"}, 2)
    assert r.json()["status"] == "open" and r.json()["met_at"] is None
    r = world.patch(path, {"status": "met"}, 3)
    assert r.json()["met_at"] == "2026-05-01T12:00:00Z"  # defaults to now
    pfr = world.deadline(rule="PFR-30", trigger_date="2026-05-20")
    assert_problem(world.patch(f"/deadlines/{pfr['id']}", {"status": "extended"}, 1), 409, "deadline_not_extendable")
    manual = world.deadline(title="Brief", due_date="2026-06-01")
    assert world.patch(f"/deadlines/{manual['id']}", {"status": "extended"}, 1).json()["status"] == "extended"


def test_owner_change(world: Any) -> None:
    d = world.deadline(rule="PFR-30", trigger_date="2026-05-20")
    path = f"/deadlines/{d['id']}"
    attorney = str(world.org.users["attorney"].id)
    assert world.patch(path, {"owner_id": attorney}, 1).json()["owner_id"] == attorney
    assert_problem(world.patch(path, {"owner_id": str(world.org.users["family_liaison"].id)}, 2), 422, "invalid_owner")
    assert world.patch(path, {"owner_id": None}, 2).json()["owner_id"] is None


def test_only_attorneys_confirm(world: Any) -> None:
    d = world.deadline(rule="PFR-30", trigger_date="2026-05-20")
    path = f"/deadlines/{d['id']}"
    for role in ("paralegal", "admin"):
        assert_problem(world.patch(path, {"confirmed": True}, 1, role=role), 403, "forbidden")
        assert_problem(world.patch(path, {"confirmed": False}, 1, role=role), 403, "forbidden")
    r = world.patch(path, {"confirmed": True}, 1, role="attorney")
    assert r.status_code == 200
    body = r.json()
    assert body["confirmed"] is True and body["confirmed_by"] == str(world.org.users["attorney"].id)
    assert body["confirmed_at"] == "2026-05-01T12:00:00Z"


def test_trigger_change_recomputes_unless_confirmed(world: Any) -> None:
    d = world.deadline(rule="EOIR-APPEAL-IJ", trigger_date="2026-06-03")
    path = f"/deadlines/{d['id']}"
    r = world.patch(path, {"trigger_date": "2025-06-20"}, 1)
    assert r.status_code == 200 and r.json()["due_earliest_safe"] == "2025-07-21"
    r = world.patch(path, {"trigger_at": "2026-06-03T14:00:00Z", "court_timezone": "America/Los_Angeles"}, 2)
    assert r.json()["trigger_date"] == "2026-06-03" and r.json()["due_at_local"] == "2026-07-03T23:59:59-07:00"
    assert_problem(world.patch(path, {"due_date": "2026-07-10"}, 3), 409, "computed_deadline")
    assert_problem(world.patch(path, {"service_method": "smoke"}, 3), 422, "validation_error")
    assert_problem(world.patch(path, {"court_state": "XX"}, 3), 422, "unknown_court_state")
    world.patch(path, {"confirmed": True}, 3, role="attorney")
    assert_problem(world.patch(path, {"trigger_date": "2026-06-04"}, 4), 409, "deadline_confirmed")
    assert_problem(world.patch(path, {"trigger_date": "2026-06-04", "confirmed": False}, 4), 403)
    r = world.patch(path, {"trigger_date": "2026-06-04", "confirmed": False}, 4, role="attorney")
    assert r.status_code == 200 and r.json()["confirmed"] is False and r.json()["due_earliest_safe"] == "2026-07-06"


def test_manual_date_change(world: Any) -> None:
    d = world.deadline(title="Brief", due_date="2026-06-01")
    path = f"/deadlines/{d['id']}"
    assert_problem(world.patch(path, {"due_date": "2026-04-01"}, 1), 422, "deadline_in_past")
    assert_problem(world.patch(path, {"trigger_date": "2026-04-01"}, 1), 409, "manual_deadline")
    r = world.patch(path, {"due_date": "2026-06-05", "court_timezone": "America/Denver"}, 1)
    assert r.json()["due_at_local"] == "2026-06-05T23:59:59-06:00"


def test_other_organizations_deadline_is_404(world: Any, make_org: Any, client: Any) -> None:
    d = world.deadline(rule="PFR-30", trigger_date="2026-05-20")
    other = make_org()
    for role in ("admin", "attorney", "paralegal"):
        h = other.h(role)
        a = client.get(f"{LIST}/{d['id']}", headers=h)
        assert_problem(a, 404, "deadline_not_found")
        assert_problem(client.patch(f"{LIST}/{d['id']}", headers={**h, "If-Match": '"1"'}, json={"title": "x"}), 404,
                       "deadline_not_found")
        b = client.get(f"{LIST}/{uuid.uuid4()}", headers=h).json()
        a_body = a.json()
        for body in (a_body, b):
            body.pop("instance")
            body.pop("request_id", None)
        assert a_body == b
        assert client.get(LIST, headers=h).json()["total"] == 0
        assert client.get(LIST, headers=h, params={"client_id": str(world.client_id)}).json()["items"] == []
        assert_problem(client.post(f"{API}/clients/{world.client_id}/deadlines", headers=h,
                                   json={"title": "x", "due_date": "2026-06-01"}), 404, "client_not_found")


def test_list_filters_ordering_and_pagination(world: Any, db: Any) -> None:
    other_client = make_client(db, world.org.id, given_names="Marta")
    me = world.org.users["paralegal"].id
    made = [
        world.deadline(rule="PFR-30", trigger_date="2026-05-20"),  # 2026-06-22, jurisdictional
        world.deadline(title="B", due_date="2026-05-10", owner_id=str(me)),
        world.deadline(title="A", due_date="2026-05-10", owner_id=str(me)),  # same instant: id breaks the tie
        world.deadline(client_id=other_client.id, title="C", due_date="2026-07-01"),
        world.deadline(title="D", due_date="2026-05-02"),
    ]
    world.patch(f"/deadlines/{made[4]['id']}", {"status": "met"}, 1)
    items = world.http.get(LIST, headers=world.h(), params={"limit": 200}).json()["items"]
    keys = [(i["due_at"], i["id"]) for i in items]
    assert keys == sorted(keys) and len(items) == 5
    assert "trace" not in items[0]  # lists stay light; GET /deadlines/{id} has the trace
    same_day = [i["id"] for i in items if i["due_earliest_safe"] == "2026-05-10"]
    assert same_day == sorted(same_day)

    def ids(**params: Any) -> list[str]:
        r = world.http.get(LIST, headers=world.h(), params={"limit": 200, **params})
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert set(ids(due_before="2026-05-11")) == {made[1]["id"], made[2]["id"], made[4]["id"]}
    assert set(ids(due_after="2026-05-11")) == {made[0]["id"], made[3]["id"]}
    assert set(ids(due_after="2026-05-10", due_before="2026-05-11")) == {made[1]["id"], made[2]["id"]}
    assert set(ids(due_before="2026-05-10T04:00:00Z")) == {made[4]["id"]}
    assert set(ids(status="met")) == {made[4]["id"]}
    assert set(ids(status=["open", "met"])) == {d["id"] for d in made}
    assert set(ids(owner=str(me))) == set(ids(owner="me")) == {made[1]["id"], made[2]["id"]}
    assert set(ids(owner="none")) == {made[0]["id"], made[3]["id"], made[4]["id"]}
    assert set(ids(client_id=str(other_client.id))) == {made[3]["id"]}
    assert ids(jurisdictional="true") == [made[0]["id"]]
    assert ids(rule="PFR-30") == [made[0]["id"]]
    page = world.http.get(LIST, headers=world.h(), params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1 and page["total_capped"] is False
    assert [i["id"] for i in page["items"]] == [i["id"] for i in items[1:3]]
    for bad in ({"due_before": "2026-02-30"}, {"due_after": "2026-05-10T10:00:00"}, {"status": "late"},
                {"owner": "someone"}, {"limit": 0}, {"limit": 201}, {"client_id": "nope"}):
        assert_problem(world.http.get(LIST, headers=world.h(), params=bad), 422, "validation_error")


def test_next_deadlines_for_client(world: Any, db: Any) -> None:
    a = world.deadline(title="Later", due_date="2026-06-01")
    b = world.deadline(rule="PFR-30", trigger_date="2026-04-20")  # 2026-05-20
    c = world.deadline(title="Done", due_date="2026-05-05")
    world.patch(f"/deadlines/{c['id']}", {"status": "met"}, 1)
    with db.session() as s:
        items = deadlines_service.next_deadlines_for_client(s, world.org.id, world.client_id, limit=5)
        other_org = deadlines_service.next_deadlines_for_client(s, uuid.uuid4(), world.client_id)
    assert [i["id"] for i in items] == [b["id"], a["id"]]
    assert set(items[0]) >= {"id", "title", "due_at", "due_earliest_safe", "due_latest_arguable", "jurisdictional",
                             "status", "rule"}
    assert items[0]["due_earliest_safe"] == "2026-05-20" and items[0]["jurisdictional"] is True
    assert items[0]["status"] == "open" and items[0]["rule"] == "PFR-30"
    assert datetime.fromisoformat(items[0]["due_at"]).tzinfo is not None
    assert other_org == []
    status = world.http.get(f"{API}/clients/{world.client_id}/status", headers=world.h())
    if status.status_code == 200:  # the custody domain's status view embeds them
        assert [i["id"] for i in status.json()["next_deadlines"]] == [b["id"], a["id"]]


def test_writes_are_audited_without_personal_values(world: Any, db: Any) -> None:
    d = world.deadline(title="Call José Ramírez's family", due_date="2026-06-01", notes="secret note")
    world.patch(f"/deadlines/{d['id']}", {"status": "met"}, 1)
    with db.session() as s:
        events = list(s.exec(select(AuditEvent).where(AuditEvent.organization_id == world.org.id,
                                                      AuditEvent.entity_id == d["id"])
                             .order_by(AuditEvent.seq)).all())  # type: ignore[arg-type]
    assert [e.action for e in events] == ["deadline.created", "deadline.updated"]
    text = repr([e.detail for e in events])
    assert "José" not in text and "secret" not in text
    assert events[0].actor_user_id == world.org.users["paralegal"].id


def test_sqlite_and_postgres_store_utc(world: Any, db: Any) -> None:
    d = world.deadline(title="x", due_at="2026-05-08T09:30:00+09:00")
    from app.deadlines.models import Deadline

    with db.session() as s:
        row = s.get(Deadline, uuid.UUID(d["id"]))
        assert row is not None and row.due_at == datetime(2026, 5, 8, 0, 30, tzinfo=UTC)


def test_list_names_whose_deadline_it_is(world: Any, db: Any) -> None:
    """A paralegal reading the docket sees the client's name and A-number, not only a UUID."""
    from app.clients.models import Client
    from tests.factories import make_client as _make

    marta = _make(db, world.org.id, given_names="Marta", first_surname="Quispe", second_surname=None)
    with db.session(write=True) as s:
        row = s.get(Client, marta.id)
        assert row is not None
        row.a_number = "201234567"
        s.add(row)
        s.commit()
    world.deadline(client_id=marta.id, title="Brief", due_date="2026-07-01")
    world.deadline(title="Other", due_date="2026-07-02")
    items = world.http.get(LIST, headers=world.h(), params={"limit": 200}).json()["items"]
    by_client = {i["client_id"]: i for i in items}
    assert by_client[str(marta.id)]["client_display_name"] == "Marta Quispe"
    assert by_client[str(marta.id)]["a_number_display"] == "A-201-234-567"
    assert by_client[str(world.client_id)]["client_display_name"] == "José Luis Ramírez Núñez"
    assert by_client[str(world.client_id)]["a_number_display"] is None
