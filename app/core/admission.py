"""Admission control: a worker process serves at most ``MAX_ACTIVE_REQUESTS`` authenticated requests at once;
the others wait their turn in arrival order.

Why a bound, and why first come, first served:

1. **No deadlock between the thread pool and the connection pool.** On PostgreSQL an authenticated request
   reads the caller's account in one thread-pool hop and keeps that session (and its pooled connection) for
   the route's own hop. With no bound, more requests in flight than pooled connections can leave every thread
   waiting for a connection that is held by a request which is itself waiting for a thread: seen in
   bench/load.py with 3 threads per worker as 30-second stalls ending in 503s. An admitted request holds at
   most two connections (its session, and the short write session of a read's side effects), and
   ``app.core.db`` sizes the pool for twice the bound.
2. **Every request waits about as long as the others.** The threads of one process share one core (the GIL).
   With 25 requests in flight they all progress together, each taking about 25 times its own CPU time, and
   the variance of that sharing is what the slowest responses are made of. Served a few at a time in
   arrival order, a request waits for the ones before it and then runs at full speed; the machine also does
   more work (fewer thread switches, each connection stays warm). Figures: bench/RESULTS.md.
3. **Overload is answered, not piled up**: a request that waited ``ADMISSION_TIMEOUT_SECONDS`` gets 503
   ``server_busy`` with ``Retry-After``.

Why not ``asyncio.Semaphore`` with ``wait_for`` (tried on 2026-12-05, docs/DECISIONS.md): a semaphore binds to
the first event loop that waits on it, and one app can be driven from several loops at once (the test client
runs one per thread; tests/security/test_faults.py ``_race``), which then failed with "bound to a different
event loop". This gate hands a place to a waiter on the waiter's own loop (``call_soon_threadsafe``).

The bound is per worker process; public routes (health, login) are not admitted through it. A route that
awaits something slow which needs no database (a PDF render) steps out of the line while it waits
(``Ticket.stepped_out``), and queues again afterwards.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from app.core.errors import ProblemError

RETRY_AFTER_SECONDS = 2


@dataclass(eq=False)
class _Waiter:
    future: asyncio.Future[None]
    granted: bool = False


@dataclass(eq=False)
class Ticket:
    """One admitted request's place; ``release`` is idempotent (the middleware calls it after the response)."""

    admission: Admission
    held: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def release(self) -> None:
        with self._lock:
            if not self.held:
                return
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
            with self._lock:
                self.held = True


class Admission:
    """A first-come-first-served counting gate for coroutines, safe across event loops and threads."""

    def __init__(self, limit: int, timeout_seconds: float) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.timeout = timeout_seconds
        self._lock = threading.Lock()
        self._active = 0
        self._waiters: deque[_Waiter] = deque()

    @property
    def active(self) -> int:
        return self._active

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        """Wait for a place (FIFO); 503 ``server_busy`` after ``timeout`` seconds in the line."""
        with self._lock:
            if self._active < self.limit and not self._waiters:
                self._active += 1
                return
            waiter = _Waiter(asyncio.get_running_loop().create_future())
            self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter.future, self.timeout)
        except BaseException as exc:
            with self._lock:
                granted = waiter.granted
                if not granted:
                    self._waiters.remove(waiter)
            if granted and isinstance(exc, TimeoutError):
                return  # the place was handed over as the wait ran out: take it
            if granted:
                self.release()  # cancelled after the hand-over: pass the place on
            if isinstance(exc, TimeoutError):
                raise ProblemError(503, "server_busy", "The server is busy; retry shortly.",
                                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None
            raise

    async def ticket(self) -> Ticket:
        await self.acquire()
        return Ticket(self)

    def release(self) -> None:
        """Hand the place to the longest waiter, or free it."""
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.granted = True  # the place passes over directly: ``_active`` is unchanged
            else:
                self._active -= 1
                return
        waiter.future.get_loop().call_soon_threadsafe(_wake, waiter.future)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
