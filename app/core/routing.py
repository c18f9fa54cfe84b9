"""The route class every router uses: a sync endpoint costs one thread-pool hop, not two.

FastAPI runs a sync (``def``) endpoint in the thread pool and then, in FastAPI 0.165, runs the response-model
validation of a sync endpoint in the thread pool again: two hops per request, each a hand-off between threads
(docs/design.md#stack asks to keep them few). ``Route`` wraps a sync endpoint in an ``async`` one that runs it in the
thread pool itself, so FastAPI treats it as a coroutine and validates the response on the event loop (for a
returned model instance that is an ``isinstance`` check). Signature, name, docstring and dependencies are the
endpoint's own (``functools.wraps``), so OpenAPI and the permission walk see the same route.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.core.errors import ProblemError


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine that runs it in the thread pool (returned as is if already async)."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


def reads_only(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a POST route that writes nothing (a calculator, a preview): its request gets a read session like a
    GET's. Why it matters on PostgreSQL: a write session that only read ends in a ROLLBACK, and psycopg forgets
    every statement it had prepared on that connection at a ROLLBACK, so the next requests on it were planned
    anew; read sessions run in autocommit (app/core/db.py). The read pool refuses a write, so a route marked by
    mistake fails loudly instead of writing."""
    endpoint.__dict__["reads_only"] = True
    return endpoint


def route_reads_only(scope: Any) -> bool:
    """Whether the matched route of this request is marked ``reads_only``."""
    return bool(getattr(getattr(scope.get("route"), "endpoint", None), "reads_only", False))


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_nul(request: Request) -> None:
    """422 ``invalid_characters`` for a NUL character in the path, a query parameter or a form field.

    PostgreSQL cannot store U+0000 in text, so a NUL that reached a query failed with a 500 on seven routes (the
    outside review); the schemas of JSON bodies already refuse it. This is the one place for every other kind
    of parameter. Uploaded files are bytes and are not looked at here."""
    scope = request.scope
    query = scope.get("query_string", b"")
    # Looked at raw first (a NUL in a query arrives as %00): most requests then skip parsing the query at all.
    found = "\x00" in scope["path"] or ((b"%00" in query or b"\x00" in query)
                                        and any("\x00" in k or "\x00" in v
                                                for k, v in request.query_params.multi_items()))
    if not found and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        form = await request.form()  # parsed once: FastAPI reads the same, cached, form
        found = any("\x00" in k or (isinstance(v, str) and "\x00" in v) for k, v in form.multi_items())
    if found:
        raise ProblemError(422, "invalid_characters", "A parameter contains a NUL character.")


class Route(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, one_hop(endpoint), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await refuse_nul(request)
            return await handler(request)

        return checked


def api_router(**kwargs: Any) -> APIRouter:
    """``APIRouter`` with ``Route`` (use it for every router of the app)."""
    return APIRouter(route_class=Route, **kwargs)


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    """A download: the bytes as a named attachment that no cache keeps (every export holds client data)."""
    return Response(content=content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
