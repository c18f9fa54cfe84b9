"""The route class every router uses: a sync endpoint costs one thread-pool hop, not two.

FastAPI runs a sync (``def``) endpoint in the thread pool and then, in FastAPI 0.165, runs the response-model
validation of a sync endpoint in the thread pool again: two hops per request, each a hand-off between threads
(DESIGN §2 asks to keep them few). ``Route`` wraps a sync endpoint in an ``async`` one that runs it in the
thread pool itself, so FastAPI treats it as a coroutine and validates the response on the event loop (for a
returned model instance that is an ``isinstance`` check). Signature, name, docstring and dependencies are the
endpoint's own (``functools.wraps``), so OpenAPI and the permission walk see the same route.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine that runs it in the thread pool (returned as is if already async)."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class Route(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, one_hop(endpoint), **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    """``APIRouter`` with ``Route`` (use it for every router of the app)."""
    return APIRouter(route_class=Route, **kwargs)
