"""Personal access tokens (docs/auth.md "Personal access tokens", docs/SECURITY.md rows PT1-PT9): created once,
stored hashed, limited to their scopes, refused after expiry, revocation, deactivation, log out everywhere and a
role change; audited. Real HTTP requests to the app on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from tests.conftest import PASSWORD, assert_problem
from tests.factories import make_client

TOKENS = "/api/v1/auth/me/tokens"


def _expiry(days: float = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def create(client: Any, headers: dict[str, str], scopes: list[str] | None = None, **kw: Any) -> Any:
    body = {"name": "case-sync", "scopes": scopes or ["clients:read"], "expires_at": _expiry(), **kw}
    return client.post(TOKENS, headers=headers, json=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _row(db: Any, token_id: str) -> Any:
    from app.auth.credential_models import PersonalAccessToken

    with db.session() as s:
        return s.get(PersonalAccessToken, uuid.UUID(token_id))


def test_create_use_list_and_revoke(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    r = create(client, org_a.h("paralegal"), ["clients:read", "clients:read", "alerts:read"])
    assert r.status_code == 201, r.text
    body = r.json()
    token = body["token"]
    assert token.startswith("dp_pat_") and len(token) >= 7 + 43
    assert body["scopes"] == ["alerts:read", "clients:read"] and body["token_hint"] == token[:11]
    assert body["last_used_at"] is None and body["revoked_at"] is None
    # Stored as a digest only.
    row = _row(db, body["id"])
    assert row.token_hash != token and token not in row.token_hash and len(row.token_hash) == 64
    # Works as a bearer token within its scopes.
    got = client.get(f"/api/v1/clients/{c.id}", headers=bearer(token))
    assert got.status_code == 200, got.text
    assert client.get("/api/v1/alerts", headers=bearer(token)).status_code == 200
    assert _row(db, body["id"]).last_used_at is not None
    # Listed without the token itself.
    listed = client.get(TOKENS, headers=org_a.h("paralegal")).json()
    assert listed["total"] == 1 and "token" not in listed["items"][0]
    assert listed["items"][0]["last_used_at"] is not None
    # Revoked: refused at once; revoking again is harmless.
    assert client.delete(f"{TOKENS}/{body['id']}", headers=org_a.h("paralegal")).status_code == 204
    assert_problem(client.get(f"/api/v1/clients/{c.id}", headers=bearer(token)), 401, "invalid_token")
    assert client.delete(f"{TOKENS}/{body['id']}", headers=org_a.h("paralegal")).status_code == 204
    from app.core.audit import AuditEvent

    with db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity_id == body["id"])
                                            .order_by(col(AuditEvent.seq)))]
    assert actions == ["access_token.created", "access_token.revoked"]


def test_scopes_limit_the_token(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    token = create(client, org_a.h("attorney"), ["clients:read", "account:self"]).json()["token"]
    assert_problem(client.patch(f"/api/v1/clients/{c.id}", headers={**bearer(token), "If-Match": '"1"'},
                                json={"notes": "x"}), 403, "insufficient_scope")
    assert_problem(client.get("/api/v1/deadlines", headers=bearer(token)), 403, "insufficient_scope")
    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
    # Credentials are managed from a signed-in session, never with a token.
    assert_problem(client.get(TOKENS, headers=bearer(token)), 403, "session_required")
    assert_problem(client.post("/api/v1/auth/me/mfa/totp", headers=bearer(token)), 403, "session_required")
    assert_problem(client.post("/api/v1/auth/password", headers=bearer(token),
                               json={"current_password": PASSWORD, "new_password": "another long passphrase"}),
                   403, "session_required")


def test_another_organizations_objects_stay_hidden(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    c = make_client(db, org_a.id)
    token = create(client, org_b.h("admin"), ["clients:read"]).json()["token"]
    assert_problem(client.get(f"/api/v1/clients/{c.id}", headers=bearer(token)), 404)
    mine = create(client, org_a.h("admin")).json()
    # Another organization's token, and another user's token in the same organization: 404.
    assert_problem(client.delete(f"{TOKENS}/{mine['id']}", headers=org_b.h("admin")), 404, "access_token_not_found")
    assert_problem(client.delete(f"{TOKENS}/{mine['id']}", headers=org_a.h("attorney")), 404, "access_token_not_found")
    assert client.get(TOKENS, headers=org_a.h("attorney")).json()["total"] == 0
    assert client.get(f"/api/v1/clients/{c.id}", headers=bearer(mine["token"])).status_code == 200


@pytest.mark.parametrize("role", ["admin", "attorney", "paralegal"])
def test_staff_create_tokens_within_their_role(client: Any, org_a: Any, role: str) -> None:
    assert create(client, org_a.h(role), ["clients:read"]).status_code == 201
    beyond = {"admin": "filings:finalize", "attorney": "users:manage", "paralegal": "clients:delete"}[role]
    body = assert_problem(create(client, org_a.h(role), ["clients:read", beyond]), 422, "invalid_scope")
    assert beyond not in body["allowed"] and "clients:read" in body["allowed"]
    assert "access_tokens:manage" not in body["allowed"]


def test_family_liaisons_cannot_create_tokens(client: Any, org_a: Any) -> None:
    assert_problem(create(client, org_a.h("family_liaison"), ["portal:read"]), 403, "forbidden")
    assert_problem(client.get(TOKENS, headers=org_a.h("family_liaison")), 403, "forbidden")


@pytest.mark.parametrize("body", [
    {"name": "x", "scopes": ["clients:read"]},  # no expiry
    {"name": "x", "scopes": ["clients:read"], "expires_at": "2020-01-01T00:00:00Z"},  # past
    {"name": "x", "scopes": ["clients:read"], "expires_at": (datetime.now(UTC) + timedelta(days=400)).isoformat()},
    {"name": "x", "scopes": ["clients:read"], "expires_at": "2030-01-01T00:00:00"},  # no time zone
    {"name": "x", "scopes": [], "expires_at": "2030-01-01T00:00:00Z"},
    {"name": "x", "scopes": ["no:such"], "expires_at": _expiry()},
    {"name": "x", "scopes": ["access_tokens:manage"], "expires_at": _expiry()},
    {"name": "x", "scopes": ["x" * 65], "expires_at": _expiry()},
    {"name": "x", "scopes": ["clients:read"] * 41, "expires_at": _expiry()},
    {"name": "", "scopes": ["clients:read"], "expires_at": _expiry()},
    {"name": "x" * 101, "scopes": ["clients:read"], "expires_at": _expiry()},
    {"name": "x", "scopes": ["clients:read"], "expires_at": _expiry(), "user_id": "someone"},
])
def test_invalid_input_is_422_and_writes_nothing(client: Any, org_a: Any, body: dict[str, Any]) -> None:
    assert_problem(client.post(TOKENS, headers=org_a.h("attorney"), json=body), 422)
    assert client.get(TOKENS, headers=org_a.h("attorney")).json()["total"] == 0


def test_revoke_invalid_id_is_422(client: Any, org_a: Any) -> None:
    assert_problem(client.delete(f"{TOKENS}/not-a-uuid", headers=org_a.h("admin")), 422)


def test_expired_token_is_refused(client: Any, db: Any, org_a: Any) -> None:
    from app.auth.credential_models import PersonalAccessToken

    body = create(client, org_a.h("paralegal")).json()
    assert client.get("/api/v1/clients", headers=bearer(body["token"])).status_code == 200
    with db.session(write=True) as s:
        row = s.get(PersonalAccessToken, _row(db, body["id"]).id)
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        s.add(row)
        s.commit()
    assert_problem(client.get("/api/v1/clients", headers=bearer(body["token"])), 401, "invalid_token")


def test_logout_all_deactivation_and_role_change_end_tokens(client: Any, org_a: Any) -> None:
    token = create(client, org_a.h("paralegal")).json()["token"]
    assert client.post("/api/v1/auth/logout-all", headers=org_a.h("paralegal")).status_code == 204
    assert_problem(client.get("/api/v1/clients", headers=bearer(token)), 401, "invalid_token")

    # A role change by the admin ends the user's tokens.
    token = create(client, org_a.h("attorney")).json()["token"]
    _patch_user(client, org_a, org_a.users["attorney"].id, {"role": "paralegal"})
    assert_problem(client.get("/api/v1/clients", headers=bearer(token)), 401, "invalid_token")
    # So does a deactivation.
    second = _second_admin(client, org_a)
    token = create(client, _sign_in(client, second["email"])).json()["token"]
    assert client.get("/api/v1/clients", headers=bearer(token)).status_code == 200
    _patch_user(client, org_a, second["id"], {"is_active": False})
    assert_problem(client.get("/api/v1/clients", headers=bearer(token)), 401, "invalid_token")


def _patch_user(client: Any, org: Any, user_id: Any, change: dict[str, Any]) -> None:
    etag = client.get(f"/api/v1/users/{user_id}", headers=org.h("admin")).headers["etag"]
    r = client.patch(f"/api/v1/users/{user_id}", headers={**org.h("admin"), "If-Match": etag}, json=change)
    assert r.status_code == 200, r.text


def _second_admin(client: Any, org: Any) -> dict[str, Any]:
    r = client.post("/api/v1/users", headers=org.h("admin"),
                    json={"email": f"second-{uuid.uuid4().hex[:8]}@example.org", "full_name": "Second Admin",
                          "role": "admin", "password": PASSWORD})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _sign_in(client: Any, email: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"])


def test_organization_mfa_requirement_applies_to_tokens(client: Any, org_a: Any) -> None:
    token = create(client, org_a.h("attorney")).json()["token"]
    assert client.get("/api/v1/clients", headers=bearer(token)).status_code == 200
    etag = client.get("/api/v1/organization", headers=org_a.h("admin")).headers["etag"]
    r = client.patch("/api/v1/organization", headers={**org_a.h("admin"), "If-Match": etag},
                     json={"mfa_required_roles": ["attorney"]})
    assert r.status_code == 200, r.text
    assert_problem(client.get("/api/v1/clients", headers=bearer(token)), 403, "mfa_enrollment_required")


def test_unknown_and_malformed_tokens_are_401(client: Any) -> None:
    for token in ("dp_pat_" + "A" * 43, "dp_pat_", "dp_pat_" + "x" * 200):
        assert_problem(client.get("/api/v1/clients", headers=bearer(token)), 401, "invalid_token")


def test_token_routes_need_a_token(client: Any) -> None:
    assert_problem(client.get(TOKENS), 401)
    assert_problem(client.post(TOKENS, json={}), 401)
