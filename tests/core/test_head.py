"""HEAD on every GET route (RFC 9110 §9.3.2): the same status and headers as GET, no content."""

from __future__ import annotations

from typing import Any

from app.core.route_inventory import iter_routes
from tests.conftest import assert_problem


def test_head_mirrors_get_without_a_body(client: Any, org_a: Any) -> None:
    h = org_a.h("paralegal")
    for path, headers in (("/healthz", {}), ("/api/v1/auth/me", h), ("/api/v1/clients?limit=5", h)):
        get = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert get.status_code == head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["cache-control"] == "no-store" or path == "/healthz"
        assert head.headers["x-content-type-options"] == "nosniff"


def test_head_keeps_auth_and_errors(client: Any, org_a: Any) -> None:
    r = client.head("/api/v1/auth/me")
    assert r.status_code == 401 and r.content == b"" and r.headers["www-authenticate"] == "Bearer"
    r = client.head("/api/v1/users", headers=org_a.h("family_liaison"))  # admin-only route
    assert r.status_code == 403 and r.content == b""
    r = client.head("/api/v1/no-such-thing", headers=org_a.h("admin"))
    assert r.status_code == 404 and r.content == b""
    assert_problem(client.get("/api/v1/no-such-thing", headers=org_a.h("admin")), 404)


def test_head_on_a_route_without_get_is_405(client: Any, org_a: Any) -> None:
    r = client.head("/api/v1/auth/token")
    assert r.status_code == 405 and r.content == b""


def test_every_get_route_answers_head(client: Any, org_a: Any) -> None:
    """No GET route is left out: HEAD on each (with dummy ids) answers what GET answers."""
    import re

    h = org_a.h("admin")
    seen = 0
    for info in iter_routes(client.app):
        if info.method != "GET":
            continue
        path = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", info.path)
        get, head = client.get(path, headers=h), client.head(path, headers=h)
        assert head.status_code == get.status_code, (path, get.status_code, head.status_code)
        assert head.content == b""
        seen += 1
    assert seen > 20
