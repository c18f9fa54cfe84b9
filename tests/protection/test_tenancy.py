"""Every protection route: another organization's objects are 404 (indistinguishable from missing ones),
family liaisons get 403, and every POST/PATCH refuses unknown fields with 422."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from app.core.route_inventory import iter_routes
from tests.conftest import assert_problem
from tests.factories import make_client
from tests.protection.conftest import daily_declaration, order_body

API = "/api/v1"
PREFIXES = ("/api/v1/clients/{client_id}/protection-orders", "/api/v1/clients/{client_id}/court-orders",
            "/api/v1/protection-orders", "/api/v1/court-orders", "/api/v1/obligations", "/api/v1/occurrences",
            "/api/v1/alerts")
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/clients/{client_id}/protection-orders"): order_body(),
    ("PATCH", "/api/v1/protection-orders/{order_id}"): {"notes": "n"},
    ("POST", "/api/v1/clients/{client_id}/court-orders"): {"issuing_court": "D. Md.",
                                                           "issued_at": "2025-04-11T19:30:00Z"},
    ("POST", "/api/v1/court-orders/{order_id}/obligations"): daily_declaration(),
    ("PATCH", "/api/v1/obligations/{obligation_id}"): {"ended_at": "2025-05-01T00:00:00Z"},
    ("POST", "/api/v1/occurrences/{occurrence_id}/filings"): {"filed_at": "2025-04-12T20:00:00Z"},
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): {"note": "seen"},
}


def _routes(app: Any) -> list[tuple[str, str]]:
    return sorted({(r.method, r.path) for r in iter_routes(app) if r.path.startswith(PREFIXES)})


@pytest.fixture
def foreign(client: Any, db: Any, make_org: Any, clock: Any) -> dict[str, str]:
    """One of everything in another organization, with an open alert."""
    org = make_org()
    clock.set("2025-04-11T20:00:00+00:00")
    person = make_client(db, org.id)
    h = org.h("attorney")
    po = client.post(f"{API}/clients/{person.id}/protection-orders", headers=h, json=order_body()).json()["order"]
    co = client.post(f"{API}/clients/{person.id}/court-orders", headers=h, json={
        "issuing_court": "D. Md.", "issued_at": "2025-04-11T19:30:00Z", "obligations": [daily_declaration()]}).json()
    ob = co["obligations"][0]
    occ = client.get(f"{API}/obligations/{ob['id']}/occurrences", headers=h).json()["items"][0]
    from tests.protection.conftest import record_event_direct

    _, alerts = record_event_direct(db, org.id, person.id, status="in_transit", country="SV",
                                    effective_at=po["issued_at"].replace("2019", "2025"))
    return {"client_id": str(person.id), "protection_order": po["id"], "court_order": co["id"],
            "obligation_id": ob["id"], "occurrence_id": occ["id"], "alert_id": alerts[0]["id"]}


def _fill(path: str, ids: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "order_id":
            return ids["court_order"] if "/court-orders/" in path else ids["protection_order"]
        return ids[name]

    return re.sub(r"\{([a-z_]+)\}", sub, path)


def test_other_organizations_objects_are_404_everywhere(client: Any, app: Any, org_a: Any,
                                                        foreign: dict[str, str]) -> None:
    routes = _routes(app)
    assert len(routes) == 17  # with GET /alerts/export (the organization's own alerts only: tests/casework)
    random_ids = {k: str(uuid.uuid4()) for k in foreign}
    for method, path in routes:
        if "{" not in path:
            continue
        for role in ("admin", "attorney"):
            headers = {**org_a.h(role), "If-Match": '"1"'}
            body = BODIES.get((method, path))
            theirs = client.request(method, _fill(path, foreign), headers=headers, json=body)
            missing = client.request(method, _fill(path, random_ids), headers=headers, json=body)
            a = assert_problem(theirs, 404)
            b = assert_problem(missing, 404)
            for x in (a, b):
                x.pop("instance")
                x.pop("request_id", None)
            assert a == b, (method, path)
    # lists never show them
    listed = client.get(f"{API}/alerts", headers=org_a.h("admin"), params={"limit": 200}).json()["items"]
    assert foreign["alert_id"] not in {x["id"] for x in listed}
    listed = client.get(f"{API}/alerts", headers=org_a.h("admin"), params={"client_id": foreign["client_id"]}).json()
    assert listed["total"] == 0


def test_liaison_is_refused_everywhere(client: Any, app: Any, org_a: Any, foreign: dict[str, str]) -> None:
    for method, path in _routes(app):
        r = client.request(method, _fill(path, foreign), headers=org_a.h("family_liaison"),
                           json=BODIES.get((method, path)))
        assert_problem(r, 403, "forbidden")


def test_every_write_refuses_unknown_fields(client: Any, app: Any, org_a: Any, db: Any, clock: Any) -> None:
    clock.set("2025-04-11T20:00:00+00:00")
    person = make_client(db, org_a.id)
    h = org_a.h("attorney")
    po = client.post(f"{API}/clients/{person.id}/protection-orders", headers=h, json=order_body()).json()["order"]
    co = client.post(f"{API}/clients/{person.id}/court-orders", headers=h, json={
        "issuing_court": "D. Md.", "issued_at": "2025-04-11T19:30:00Z", "obligations": [daily_declaration()]}).json()
    ob = co["obligations"][0]
    occ = client.get(f"{API}/obligations/{ob['id']}/occurrences", headers=h).json()["items"][0]
    from tests.protection.conftest import record_event_direct

    _, alerts = record_event_direct(db, org_a.id, person.id, status="in_transit", country="SV",
                                    effective_at="2025-03-15T10:00:00+00:00")
    ids = {"client_id": str(person.id), "protection_order": po["id"], "court_order": co["id"],
           "obligation_id": ob["id"], "occurrence_id": occ["id"], "alert_id": alerts[0]["id"]}
    writes = [(m, p) for m, p in _routes(app) if m in ("POST", "PATCH")]
    assert set(writes) == set(BODIES)
    for method, path in writes:
        body = {**BODIES[(method, path)], "organization_id": str(uuid.uuid4())}
        r = client.request(method, _fill(path, ids), headers={**h, "If-Match": '"1"'}, json=body)
        assert_problem(r, 422, "validation_error")
        assert any(e["loc"][-1] == "organization_id" for e in r.json()["errors"]), r.json()
