"""Admission to the render pool inside one server process: interactive drafts before batch items.

The pool has one slot per render worker. A batch keeps every slot busy; without priority, a paralegal's
emergency draft would wait behind a 200-petition batch (or time out as `render_busy`). With this gate an
interactive draft waits at most for one batch render to finish. Interactive waiters are bounded
(`queue_limit`, `timeout`) and refused with `RenderBusy`, like the pool's own admission; batch items
simply wait their turn. Event-loop only (no locks): every caller is a coroutine of the same loop.

Fair share between organizations (the `owner` of a slot): a freed slot goes to the waiting interactive draft
whose organization holds the fewest slots (first come first served among equals), and one organization may
have at most half the interactive queue waiting. So one organization's long drafts cannot make another's
draft fail with `render_busy`: it waits for at most one render to finish.
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
        self.owner_limit = max(1, queue_limit // 2)
        self._held: dict[str, int] = {}
        self._interactive: deque[tuple[str, asyncio.Future[None]]] = deque()
        self._batch: deque[tuple[str, asyncio.Future[None]]] = deque()

    @property
    def waiting(self) -> int:
        return sum(not f.done() for _, f in self._interactive) + sum(not f.done() for _, f in self._batch)

    @asynccontextmanager
    async def slot(self, *, interactive: bool, owner: str = "") -> AsyncIterator[None]:
        """Hold one render slot for the duration of the block; ``owner`` is the organization (fair share)."""
        await self._acquire(interactive, owner)
        try:
            yield
        finally:
            self._release(owner)

    def _ahead(self, interactive: bool) -> bool:
        if any(not f.done() for _, f in self._interactive):
            return True
        return not interactive and any(not f.done() for _, f in self._batch)

    def _take(self, owner: str) -> None:
        self.in_use += 1
        self._held[owner] = self._held.get(owner, 0) + 1

    async def _acquire(self, interactive: bool, owner: str = "") -> None:
        if self.in_use < self.capacity and not self._ahead(interactive):
            self._take(owner)
            return
        queue = self._interactive if interactive else self._batch
        if interactive:
            waiting = [o for o, f in queue if not f.done()]
            if len(waiting) >= self.queue_limit or waiting.count(owner) >= self.owner_limit:
                raise RenderBusy(self.retry_after)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append((owner, fut))
        try:
            if interactive:
                await asyncio.wait_for(asyncio.shield(fut), self.timeout)
            else:
                await fut
        except BaseException as exc:
            if fut.done() and not fut.cancelled():
                self._release(owner)  # granted at the moment we gave up: hand the slot on
            else:
                fut.cancel()
            if isinstance(exc, TimeoutError):
                raise RenderBusy(self.retry_after) from None
            raise

    def _release(self, owner: str = "") -> None:
        self.in_use -= 1
        left = self._held.get(owner, 0) - 1
        if left > 0:
            self._held[owner] = left
        else:
            self._held.pop(owner, None)
        self._grant()

    def _grant(self) -> None:
        while self.in_use < self.capacity:
            picked = self._next()
            if picked is None:
                return
            owner, fut = picked
            self._take(owner)
            fut.set_result(None)

    def _next(self) -> tuple[str, asyncio.Future[None]] | None:
        for queue in (self._interactive, self._batch):
            live = [(o, f) for o, f in queue if not f.done()]
            queue.clear()
            queue.extend(live)
            if live:
                # The waiter whose organization holds the fewest slots; FIFO among equals (min is stable).
                pick = min(live, key=lambda item: self._held.get(item[0], 0))
                queue.remove(pick)
                return pick
        return None
