"""Rule catalog API: built-ins + organization rules, immutability of built-ins, roles, tenancy, validation."""

from __future__ import annotations

from typing import Any

import pytest

from app.deadlines.catalog import BUILTIN_RULES
from tests.conftest import assert_problem
from tests.deadlines.conftest import API

RULES = f"{API}/deadline-rules"


def org_rule(**over: Any) -> dict[str, Any]:
    body = {"id": "ORG-DMD-REPLY-7", "title": "Reply in support of a habeas petition (D. Md. order)",
            "trigger": "government's return filed", "period": 7, "unit": "days", "regime": "frcp6",
            "citation": "Order of the court (fictional standing practice)", "as_of": "2026-04-01",
            "notes": "Fictional rule for tests."}
    body.update(over)
    return body


def _create(world: Any, role: str = "attorney", **over: Any) -> Any:
    return world.http.post(RULES, headers=world.h(role), json=org_rule(**over))


def test_list_has_every_builtin_with_citation_and_as_of(world: Any) -> None:
    r = world.http.get(RULES, headers=world.h(), params={"limit": 200})
    assert r.status_code == 200, r.text
    page = r.json()
    assert set(page) == {"items", "total", "limit", "offset"}
    by_id = {item["id"]: item for item in page["items"]}
    assert [i["id"] for i in page["items"]][:len(BUILTIN_RULES)] == [s.id for s in BUILTIN_RULES]
    pfr = by_id["PFR-30"]
    assert pfr["builtin"] is True and pfr["jurisdictional"] is True and pfr["period"] == 30
    assert pfr["unit"] == "days" and pfr["direction"] == "after" and pfr["regime"] == "frap26"
    assert "1252(b)(1)" in pfr["citation"] and pfr["as_of"] and "bia_decision" in pfr["spawned_by"]
    assert all(item["citation"] and item["as_of"] for item in page["items"])
    one = world.http.get(f"{RULES}/PFR-30", headers=world.h())
    assert one.status_code == 200 and one.json() == pfr


def test_attorney_creates_org_rule_and_uses_it(world: Any) -> None:
    r = _create(world)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["builtin"] is False and rule["version"] == 1 and rule["id"] == "ORG-DMD-REPLY-7"
    assert r.headers["etag"] == '"1"'
    ids = [i["id"] for i in world.http.get(RULES, headers=world.h(), params={"limit": 200}).json()["items"]]
    assert ids[-1] == "ORG-DMD-REPLY-7"
    only_org = world.http.get(RULES, headers=world.h(), params={"builtin": "false"}).json()
    assert [i["id"] for i in only_org["items"]] == ["ORG-DMD-REPLY-7"]
    # Mon 4 May 2026 + 7 days = Mon 11 May 2026.
    c = world.http.post(f"{API}/deadlines/compute", headers=world.h(),
                        json={"rule": "ORG-DMD-REPLY-7", "trigger_date": "2026-05-04"})
    assert c.status_code == 200 and c.json()["due_earliest_safe"] == "2026-05-11"
    d = world.deadline(rule="ORG-DMD-REPLY-7", trigger_date="2026-05-04")
    assert d["rule"] == "ORG-DMD-REPLY-7" and d["title"] == org_rule()["title"]


def test_builtin_ids_cannot_be_reused_and_ids_need_prefix(world: Any) -> None:
    assert_problem(_create(world, id="PFR-30"), 409, "builtin_rule_id")
    assert_problem(_create(world, id="MY-RULE"), 422, "invalid_rule_id")
    assert _create(world).status_code == 201
    assert_problem(_create(world), 409, "rule_id_conflict")


@pytest.mark.parametrize(("over", "code"), [
    ({"unit": "business_days"}, "invalid_rule"),  # business days only with the business_days regime
    ({"period": 999999}, "invalid_rule"),
    ({"regime": "anniversary"}, "invalid_rule"),  # anniversary counts years or months
    ({"unit": "fortnights"}, "validation_error"),
    ({"id": "org-lower"}, "validation_error"),
    ({"as_of": "2026-02-30"}, "validation_error"),
    ({"time_of_day": "16:00:00+02:00"}, "validation_error"),
    ({"surprise": True}, "validation_error"),
    ({"title": "bad\u202etitle"}, "validation_error"),
])
def test_invalid_org_rule_is_422(world: Any, over: dict[str, Any], code: str) -> None:
    assert_problem(_create(world, **over), 422, code)


@pytest.mark.parametrize("role", ["paralegal", "admin", "family_liaison"])
def test_only_attorneys_write_rules(world: Any, role: str) -> None:
    assert_problem(_create(world, role), 403, "forbidden")
    assert _create(world).status_code == 201
    r = world.http.patch(f"{RULES}/ORG-DMD-REPLY-7", headers=world.h(role, **{"If-Match": '"1"'}),
                         json={"period": 10})
    assert_problem(r, 403, "forbidden")


def test_liaison_cannot_read_rules(world: Any) -> None:
    assert_problem(world.http.get(RULES, headers=world.h("family_liaison")), 403, "forbidden")


def test_builtin_rules_are_immutable(world: Any) -> None:
    r = world.http.patch(f"{RULES}/PFR-30", headers=world.h("attorney", **{"If-Match": '"1"'}), json={"period": 60})
    assert_problem(r, 409, "builtin_rule_immutable")
    assert_problem(world.http.patch(f"{RULES}/PFR-30", headers=world.h("attorney"), json={"period": 60}), 409,
                   "builtin_rule_immutable")


def test_patch_org_rule_needs_if_match_and_recomputes(world: Any) -> None:
    assert _create(world).status_code == 201
    d = world.deadline(rule="ORG-DMD-REPLY-7", trigger_date="2026-05-04")
    url = f"{RULES}/ORG-DMD-REPLY-7"
    assert_problem(world.http.patch(url, headers=world.h("attorney"), json={"period": 10}), 428)
    assert_problem(world.http.patch(url, headers=world.h("attorney", **{"If-Match": '"9"'}), json={"period": 10}),
                   412, "version_conflict")
    assert_problem(world.http.patch(url, headers=world.h("attorney", **{"If-Match": '"1"'}),
                                    json={"unit": "business_days"}), 422, "invalid_rule")
    assert_problem(world.http.patch(url, headers=world.h("attorney", **{"If-Match": '"1"'}),
                                    json={"id": "ORG-OTHER"}), 422, "validation_error")
    r = world.http.patch(url, headers=world.h("attorney", **{"If-Match": '"1"'}), json={"period": 10})
    assert r.status_code == 200, r.text
    assert r.json()["period"] == 10 and r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    after = world.http.get(f"{API}/deadlines/{d['id']}", headers=world.h()).json()
    assert after["due_earliest_safe"] == "2026-05-14"  # Mon 4 May + 10 = Thu 14 May
    # A confirmed deadline is never moved: the rule edit proposes a new version instead.
    world.patch(f"/deadlines/{d['id']}", {"confirmed": True}, after["version"], role="attorney")
    r = world.http.patch(url, headers=world.h("attorney", **{"If-Match": '"2"'}), json={"period": 14})
    assert r.status_code == 200
    kept = world.http.get(f"{API}/deadlines/{d['id']}", headers=world.h()).json()
    assert kept["due_earliest_safe"] == "2026-05-14" and kept["confirmed"] is True
    proposals = world.http.get(f"{API}/deadlines", headers=world.h(), params={"proposed": "true"}).json()["items"]
    assert [(p["supersedes_id"], p["due_earliest_safe"]) for p in proposals] == [(d["id"], "2026-05-18")]


def test_other_organizations_rule_is_404(world: Any, make_org: Any, client: Any) -> None:
    assert _create(world).status_code == 201
    other = make_org()
    h = other.h("attorney")
    assert_problem(client.get(f"{RULES}/ORG-DMD-REPLY-7", headers=h), 404, "rule_not_found")
    assert_problem(client.patch(f"{RULES}/ORG-DMD-REPLY-7", headers={**h, "If-Match": '"1"'}, json={"period": 9}),
                   404, "rule_not_found")
    listed = client.get(RULES, headers=h, params={"limit": 200}).json()["items"]
    assert "ORG-DMD-REPLY-7" not in {i["id"] for i in listed}
    r = client.post(f"{API}/deadlines/compute", headers=h,
                    json={"rule": "ORG-DMD-REPLY-7", "trigger_date": "2026-05-04"})
    assert_problem(r, 422, "unknown_rule")
    # The same id is free in the other organization.
    assert client.post(RULES, headers=h, json=org_rule()).status_code == 201


def test_org_rule_in_hours_needs_an_instant(world: Any) -> None:
    r = _create(world, id="ORG-TRO-RESP-48H", title="Opposition to TRO motion (48 hours, chambers order)",
                trigger="service of the motion", period=48, unit="hours")
    assert r.status_code == 201, r.text
    compute = f"{API}/deadlines/compute"
    assert_problem(world.http.post(compute, headers=world.h(), json={"rule": "ORG-TRO-RESP-48H",
                                                                    "trigger_date": "2026-05-04"}),
                   422, "trigger_at_required")
    # Served Wed 6 May 2026 10:15 EDT + 48 hours = Fri 8 May 10:15 EDT.
    c = world.http.post(compute, headers=world.h(), json={"rule": "ORG-TRO-RESP-48H",
                                                         "trigger_at": "2026-05-06T14:15:00Z"})
    assert c.status_code == 200, c.text
    assert c.json()["due_at"] == "2026-05-08T10:15:00-04:00"
    d = world.deadline(rule="ORG-TRO-RESP-48H", trigger_at="2026-05-06T10:15:00-04:00")
    assert d["due_at"] == "2026-05-08T14:15:00Z" and d["trigger_at"] == "2026-05-06T14:15:00Z"
