"""The job engine on the configured backend (SQLite: the in-process runner; PostgreSQL: procrastinate with
the server's embedded worker): a rolled-back transaction enqueues nothing, a job that fails three times ends
its batch item `failed` with the problem, and GET /jobs/stats answers admins only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.core import jobs
from tests.conftest import BACKEND, assert_problem
from tests.filings.conftest import API, detained_client

from .conftest import new_org, wait_for


def _app(settings: Any, db: Any, **overrides: Any) -> Any:
    from app.main import create_app

    return create_app(settings.model_copy(update={"jobs_poll_seconds": 0.5, **overrides}), db=db)


def _procrastinate_jobs(db: Any, item_id: str) -> int:
    with db.session() as s:
        return int(s.execute(sa.text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'item_id' = :i"),
                             {"i": item_id}).scalar_one())


def test_rolled_back_transaction_enqueues_nothing(own_db: tuple[Any, Any]) -> None:
    from app.filings.batches import RENDER_TASK

    settings, db = own_db
    seen: list[str] = []
    probe = "test.probe"
    jobs.task(probe, queue="notify")(lambda marker: seen.append(str(marker)))
    try:
        # On PostgreSQL no worker runs here: the jobs are rows to count.
        with TestClient(_app(settings, db, jobs_in_process=BACKEND == "sqlite"), raise_server_exceptions=False):
            task, key = (probe, "marker") if BACKEND == "sqlite" else (RENDER_TASK, "item_id")
            rolled_back, committed = str(uuid.uuid4()), str(uuid.uuid4())
            with db.session(write=True) as s:
                jobs.defer(s, task, queue="notify", **{key: rolled_back})
                s.rollback()
            with db.session(write=True) as s:
                jobs.defer(s, task, queue="notify", **{key: committed})
                s.commit()
            if BACKEND == "sqlite":
                wait_for(lambda: committed in seen, 60, "the committed job to run")
                assert rolled_back not in seen
            else:
                assert _procrastinate_jobs(db, committed) == 1
                assert _procrastinate_jobs(db, rolled_back) == 0
    finally:
        jobs.TASKS.pop(probe, None)


def test_job_failing_three_times_ends_failed_with_its_error(own_db: tuple[Any, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every render of the batch fails (a crashed renderer, the transient kind that is retried): after three
    runs the item is `failed` and its problem is visible in the batch."""
    from app.filings.errors import RenderFailed
    from app.filings.models import FilingBatchItem
    from app.filings.render.pool import Renderer

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise RenderFailed("renderer crashed")

    settings, db = own_db
    org = new_org(db, settings)
    client_row, _ = detained_client(db, org.id, a_number="512345678")
    monkeypatch.setattr(Renderer, "render", broken)
    with TestClient(_app(settings, db, jobs_in_process=True, jobs_retry_base_seconds=1),
                    raise_server_exceptions=False) as http:
        r = http.post(f"{API}/filing-batches", headers=org.h("attorney"),
                      json={"template": "habeas_2241", "client_ids": [str(client_row.id)]})
        assert r.status_code == 202, r.text
        batch_id = r.json()["id"]

        def finished() -> Any:
            body = http.get(f"{API}/filing-batches/{batch_id}", headers=org.h("paralegal")).json()
            return body if body["status"] == "done" else None

        body = wait_for(finished, 180, "the batch to end")
    assert (body["done"], body["failed"]) == (0, 1)
    error = body["items"][0]["error"]
    assert error["code"] == "render_failed" and error["status"] == 503
    with db.session() as s:
        item = s.execute(sa.select(FilingBatchItem).where(FilingBatchItem.batch_id == uuid.UUID(batch_id))).scalar_one()
    assert item.attempts == jobs.MAX_ATTEMPTS == 3


@pytest.mark.parametrize("role", ["attorney", "paralegal", "family_liaison"])
def test_job_stats_refused_to_other_roles(own_db: tuple[Any, Any], role: str) -> None:
    settings, db = own_db
    org = new_org(db, settings, roles=(role,))
    with TestClient(_app(settings, db, jobs_in_process=False), raise_server_exceptions=False) as http:
        assert_problem(http.get(f"{API}/jobs/stats", headers=org.h(role)), 403)
        assert http.get(f"{API}/jobs/stats").status_code == 401


def test_job_stats_for_admins(own_db: tuple[Any, Any]) -> None:
    settings, db = own_db
    org = new_org(db, settings)
    with TestClient(_app(settings, db, jobs_in_process=True), raise_server_exceptions=False) as http:
        r = http.get(f"{API}/jobs/stats", headers=org.h("admin"))
        assert r.status_code == 200, r.text
        body = r.json()
    assert body["engine"] == ("procrastinate" if BACKEND == "postgres" else "in-process")
    assert set(body["queues"]) >= {"render", "notify", "sweeps"}
    assert all(isinstance(n, int) and n >= 0 for n in body["queues"].values())
    assert body["failures_last_hour"] >= 0
    assert {"sweeps.alerts", "sweeps.deadlines"} <= {p["task"] for p in body["periodic"]}
    # Another organization's admin sees the same installation-wide counts (no organization data in them).
    other = new_org(db, settings, roles=("admin",))
    with TestClient(_app(settings, db, jobs_in_process=False), raise_server_exceptions=False) as http:
        assert set(http.get(f"{API}/jobs/stats", headers=other.h("admin")).json()) == set(body)


@pytest.mark.skipif(BACKEND != "postgres", reason="procrastinate's scheduled jobs exist on PostgreSQL only")
def test_a_scheduled_job_waits_from_its_scheduled_time_not_from_its_deferral(own_db: tuple[Any, Any]) -> None:
    """``jobs.defer(..., not_before=)`` sets procrastinate's ``scheduled_at``; /jobs/stats counts the wait from
    then (a retry scheduled for 5 hours later is not a job that has been waiting 5 hours)."""
    from datetime import UTC, datetime, timedelta

    from app.jobs.engine import PostgresBackend
    from app.jobs.stats import _PG_OLDEST

    settings, db = own_db
    marker = f"stats-{uuid.uuid4().hex[:8]}"
    with db.session(write=True) as s:
        s.execute(sa.text("DELETE FROM procrastinate_jobs WHERE status = 'todo'"))
        PostgresBackend().defer(s, "test.never_registered", "notify", {"marker": marker},
                                datetime.now(UTC) - timedelta(seconds=30))
        # its deferral, an hour ago; it became due 30 seconds ago
        s.execute(sa.text("UPDATE procrastinate_events SET at = now() - interval '1 hour' WHERE job_id = "
                          "(SELECT id FROM procrastinate_jobs WHERE args->>'marker' = :m)"), {"m": marker})
        s.commit()
    with db.session() as s:
        scheduled = s.execute(sa.text("SELECT scheduled_at IS NOT NULL FROM procrastinate_jobs "
                                      "WHERE args->>'marker' = :m"), {"m": marker}).scalar_one()
        oldest = float(s.execute(_PG_OLDEST).scalar_one())
    assert scheduled
    assert 25 <= oldest < 600, oldest
    with db.session(write=True) as s:
        s.execute(sa.text("DELETE FROM procrastinate_jobs WHERE args->>'marker' = :m"), {"m": marker})
        s.commit()
