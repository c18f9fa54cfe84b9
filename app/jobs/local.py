"""The in-process runner (SQLite, and any server where ``JOBS_IN_PROCESS`` runs jobs without PostgreSQL).

SQLite has no procrastinate, and one machine needs nothing else: the same task functions run on a small
thread pool of the server process. The durable truth stays in the domain rows (docs/architecture.md):
deferred jobs wait on the session until it commits (a rollback drops them), and at start-up the runner asks
every domain's recovery function for the jobs its open rows need, so a restart loses nothing. Retries use
the engine's backoff (base**n seconds, three runs in all); periodic tasks run on their cron in this process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from croniter import croniter
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.core import jobs
from app.core.db import Database

log = logging.getLogger("app.jobs.local")
_PENDING_KEY = "jobs.local"
# By id() of the write engine the runner's database uses; the last started runner of an engine takes its jobs
# (several applications on one database in one process: tests).
_runners: dict[int, list[LocalRunner]] = {}


@dataclass
class _Stats:
    waiting: dict[tuple[str, str], float] = field(default_factory=dict)  # (task, args key) -> enqueued at
    queue_of: dict[tuple[str, str], str] = field(default_factory=dict)
    failures: deque[float] = field(default_factory=deque)
    periodic_last: dict[str, datetime] = field(default_factory=dict)


class LocalRunner:
    def __init__(self, db: Database, resources: dict[str, Any], *, concurrency: int, retry_base: float) -> None:
        self.db = db
        self.resources = resources
        self.retry_base = retry_base
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="jobs")
        self.lock = threading.Lock()
        self.queued: set[tuple[str, str]] = set()  # one run at a time per job (task, args)
        self.stats = _Stats()
        self.stopping = threading.Event()
        self.timers: set[threading.Timer] = set()
        self.periodic_thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        _runners.setdefault(id(self.db.write_engine), []).append(self)
        threading.Thread(target=self._recover, name="jobs-recover", daemon=True).start()
        if jobs.PERIODIC:
            self.periodic_thread = threading.Thread(target=self._periodic_loop, name="jobs-periodic", daemon=True)
            self.periodic_thread.start()

    def stop(self) -> None:
        """Stop taking jobs and wait for the ones running (their rows stay open otherwise, and the next
        start runs them again)."""
        stack = _runners.get(id(self.db.write_engine), [])
        if self in stack:
            stack.remove(self)
        self.stopping.set()
        with self.lock:
            for timer in self.timers:
                timer.cancel()
            self.timers.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _recover(self) -> None:
        try:
            with self.db.session() as s:
                found = [(name, args) for recover in list(jobs.RECOVERIES) for name, args in recover(s)]
        except Exception as exc:  # noqa: BLE001 - database unavailable at start-up: the rows wait
            log.warning("job recovery could not read open rows (%s)", type(exc).__name__)
            return
        for name, args in found:
            self.submit(name, args)
        if found:
            log.info("re-queued %d jobs from open rows", len(found))

    # --- running -------------------------------------------------------------------------------------
    def submit(self, task_name: str, args: dict[str, jobs.JobArg], attempt: int = 0) -> None:
        spec = jobs.TASKS.get(task_name)
        if spec is None:
            log.error("no task registered as %r", task_name)
            return
        key = (task_name, repr(sorted(args.items())))
        with self.lock:
            if self.stopping.is_set() or (attempt == 0 and key in self.queued):
                return
            self.queued.add(key)
            self.stats.waiting.setdefault(key, time.time())
            self.stats.queue_of[key] = spec.queue
        try:
            self.pool.submit(self._run, spec.func, key, args, attempt)
        except RuntimeError:  # shut down meanwhile
            with self.lock:
                self.queued.discard(key)

    def _run(self, func: Callable[..., None], key: tuple[str, str], args: dict[str, jobs.JobArg],
             attempt: int) -> None:
        with self.lock:
            self.stats.waiting.pop(key, None)
        try:
            with jobs.using(self.resources), jobs.attempt(attempt):
                func(**args)
        except Exception:  # noqa: BLE001 - logged; retried with backoff or given up
            log.exception("job %s failed (run %d of %d)", key[0], attempt + 1, jobs.MAX_ATTEMPTS)
            with self.lock:
                self.stats.failures.append(time.time())
            if attempt + 1 < jobs.MAX_ATTEMPTS and not self.stopping.is_set():
                self._retry_later(key, args, attempt + 1)
                return
        with self.lock:
            self.queued.discard(key)

    def _retry_later(self, key: tuple[str, str], args: dict[str, jobs.JobArg], attempt: int) -> None:
        self._later(key, args, attempt, self.retry_base ** attempt)

    def submit_later(self, task_name: str, args: dict[str, jobs.JobArg], delay: float) -> None:
        """A job deferred with ``not_before``: submitted when its time comes (a restart before then loses the
        timer; the domain's sweep is the backstop, as for every job here)."""
        self._later((task_name, repr(sorted(args.items()))), args, 0, delay, waiting=False)

    def _later(self, key: tuple[str, str], args: dict[str, jobs.JobArg], attempt: int, delay: float,
               waiting: bool = True) -> None:
        if self.stopping.is_set():
            return

        def fire() -> None:
            with self.lock:
                self.timers.discard(timer)
            self.submit(key[0], args, attempt)

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self.lock:
            self.timers.add(timer)
            if waiting:  # a retry waits in the queue; a job scheduled for later is not late yet
                self.stats.waiting[key] = time.time()
        timer.start()

    # --- periodic tasks ------------------------------------------------------------------------------
    def _periodic_loop(self) -> None:
        now = time.time()
        nexts = {name: croniter(spec.cron, now).get_next(float) for name, spec in jobs.PERIODIC.items()}
        while not self.stopping.is_set():
            due = min(nexts.values())
            if self.stopping.wait(max(0.0, due - time.time())):
                return
            for name, at in list(nexts.items()):
                if at <= time.time():
                    spec = jobs.PERIODIC[name]
                    nexts[name] = croniter(spec.cron, at).get_next(float)
                    self.pool.submit(self._run_periodic, name, spec.func)

    def _run_periodic(self, name: str, func: Callable[[], None]) -> None:
        try:
            with jobs.using(self.resources), jobs.attempt(jobs.MAX_ATTEMPTS - 1):
                func()
        except Exception:  # noqa: BLE001 - the next period runs it again
            log.exception("periodic task %s failed", name)
            with self.lock:
                self.stats.failures.append(time.time())
        with self.lock:
            self.stats.periodic_last[name] = datetime.now(UTC)

    # --- statistics (GET /jobs/stats) ----------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        now = time.time()
        with self.lock:
            depth: dict[str, int] = dict.fromkeys(jobs.QUEUES, 0)
            for key in self.stats.waiting:
                queue = self.stats.queue_of.get(key, "render")
                depth[queue] = depth.get(queue, 0) + 1
            oldest = min(self.stats.waiting.values(), default=None)
            while self.stats.failures and self.stats.failures[0] < now - 3600:
                self.stats.failures.popleft()
            return {"queues": depth, "oldest_waiting_seconds": None if oldest is None else round(now - oldest, 3),
                    "failures_last_hour": len(self.stats.failures), "periodic": dict(self.stats.periodic_last)}


def runner_for(engine: Engine) -> LocalRunner | None:
    stack = _runners.get(id(engine))
    return stack[-1] if stack else None


class LocalBackend:
    """Jobs deferred on a session wait in ``session.info`` until it commits; then the runner of that
    session's database takes them. Without a runner (an API-only process) they are dropped after commit:
    the rows they point at are open and the next process with a runner recovers them."""

    def defer(self, session: Session, task_name: str, queue: str, args: dict[str, jobs.JobArg],
              not_before: datetime | None = None) -> None:
        session.info.setdefault(_PENDING_KEY, []).append((task_name, dict(args), not_before))


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    bind = session.get_bind()
    runner = runner_for(bind if isinstance(bind, Engine) else bind.engine)
    if runner is None:
        return
    for task_name, args, not_before in pending:
        delay = 0.0 if not_before is None else (not_before - datetime.now(UTC)).total_seconds()
        if delay > 0:
            runner.submit_later(task_name, args, delay)
        else:
            runner.submit(task_name, args)


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING_KEY, None)
