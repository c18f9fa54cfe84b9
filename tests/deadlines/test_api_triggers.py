"""Trigger events spawn dependent deadlines; changing one recomputes them, and an attorney-confirmed dependent
gets a NEW proposed version while the confirmed one is left untouched."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.deadlines.catalog import DEPENDENTS
from tests.conftest import assert_problem
from tests.deadlines.conftest import API
from tests.factories import make_client, make_proceeding


def _by_rule(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["rule"]: d for d in event["deadlines"] if not d["proposed"]}


def test_bia_decision_spawns_pfr_motions_and_removal_period(world: Any) -> None:
    r = world.trigger(kind="bia_decision", occurred_on="2026-05-20")
    assert r.status_code == 201, r.text
    ev = r.json()
    assert r.headers["etag"] == '"1"' and ev["kind"] == "bia_decision" and ev["occurred_on"] == "2026-05-20"
    rules = _by_rule(ev)
    assert set(rules) == {"PFR-30", "EOIR-MTR-BIA", "EOIR-MTRC-BIA", "REMOVAL-PERIOD"}
    assert rules["PFR-30"]["jurisdictional"] is True and rules["PFR-30"]["due_earliest_safe"] == "2026-06-22"
    assert rules["EOIR-MTRC-BIA"]["due_earliest_safe"] == "2026-06-22"  # day 30 is Juneteenth (Fri) -> Monday
    assert rules["EOIR-MTR-BIA"]["due_earliest_safe"] == "2026-08-18"  # 90 days
    assert rules["REMOVAL-PERIOD"]["obligated_party"] == "government"
    for d in ev["deadlines"]:
        assert d["trigger_event_id"] == ev["id"] and d["trigger_kind"] == "bia_decision" and d["trace"]
        assert d["client_id"] == str(world.client_id) and d["status"] == "open"
    # Deadlines are listed soonest first.
    dues = [d["due_at"] for d in ev["deadlines"]]
    assert dues == sorted(dues)


@pytest.mark.parametrize("kind", sorted(DEPENDENTS))
def test_every_trigger_kind_spawns_its_dependents(world: Any, kind: str) -> None:
    r = world.trigger(kind=kind, occurred_at="2026-05-04T15:00:00Z")
    assert r.status_code == 201, r.text
    assert sorted(d["rule"] for d in r.json()["deadlines"]) == sorted(DEPENDENTS[kind])


def test_judgment_and_osc_and_tro(world: Any) -> None:
    j = _by_rule(world.trigger(kind="judgment_entered", occurred_on="2026-10-05").json())
    assert j["FRAP4-60"]["due_earliest_safe"] == "2026-12-04" and j["FRAP4-60"]["jurisdictional"] is True
    assert j["FRCP59E"]["due_earliest_safe"] == "2026-11-02"
    o = _by_rule(world.trigger(kind="osc_served", occurred_on="2026-03-18").json())
    assert o["HC-RETURN"]["due_earliest_safe"] == "2026-03-23"
    t = _by_rule(world.trigger(kind="tro_entered", occurred_on="2026-05-04").json())
    assert t["TRO-14"]["due_earliest_safe"] == "2026-05-18"


def test_list_and_get_trigger_events(world: Any) -> None:
    a = world.trigger(kind="ij_decision", occurred_on="2026-04-01").json()
    b = world.trigger(kind="bia_decision", occurred_on="2026-04-20").json()
    page = world.http.get(f"{API}/clients/{world.client_id}/trigger-events", headers=world.h()).json()
    assert [e["id"] for e in page["items"]] == [b["id"], a["id"]] and page["total"] == 2
    got = world.http.get(f"{API}/trigger-events/{a['id']}", headers=world.h())
    assert got.status_code == 200 and got.headers["etag"] == '"1"' and len(got.json()["deadlines"]) == 3


def test_changing_the_date_recomputes_dependents(world: Any) -> None:
    ev = world.trigger(kind="bia_decision", occurred_on="2026-05-20").json()
    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-05-22"}, 1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 2 and r.headers["etag"] == '"2"'
    assert len(body["recompute"]["recomputed"]) == 4 and body["recompute"]["proposed"] == []
    rules = _by_rule(body)
    assert rules["PFR-30"]["due_earliest_safe"] == "2026-06-22"  # 21 Jun is a Sunday -> Monday 22 June
    assert rules["EOIR-MTRC-BIA"]["due_earliest_safe"] == "2026-06-22"
    assert rules["PFR-30"]["trigger_date"] == "2026-05-22" and rules["PFR-30"]["version"] == 2
    same_ids = {d["id"] for d in ev["deadlines"]} == {d["id"] for d in body["deadlines"]}
    assert same_ids
    r = world.patch(f"/trigger-events/{ev['id']}", {"service_method": "mail", "court_timezone": "America/Chicago"}, 2)
    assert r.status_code == 200 and _by_rule(r.json())["PFR-30"]["due_at_local"].endswith("-05:00")


def test_confirmed_dependent_gets_a_proposed_version_and_stays_untouched(world: Any) -> None:
    ev = world.trigger(kind="bia_decision", occurred_on="2026-05-20").json()
    pfr = _by_rule(ev)["PFR-30"]
    c = world.patch(f"/deadlines/{pfr['id']}", {"confirmed": True}, 1, role="attorney")
    assert c.status_code == 200
    confirmed = c.json()

    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-05-27"}, 1)
    assert r.status_code == 200, r.text
    summary = r.json()["recompute"]
    assert len(summary["proposed"]) == 1 and len(summary["recomputed"]) == 3
    proposal_id = summary["proposed"][0]
    untouched = world.http.get(f"{API}/deadlines/{pfr['id']}", headers=world.h()).json()
    assert untouched == confirmed  # not a single field changed, version included
    proposal = world.http.get(f"{API}/deadlines/{proposal_id}", headers=world.h()).json()
    assert proposal["proposed"] is True and proposal["status"] == "open" and proposal["confirmed"] is False
    assert proposal["supersedes_id"] == pfr["id"] and proposal["rule"] == "PFR-30"
    assert proposal["due_earliest_safe"] == "2026-06-26" and proposal["trigger_date"] == "2026-05-27"

    # A second change updates the same proposal rather than piling up versions.
    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-05-28"}, 2)
    assert r.json()["recompute"]["proposed"] == [proposal_id]
    assert world.http.get(f"{API}/deadlines/{pfr['id']}", headers=world.h()).json() == confirmed
    # Back to the confirmed inputs: the proposal is withdrawn (moot).
    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-05-20"}, 3)
    assert r.json()["recompute"]["withdrawn"] == [proposal_id]
    assert world.http.get(f"{API}/deadlines/{proposal_id}", headers=world.h()).json()["status"] == "moot"
    # Change again: a fresh proposal; the attorney accepts it; the old version is superseded (moot).
    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-05-27"}, 4)
    new_id = r.json()["recompute"]["proposed"][0]
    assert new_id != proposal_id
    prop = world.http.get(f"{API}/deadlines/{new_id}", headers=world.h()).json()
    assert_problem(world.patch(f"/deadlines/{new_id}", {"confirmed": True}, prop["version"]), 403)
    assert_problem(world.patch(f"/deadlines/{new_id}", {"status": "met"}, prop["version"]), 409, "proposal_pending")
    acc = world.patch(f"/deadlines/{new_id}", {"confirmed": True}, prop["version"], role="attorney")
    assert acc.status_code == 200 and acc.json()["proposed"] is False and acc.json()["confirmed"] is True
    old = world.http.get(f"{API}/deadlines/{pfr['id']}", headers=world.h()).json()
    assert old["status"] == "moot" and old["superseded_by_id"] == new_id
    nxt = world.http.get(f"{API}/deadlines", headers=world.h(),
                         params={"rule": "PFR-30", "status": "open", "client_id": str(world.client_id)}).json()
    assert [d["id"] for d in nxt["items"]] == [new_id]
    # The accepted version is confirmed: the next change proposes again.
    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-05-29"}, 5)
    assert len(r.json()["recompute"]["proposed"]) == 1


def test_dependent_trigger_is_changed_on_the_event(world: Any) -> None:
    ev = world.trigger(kind="osc_served", occurred_on="2026-05-04").json()
    d = ev["deadlines"][0]
    assert_problem(world.patch(f"/deadlines/{d['id']}", {"trigger_date": "2026-05-05"}, 1), 409,
                   "trigger_event_owned")
    assert world.patch(f"/deadlines/{d['id']}", {"status": "met"}, 1).status_code == 200
    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-05-05"}, 1)
    assert r.json()["recompute"]["untouched"] == [d["id"]]  # met deadlines are history


def test_missed_dependent_reopens_when_the_trigger_is_corrected(world: Any, db: Any) -> None:
    from datetime import UTC, datetime

    from app.deadlines.sweep import sweep

    ev = world.trigger(kind="osc_served", occurred_on="2026-04-20").json()
    with db.session(write=True) as s:
        assert sweep(s, datetime(2026, 5, 1, 12, tzinfo=UTC), [world.org.id])["missed"] == 1
    r = world.patch(f"/trigger-events/{ev['id']}", {"occurred_on": "2026-04-29"}, 1)
    d = r.json()["deadlines"][0]
    assert d["status"] == "open" and d["due_earliest_safe"] == "2026-05-04"


@pytest.mark.parametrize(("body", "code"), [
    ({"kind": "meteor_strike", "occurred_on": "2026-05-20"}, "validation_error"),
    ({"kind": "bia_decision"}, "trigger_required"),
    ({"kind": "bia_decision", "occurred_on": "2026-02-30"}, "validation_error"),
    ({"kind": "bia_decision", "occurred_at": "2026-05-20T10:00:00"}, "validation_error"),
    ({"kind": "bia_decision", "occurred_on": "2026-05-20", "occurred_at": "2026-05-22T15:00:00Z"},
     "conflicting_trigger"),
    ({"kind": "bia_decision", "occurred_on": "2026-05-20", "service_method": "owl"}, "validation_error"),
    ({"kind": "bia_decision", "occurred_on": "2026-05-20", "court_timezone": "Nowhere/Land"}, "unknown_timezone"),
    ({"kind": "bia_decision", "occurred_on": "2026-05-20", "court_state": "QQ"}, "unknown_court_state"),
    ({"kind": "bia_decision", "occurred_on": "2026-05-20", "extra": 1}, "validation_error"),
    ({"kind": "bia_decision", "occurred_on": "1900-05-20"}, "trigger_out_of_range"),
    ({"kind": "bia_decision", "occurred_on": "2026-05-20", "owner_id": str(uuid.uuid4())}, "invalid_owner"),
])
def test_invalid_trigger_event_is_422_and_saves_nothing(world: Any, body: dict[str, Any], code: str) -> None:
    assert_problem(world.trigger(**body), 422, code)
    page = world.http.get(f"{API}/clients/{world.client_id}/trigger-events", headers=world.h()).json()
    assert page["total"] == 0
    assert world.http.get(f"{API}/deadlines", headers=world.h()).json()["total"] == 0


def test_invalid_trigger_event_patch_is_422(world: Any) -> None:
    ev = world.trigger(kind="bia_decision", occurred_on="2026-05-20").json()
    path = f"/trigger-events/{ev['id']}"
    for body, code in (({"kind": "ij_decision"}, "validation_error"),
                       ({"occurred_on": "2026-13-01"}, "validation_error"),
                       ({"occurred_at": "2026-05-20T10:00:00"}, "validation_error"),
                       ({"court_timezone": "Nowhere/Land"}, "unknown_timezone"),
                       ({"occurred_on": None}, "trigger_required")):
        assert_problem(world.patch(path, body, 1), 422, code)
    assert_problem(world.http.patch(f"{API}{path}", headers=world.h(), json={"occurred_on": "2026-05-21"}), 428)
    assert_problem(world.patch(path, {"occurred_on": "2026-05-21"}, 7), 412, "version_conflict")


def test_proceeding_and_tenancy(world: Any, db: Any, make_org: Any, client: Any) -> None:
    sibling = make_client(db, world.org.id, given_names="Rosa")
    proc = make_proceeding(db, world.org.id, sibling.id)
    assert_problem(world.trigger(kind="bia_decision", occurred_on="2026-05-20", proceeding_id=str(proc.id)), 404,
                   "proceeding_not_found")
    mine = make_proceeding(db, world.org.id, world.client_id, forum="bia", federal_district=None)
    ev = world.trigger(kind="bia_decision", occurred_on="2026-05-20", proceeding_id=str(mine.id)).json()
    assert ev["proceeding_id"] == str(mine.id) and all(d["proceeding_id"] == str(mine.id) for d in ev["deadlines"])
    other = make_org()
    for role in ("admin", "attorney", "paralegal"):
        h = other.h(role)
        assert_problem(client.get(f"{API}/trigger-events/{ev['id']}", headers=h), 404, "trigger_event_not_found")
        assert_problem(client.patch(f"{API}/trigger-events/{ev['id']}", headers={**h, "If-Match": '"1"'},
                                    json={"occurred_on": "2026-05-21"}), 404, "trigger_event_not_found")
        assert_problem(client.get(f"{API}/clients/{world.client_id}/trigger-events", headers=h), 404,
                       "client_not_found")
        assert_problem(client.post(f"{API}/clients/{world.client_id}/trigger-events", headers=h,
                                   json={"kind": "bia_decision", "occurred_on": "2026-05-20"}), 404, "client_not_found")


def test_liaison_and_roles(world: Any) -> None:
    assert_problem(world.trigger("family_liaison", kind="bia_decision", occurred_on="2026-05-20"), 403)
    assert_problem(world.http.get(f"{API}/clients/{world.client_id}/trigger-events",
                                  headers=world.h("family_liaison")), 403)
    for role in ("admin", "attorney", "paralegal"):
        assert world.trigger(role, kind="tro_entered", occurred_on="2026-05-04").status_code == 201
