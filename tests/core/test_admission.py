"""Admission control (app/core/admission.py): a bounded, first-come-first-served line per worker.

The unit tests drive the gate directly; the HTTP tests send real concurrent requests through the app, on the
selected backend, with fewer threads than requests and a small connection pool: the setting in which
requests used to wait for each other's connections until the pool timed out.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient

from app.core.admission import Admission
from app.core.config import Settings
from app.core.db import make_database, max_overflow
from app.core.errors import ProblemError
from tests.conftest import assert_problem, mint_headers


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- the gate ----------------------------------------------------------------------------------------

def test_at_most_limit_are_admitted_and_the_rest_go_in_arrival_order() -> None:
    async def main() -> list[int]:
        gate = Admission(2, timeout_seconds=5)
        order: list[int] = []
        running = 0
        peak = 0

        async def request(i: int) -> None:
            nonlocal running, peak
            await gate.acquire()
            order.append(i)
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1
            gate.release()

        tasks = []
        for i in range(8):  # started one after the other, so arrival order is 0..7
            tasks.append(asyncio.create_task(request(i)))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        assert peak == 2
        assert gate.active == 0 and gate.waiting == 0
        return order

    assert run(main()) == list(range(8))


def test_the_priority_lane_gets_every_other_place_while_both_lanes_wait() -> None:
    """The family page's lane: served ahead of a long staff line, but never more than every other place, so
    staff requests are not starved by page requests."""
    async def main() -> list[str]:
        gate = Admission(1, timeout_seconds=5)
        order: list[str] = []
        await gate.acquire()  # the one place is taken: everyone below waits

        async def request(name: str, priority: bool) -> None:
            await gate.acquire(priority=priority)
            order.append(name)
            await asyncio.sleep(0)
            gate.release()

        tasks = []
        for name, priority in [("s1", False), ("s2", False), ("s3", False), ("f1", True), ("f2", True),
                               ("f3", True), ("f4", True), ("s4", False)]:
            tasks.append(asyncio.create_task(request(name, priority)))
            await asyncio.sleep(0)
        assert gate.waiting == 8
        gate.release()
        await asyncio.gather(*tasks)
        assert gate.active == 0 and gate.waiting == 0
        return order

    assert run(main()) == ["f1", "s1", "f2", "s2", "f3", "s3", "f4", "s4"]


def test_a_priority_waiter_that_times_out_leaves_its_lane() -> None:
    async def main() -> None:
        gate = Admission(1, timeout_seconds=0.05)
        await gate.acquire()
        with pytest.raises(ProblemError) as exc:
            await gate.acquire(priority=True)
        assert exc.value.status == 503 and gate.waiting == 0
        gate.release()
        assert gate.active == 0

    run(main())


def test_a_request_that_waits_too_long_gets_503_server_busy_and_leaves_the_line() -> None:
    async def main() -> None:
        gate = Admission(1, timeout_seconds=0.05)
        await gate.acquire()
        with pytest.raises(ProblemError) as err:
            await gate.acquire()
        assert err.value.status == 503 and err.value.code == "server_busy"
        assert err.value.headers["Retry-After"].isdigit()
        assert gate.waiting == 0 and gate.active == 1
        gate.release()
        assert gate.active == 0
        await gate.acquire()  # the place is free again

    run(main())


def test_a_cancelled_waiter_leaves_the_line_and_a_cancelled_grantee_passes_its_place_on() -> None:
    async def main() -> None:
        gate = Admission(1, timeout_seconds=5)
        await gate.acquire()
        waiting = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0.01)
        assert gate.waiting == 1
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert gate.waiting == 0

        # Cancelled, then handed the place before it could leave the line: it must pass the place on.
        second = asyncio.create_task(gate.acquire())
        third = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0.01)
        second.cancel()
        gate.release()
        with pytest.raises(asyncio.CancelledError):
            await second
        await asyncio.wait_for(third, 1)
        assert gate.active == 1 and gate.waiting == 0

        # Handed the place, then cancelled: either it keeps the place (and gives it back) or passes it on.
        fourth = asyncio.create_task(gate.acquire())
        fifth = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0.01)
        gate.release()
        fourth.cancel()
        (outcome,) = await asyncio.gather(fourth, return_exceptions=True)
        if not isinstance(outcome, asyncio.CancelledError):
            gate.release()
        await asyncio.wait_for(fifth, 1)
        gate.release()
        assert gate.active == 0 and gate.waiting == 0

    run(main())


def test_release_from_another_thread_wakes_the_waiter_on_its_own_loop() -> None:
    gate = Admission(1, timeout_seconds=5)

    async def holder() -> None:
        await gate.acquire()

    run(holder())  # taken on one event loop...
    threading.Timer(0.05, gate.release).start()  # ...given back from a plain thread

    async def waiter() -> float:
        t = time.perf_counter()
        await gate.acquire()
        return time.perf_counter() - t

    assert run(waiter()) < 2
    gate.release()
    assert gate.active == 0


def test_the_pool_has_room_for_two_connections_per_admitted_request() -> None:
    s = Settings(database_url="sqlite:///unused.sqlite3", max_active_requests=40, db_pool_size=10)
    assert s.db_pool_size + max_overflow(s) >= 2 * s.max_active_requests
    s = Settings(database_url="sqlite:///unused.sqlite3")
    assert max_overflow(s) == 20  # the default pool is unchanged


# --- through the app -----------------------------------------------------------------------------------

@pytest.fixture
def tight_app(settings: Settings, org_a: Any) -> Any:
    """The app with 2 admitted requests, one pooled connection (plus overflow) and 3 request threads."""
    from app.main import create_app

    tight = Settings(database_url=settings.database_url, max_active_requests=2, db_pool_size=1,
                     admission_timeout_seconds=20)
    db = make_database(tight)
    app = create_app(tight, db=db)
    yield app
    db.dispose()


async def _burst(app: Any, headers: dict[str, str], n: int, path: str) -> list[httpx.Response]:
    limiter = anyio.to_thread.current_default_thread_limiter()
    before = limiter.total_tokens
    limiter.total_tokens = 3
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await asyncio.wait_for(asyncio.gather(*(c.get(path, headers=headers) for _ in range(n))), 25)
    finally:
        limiter.total_tokens = before


def test_more_concurrent_requests_than_threads_and_connections_all_succeed(tight_app: Any, org_a: Any) -> None:
    """60 authenticated reads at once, 3 threads, a pool of 1 + overflow: no request waits on another's
    connection (before admission control this stalled until the pool's 30-second timeout, then 503)."""
    started = time.perf_counter()
    responses = asyncio.run(_burst(tight_app, org_a.h("paralegal"), 60, "/api/v1/clients?limit=5"))
    assert [r.status_code for r in responses] == [200] * 60
    assert time.perf_counter() - started < 20
    gate: Admission = tight_app.state.admission
    assert gate.active == 0 and gate.waiting == 0  # every place was given back


def test_places_are_given_back_after_errors_and_refusals(client: TestClient, app: Any, org_a: Any,
                                                         org_b: Any) -> None:
    gate: Admission = app.state.admission
    h = org_a.h("paralegal")
    assert client.get("/api/v1/clients?limit=1", headers=h).status_code == 200
    assert_problem(client.get("/api/v1/clients/00000000-0000-4000-8000-000000000000", headers=h), 404)
    assert_problem(client.get("/api/v1/clients?limit=100000", headers=h), 422)
    assert_problem(client.get("/api/v1/clients", headers=org_a.h("family_liaison")), 403)
    assert_problem(client.get("/api/v1/clients", headers={"Authorization": "Bearer nope"}), 401)
    assert gate.active == 0 and gate.waiting == 0


def test_a_full_line_answers_503_with_retry_after(settings: Settings, org_a: Any) -> None:
    from app.main import create_app

    busy = Settings(database_url=settings.database_url, max_active_requests=1, admission_timeout_seconds=0.2)
    db = make_database(busy)
    app = create_app(busy, db=db)
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            gate: Admission = app.state.admission
            asyncio.run(gate.acquire())  # someone else holds the only place
            resp = c.get("/api/v1/clients", headers=mint_headers(busy, org_a.users["paralegal"]))
            body = assert_problem(resp, 503, "server_busy")
            assert resp.headers["retry-after"].isdigit() and body["detail"]
            gate.release()
            assert c.get("/api/v1/clients", headers=mint_headers(busy, org_a.users["paralegal"])).status_code == 200
    finally:
        db.dispose()


def test_the_start_up_heap_is_left_out_of_garbage_collection(settings: Settings, db: Any) -> None:
    """Full collections walked every module, route and schema and stopped a worker for 100-220 ms under load."""
    from app.main import OLDEST_GENERATION_AFTER, create_app

    thresholds = gc.get_threshold()
    app = create_app(Settings(database_url=settings.database_url, gc_freeze=True), db=db)
    try:
        with TestClient(app):
            assert gc.get_freeze_count() > 10_000
            # the few survivors left to the collector no longer set off a full collection every second or two
            assert gc.get_threshold()[2] >= OLDEST_GENERATION_AFTER > thresholds[2]
    finally:
        gc.unfreeze()  # the suite goes on building apps in this process
        gc.set_threshold(*thresholds)
    app = create_app(Settings(database_url=settings.database_url, gc_freeze=False), db=db)
    with TestClient(app):
        assert gc.get_freeze_count() == 0
