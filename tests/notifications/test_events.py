"""The other events reach subscribed webhooks: deadline.due_soon / deadline.missed from the deadline sweep,
filing_batch.completed from the function the batch worker calls; an endpoint hears only what it subscribed to."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from app.deadlines import sweep as deadline_sweep
from app.notifications import outbox
from tests.deadlines.conftest import clock, world  # noqa: F401  (fixtures)
from tests.notifications.conftest import API

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_deadline_and_batch_events_reach_subscribed_webhooks(world: Any, client: Any, db: Any,  # noqa: F811
                                                             receiver: Any, sweep: Any, notify_settings: Any) -> None:
    org = world.org
    r = client.post(f"{API}/webhook-endpoints", headers=org.h("admin"),
                    json={"url": receiver.url, "events": ["deadline.due_soon", "deadline.missed",
                                                          "filing_batch.completed"]})
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    world.clock.set(datetime(2026, 4, 1, tzinfo=UTC))
    overdue = world.deadline(title="Reply", due_date="2026-04-20")
    soon = world.deadline(title="Exhibit list", due_date="2026-05-02")
    with db.session(write=True) as s:
        deadline_sweep.sweep(s, NOW, [org.id])
    batch_id = uuid.uuid4()
    with db.session(write=True) as s:
        outbox.filing_batch_completed(s, org_id=org.id, batch_id=batch_id, status="completed",
                                      counts={"drafted": 3, "failed": 0})
        s.commit()
    sweep(NOW, org)  # the deadline sweep's pretend clock
    sweep(datetime.now(UTC), org)  # the batch finished now
    events = [Webhook(secret).verify(body, headers) for headers, body in receiver.requests]
    got = sorted((e["type"], e["data"]["id"]) for e in events)
    assert got == sorted([("deadline.missed", overdue["id"]), ("deadline.due_soon", soon["id"]),
                          ("filing_batch.completed", str(batch_id))])
    for e in events:
        assert set(e["data"]) <= {"id", "subject_type", "organization_id", "severity", "client_id", "deadline_id",
                                  "rule", "due_at", "alert_id", "batch_id", "status", "counts"}
    # re-running both sweeps sends nothing new (the alerts already exist; delivered deliveries are done)
    with db.session(write=True) as s:
        deadline_sweep.sweep(s, NOW, [org.id])
    sweep(datetime.now(UTC), org)
    assert len(receiver.requests) == 3
    assert "Exhibit list" not in json.dumps(events)  # titles are content, not ids
