"""Reading a client's status raises whereabouts_unknown once the organization's threshold has passed (issue 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def _post_event(client: Any, org: Any, cid: str, status: str, hours_ago: float) -> None:
    r = client.post(f"/api/v1/clients/{cid}/custody-events", headers=org.h("paralegal"), json={
        "status": status, "effective_at": (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(),
        "location_text": "reported arrest, place unknown", "source_type": "family_report", "confidence": "reported"})
    assert r.status_code == 201, r.text


def _kinds(client: Any, org: Any, cid: str) -> list[str]:
    body = client.get(f"/api/v1/clients/{cid}/status", headers=org.h("attorney")).json()
    return [a["kind"] for a in body["open_alerts"]]


def test_unlocated_past_threshold_raises_once_on_read(client: Any, org_a: Any) -> None:
    cid = client.post("/api/v1/clients", headers=org_a.h("paralegal"),
                      json={"given_names": "Lost", "first_surname": "Person"}).json()["id"]
    _post_event(client, org_a, cid, "arrested_unlocated", hours_ago=20)  # default threshold: 12 hours
    assert _kinds(client, org_a, cid) == ["whereabouts_unknown"]
    assert _kinds(client, org_a, cid) == ["whereabouts_unknown"]  # idempotent
    alerts = client.get("/api/v1/alerts", headers=org_a.h("attorney"),
                        params={"client_id": cid, "kind": "whereabouts_unknown"}).json()
    assert alerts["total"] == 1


def test_recent_unknown_status_raises_nothing(client: Any, org_a: Any) -> None:
    cid = client.post("/api/v1/clients", headers=org_a.h("paralegal"),
                      json={"given_names": "Recently", "first_surname": "Unknown"}).json()["id"]
    _post_event(client, org_a, cid, "unknown", hours_ago=2)
    assert _kinds(client, org_a, cid) == []
