"""The job engine delivers by itself: with the application's runner on (SQLite: the in-process runner;
PostgreSQL: the embedded procrastinate worker), a custody event that raises a critical alert reaches a real
HTTP receiver as one signed webhook, and the on-call person by e-mail, with no sweep called by the test.

A database of its own (the rest of this package runs with the runner off and drives time by hand); timeouts
are generous because the machine may be busy, and nothing here depends on how fast the engine is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select
from standardwebhooks.webhooks import Webhook

from app.notifications.models import NotificationDelivery
from tests.conftest import BACKEND, org_factory, own_database
from tests.jobs.conftest import wait_for
from tests.notifications.conftest import API, critical_alert

TIMEOUT = 60.0


@pytest.fixture(scope="module")
def engine_db(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> Iterator[tuple[str, Any]]:
    # on PostgreSQL, migrated to head includes procrastinate's schema (migration 0015_jobs)
    with own_database(tmp_path_factory, settings) as (own, database):
        yield own.database_url, database


def test_the_engine_delivers_a_critical_alert_without_a_sweep(engine_db: tuple[str, Any], settings: Any,
                                                               smtp: Any, receiver: Any) -> None:
    from app.main import create_app

    url, db = engine_db
    inbox, port = smtp
    own = settings.model_copy(update={
        "database_url": url, "jobs_in_process": True, "smtp_host": "127.0.0.1", "smtp_port": port,
        "smtp_starttls": False, "mail_from": "alerts@example.org", "webhook_allow_private_networks": True,
        "public_base_url": "https://dp.example.org"})
    app = create_app(own, db=db)
    with TestClient(app, raise_server_exceptions=False) as http:
        if BACKEND == "postgres":
            assert app.state.jobs_postgres and app.state.jobs_worker is not None
            assert not app.state.jobs_worker.done(), "the embedded procrastinate worker is running"
        else:
            assert app.state.jobs_runner is not None, "the in-process runner is running"
        org = org_factory(app, db, own)()
        r = http.post(f"{API}/webhook-endpoints", headers=org.h("admin"),
                      json={"url": receiver.url, "events": ["alert.raised"]})
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]

        _, alert = critical_alert(http, db, org)  # commits; from here on only the engine acts

        wait_for(lambda: receiver.requests, TIMEOUT, "the signed webhook")
        headers, body = receiver.requests[0]
        event = Webhook(secret).verify(body, headers)
        assert event["type"] == "alert.raised" and event["data"]["id"] == alert["id"]
        assert event["data"]["severity"] == "critical" and "PRIVILEGED-MARKER" not in body.decode()
        wait_for(lambda: inbox.to(org.users["attorney"].email), TIMEOUT, "the on-call e-mail")

        def finished() -> list[NotificationDelivery]:
            with db.session() as s:
                rows = list(s.exec(select(NotificationDelivery).where(
                    NotificationDelivery.organization_id == org.id, NotificationDelivery.escalation_step == 0)))
            return rows if rows and all(d.status == "delivered" for d in rows) else []

        deliveries = wait_for(finished, TIMEOUT, "every delivery recorded as delivered")
        hook = [d for d in deliveries if d.channel == "webhook"]
        assert len(hook) == 1 and hook[0].attempts == 1, [(d.channel, d.attempts) for d in deliveries]
        assert all(d.attempts == 1 for d in deliveries), "each delivery sent once"
        assert [h["webhook-id"] for h, _ in receiver.requests] == [f"msg_{hook[0].id.hex}"], "exactly once"
        assert len(inbox.to(org.users["attorney"].email)) == 1
        if BACKEND == "postgres":
            def job_succeeded() -> bool:
                with db.session() as s:
                    status = s.execute(sa.text(
                        "SELECT status FROM procrastinate_jobs WHERE task_name = 'notifications.deliver_intent' "
                        "AND args->>'intent_id' = :i"), {"i": str(hook[0].intent_id)}).scalar_one()
                return str(status) == "succeeded"

            wait_for(job_succeeded, TIMEOUT, "the intent's one job to be marked succeeded")


def test_a_failed_webhook_comes_back_as_a_job_scheduled_not_before_its_retry_time(
        engine_db: tuple[str, Any], settings: Any, smtp: Any, receiver: Any) -> None:
    """Receiver answers 500, 500, then 200: the engine itself delivers the retries (each a job deferred to start
    no earlier than the retry schedule says), with the same ``webhook-id``, and never before its time."""
    import time

    from app.main import create_app

    url, db = engine_db
    inbox, port = smtp
    own = settings.model_copy(update={
        "database_url": url, "jobs_in_process": True, "smtp_host": "127.0.0.1", "smtp_port": port,
        "smtp_starttls": False, "mail_from": "alerts@example.org", "webhook_allow_private_networks": True,
        "notification_retry_schedule": "2,4,60", "public_base_url": "https://dp.example.org"})
    receiver.script = [500, 500]
    app = create_app(own, db=db)
    with TestClient(app, raise_server_exceptions=False) as http:
        org = org_factory(app, db, own)()
        r = http.post(f"{API}/webhook-endpoints", headers=org.h("admin"),
                      json={"url": receiver.url, "events": ["alert.raised"]})
        assert r.status_code == 201, r.text
        critical_alert(http, db, org)
        arrivals: list[float] = []

        def three() -> bool:
            while len(arrivals) < len(receiver.requests):
                arrivals.append(time.monotonic())
            return len(receiver.requests) >= 3

        wait_for(three, TIMEOUT * 2, "the third attempt", every=0.05)
        ids = {h["webhook-id"] for h, _ in receiver.requests}
        assert len(ids) == 1, "every attempt carries the same webhook-id"
        # Not before the schedule (2 s, then 4 s); 0.2 s for the receiver's own clock reading.
        assert arrivals[1] - arrivals[0] >= 2 - 0.2 and arrivals[2] - arrivals[1] >= 4 - 0.2, arrivals

        def delivered() -> NotificationDelivery | None:
            with db.session() as s:
                d = s.exec(select(NotificationDelivery).where(NotificationDelivery.organization_id == org.id,
                                                              NotificationDelivery.channel == "webhook")).one()
            return d if d.status == "delivered" else None

        d = wait_for(delivered, TIMEOUT, "the delivery recorded as delivered")
        assert d.attempts == 3
        if BACKEND == "postgres":
            with db.session() as s:
                scheduled = s.execute(sa.text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'notifications.deliver_intent' "
                    "AND args->>'intent_id' = :i AND scheduled_at IS NOT NULL"), {"i": str(d.intent_id)}).scalar_one()
            assert scheduled == 2, "each retry is a job scheduled for its retry time"
