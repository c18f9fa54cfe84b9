"""Every route uses app.core.routing.Route: a sync endpoint is one thread-pool hop, never a blocking call."""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

from app.core.route_inventory import iter_routes
from app.core.routing import Route, one_hop


def test_every_route_is_a_one_hop_route(client: Any) -> None:
    routes = list(iter_routes(client.app))
    assert len(routes) > 50
    for info in routes:
        assert isinstance(info.route, Route), f"{info.method} {info.path}: create the router with api_router()"
        assert inspect.iscoroutinefunction(info.route.endpoint), f"{info.method} {info.path}"


def test_one_hop_runs_sync_code_off_the_event_loop_and_keeps_the_signature() -> None:
    def endpoint(a: int, b: str = "x") -> tuple[str, int, str]:
        """Doc."""
        return threading.current_thread().name, a, b

    wrapped = one_hop(endpoint)
    assert inspect.signature(wrapped) == inspect.signature(endpoint)
    assert wrapped.__name__ == "endpoint" and wrapped.__doc__ == "Doc."

    async def call() -> tuple[str, tuple[str, int, str]]:
        return threading.current_thread().name, await wrapped(1, b="y")

    loop_thread, (worker_thread, a, b) = asyncio.run(call())
    assert (a, b) == (1, "y") and worker_thread != loop_thread

    async def already_async() -> None:
        return None

    assert one_hop(already_async) is already_async
