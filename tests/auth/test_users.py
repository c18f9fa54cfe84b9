"""Users API: role matrix, tenancy, last-admin rule, optimistic locking, validation, audit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import ALL_ROLES, assert_problem

USERS = "/api/v1/users"


def new_user_body(**over: Any) -> dict[str, Any]:
    body = {"email": f"p-{uuid.uuid4().hex[:8]}@example.org", "full_name": "María José Pérez Núñez",
            "role": "paralegal", "password": "a long enough passphrase 1"}
    body.update(over)
    return body


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_admin_manages_users(client: Any, org_a: Any, role: str) -> None:
    h = org_a.h(role)
    list_r = client.get(USERS, headers=h)
    create_r = client.post(USERS, headers=h, json=new_user_body())
    if role == "admin":
        assert list_r.status_code == 200 and create_r.status_code == 201
    else:
        assert_problem(list_r, 403, "forbidden")
        assert_problem(create_r, 403, "forbidden")


def test_create_list_get_patch_user(client: Any, org_a: Any) -> None:
    h = org_a.h("admin")
    r = client.post(USERS, headers=h, json=new_user_body())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["full_name"] == "María José Pérez Núñez"
    assert "password" not in created and "password_hash" not in created
    lst = client.get(USERS, headers=h, params={"role": "paralegal", "limit": 200}).json()
    assert created["id"] in {u["id"] for u in lst["items"]}
    assert set(lst) == {"items", "total", "limit", "offset"}
    g = client.get(f"{USERS}/{created['id']}", headers=h)
    assert g.headers["etag"] == '"1"'
    p = client.patch(f"{USERS}/{created['id']}", headers={**h, "If-Match": '"1"'}, json={"role": "attorney"})
    assert p.status_code == 200, p.text
    assert p.json()["role"] == "attorney" and p.json()["version"] == 2
    # the new user can log in
    t = client.post("/api/v1/auth/token", data={"username": created["email"], "password": "a long enough passphrase 1"})
    assert t.status_code == 200


def test_patch_requires_if_match_and_current_version(client: Any, org_a: Any) -> None:
    h = org_a.h("admin")
    uid = org_a.users["paralegal"].id
    assert_problem(client.patch(f"{USERS}/{uid}", headers=h, json={"full_name": "X Y"}), 428, "precondition_required")
    assert_problem(client.patch(f"{USERS}/{uid}", headers={**h, "If-Match": '"7"'}, json={"full_name": "X Y"}),
                   412, "version_conflict")


def test_other_organizations_user_is_404(client: Any, org_a: Any, org_b: Any) -> None:
    h = org_a.h("admin")
    foreign = org_b.users["paralegal"].id
    assert_problem(client.get(f"{USERS}/{foreign}", headers=h), 404)
    assert_problem(client.patch(f"{USERS}/{foreign}", headers={**h, "If-Match": '"1"'}, json={"role": "admin"}), 404)
    random_id = uuid.uuid4()
    a = client.get(f"{USERS}/{foreign}", headers=h).json()
    b = client.get(f"{USERS}/{random_id}", headers=h).json()
    for body in (a, b):
        body.pop("instance")
        body.pop("request_id", None)
    assert a == b
    ids = {u["id"] for u in client.get(USERS, headers=h, params={"limit": 200}).json()["items"]}
    assert str(foreign) not in ids


def test_cannot_remove_last_admin(client: Any, make_org: Any) -> None:
    org = make_org(roles=("admin", "paralegal"))
    h = org.h("admin")
    admin_id = org.users["admin"].id
    assert_problem(client.patch(f"{USERS}/{admin_id}", headers={**h, "If-Match": '"1"'}, json={"role": "paralegal"}),
                   409, "last_admin")
    assert_problem(client.patch(f"{USERS}/{admin_id}", headers={**h, "If-Match": '"1"'}, json={"is_active": False}),
                   409, "last_admin")
    second = client.post(USERS, headers=h, json=new_user_body(role="admin")).json()
    r = client.patch(f"{USERS}/{admin_id}", headers={**h, "If-Match": '"1"'}, json={"role": "attorney"})
    assert r.status_code == 200
    # the demoted admin's token is dead (role change bumps the token version)
    assert_problem(client.get(USERS, headers=h), 401)
    assert second["role"] == "admin"


@pytest.mark.parametrize("body", [
    {"email": "not-an-email", "full_name": "A", "role": "paralegal", "password": "long enough password"},
    {"email": "a@example.org", "full_name": "A", "role": "superuser", "password": "long enough password"},
    {"email": "a@example.org", "full_name": "A", "role": "paralegal", "password": "short"},
    {"email": "a@example.org", "full_name": "A\u202eB", "role": "paralegal", "password": "long enough password"},
    {"email": "a@example.org", "full_name": "A\x00B", "role": "paralegal", "password": "long enough password"},
    {"email": "a@example.org", "full_name": "A", "role": "paralegal", "password": "long enough password",
     "organization_id": str(uuid.uuid4())},
    {"email": "a@example.org", "full_name": "A", "role": "paralegal", "password": "long enough password",
     "token_version": 5},
])
def test_invalid_user_bodies_are_422(client: Any, org_a: Any, body: dict[str, Any]) -> None:
    assert_problem(client.post(USERS, headers=org_a.h("admin"), json=body), 422)


def test_duplicate_email_case_insensitive_is_409(client: Any, org_a: Any) -> None:
    h = org_a.h("admin")
    body = new_user_body()
    assert client.post(USERS, headers=h, json=body).status_code == 201
    assert_problem(client.post(USERS, headers=h, json={**body, "email": body["email"].upper()}), 409, "email_taken")


def test_m1_self_role_escalation_refused(client: Any, org_a: Any, db: Any) -> None:
    from app.auth.models import UserAccount

    uid = org_a.users["paralegal"].id
    r = client.patch(f"{USERS}/{uid}", headers={**org_a.h("paralegal"), "If-Match": '"1"'}, json={"role": "admin"})
    assert_problem(r, 403)
    with db.session() as s:
        assert s.get(UserAccount, uid).role == "paralegal"


def test_user_changes_are_audited_without_personal_values(client: Any, org_a: Any) -> None:
    h = org_a.h("admin")
    created = client.post(USERS, headers=h, json=new_user_body()).json()
    events = client.get("/api/v1/audit-events", headers=h, params={"entity_id": created["id"]}).json()["items"]
    assert [e["action"] for e in events] == ["user.created"]
    assert events[0]["detail"] == {"role": "paralegal"}
    assert created["email"] not in str(events)


def test_an_address_of_another_organization_is_no_cheap_probe(client: Any, org_a: Any, org_b: Any) -> None:
    """The 409 comes only after the rest of the request is valid (outside review: it came before the password
    policy, so any admin could test addresses of other organizations with a throwaway body)."""
    taken = new_user_body()
    assert client.post(USERS, headers=org_b.h("admin"), json=taken).status_code == 201
    weak = {**new_user_body(), "email": taken["email"], "password": "password1234"}
    assert_problem(client.post(USERS, headers=org_a.h("admin"), json=weak), 422, "weak_password")
