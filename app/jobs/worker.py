"""``dueprocess worker``: run jobs from PostgreSQL until SIGTERM or SIGINT.

Any number of workers, on any machines, share one database: each job is fetched by exactly one of them
(procrastinate's fetch locks the row, SKIP LOCKED), and the periodic sweeps are deferred once per period
whichever worker gets there first. On SIGTERM procrastinate stops fetching and lets the jobs in flight
finish before the process exits (docker stops with SIGTERM and waits ``stop_grace_period``); a worker
killed outright leaves its jobs `doing`, and the stalled-job sweep of another worker runs them again.
"""

from __future__ import annotations

import asyncio
import socket

from app.core import jobs, keyring
from app.core.config import Settings
from app.core.db import make_database
from app.core.logging import configure_logging
from app.jobs import engine, runtime


def run(settings: Settings, queues: list[str] | None, concurrency: int) -> None:
    # As the server does at start-up (app/main.py): logs, and the field keys that decrypt client records.
    configure_logging(settings.log_level)
    keyring.configure(settings.data_encryption_keys, settings.data_encryption_active_key, settings.blind_index_key)
    db = make_database(settings)
    if not runtime.prepare(settings, db):
        db.dispose()
        raise SystemExit("error: `dueprocess worker` needs PostgreSQL (DATABASE_URL); "
                         "on SQLite the server runs jobs itself")
    from app.filings.router import make_renderer

    renderer = make_renderer(settings)
    resources = {"database": db, "settings": settings, "filings.renderer": renderer}
    jobs.provide("database", db)
    papp = engine.build(settings, resources)

    async def main() -> None:
        async with papp.open_async():
            await papp.run_worker_async(queues=queues, concurrency=concurrency, install_signal_handlers=True,
                                        name=f"{socket.gethostname()}")

    try:
        asyncio.run(main())
    finally:
        renderer.shutdown()
        db.dispose()
