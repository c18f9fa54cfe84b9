"""Admission control: a worker process serves at most ``MAX_ACTIVE_REQUESTS`` authenticated requests at once;
the others wait their turn (an ``asyncio.Semaphore``, whose waiters are woken in arrival order), and one that
waited ``ADMISSION_TIMEOUT_SECONDS`` gets 503 ``server_busy`` with ``Retry-After``.

Why a bound (figures: bench/RESULTS.md; the decision: docs/DECISIONS.md "Serving under load"):

1. **No deadlock between the thread pool and the connection pool.** On PostgreSQL an authenticated request
   reads the caller's account in one thread-pool hop and keeps that session (and its pooled connection) for
   the route's own hop. With no bound, more requests in flight than pooled connections can leave every thread
   waiting for a connection that is held by a request which is itself waiting for a thread. An admitted
   request holds at most two connections (its session, and the short write session of a read's side
   effects), and ``app.core.db`` sizes the pool for twice the bound.
2. **Every request waits about as long as the others.** The threads of one process share one core (the GIL);
   served a few at a time in arrival order, a request waits for the ones before it and then runs at full
   speed, instead of 25 requests each taking 25 times their own CPU time.
3. **Overload is answered, not piled up** (the 503 above).

The bound is per worker process and per event loop (a worker has one; acquire and release on it). Public
routes (health, login) are not admitted through it. A route that awaits something slow which needs no
database (a PDF render) steps out of the line while it waits (``Ticket.stepped_out``) and queues again after.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.core.errors import ProblemError

RETRY_AFTER_SECONDS = 2


@dataclass(eq=False)
class Ticket:
    """One admitted request's place; ``release`` is idempotent (the middleware calls it after the response)."""

    admission: Admission
    held: bool = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.admission.release()

    @asynccontextmanager
    async def stepped_out(self) -> AsyncIterator[None]:
        """Give the place up while awaiting work that holds no database connection; queue again after."""
        self.release()
        try:
            yield
        finally:
            await self.admission.acquire()
            self.held = True


class Admission:
    """At most ``limit`` holders at once; the rest wait in arrival order for at most ``timeout_seconds``."""

    def __init__(self, limit: int, timeout_seconds: float) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.timeout = timeout_seconds
        self._semaphore = asyncio.Semaphore(limit)
        self.active = 0
        self.waiting = 0

    async def acquire(self) -> None:
        """Wait for a place; 503 ``server_busy`` after ``timeout`` seconds in the line."""
        self.waiting += 1
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self.timeout)
        except TimeoutError:
            raise ProblemError(503, "server_busy", "The server is busy; retry shortly.",
                               headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None
        finally:
            self.waiting -= 1
        self.active += 1

    async def ticket(self) -> Ticket:
        await self.acquire()
        return Ticket(self)

    def release(self) -> None:
        self.active -= 1
        self._semaphore.release()
