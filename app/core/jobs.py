"""Deferring work to the job engine, from any layer, inside the caller's transaction.

This module is the *interface* every domain uses; the engine itself (procrastinate on PostgreSQL, an
in-process runner on SQLite) lives in ``app.jobs`` and installs itself with ``install_backend`` at start-up.
Domains never import ``app.jobs``: that package sits above them and imports their task functions.

Rules for a job (docs/architecture.md):
- A job carries ids only (``str``/``int``), never confidential content: the durable truth is in the domain
  rows (batch items, notification intents), and a job only says "look at row X".
- ``defer`` is called *before* the caller commits and is part of that transaction: if the transaction rolls
  back, the job was never enqueued; if it commits, the job exists.
- Task functions are idempotent: a job can run again after a worker died mid-run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

JobArg = str | int

QUEUES = ("render", "notify", "sweeps")
# Runs of one job before it is given up (the first run and two retries with exponential backoff). A task
# that must leave a trace of the final failure in its domain row asks ``is_last_attempt()``.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class TaskSpec:
    name: str
    queue: str
    func: Callable[..., None]


TASKS: dict[str, TaskSpec] = {}


def task(name: str, *, queue: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a task function under a stable name (the name is what is stored in the queue)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def register(func: Callable[..., None]) -> Callable[..., None]:
        TASKS[name] = TaskSpec(name=name, queue=queue, func=func)
        return func

    return register


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    cron: str
    func: Callable[[], None]


PERIODIC: dict[str, PeriodicSpec] = {}

# Recovery of a domain's pending work where jobs are not durable (the in-process runner on SQLite): a
# function that lists, from the domain rows, the jobs that should exist (``{task name: [args, ...]}``).
RECOVERIES: list[Callable[[Session], Iterable[tuple[str, dict[str, JobArg]]]]] = []


def periodic(name: str, *, cron: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a task run once per period of ``cron`` (five fields, or six with seconds last) on the
    ``sweeps`` queue, however many workers run."""

    def register(func: Callable[[], None]) -> Callable[[], None]:
        PERIODIC[name] = PeriodicSpec(name=name, cron=cron, func=func)
        return func

    return register


def recovery(func: Callable[[Session], Iterable[tuple[str, dict[str, JobArg]]]]
             ) -> Callable[[Session], Iterable[tuple[str, dict[str, JobArg]]]]:
    RECOVERIES.append(func)
    return func


# --- what a running task may ask of the engine -----------------------------------------------------

_attempt: ContextVar[int] = ContextVar("job_attempt", default=0)
_resources: dict[str, Any] = {}
# Set by the runner around each task: several applications in one process (tests) each run their own
# jobs against their own database.
_scoped: ContextVar[dict[str, Any] | None] = ContextVar("job_resources", default=None)


@contextmanager
def using(resources: dict[str, Any]) -> Iterator[None]:
    token = _scoped.set(resources)
    try:
        yield
    finally:
        _scoped.reset(token)


@contextmanager
def attempt(number: int) -> Iterator[None]:
    """The engine runs a task inside ``attempt(n)`` (0 for the first run)."""
    token = _attempt.set(number)
    try:
        yield
    finally:
        _attempt.reset(token)


def is_last_attempt() -> bool:
    """True on the run after which a failure is final (no retry follows)."""
    return _attempt.get() >= MAX_ATTEMPTS - 1


def provide(name: str, value: object) -> None:
    """The engine hands tasks the process's shared services (``database``, ``filings.renderer``)."""
    _resources[name] = value


def resource(name: str) -> Any:
    scoped = _scoped.get()
    if scoped is not None and name in scoped:
        return scoped[name]
    try:
        return _resources[name]
    except KeyError:
        raise RuntimeError(f"the job engine provides no {name!r} in this process") from None


class JobBackend(Protocol):
    def defer(self, session: Session, task_name: str, queue: str, args: dict[str, JobArg],
              not_before: datetime | None = None) -> None: ...


class _Pending:
    """The default before an engine is installed: jobs are remembered on the session (``session.info``) so
    tests of a domain can see what it deferred. Nothing runs them."""

    def defer(self, session: Session, task_name: str, queue: str, args: dict[str, JobArg],
              not_before: datetime | None = None) -> None:
        session.info.setdefault("jobs.deferred", []).append((task_name, queue, dict(args)))


_backend: JobBackend = _Pending()


def install_backend(backend: JobBackend) -> None:
    global _backend
    _backend = backend


def defer(session: Session, task_name: str, *, queue: str, not_before: datetime | None = None,
          **args: JobArg) -> None:
    """Enqueue ``task_name(**args)`` on ``queue`` as part of ``session``'s transaction; with ``not_before``
    (timezone-aware), no worker starts it earlier."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    if not_before is not None and not_before.tzinfo is None:
        raise ValueError("not_before must be timezone-aware")
    for key, value in args.items():
        if not isinstance(value, str | int):
            raise TypeError(f"job argument {key!r} must be an id (str or int)")
    _backend.defer(session, task_name, queue, args, not_before)
