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

**The family page's lane.** A family member reading her relative's page is one person on a phone: a few cheap
requests a minute. In one line with the staff API she waited behind every burst of it (bench/RESULTS.md: page
p99 551 ms under bench/load.py's 50 back-to-back staff users). Her requests wait in a lane of their own, and a
freed place alternates between the two lanes when both have waiters: the page waits for at most about one
staff request ahead of it, and the staff keep at least every other place however many page requests come
(a flood through the page cannot starve them; each family account is also rate-limited).

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
    priority: bool = False
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
            await self.admission.acquire(priority=self.priority)
            with self._lock:
                self.held = True


class Admission:
    """A first-come-first-served counting gate for coroutines, safe across event loops and threads, with a
    priority lane that gets every other freed place while both lanes wait."""

    def __init__(self, limit: int, timeout_seconds: float) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.timeout = timeout_seconds
        self._lock = threading.Lock()
        self._active = 0
        self._waiters: deque[_Waiter] = deque()
        self._priority: deque[_Waiter] = deque()
        self._last_to_priority = False

    @property
    def active(self) -> int:
        return self._active

    @property
    def waiting(self) -> int:
        return len(self._waiters) + len(self._priority)

    async def acquire(self, *, priority: bool = False) -> None:
        """Wait for a place (FIFO within a lane); 503 ``server_busy`` after ``timeout`` seconds in the line."""
        with self._lock:
            if self._active < self.limit and not self._waiters and not self._priority:
                self._active += 1
                return
            waiter = _Waiter(asyncio.get_running_loop().create_future())
            lane = self._priority if priority else self._waiters
            lane.append(waiter)
        try:
            await asyncio.wait_for(waiter.future, self.timeout)
        except BaseException as exc:
            with self._lock:
                granted = waiter.granted
                if not granted:
                    lane.remove(waiter)
            if granted and isinstance(exc, TimeoutError):
                return  # the place was handed over as the wait ran out: take it
            if granted:
                self.release()  # cancelled after the hand-over: pass the place on
            if isinstance(exc, TimeoutError):
                raise ProblemError(503, "server_busy", "The server is busy; retry shortly.",
                                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None
            raise

    async def ticket(self, *, priority: bool = False) -> Ticket:
        await self.acquire(priority=priority)
        return Ticket(self, priority=priority)

    def release(self) -> None:
        """Hand the place to the longest waiter (alternating lanes while both wait), or free it."""
        with self._lock:
            if self._priority and (not self._waiters or not self._last_to_priority):
                waiter = self._priority.popleft()
                self._last_to_priority = True
            elif self._waiters:
                waiter = self._waiters.popleft()
                self._last_to_priority = False
            else:
                self._active -= 1
                return
            waiter.granted = True  # the place passes over directly: ``_active`` is unchanged
        waiter.future.get_loop().call_soon_threadsafe(_wake, waiter.future)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
