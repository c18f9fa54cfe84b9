"""A small pool of asynchronous PostgreSQL connections for the one read every request makes before its route runs:
the caller's account and organization (app/auth/lookup.py).

Why: the request's own work runs in the thread pool, and so did this read, in a thread-pool hop of its own. A
hop is a hand-off between the event loop and a worker thread (a queue, a wake-up, the GIL passed twice), and the
two hops of a request were a tenth of the API's Python time under bench/load.py (bench/RESULTS.md). Read here, on
the event loop with psycopg's asynchronous connection, it costs no hop; the route keeps its one.

Connections are like the read pool's (app/core/db.py): autocommit, ``default_transaction_read_only``, the same
statement timeout. The pool belongs to the event loop that opened it (the application's start-up); a request on
another loop (a test client without a lifespan) gets ``None`` from ``usable`` and takes the thread-pool path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from app.core.config import Settings

APPLICATION_NAME = "dueprocess-principal-reads"  # in pg_stat_activity
# Longest wait for a pooled connection. In service one is always free (no more reads at once than the pool has
# connections: they come after admission); the wait is for a server that is down, whose requests then get their
# 503 within this time instead of the pool's default 30 s.
POOL_WAIT_SECONDS = 1.0


def conninfo(url: str | URL) -> str:
    """A libpq connection string for a SQLAlchemy ``postgresql+psycopg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncReader:
    def __init__(self, url: str | URL, settings: Settings) -> None:
        options = f"-c statement_timeout={int(settings.db_statement_timeout_ms)} -c default_transaction_read_only=on"
        # At most max_active_requests requests read at once per process: the read comes after admission.
        self.pool = AsyncConnectionPool(conninfo(url), min_size=1, max_size=max(2, settings.max_active_requests),
                                        kwargs={"autocommit": True, "options": options,
                                                "application_name": APPLICATION_NAME},
                                        open=False, timeout=POOL_WAIT_SECONDS, name="principal-reads")
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self) -> None:
        await self.pool.open()
        self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        self._loop = None
        await self.pool.close()

    def usable(self) -> bool:
        """Open, and on the running event loop."""
        try:
            return self._loop is not None and asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    async def first_row(self, sql: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a read (prepared on the connection after a few uses, as psycopg does).

        A pooled connection found dead (a restarted server, a killed backend) is dropped by the pool and the
        read tried once more on another: it is a read, so trying again is safe, and the request does not see a
        failure the synchronous pool would have hidden too (it pings a connection idle for a second). A server
        that cannot be reached raises SQLAlchemy's ``OperationalError``: the same 503 (``database_unavailable``)
        as the synchronous path."""
        try:
            return await self._first_row(sql, params)
        except psycopg.OperationalError:
            pass  # a dead pooled connection, now dropped by the pool: once more, on another
        except PoolTimeout as exc:
            raise OperationalError(sql, None, exc) from exc  # no parameters: a digest stays out of logs
        try:
            return await self._first_row(sql, params)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise OperationalError(sql, None, exc) from exc

    async def _first_row(self, sql: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchone()
