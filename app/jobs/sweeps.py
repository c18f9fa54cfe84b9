"""The periodic sweeps that cron used to run (``dueprocess alerts sweep``, ``dueprocess deadlines sweep``).

Each runs once per period of ``SWEEPS_CRON`` however many workers run: on PostgreSQL procrastinate's
periodic deferrer inserts the period's job under a unique (task, period) key, so every worker but one finds
the period already deferred. The sweeps are idempotent anyway (each alert and each missed mark is raised
once), so a period run twice would not double anything; running once keeps the load and the logs plain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.core import jobs, metrics
from app.core.db import Database
from app.core.types import utcnow
from app.deadlines import sweep as deadlines_sweep
from app.protection import sweep as alerts_sweep

log = logging.getLogger("app.jobs.sweeps")

ALERTS = "sweeps.alerts"
DEADLINES = "sweeps.deadlines"


def _run(name: str, sweep: Callable[..., dict[str, Any]]) -> None:
    db: Database = jobs.resource("database")
    with db.session(write=True) as session:
        counts = sweep(session, utcnow())
    metrics.sweep_ran(name.removeprefix("sweeps."))
    log.info("%s: %s", name, dict(counts))


def alerts() -> None:
    _run(ALERTS, alerts_sweep.sweep)


def deadlines() -> None:
    _run(DEADLINES, deadlines_sweep.sweep)


def register(cron: str) -> None:
    """Register both sweeps on ``cron`` (a setting, so called by the engine at start-up)."""
    jobs.periodic(ALERTS, cron=cron)(alerts)
    jobs.periodic(DEADLINES, cron=cron)(deadlines)
