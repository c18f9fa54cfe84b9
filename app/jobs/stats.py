"""``GET /jobs/stats``: what an operator watches - queue depth, the oldest waiting job, failures in the last
hour, the last run of each periodic task. Counts and task names only: no job arguments, no organization's
data (docs/jobs.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session

from app.core import jobs


class PeriodicRun(BaseModel):
    task: str
    last_run_at: datetime | None


class JobStats(BaseModel):
    engine: str  # "procrastinate" or "in-process"
    queues: dict[str, int]  # jobs waiting (todo) per queue
    oldest_waiting_seconds: float | None
    failures_last_hour: int
    periodic: list[PeriodicRun]


_PG_DEPTH = sa.text("SELECT queue_name, count(*) FROM procrastinate_jobs WHERE status = 'todo' GROUP BY queue_name")
_PG_OLDEST = sa.text(
    # waiting since it was (re)queued, or since its scheduled time for a job deferred with ``not_before``
    "SELECT EXTRACT(EPOCH FROM now() - min(greatest(e.at, coalesce(j.scheduled_at, e.at)))) "
    "FROM procrastinate_jobs j "
    "JOIN procrastinate_events e ON e.job_id = j.id AND e.type IN ('deferred', 'deferred_for_retry') "
    "WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now()) "
    "AND e.at = (SELECT max(at) FROM procrastinate_events WHERE job_id = j.id "
    "AND type IN ('deferred', 'deferred_for_retry'))")
# A failure is a run that raised: a final failure or one followed by a retry.
_PG_FAILURES = sa.text(
    "SELECT count(*) FROM procrastinate_events WHERE type IN ('failed', 'deferred_for_retry') "
    "AND at > now() - interval '1 hour'")
_PG_PERIODIC = sa.text(
    "SELECT j.task_name, max(e.at) FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id "
    "WHERE e.type IN ('succeeded', 'failed') AND j.task_name = ANY(:names) GROUP BY j.task_name")


def periodic_names() -> list[str]:
    from app.jobs.engine import STALLED_TASK

    return sorted([*jobs.PERIODIC, STALLED_TASK])


def postgres_stats(session: Session) -> JobStats:
    depth = dict.fromkeys(jobs.QUEUES, 0)
    depth.update({str(q): int(n) for q, n in session.execute(_PG_DEPTH).all()})
    oldest = session.execute(_PG_OLDEST).scalar_one_or_none()
    failures = int(session.execute(_PG_FAILURES).scalar_one())
    names = periodic_names()
    last = {str(t): at for t, at in session.execute(_PG_PERIODIC, {"names": names}).all()}
    return JobStats(engine="procrastinate", queues=depth,
                    oldest_waiting_seconds=None if oldest is None else round(float(oldest), 3),
                    failures_last_hour=failures,
                    periodic=[PeriodicRun(task=n, last_run_at=last.get(n)) for n in names])


def local_stats(snapshot: dict[str, Any] | None) -> JobStats:
    snap = snapshot or {"queues": dict.fromkeys(jobs.QUEUES, 0), "oldest_waiting_seconds": None,
                        "failures_last_hour": 0, "periodic": {}}
    last: dict[str, datetime] = snap["periodic"]
    return JobStats(engine="in-process", queues=snap["queues"], oldest_waiting_seconds=snap["oldest_waiting_seconds"],
                    failures_last_hour=snap["failures_last_hour"],
                    periodic=[PeriodicRun(task=n, last_run_at=last.get(n)) for n in sorted(jobs.PERIODIC)])
