"""A NUL character in a path, query or form parameter is refused with 422, never a 500 (PostgreSQL cannot store
U+0000 in text; the outside review found seven routes answering 500). One check covers every route."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import assert_problem

API = "/api/v1"


@pytest.mark.parametrize("method,url,kwargs", [
    ("GET", f"{API}/clients?q=Jos%00e", {}),
    ("GET", f"{API}/facilities?q=Port%00Isabel", {}),
    ("GET", f"{API}/audit-events?action=client.create%00", {}),
    ("GET", f"{API}/deadlines?rule=PFR%00", {}),
    ("GET", f"{API}/users?q=an%00a", {}),
    ("GET", "/calendar/abc%00def.ics", {}),
    ("POST", f"{API}/auth/token", {"data": {"username": "a\x00b@example.org", "password": "x" * 12}}),
    ("POST", f"{API}/clients/import", {"files": {"file": ("a.csv", b"given_names,first_surname\nA,B\n")},
                                       "data": {"comment": "a\x00b"}}),
])
def test_nul_is_a_422(client: Any, org_a: Any, method: str, url: str, kwargs: dict[str, Any]) -> None:
    r = client.request(method, url, headers=org_a.h("admin"), **kwargs)
    assert_problem(r, 422, "invalid_characters")


def test_ordinary_parameters_still_pass(client: Any, org_a: Any) -> None:
    assert client.get(f"{API}/clients?q=Jos%C3%A9", headers=org_a.h("admin")).status_code == 200
