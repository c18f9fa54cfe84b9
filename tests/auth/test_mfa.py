"""TOTP multi-factor sign-in (docs/auth.md "Multi-factor sign-in", docs/SECURITY.md rows MF1-MF9): enrollment,
confirmation, the two-step sign-in, replay, recovery codes, throttling, removal, and the organization's
requirement. Real HTTP requests to the app on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.auth import totp
from tests.conftest import ALL_ROLES, PASSWORD, assert_problem
from tests.key_ring import restore, spec_of

TOKEN = "/api/v1/auth/token"
TOKEN_MFA = "/api/v1/auth/token/mfa"
ENROLL = "/api/v1/auth/me/mfa/totp"
CONFIRM = "/api/v1/auth/me/mfa/totp/confirm"
STATUS = "/api/v1/auth/me/mfa"
ORG = "/api/v1/organization"


def _code(secret: str, steps_ahead: int = 0) -> str:
    return totp.code_at(secret, time.time() + steps_ahead * totp.PERIOD)


def enroll(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Enroll and confirm; returns the enrollment answer (secret, recovery codes)."""
    r = client.post(ENROLL, headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    assert client.post(CONFIRM, headers=headers, json={"code": _code(body["secret"])}).status_code == 204
    return body


def password_step(client: Any, email: str) -> str:
    r = client.post(TOKEN, data={"username": email, "password": PASSWORD})
    body = assert_problem(r, 401, "mfa_required")
    assert "access_token" not in body
    return str(body["mfa_token"])


def _actions(db: Any, org_id: Any, user_id: Any) -> list[str]:
    from app.core.audit import AuditEvent

    with db.session() as s:
        return [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_id,
                                                                  AuditEvent.entity_id == str(user_id))
                                         .order_by(AuditEvent.seq)).all()]


def test_totp_matches_the_rfc_6238_test_vectors() -> None:
    # RFC 6238 Appendix B, SHA-1, 8 digits; the key is the ASCII "12345678901234567890".
    key = b"12345678901234567890"
    for t, expected in ((59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
                        (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")):
        assert totp.hotp(key, totp.step_at(t), digits=8) == expected
    secret = totp.new_secret()
    assert len(secret) == 32 and totp.matching_step(secret, totp.code_at(secret, 1000.0), 1000.0) == 33
    assert totp.matching_step(secret, totp.code_at(secret, 1000.0), 1000.0 + 3 * totp.PERIOD) is None
    assert totp.matching_step(secret, "12345a", 1000.0) is None


def test_enroll_confirm_and_sign_in_with_a_code(client: Any, db: Any, org_a: Any) -> None:
    user, h = org_a.users["attorney"], org_a.h("attorney")
    r = client.post(ENROLL, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Due%20Process:") and body["secret"] in body["otpauth_uri"]
    assert len(body["recovery_codes"]) == 10 and len(set(body["recovery_codes"])) == 10
    assert client.get(STATUS, headers=h).json() == {"enabled": False, "pending": True, "recovery_codes_left": 0}
    # Until confirmed, the password alone still signs in.
    assert client.post(TOKEN, data={"username": user.email, "password": PASSWORD}).status_code == 200
    # The secret is stored encrypted, the recovery codes as digests.
    from app.auth.credential_models import MfaRecoveryCode, MfaTotp

    with db.session() as s:
        row = s.get(MfaTotp, user.id)
        assert row is not None and row.secret_encrypted.startswith("v1.") and body["secret"] not in row.secret_encrypted
        hashes = [c.code_hash for c in s.exec(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))]
        assert len(hashes) == 10 and not any(c in h_ for c in body["recovery_codes"] for h_ in hashes)
    assert_problem(client.post(CONFIRM, headers=h, json={"code": "000000" if _code(body["secret"]) != "000000"
                                                        else "111111"}), 403, "invalid_mfa_code")
    assert client.post(CONFIRM, headers=h, json={"code": _code(body["secret"])}).status_code == 204
    assert client.get(STATUS, headers=h).json() == {"enabled": True, "pending": False, "recovery_codes_left": 10}
    assert client.get("/api/v1/auth/me", headers=h).json()["mfa_enabled"] is True

    mfa_token = password_step(client, user.email)
    # The mfa_token is good for one thing: it is not an access token.
    assert_problem(client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {mfa_token}"}), 401,
                   "invalid_token")
    # The code used at confirmation is spent; the next step's code signs in.
    r = client.post(TOKEN_MFA, json={"mfa_token": mfa_token, "code": _code(body["secret"], 1)})
    assert r.status_code == 200, r.text
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == str(user.id)
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": r.json()["refresh_token"]}).status_code == 200
    actions = _actions(db, org_a.id, user.id)
    assert actions[-6:] == ["mfa.enrollment_started", "auth.login", "mfa.confirm_failed", "mfa.enabled",
                            "auth.mfa_challenge", "auth.login"]


def test_a_code_cannot_be_replayed_within_its_window(client: Any, org_a: Any) -> None:
    user = org_a.users["admin"]
    secret = enroll(client, org_a.h("admin"))["secret"]
    code = _code(secret, 1)
    first = client.post(TOKEN_MFA, json={"mfa_token": password_step(client, user.email), "code": code})
    assert first.status_code == 200, first.text
    token = password_step(client, user.email)
    assert_problem(client.post(TOKEN_MFA, json={"mfa_token": token, "code": code}), 401, "invalid_mfa_code")
    # An older step's code is refused too (the last used step only moves forward).
    assert_problem(client.post(TOKEN_MFA, json={"mfa_token": token, "code": _code(secret)}), 401, "invalid_mfa_code")


def test_parallel_requests_with_one_code_sign_in_once(client: Any, org_a: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    user = org_a.users["attorney"]
    secret = enroll(client, org_a.h("attorney"))["secret"]
    token, code = password_step(client, user.email), _code(secret, 1)
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: client.post(TOKEN_MFA, json={"mfa_token": token, "code": code}).status_code,
                                 range(4)))
    assert sorted(statuses) == [200, 401, 401, 401], statuses


def test_a_recovery_code_works_once(client: Any, org_a: Any) -> None:
    user, h = org_a.users["paralegal"], org_a.h("paralegal")
    codes = enroll(client, h)["recovery_codes"]
    r = client.post(TOKEN_MFA, json={"mfa_token": password_step(client, user.email), "code": codes[3].upper()})
    assert r.status_code == 200, r.text
    assert client.get(STATUS, headers=h).json()["recovery_codes_left"] == 9
    assert_problem(client.post(TOKEN_MFA, json={"mfa_token": password_step(client, user.email), "code": codes[3]}),
                   401, "invalid_mfa_code")


def test_wrong_codes_are_throttled_and_audited(client: Any, app: Any, db: Any, org_a: Any) -> None:
    user = org_a.users["attorney"]
    secret = enroll(client, org_a.h("attorney"))["secret"]
    token = password_step(client, user.email)
    wrong = "000000" if _code(secret) != "000000" else "111111"
    for _ in range(app.state.settings.mfa_max_failures):
        assert_problem(client.post(TOKEN_MFA, json={"mfa_token": token, "code": wrong}), 401, "invalid_mfa_code")
    # Past the free failures, even the right code waits (429 with Retry-After, no server-side sleep).
    r = client.post(TOKEN_MFA, json={"mfa_token": token, "code": _code(secret, 1)},
                    headers={"Accept-Language": "es"})
    body = assert_problem(r, 429, "too_many_attempts")
    assert int(r.headers["retry-after"]) >= 1 and body["retry_after"] >= 1 and "códigos" in body["detail"]
    assert _actions(db, org_a.id, user.id).count("auth.mfa_failed") == app.state.settings.mfa_max_failures


def test_bad_mfa_tokens_are_refused(client: Any, org_a: Any) -> None:
    user = org_a.users["admin"]
    enroll(client, org_a.h("admin"))
    access = client.post(TOKEN, data={"username": org_a.users["paralegal"].email, "password": PASSWORD})
    for token in ("not-a-token", access.json()["access_token"]):
        assert_problem(client.post(TOKEN_MFA, json={"mfa_token": token, "code": "123456"}), 401, "invalid_mfa_token")
    # Log out everywhere ends a pending sign-in too (the token version moved).
    token = password_step(client, user.email)
    assert client.post("/api/v1/auth/logout-all", headers=org_a.h("admin")).status_code == 204
    assert_problem(client.post(TOKEN_MFA, json={"mfa_token": token, "code": "123456"}), 401, "invalid_mfa_token")


@pytest.mark.parametrize("body", [{}, {"mfa_token": "x"}, {"mfa_token": "x", "code": ""},
                                  {"mfa_token": "x", "code": "1" * 65}, {"mfa_token": "x", "code": "1", "extra": 1}])
def test_token_mfa_invalid_input_is_422(client: Any, body: dict[str, Any]) -> None:
    assert_problem(client.post(TOKEN_MFA, json=body), 422)


def test_enrollment_states_and_input(client: Any, org_a: Any) -> None:
    h = org_a.h("paralegal")
    assert_problem(client.post(CONFIRM, headers=h, json={"code": "123456"}), 409, "mfa_not_pending")
    assert_problem(client.post(CONFIRM, headers=h, json={}), 422)
    assert_problem(client.request("DELETE", ENROLL, headers=h, json={"password": PASSWORD}), 409, "mfa_not_enabled")
    enroll(client, h)
    assert_problem(client.post(ENROLL, headers=h), 409, "mfa_already_enabled")
    assert_problem(client.request("DELETE", ENROLL, headers=h, json={}), 422)
    assert_problem(client.request("DELETE", ENROLL, headers=h, json={"code": "1", "password": "x"}), 422)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_may_enroll_and_remove_with_password_or_code(client: Any, db: Any, org_a: Any,
                                                                 role: str) -> None:
    user, h = org_a.users[role], org_a.h(role)
    secret = enroll(client, h)["secret"]
    wrong = client.request("DELETE", ENROLL, headers=h, json={"password": "not the password"})
    assert_problem(wrong, 403, "invalid_mfa_code")
    assert client.request("DELETE", ENROLL, headers=h, json={"password": PASSWORD}).status_code == 204
    assert client.post(TOKEN, data={"username": user.email, "password": PASSWORD}).status_code == 200
    secret = enroll(client, h)["secret"]
    assert client.request("DELETE", ENROLL, headers=h, json={"code": _code(secret, 1)}).status_code == 204
    assert client.get(STATUS, headers=h).json()["enabled"] is False
    actions = _actions(db, org_a.id, user.id)
    assert actions.count("mfa.disabled") == 2 and "mfa.disable_failed" in actions


def test_mfa_routes_need_a_token(client: Any) -> None:
    for method, path in (("POST", ENROLL), ("POST", CONFIRM), ("DELETE", ENROLL), ("GET", STATUS)):
        assert_problem(client.request(method, path, json={"code": "123456"}), 401)


def test_admin_resets_a_users_second_factor(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    user = org_a.users["attorney"]
    enroll(client, org_a.h("attorney"))
    for role in ("attorney", "paralegal", "family_liaison"):
        assert_problem(client.delete(f"/api/v1/users/{user.id}/mfa", headers=org_a.h(role)), 403)
    assert_problem(client.delete(f"/api/v1/users/{user.id}/mfa", headers=org_b.h("admin")), 404, "user_not_found")
    assert_problem(client.delete("/api/v1/users/not-a-uuid/mfa", headers=org_a.h("admin")), 422)
    assert client.delete(f"/api/v1/users/{user.id}/mfa", headers=org_a.h("admin")).status_code == 204
    assert client.post(TOKEN, data={"username": user.email, "password": PASSWORD}).status_code == 200
    assert "mfa.reset_by_admin" in _actions(db, org_a.id, user.id)


def _require(client: Any, org: Any, roles: list[str]) -> Any:
    h = org.h("admin")
    etag = client.get(ORG, headers=h).headers["etag"]
    return client.patch(ORG, headers={**h, "If-Match": etag}, json={"mfa_required_roles": roles})


def test_organization_requirement_blocks_until_enrollment(client: Any, org_a: Any, org_b: Any) -> None:
    # An admin who has not enrolled cannot require it of admins (it would lock them out of this setting).
    assert_problem(_require(client, org_a, ["admin"]), 409, "mfa_enroll_first")
    r = _require(client, org_a, ["attorney", "attorney"])
    assert r.status_code == 200, r.text
    assert r.json()["mfa_required_roles"] == ["attorney"]
    h = org_a.h("attorney")
    assert_problem(client.get("/api/v1/clients", headers=h), 403, "mfa_enrollment_required")
    assert_problem(client.post("/api/v1/auth/me/tokens", headers=h, json={}), 403, "mfa_enrollment_required")
    # Open while enrolling: who am I, the enrollment itself, log out.
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    assert client.get(STATUS, headers=h).status_code == 200
    enroll(client, h)
    assert client.get("/api/v1/clients", headers=h).status_code == 200
    # Other roles and other organizations are not affected.
    assert client.get("/api/v1/clients", headers=org_a.h("paralegal")).status_code == 200
    assert client.get(ORG, headers=org_b.h("admin")).json()["mfa_required_roles"] == []
    # Once enrolled, the admin may require it of admins; [] lifts the requirement.
    enroll(client, org_a.h("admin"))
    assert _require(client, org_a, ["admin", "attorney"]).json()["mfa_required_roles"] == ["admin", "attorney"]
    assert _require(client, org_a, []).json()["mfa_required_roles"] == []


@pytest.mark.parametrize("roles", [["wizard"], None, "attorney", ["admin"] * 5])
def test_organization_requirement_invalid_input(client: Any, org_a: Any, roles: Any) -> None:
    assert_problem(_require(client, org_a, roles), 422)


@pytest.mark.parametrize("role", ["attorney", "paralegal", "family_liaison"])
def test_only_admins_set_the_requirement(client: Any, org_a: Any, role: str) -> None:
    r = client.patch(ORG, headers={**org_a.h(role), "If-Match": '"1"'}, json={"mfa_required_roles": ["attorney"]})
    assert_problem(r, 403, "forbidden")


def test_the_organization_export_carries_no_second_factor_or_token_secret(client: Any, org_a: Any) -> None:
    h = org_a.h("admin")
    enrolled = enroll(client, h)
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    token = client.post("/api/v1/auth/me/tokens", headers=h, json={
        "name": "export-probe", "scopes": ["clients:read"], "expires_at": expires}).json()
    r = client.get("/api/v1/organization/export", headers=h)
    assert r.status_code == 200, r.text
    text = r.text
    assert "mfa_totp" not in r.json()["tables"] and "mfa_recovery_code" not in r.json()["tables"]
    assert enrolled["secret"] not in text and "secret_encrypted" not in text and "code_hash" not in text
    assert token["token"] not in text and "token_hash" not in text


def test_key_rotation_re_encrypts_totp_secrets_and_sign_in_still_works(client: Any, db: Any, org_a: Any) -> None:
    from app.auth.credential_models import MfaTotp
    from app.auth.mfa import rotate_mfa_keys
    from app.core import crypto, keyring

    user = org_a.users["attorney"]
    secret = enroll(client, org_a.h("attorney"))["secret"]
    old = keyring.ring()
    new_spec = crypto.new_key_spec("rotm")
    old_spec = spec_of(old)
    try:
        keyring.configure(f"{old_spec},{new_spec}", "rotm", crypto._b64e(old.index_key))
        with db.session(write=True) as s:
            assert rotate_mfa_keys(s)["mfa_totp"]["rotated"] >= 1
        with db.session() as s:
            row = s.get(MfaTotp, user.id)
            assert row is not None and crypto.KeyRing.key_id(row.secret_encrypted) == "rotm"
        # Only the new key left: the rotated secret still checks codes.
        keyring.configure(new_spec, "rotm", crypto._b64e(old.index_key))
        r = client.post(TOKEN_MFA, json={"mfa_token": password_step(client, user.email), "code": _code(secret, 1)})
        assert r.status_code == 200, r.text
        with db.session(write=True) as s:
            assert rotate_mfa_keys(s)["mfa_totp"]["rotated"] == 0  # idempotent
    finally:
        restore(db, old, new_spec)
