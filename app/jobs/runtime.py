"""Starting the job engine: in the API process (an application start-up hook) and in ``dueprocess worker``.

PostgreSQL: jobs are procrastinate rows; ``dueprocess worker`` processes run them (any number, on any
machine). With ``JOBS_IN_PROCESS=true`` (the default) the API also runs an embedded worker, so one machine
needs nothing else; set it false where separate workers run. SQLite: the in-process runner (app/jobs/local.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
from fastapi import FastAPI

from app.core import jobs, metrics
from app.core.config import Settings
from app.core.db import Database
from app.jobs import engine, local, registry, stats, sweeps

log = logging.getLogger("app.jobs.runtime")


def prepare(settings: Settings, db: Database) -> bool:
    """Load every task module, register the periodic sweeps and install the backend ``defer`` uses; True on
    PostgreSQL."""
    registry.load()
    sweeps.register(settings.sweeps_cron)
    postgres = db.dialect == "postgresql"
    jobs.install_backend(engine.PostgresBackend() if postgres else local.LocalBackend())
    return postgres


def setup(app: FastAPI) -> None:
    """Install the engine's backend now (requests defer from the first one) and start/stop the runner with
    the application. Runs after the filings setup, whose start-up hook creates the render pool first."""
    settings: Settings = app.state.settings
    app.state.jobs_postgres = prepare(settings, app.state.db)
    app.state.jobs_runner = None
    app.state.jobs_worker = None
    metrics.register_gauge("dueprocess_job_queue_depth", "Jobs waiting to run, per queue.", ["queue"],
                           lambda: _queue_depth(app))
    app.state.startup_hooks.append(_start)
    # Stop first: the jobs in flight finish while the render pool they use is still up.
    app.state.shutdown_hooks.insert(0, _stop)


def _queue_depth(app: FastAPI) -> dict[tuple[str, ...], float]:
    """The /metrics gauge: the same counts as GET /jobs/stats."""
    if app.state.jobs_postgres:
        with app.state.db.session() as session:
            found = stats.postgres_stats(session)
    else:
        runner = app.state.jobs_runner
        found = stats.local_stats(runner.snapshot() if runner is not None else None)
    return {(queue,): float(n) for queue, n in found.queues.items()}


def _resources(app: FastAPI) -> dict[str, Any]:
    renderer = getattr(app.state, "filing_renderer", None)
    if renderer is None:
        from app.filings.router import make_renderer

        renderer = make_renderer(app.state.settings)
    return {"database": app.state.db, "settings": app.state.settings, "filings.renderer": renderer}


async def _start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    if not settings.jobs_in_process:
        return
    resources = _resources(app)
    if app.state.jobs_postgres:
        # Opened by the worker task, not here: the API must start (and answer /readyz 503) while the database
        # is down; the embedded worker connects when it can.
        papp = engine.build(settings, resources)
        app.state.jobs_app = papp
        app.state.jobs_worker = asyncio.create_task(
            _embedded_worker(papp, settings), name="jobs-worker")
        return
    runner = local.LocalRunner(app.state.db, resources, concurrency=settings.jobs_concurrency,
                               retry_base=settings.jobs_retry_base_seconds)
    runner.start()
    app.state.jobs_runner = runner


async def _embedded_worker(papp: procrastinate.App, settings: Settings) -> None:
    while True:
        try:
            await papp.open_async()
            break
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database is not there yet: try again
            log.warning("job engine cannot reach the database (%s); retrying in 5 s", type(exc).__name__)
            await asyncio.sleep(5)
    while True:
        try:
            await papp.run_worker_async(concurrency=settings.jobs_concurrency, install_signal_handlers=False,
                                        name="api")
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database went away: try again, as a worker would
            log.warning("embedded job worker stopped (%s); restarting in 5 s", type(exc).__name__)
            await asyncio.sleep(5)


# How long shutdown waits for the embedded worker and its jobs in flight. A job that never returns must not hold
# a deploy (or a test run) forever: past this the worker is left behind with a warning that shows where each of
# its tasks waits, and the job, still marked as started, is run again by the stalled-job recovery
# (app/jobs/engine.py, ``recover``).
STOP_TIMEOUT_SECONDS = 30.0


def _where(task: asyncio.Task[Any]) -> str:
    frames = task.get_stack(limit=3)
    return f"{task.get_name()} at " + " < ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in frames)


async def _stop(app: FastAPI) -> None:
    task = getattr(app.state, "jobs_worker", None)
    if task is not None:
        # procrastinate stops fetching and waits for the jobs in flight (run_worker_async on cancel).
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_SECONDS)
        if not done:
            waiting = [_where(t) for t in asyncio.all_tasks() if not t.done() and t is not asyncio.current_task()]
            log.warning("embedded job worker did not stop within %.0f s; leaving it (waiting: %s)",
                        STOP_TIMEOUT_SECONDS, "; ".join(waiting))
        app.state.jobs_worker = None
        try:
            await app.state.jobs_app.close_async()
        except Exception as exc:  # noqa: BLE001 - never opened (the database never answered): nothing to close
            log.info("job engine closed without an open connection (%s)", type(exc).__name__)
    runner = getattr(app.state, "jobs_runner", None)
    if runner is not None:
        await asyncio.to_thread(runner.stop)
        app.state.jobs_runner = None
