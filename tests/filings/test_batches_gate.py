"""The render gate: interactive drafts go before batch items; waiting is bounded for interactive callers."""

from __future__ import annotations

import asyncio

import pytest

from app.filings.errors import RenderBusy
from app.filings.render.gate import RenderGate


def test_interactive_waiters_go_first() -> None:
    async def run() -> list[str]:
        gate = RenderGate(1)
        order: list[str] = []
        release = asyncio.Event()

        async def job(name: str, interactive: bool) -> None:
            async with gate.slot(interactive=interactive):
                order.append(name)
                if name == "batch-1":
                    await release.wait()

        first = asyncio.create_task(job("batch-1", False))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(job("batch-2", False)), asyncio.create_task(job("batch-3", False))]
        await asyncio.sleep(0)
        waiting.append(asyncio.create_task(job("draft", True)))
        await asyncio.sleep(0)
        assert gate.waiting == 3 and gate.in_use == 1
        release.set()
        await asyncio.gather(first, *waiting)
        assert gate.in_use == 0 and gate.waiting == 0
        return order

    assert asyncio.run(run()) == ["batch-1", "draft", "batch-2", "batch-3"]


def test_interactive_wait_is_bounded() -> None:
    async def run() -> None:
        gate = RenderGate(1, queue_limit=1, timeout=0.05, retry_after=7)
        hold = asyncio.Event()

        async def holder() -> None:
            async with gate.slot(interactive=False):
                await hold.wait()

        task = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(gate._acquire(True))
        await asyncio.sleep(0)
        with pytest.raises(RenderBusy) as busy:  # queue full
            await gate._acquire(True)
        assert busy.value.retry_after == 7
        with pytest.raises(RenderBusy):  # timed out waiting
            await waiter
        hold.set()
        await task
        assert gate.in_use == 0
        async with gate.slot(interactive=True):
            assert gate.in_use == 1

    asyncio.run(run())


def test_cancelled_waiter_does_not_leak_a_slot() -> None:
    async def run() -> None:
        gate = RenderGate(1)
        hold = asyncio.Event()

        async def holder() -> None:
            async with gate.slot(interactive=True):
                await hold.wait()

        task = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(gate._acquire(False))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        hold.set()
        await task
        assert gate.in_use == 0 and gate.waiting == 0

    asyncio.run(run())
