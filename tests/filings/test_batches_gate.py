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


def test_a_freed_slot_goes_to_the_organization_holding_fewest() -> None:
    """One organization's long drafts hold every slot and queue more; another organization's draft, queued
    after them, gets the next slot (it waits for one render, not for the whole line)."""
    async def run() -> list[str]:
        gate = RenderGate(2, queue_limit=16)
        order: list[str] = []
        releases = {name: asyncio.Event() for name in ("a1", "a2", "a3", "a4", "b1")}

        async def job(name: str, owner: str) -> None:
            async with gate.slot(interactive=True, owner=owner):
                order.append(name)
                await releases[name].wait()

        tasks = [asyncio.create_task(job("a1", "org-a")), asyncio.create_task(job("a2", "org-a"))]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(job("a3", "org-a")), asyncio.create_task(job("a4", "org-a"))]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(job("b1", "org-b")))
        await asyncio.sleep(0)
        assert gate.in_use == 2 and gate.waiting == 3
        releases["a1"].set()
        await asyncio.sleep(0.01)
        assert order == ["a1", "a2", "b1"]  # org-b jumped org-a's queued drafts
        for event in releases.values():
            event.set()
        await asyncio.gather(*tasks)
        assert gate.in_use == 0 and gate.waiting == 0
        return order

    assert asyncio.run(run())[:3] == ["a1", "a2", "b1"]


def test_one_organization_cannot_fill_the_queue() -> None:
    async def run() -> None:
        gate = RenderGate(1, queue_limit=4, timeout=5)
        hold = asyncio.Event()

        async def job(owner: str) -> None:
            async with gate.slot(interactive=True, owner=owner):
                await hold.wait()

        tasks = [asyncio.create_task(job("org-a")) for _ in range(3)]  # one runs, two wait (half of 4)
        await asyncio.sleep(0)
        with pytest.raises(RenderBusy):
            async with gate.slot(interactive=True, owner="org-a"):
                pass
        other = asyncio.create_task(job("org-b"))  # another organization still gets in line
        await asyncio.sleep(0)
        assert gate.waiting == 3
        hold.set()
        await asyncio.gather(*tasks, other)

    asyncio.run(run())
