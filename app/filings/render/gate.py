"""Admission to the render pool inside one server process: interactive drafts before batch items.

The pool has one slot per render worker. A batch keeps every slot busy; without priority, a paralegal's
emergency draft would wait behind a 200-petition batch (or time out as `render_busy`). With this gate an
interactive draft waits at most for one batch render to finish. Interactive waiters are bounded
(`queue_limit`, `timeout`) and refused with `RenderBusy`, like the pool's own admission; batch items
simply wait their turn. Event-loop only (no locks): every caller is a coroutine of the same loop.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.filings.errors import RenderBusy


class RenderGate:
    def __init__(self, capacity: int, *, queue_limit: int = 16, timeout: float = 30.0,
                 retry_after: int = 5) -> None:
        self.capacity = max(1, capacity)
        self.queue_limit = queue_limit
        self.timeout = timeout
        self.retry_after = retry_after
        self.in_use = 0
        self._interactive: deque[asyncio.Future[None]] = deque()
        self._batch: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(not f.done() for f in self._interactive) + sum(not f.done() for f in self._batch)

    @asynccontextmanager
    async def slot(self, *, interactive: bool) -> AsyncIterator[None]:
        """Hold one render slot for the duration of the block."""
        await self._acquire(interactive)
        try:
            yield
        finally:
            self._release()

    def _ahead(self, interactive: bool) -> bool:
        if any(not f.done() for f in self._interactive):
            return True
        return not interactive and any(not f.done() for f in self._batch)

    async def _acquire(self, interactive: bool) -> None:
        if self.in_use < self.capacity and not self._ahead(interactive):
            self.in_use += 1
            return
        queue = self._interactive if interactive else self._batch
        if interactive and sum(not f.done() for f in queue) >= self.queue_limit:
            raise RenderBusy(self.retry_after)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(fut)
        try:
            if interactive:
                await asyncio.wait_for(asyncio.shield(fut), self.timeout)
            else:
                await fut
        except BaseException as exc:
            if fut.done() and not fut.cancelled():
                self._release()  # granted at the moment we gave up: hand the slot on
            else:
                fut.cancel()
            if isinstance(exc, TimeoutError):
                raise RenderBusy(self.retry_after) from None
            raise

    def _release(self) -> None:
        self.in_use -= 1
        self._grant()

    def _grant(self) -> None:
        while self.in_use < self.capacity:
            fut = self._next()
            if fut is None:
                return
            self.in_use += 1
            fut.set_result(None)

    def _next(self) -> asyncio.Future[None] | None:
        for queue in (self._interactive, self._batch):
            while queue:
                fut = queue.popleft()
                if not fut.done():
                    return fut
        return None
