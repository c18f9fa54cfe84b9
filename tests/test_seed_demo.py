"""The demo seed goes through the real API: validation, alerts and audit included; idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def test_seed_demo_creates_fictional_data_once(client: Any, org_a: Any) -> None:
    from app.seed.cli import DEMO_CLIENTS, _seed

    h = org_a.h("attorney")
    assert _seed(client, h, datetime.now(UTC)) == len(DEMO_CLIENTS)
    assert _seed(client, h, datetime.now(UTC)) == 0
    clients = client.get("/api/v1/clients", headers=h, params={"limit": 200}).json()
    assert clients["total"] == len(DEMO_CLIENTS)
    alerts = client.get("/api/v1/alerts", headers=h, params={"kind": "removal_to_protected_country"}).json()
    assert alerts["total"] == 1
    assert client.get("/api/v1/deadlines", headers=h).json()["total"] >= len(DEMO_CLIENTS)
