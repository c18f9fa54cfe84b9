"""procrastinate on PostgreSQL: deferring inside the caller's transaction, and the procrastinate app that
workers run (docs/jobs.md).

The version is pinned (pyproject.toml): its schema is created by our Alembic migration 0015_jobs from the
package's own schema.sql, and ``defer`` calls its SQL function ``procrastinate_defer_job`` directly, so an
upgrade of procrastinate needs a new migration and a look at that function's signature.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate import JobContext, RetryStrategy
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.core import jobs
from app.core.config import Settings

log = logging.getLogger("app.jobs.engine")
STALLED_TASK = "jobs.recover_stalled"

# The last argument is procrastinate's ``scheduled_at``: a worker does not fetch the job before it.
_DEFER = sa.text(
    "SELECT procrastinate_defer_job(:queue, :task, 0, NULL, NULL, CAST(:args AS jsonb), :at)")


class PostgresBackend:
    """``defer`` = one INSERT through procrastinate's SQL function on the caller's own connection: the job
    row commits or rolls back with the caller's rows (a batch and its items). procrastinate's trigger on that
    insert sends the NOTIFY that wakes a listening worker, delivered at commit."""

    def defer(self, session: Session, task_name: str, queue: str, args: dict[str, jobs.JobArg],
              not_before: datetime | None = None) -> None:
        session.execute(_DEFER, {"queue": queue, "task": task_name, "args": json.dumps(args), "at": not_before})


def conninfo(database_url: str) -> str:
    """The libpq connection string of the SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def build(settings: Settings, resources: dict[str, Any]) -> procrastinate.App:
    """A procrastinate app with every registered task and periodic task; ``resources`` are what the tasks
    of this process may ask for (``jobs.resource``)."""
    # Connections: one per job in flight, the LISTEN connection, the periodic deferrer and a spare.
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(settings.database_url), min_size=1,
                                               max_size=settings.jobs_concurrency + 3,
                                               kwargs={"application_name": "dueprocess-jobs"})
    papp = procrastinate.App(connector=connector, worker_defaults={"timeout": settings.jobs_poll_seconds})
    # Retry n (n = 1, 2) waits base**n seconds; the third run is the last (jobs.MAX_ATTEMPTS).
    retry = RetryStrategy(max_attempts=jobs.MAX_ATTEMPTS - 1, exponential_wait=settings.jobs_retry_base_seconds)
    for spec in jobs.TASKS.values():
        papp.task(name=spec.name, queue=spec.queue, retry=retry, pass_context=True)(
            _wrap(spec.func, resources))
    for pspec in jobs.PERIODIC.values():
        # periodic_id + procrastinate's unique (task, periodic_id, period) row: one job per period whatever
        # the number of workers deferring it. No retry: the next period runs it again.
        task = papp.task(name=pspec.name, queue="sweeps", pass_context=True)(_wrap_periodic(pspec.func, resources))
        papp.periodic(cron=pspec.cron, periodic_id=pspec.name)(task)

    async def recover_stalled(context: JobContext, timestamp: int) -> None:
        await recover(papp, settings.jobs_stalled_seconds)

    stalled_task = papp.task(name=STALLED_TASK, queue="sweeps", pass_context=True)(recover_stalled)
    papp.periodic(cron=settings.jobs_stalled_cron, periodic_id=STALLED_TASK)(stalled_task)
    return papp


async def recover(papp: procrastinate.App, stalled_seconds: int) -> int:
    """Put back in the queue every job still `doing` long after it started: its worker died (SIGKILL, a lost
    machine) without finishing or releasing it. procrastinate 2.15 has no worker heartbeat, so "stalled" is
    "started more than ``stalled_seconds`` ago"; the tasks are idempotent, so re-running a job whose worker
    was only slow costs time, never a duplicate."""
    stalled = list(await papp.job_manager.get_stalled_jobs(nb_seconds=stalled_seconds))
    for job in stalled:
        log.warning("re-queueing stalled job %s (%s)", job.id, job.task_name)
        await papp.job_manager.retry_job(job)
    return len(stalled)


def _wrap(func: Callable[..., None], resources: dict[str, Any]) -> Callable[..., None]:
    def run(context: JobContext, **args: jobs.JobArg) -> None:
        attempts = context.job.attempts if context.job is not None else 0
        with jobs.using(resources), jobs.attempt(attempts):
            func(**args)

    run.__name__ = getattr(func, "__name__", "task")
    return run


def _wrap_periodic(func: Callable[[], None], resources: dict[str, Any]) -> Callable[..., None]:
    def run(context: JobContext, timestamp: int) -> None:
        with jobs.using(resources), jobs.attempt(jobs.MAX_ATTEMPTS - 1):
            func()

    run.__name__ = getattr(func, "__name__", "periodic")
    return run
