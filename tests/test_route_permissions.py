"""Every route declares a permission, or is one of the few public ones (docs/design.md#permissions-and-roles,
docs/security-model.md#function-level-access).

A new route without ``Depends(require(Permission.X))`` makes this test fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.auth.permissions import PUBLIC_ROUTES, ROLE_PERMISSIONS, Permission, Role
from app.core.route_inventory import declared_permission, iter_routes
from tests.conftest import assert_problem

DOC_ROUTES = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect")}


def test_every_route_declares_a_permission(app: Any) -> None:
    undeclared = []
    for r in iter_routes(app):
        key = (r.method, r.path)
        if key in PUBLIC_ROUTES or key in DOC_ROUTES:
            assert declared_permission(r.route) is None, f"public route {key} should not require a token"
            continue
        if declared_permission(r.route) is None:
            undeclared.append(key)
    assert undeclared == [], f"routes without a declared permission: {undeclared}"


def test_public_routes_exist(app: Any) -> None:
    present = {(r.method, r.path) for r in iter_routes(app)}
    optional = ("/calendar", "/api/v1/auth/accept")
    missing = {k for k in PUBLIC_ROUTES if k not in present and not k[1].startswith(optional)}
    assert not missing


def test_family_liaison_has_only_portal_and_account() -> None:
    assert ROLE_PERMISSIONS[Role.family_liaison] == {Permission.account_self, Permission.portal_read}


def _fill(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path).replace("{feed_token}", "x")


@pytest.mark.parametrize("role", ["family_liaison"])
def test_liaison_gets_403_on_every_staff_route(client: Any, app: Any, org_a: Any, role: str) -> None:
    """A family liaison is refused before any lookup on every route outside /portal and /auth."""
    for r in iter_routes(app):
        perm = declared_permission(r.route)
        if perm is None or perm in ROLE_PERMISSIONS[Role.family_liaison]:
            continue
        resp = client.request(r.method, _fill(r.path), headers=org_a.h(role), json={})
        assert_problem(resp, 403)


def test_no_token_is_401_on_every_protected_route(client: Any, app: Any) -> None:
    for r in iter_routes(app):
        if declared_permission(r.route) is None or r.path.startswith("/family/"):
            continue  # the family pages use a cookie, not a bearer token: tests/family/test_family_pages.py
        resp = client.request(r.method, _fill(r.path), json={})
        assert_problem(resp, 401)
        assert resp.headers.get("www-authenticate") == "Bearer"
