"""Shutdown never waits forever for the embedded job worker (app/jobs/runtime.py, ``_stop``): a worker whose job
does not return is left behind after ``STOP_TIMEOUT_SECONDS`` with a warning naming where it waits, and the rest
of the shutdown (the engine's pool) still runs. The job stays marked as started; the stalled-job recovery runs it
again."""

from __future__ import annotations

import asyncio
import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest

from app.jobs import runtime


class _Engine:
    closed = False

    async def close_async(self) -> None:
        self.closed = True


_released = False


async def _job_that_never_returns() -> None:
    # A job stuck in a call that ignores cancellation (the case the timeout is for), until the test lets it go.
    while not _released:
        try:
            await asyncio.sleep(0.02)
        except asyncio.CancelledError:
            continue


async def _worker_that_stops() -> None:
    await asyncio.sleep(3600)


def _stop(worker: Any, monkeypatch: pytest.MonkeyPatch, timeout: float) -> tuple[float, Any]:
    global _released
    monkeypatch.setattr(runtime, "STOP_TIMEOUT_SECONDS", timeout)
    _released = False

    async def main() -> tuple[float, Any]:
        engine = _Engine()
        task = asyncio.create_task(worker(), name="jobs-worker")
        await asyncio.sleep(0)
        app = SimpleNamespace(state=SimpleNamespace(jobs_worker=task, jobs_app=engine, jobs_runner=None))
        t0 = time.monotonic()
        await runtime._stop(app)  # type: ignore[arg-type]  # a stand-in with the state _stop reads
        took = time.monotonic() - t0
        assert app.state.jobs_worker is None and engine.closed
        global _released
        _released = True  # let the stuck job go, so the test's loop can end
        await asyncio.gather(task, return_exceptions=True)
        return took, task

    return asyncio.run(asyncio.wait_for(main(), timeout=10))


def test_a_worker_that_stops_is_waited_for(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    with caplog.at_level(logging.WARNING, logger="app.jobs.runtime"):
        took, task = _stop(_worker_that_stops, monkeypatch, timeout=5.0)
    assert task.cancelled() and took < 5.0
    assert "did not stop" not in caplog.text


def test_a_stuck_job_does_not_hold_the_shutdown(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    with caplog.at_level(logging.WARNING, logger="app.jobs.runtime"):
        took, _ = _stop(_job_that_never_returns, monkeypatch, timeout=0.3)
    assert 0.3 <= took < 5.0
    assert "embedded job worker did not stop within 0 s" in caplog.text
    assert "jobs-worker at _job_that_never_returns" in caplog.text
