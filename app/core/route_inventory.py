"""The inventory of the application's HTTP routes with their full paths and declared permissions (used by the
permission, tenancy and fuzz tests). Not to be confused with ``routing.py``, the route class every router uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    route: APIRoute


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for r in routes:
        if isinstance(r, APIRoute):
            yield prefix + r.path, r
        elif hasattr(r, "effective_route_contexts"):  # FastAPI >= 0.16x keeps included routers as nodes
            for ctx in r.effective_route_contexts():
                orig = ctx.original_route
                if isinstance(orig, APIRoute):
                    yield ctx.path, orig
        elif hasattr(r, "routes") and hasattr(r, "path"):  # Mount
            yield from _walk(r.routes, prefix + r.path)


def iter_routes(app: FastAPI) -> Iterator[RouteInfo]:
    for path, route in _walk(list(app.router.routes)):
        for method in sorted(route.methods or []):
            if method == "HEAD":
                continue
            yield RouteInfo(method, path, route)


def declared_permission(route: APIRoute) -> Any:
    """The Permission a route's dependencies declare (via ``require``), or None."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        perm = getattr(dep.call, "__permission__", None)
        if perm is not None:
            return perm
        stack.extend(dep.dependencies)
    return None
