"""``dueprocess worker`` processes on PostgreSQL (the engine is procrastinate, so these run there only):
two workers share a batch and each item is drafted exactly once; a worker killed mid-render loses nothing
and duplicates nothing (stalled-job recovery); a periodic sweep runs once per period under three workers;
SIGTERM stops a worker cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import BACKEND
from tests.filings.conftest import API, detained_client

from .conftest import new_org, wait_for

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="worker processes run jobs from PostgreSQL")
DUEPROCESS = str(Path(sys.executable).parent / "dueprocess")


@contextmanager
def workers(settings: Any, count: int, **env: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start ``count`` worker processes, each in its own process group (its render pool with it), and stop
    whatever is left of them at the end. They get this test process's keys (test keys are per process)."""
    environment = {**os.environ, "DATABASE_URL": settings.database_url, "RENDER_WORKERS": "1",
                   "JOBS_CONCURRENCY": "1", "JOBS_POLL_SECONDS": "0.5", "JOBS_RETRY_BASE_SECONDS": "1",
                   "LOG_LEVEL": "WARNING", "DATA_ENCRYPTION_KEYS": settings.data_encryption_keys,
                   "DATA_ENCRYPTION_ACTIVE_KEY": settings.data_encryption_active_key,
                   "BLIND_INDEX_KEY": settings.blind_index_key, **env}
    with tempfile.TemporaryFile() as log:
        procs = [subprocess.Popen([DUEPROCESS, "worker"], env=environment, start_new_session=True,
                                  stdout=log, stderr=log)
                 for _ in range(count)]
        try:
            yield procs
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(60)
            log.seek(0)
            errors = [line for line in log.read().decode(errors="replace").splitlines() if "ERROR" in line]
            print("\n".join(errors[-20:]))


def _batch(settings: Any, db: Any, size: int, a_base: int) -> tuple[Any, str]:
    from app.main import create_app

    org = new_org(db, settings)
    clients = [detained_client(db, org.id, a_number=f"{a_base + i:09d}")[0] for i in range(size)]
    app = create_app(settings.model_copy(update={"jobs_in_process": False}), db=db)
    with TestClient(app, raise_server_exceptions=False) as http:
        r = http.post(f"{API}/filing-batches", headers=org.h("attorney"),
                      json={"template": "habeas_2241", "client_ids": [str(c.id) for c in clients]})
        assert r.status_code == 202, r.text
    return org, r.json()["id"]


def _finished(db: Any, batch_id: str, size: int) -> bool:
    counts = _progress(db, batch_id)
    assert not counts.get("failed"), counts  # a failure here is a bug, not slowness: stop waiting
    return counts.get("done") == size


def _progress(db: Any, batch_id: str) -> dict[str, int]:
    with db.session() as s:
        rows = s.execute(sa.text("SELECT status, count(*) FROM filing_batch_item WHERE batch_id = :b GROUP BY status"),
                         {"b": uuid.UUID(batch_id)}).all()
    return {str(k): int(v) for k, v in rows}


def _assert_each_item_drafted_once(db: Any, org: Any, batch_id: str, size: int) -> None:
    with db.session() as s:
        filings = s.execute(sa.text("SELECT client_id, version FROM filing WHERE batch_id = :b"),
                            {"b": uuid.UUID(batch_id)}).all()
        items = s.execute(sa.text("SELECT status, filing_id FROM filing_batch_item WHERE batch_id = :b"),
                          {"b": uuid.UUID(batch_id)}).all()
        batch_status = s.execute(sa.text("SELECT status FROM filing_batch WHERE id = :b"),
                                 {"b": uuid.UUID(batch_id)}).scalar_one()
    assert len(filings) == size, "one filing per client, none lost, none twice"
    assert len({c for c, _ in filings}) == size and {v for _, v in filings} == {1}
    assert all(st == "done" and fid is not None for st, fid in items)
    assert batch_status == "done"


def test_two_workers_draft_each_item_exactly_once(own_db: tuple[Any, Any]) -> None:
    settings, db = own_db
    org, batch_id = _batch(settings, db, 20, 610000000)
    with workers(settings, 2) as procs:
        wait_for(lambda: _finished(db, batch_id, 20), 600, "20 items done", every=1)
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            assert p.wait(120) == 0, "SIGTERM: the worker stops cleanly"
    _assert_each_item_drafted_once(db, org, batch_id, 20)
    with db.session() as s:
        started = s.execute(sa.text(
            "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
            "WHERE e.type = 'started' AND j.task_name = 'filings.render_batch_item' "
            "AND j.args->>'item_id' IN (SELECT id::text FROM filing_batch_item WHERE batch_id = :b)"),
            {"b": uuid.UUID(batch_id)}).scalar_one()
    assert started == 20, "every job ran once"


def test_a_worker_killed_mid_render_loses_and_duplicates_nothing(own_db: tuple[Any, Any]) -> None:
    settings, db = own_db
    org, batch_id = _batch(settings, db, 20, 620000000)
    fast_recovery = {"JOBS_STALLED_SECONDS": "5", "JOBS_STALLED_CRON": "* * * * * */2"}

    def rendering() -> bool:
        with db.session() as s:
            doing = s.execute(sa.text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")).scalar_one()
        return bool(doing) and _progress(db, batch_id).get("done", 0) >= 1

    with workers(settings, 1, **fast_recovery) as (doomed,):
        # The only worker: the job `doing` now is its own, mid-render. Kill it and its render pool outright.
        wait_for(rendering, 300, "the first worker to be rendering", every=0.1)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(60)
    def retried() -> int:
        with db.session() as s:
            return int(s.execute(sa.text(
                "SELECT count(*) FROM procrastinate_events WHERE type = 'deferred_for_retry'")).scalar_one())

    with workers(settings, 2, **fast_recovery):
        wait_for(lambda: _finished(db, batch_id, 20), 600, "20 items done", every=1)
        # Checked while the workers still run: the killed job may have committed its item just before the
        # kill (the batch finishes without it), and is then put back only when the stalled-job sweep sees it.
        wait_for(retried, 120, "the killed worker's job put back by the stalled-job sweep", every=0.5)
    _assert_each_item_drafted_once(db, org, batch_id, 20)


def test_a_periodic_sweep_runs_once_per_period_under_three_workers(own_db: tuple[Any, Any]) -> None:
    settings, db = own_db

    def periods() -> list[tuple[str, int]]:
        with db.session() as s:
            return [(str(t), int(n)) for t, n in s.execute(sa.text(
                "SELECT args->>'timestamp', count(*) FROM procrastinate_jobs WHERE task_name = 'sweeps.alerts' "
                "GROUP BY 1")).all()]

    def succeeded() -> int:
        with db.session() as s:
            return int(s.execute(sa.text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'sweeps.alerts' "
                                         "AND status = 'succeeded'")).scalar_one())

    with workers(settings, 3, SWEEPS_CRON="* * * * * */2"):
        wait_for(lambda: succeeded() >= 4, 300, "four sweep periods run", every=0.5)
    found = periods()
    assert len(found) >= 4 and all(n == 1 for _, n in found), found
