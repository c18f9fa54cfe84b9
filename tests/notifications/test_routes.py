"""The notification routes: happy paths, each role allowed and refused, another organization's objects (404),
invalid input (422, nothing written)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.notifications.models import OnCallRotation, WebhookEndpoint
from tests.conftest import ALL_ROLES, assert_problem
from tests.notifications.conftest import API, now

PREFS = f"{API}/auth/me/notification-preferences"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_preferences_every_role_reads_and_writes_its_own(client: Any, org_a: Any, role: str) -> None:
    r = client.get(PREFS, headers=org_a.h(role))
    assert r.status_code == 200, r.text
    assert r.json()["channels"]["critical"] == ["email"] and r.json()["custody_updates"] is False
    body: dict[str, Any] = {"channels": {"high": [], "normal": ["email"]},
                            "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "America/New_York"}}
    r = client.put(PREFS, headers=org_a.h(role), json=body)
    assert r.status_code == 200, r.text
    got = client.get(PREFS, headers=org_a.h(role)).json()
    assert got["channels"]["normal"] == ["email"] and got["channels"]["high"] == []
    assert got["quiet_hours"]["start"] == "22:00"


def test_preferences_invalid_input(client: Any, org_a: Any) -> None:
    h = org_a.h("attorney")
    client.put(PREFS, headers=h, json={"channels": {"normal": ["email"]}})
    assert_problem(client.put(PREFS, headers=h, json={"channels": {"critical": []}}), 422,
                   "critical_channel_required")
    assert_problem(client.put(PREFS, headers=h, json={"custody_updates": True}), 422, "custody_updates_liaison_only")
    assert_problem(client.put(PREFS, headers=h, json={"channels": {"urgent": ["email"]}}), 422)
    assert_problem(client.put(PREFS, headers=h, json={"channels": {"high": ["sms"]}}), 422)
    assert_problem(client.put(PREFS, headers=h, json={"quiet_hours": {"start": "25:00", "end": "07:00"}}), 422)
    assert_problem(client.put(PREFS, headers=h, json={"quiet_hours": {"start": "07:00", "end": "07:00"}}), 422,
                   "quiet_hours_invalid")
    assert_problem(client.put(PREFS, headers=h, json={"quiet_hours": {"start": "22:00", "end": "07:00",
                                                                      "timezone": "Mars/Olympus"}}), 422,
                   "quiet_hours_invalid")
    assert client.get(PREFS, headers=h).json()["channels"]["normal"] == ["email"]  # nothing half-written
    assert_problem(client.get(PREFS), 401)


def _rotation(org: Any, user: Any) -> dict[str, Any]:
    t = now()
    return {"shifts": [{"user_id": str(user.id), "starts_at": t.isoformat(),
                        "ends_at": (t + timedelta(hours=12)).isoformat()}],
            "steps": [{"after_minutes": 0, "notify": "on_call"}, {"after_minutes": 10, "notify": "all_staff"}],
            "repeat_minutes": 30}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_on_call_roles(client: Any, org_a: Any, role: str) -> None:
    body = _rotation(org_a, org_a.users["paralegal"])
    r = client.put(f"{API}/on-call", headers=org_a.h(role), json=body)
    if role in ("admin", "attorney"):
        assert r.status_code == 200, r.text
        assert r.json()["version"] >= 1 and r.json()["steps"][1]["notify"] == "all_staff"
    else:
        assert_problem(r, 403, "forbidden")
    r = client.get(f"{API}/on-call", headers=org_a.h(role))
    if role == "family_liaison":
        assert_problem(r, 403, "forbidden")
    else:
        assert r.status_code == 200 and r.json()["steps"]


def test_on_call_defaults_and_invalid_input(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    got = client.get(f"{API}/on-call", headers=org_a.h("paralegal")).json()
    assert [s["notify"] for s in got["steps"]] == ["on_call", "backup", "all_attorneys"] and got["version"] == 0
    h = org_a.h("attorney")
    # a person of another organization, a liaison, an unknown id: 422, nothing written
    for user_id in (org_b.users["attorney"].id, org_a.users["family_liaison"].id, uuid.uuid4()):
        body = _rotation(org_a, org_a.users["attorney"])
        body["shifts"][0]["user_id"] = str(user_id)
        assert_problem(client.put(f"{API}/on-call", headers=h, json=body), 422, "on_call_user_invalid")
    bad_steps = _rotation(org_a, org_a.users["attorney"])
    bad_steps["steps"] = [{"after_minutes": 5, "notify": "on_call"}]
    assert_problem(client.put(f"{API}/on-call", headers=h, json=bad_steps), 422)
    bad_target = _rotation(org_a, org_a.users["attorney"])
    bad_target["steps"] = [{"after_minutes": 0, "notify": "everyone_on_earth"}]
    assert_problem(client.put(f"{API}/on-call", headers=h, json=bad_target), 422)
    backwards = _rotation(org_a, org_a.users["attorney"])
    backwards["shifts"][0]["ends_at"] = backwards["shifts"][0]["starts_at"]
    assert_problem(client.put(f"{API}/on-call", headers=h, json=backwards), 422)
    with db.session() as s:
        assert s.get(OnCallRotation, org_a.id) is None


@pytest.mark.parametrize("role", ALL_ROLES)
def test_webhook_endpoints_are_admin_only(client: Any, org_a: Any, role: str, notify_settings: Any) -> None:
    r = client.post(f"{API}/webhook-endpoints", headers=org_a.h(role),
                    json={"url": "http://127.0.0.1:9/x", "events": ["alert.raised"]})
    if role == "admin":
        assert r.status_code == 201, r.text
        assert r.json()["secret"].startswith("whsec_")
        listed = client.get(f"{API}/webhook-endpoints", headers=org_a.h(role)).json()["items"]
        assert "secret" not in listed[0] and listed[0]["status"] == "active"
    else:
        assert_problem(r, 403, "forbidden")
        assert_problem(client.get(f"{API}/webhook-endpoints", headers=org_a.h(role)), 403, "forbidden")


def test_webhook_endpoint_lifecycle_and_other_organization(client: Any, db: Any, org_a: Any, org_b: Any,
                                                           receiver: Any, notify_settings: Any) -> None:
    from standardwebhooks.webhooks import Webhook

    r = client.post(f"{API}/webhook-endpoints", headers=org_a.h("admin"),
                    json={"url": receiver.url, "events": ["alert.raised", "deadline.missed"], "description": "SIEM"})
    assert r.status_code == 201, r.text
    ep = r.json()
    with db.session() as s:
        row = s.get(WebhookEndpoint, uuid.UUID(ep["id"]))
        assert row is not None and ep["secret"] not in row.secret_encrypted  # stored encrypted
    # another organization's endpoint: 404 for every route
    for method, path in (("delete", f"/webhook-endpoints/{ep['id']}"), ("post", f"/webhook-endpoints/{ep['id']}/test")):
        assert_problem(getattr(client, method)(f"{API}{path}", headers=org_b.h("admin")), 404,
                       "webhook_endpoint_not_found")
    r = client.post(f"{API}/webhook-endpoints/{ep['id']}/test", headers=org_a.h("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "delivered" and r.json()["last_status_code"] == 200
    headers, body = receiver.requests[-1]
    assert headers["webhook-id"] == r.json()["webhook_id"]
    assert Webhook(ep["secret"]).verify(body, headers)["type"] == "webhook.test"
    assert client.delete(f"{API}/webhook-endpoints/{ep['id']}", headers=org_a.h("admin")).status_code == 204
    assert client.get(f"{API}/webhook-endpoints", headers=org_a.h("admin")).json()["items"] == []
    assert_problem(client.delete(f"{API}/webhook-endpoints/{ep['id']}", headers=org_a.h("admin")), 404)


def test_webhook_endpoint_invalid_input(client: Any, db: Any, org_a: Any) -> None:
    h = org_a.h("admin")
    # private networks are not allowed by default: loopback, link-local, private ranges refused at registration
    for url in ("http://127.0.0.1:8080/x", "http://169.254.169.254/latest", "http://10.0.0.5/x",
                "http://[::1]/x", "http://localhost/x"):
        assert_problem(client.post(f"{API}/webhook-endpoints", headers=h,
                                   json={"url": url, "events": ["alert.raised"]}), 422, "webhook_target_private")
    for url in ("ftp://example.org/x", "http://user:pw@example.org/x", "not a url at all"):
        assert_problem(client.post(f"{API}/webhook-endpoints", headers=h,
                                   json={"url": url, "events": ["alert.raised"]}), 422, "webhook_url_invalid")
    assert_problem(client.post(f"{API}/webhook-endpoints", headers=h,
                               json={"url": "https://example.org/x", "events": ["alert.exploded"]}), 422)
    assert_problem(client.post(f"{API}/webhook-endpoints", headers=h,
                               json={"url": "https://example.org/x", "events": []}), 422)
    assert_problem(client.delete(f"{API}/webhook-endpoints/not-a-uuid", headers=h), 422)
    with db.session() as s:
        assert s.exec(select(WebhookEndpoint).where(WebhookEndpoint.organization_id == org_a.id)).all() == []


@pytest.mark.parametrize("role", ALL_ROLES)
def test_delivery_log_roles_and_filters(client: Any, org_a: Any, org_b: Any, role: str) -> None:
    r = client.get(f"{API}/notifications", headers=org_a.h(role), params={"channel": "email", "status": "pending"})
    if role == "family_liaison":
        assert_problem(r, 403, "forbidden")
        return
    assert r.status_code == 200 and r.json()["items"] == []
    assert_problem(client.get(f"{API}/notifications", headers=org_a.h(role), params={"channel": "pigeon"}), 422)
    assert_problem(client.get(f"{API}/notifications", headers=org_a.h(role), params={"alert_id": "x"}), 422)
