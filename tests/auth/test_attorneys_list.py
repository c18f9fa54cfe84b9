"""GET /users?role=attorney: every staff role finds the organization's attorneys (docs/design.md#wave-2); the full list
with e-mails stays admin-only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ALL_ROLES, assert_problem

USERS = "/api/v1/users"
DIRECTORY_FIELDS = {"id", "full_name", "role", "is_active", "bar_number", "bar_state"}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_attorneys_list_per_role(client: Any, org_a: Any, role: str) -> None:
    r = client.get(USERS, headers=org_a.h(role), params={"role": "attorney"})
    if role == "family_liaison":
        assert_problem(r, 403, "forbidden")
        return
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["id"] == str(org_a.users["attorney"].id)
    assert item["full_name"] == "Test Attorney" and item["role"] == "attorney"
    assert item["bar_number"] == "MD-0000" and item["bar_state"] == "MD"
    if role == "admin":
        assert item["email"] == org_a.users["attorney"].email  # admins keep the full record
    else:
        assert set(item) == DIRECTORY_FIELDS  # no e-mail, phone or address of colleagues
        assert "@" not in r.text


@pytest.mark.parametrize("role", ["attorney", "paralegal"])
@pytest.mark.parametrize("params", [{}, {"role": "paralegal"}, {"role": "admin"}, {"role": "family_liaison"}])
def test_other_lists_stay_admin_only(client: Any, org_a: Any, role: str, params: dict[str, str]) -> None:
    assert_problem(client.get(USERS, headers=org_a.h(role), params=params), 403, "forbidden")


@pytest.mark.parametrize("role", ["attorney", "paralegal"])
def test_user_records_stay_admin_only(client: Any, org_a: Any, role: str) -> None:
    assert_problem(client.get(f"{USERS}/{org_a.users['attorney'].id}", headers=org_a.h(role)), 403, "forbidden")


def test_only_own_organization_and_active_attorneys(client: Any, make_org: Any) -> None:
    a = make_org(roles=("admin", "attorney", "paralegal"))
    b = make_org(roles=("admin", "attorney"))
    second = client.post(USERS, headers=a.h("admin"), json={
        "email": "second-attorney@example.org".replace("second", f"second-{a.id.hex[:6]}"),
        "full_name": "Ana Beatriz Quintanilla", "role": "attorney", "password": "a long enough passphrase 1",
        "bar_number": "TX-1234", "bar_state": "TX"}).json()
    gone = client.post(USERS, headers=a.h("admin"), json={
        "email": f"gone-{a.id.hex[:6]}@example.org", "full_name": "Former Attorney", "role": "attorney",
        "password": "a long enough passphrase 1"}).json()
    assert client.patch(f"{USERS}/{gone['id']}", headers={**a.h("admin"), "If-Match": '"1"'},
                        json={"is_active": False}).status_code == 200
    items = client.get(USERS, headers=a.h("paralegal"), params={"role": "attorney"}).json()["items"]
    ids = [i["id"] for i in items]
    assert ids == [second["id"], str(a.users["attorney"].id)]  # by name: "Ana ..." before "Test ..."
    assert str(b.users["attorney"].id) not in ids and gone["id"] not in ids
    # admins still see everyone, deactivated included
    admin_ids = {i["id"] for i in client.get(USERS, headers=a.h("admin"), params={"role": "attorney"}).json()["items"]}
    assert gone["id"] in admin_ids


def test_search_matches_names_not_emails(client: Any, org_a: Any) -> None:
    h = org_a.h("paralegal")
    assert client.get(USERS, headers=h, params={"role": "attorney", "q": "attor"}).json()["total"] == 1
    email_part = org_a.users["attorney"].email.split("@")[0]
    assert client.get(USERS, headers=h, params={"role": "attorney", "q": email_part}).json()["total"] == 0
    assert client.get(USERS, headers=h, params={"role": "attorney", "q": "100%_"}).json()["total"] == 0


def test_paging_and_invalid_input(client: Any, org_a: Any) -> None:
    h = org_a.h("attorney")
    page = client.get(USERS, headers=h, params={"role": "attorney", "limit": 1, "offset": 0}).json()
    assert set(page) == {"items", "total", "limit", "offset"} and page["limit"] == 1
    assert_problem(client.get(USERS, headers=h, params={"role": "judge"}), 422, "validation_error")
    assert_problem(client.get(USERS, headers=h, params={"role": "attorney", "limit": 0}), 422)
    assert_problem(client.get(USERS, headers=h, params={"role": "attorney", "q": "x" * 101}), 422)
    assert_problem(client.get(USERS, params={"role": "attorney"}), 401)
