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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

JobArg = str | int

QUEUES = ("render", "notify", "sweeps")


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


class JobBackend(Protocol):
    def defer(self, session: Session, task_name: str, queue: str, args: dict[str, JobArg]) -> None: ...


class _Pending:
    """The default before an engine is installed: jobs are remembered on the session (``session.info``) so
    tests of a domain can see what it deferred. Nothing runs them."""

    def defer(self, session: Session, task_name: str, queue: str, args: dict[str, JobArg]) -> None:
        session.info.setdefault("jobs.deferred", []).append((task_name, queue, dict(args)))


_backend: JobBackend = _Pending()


def install_backend(backend: JobBackend) -> None:
    global _backend
    _backend = backend


def defer(session: Session, task_name: str, *, queue: str, **args: JobArg) -> None:
    """Enqueue ``task_name(**args)`` on ``queue`` as part of ``session``'s transaction."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    for key, value in args.items():
        if not isinstance(value, str | int):
            raise TypeError(f"job argument {key!r} must be an id (str or int)")
    _backend.defer(session, task_name, queue, args)
