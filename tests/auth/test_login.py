"""Login, refresh rotation, logout, password change, throttling, enumeration (docs/security-model.md#login-attacks, A3,
T9, T10)."""

from __future__ import annotations

from typing import Any

from app.auth.throttle import LoginThrottle
from tests.conftest import PASSWORD, assert_problem

TOKEN = "/api/v1/auth/token"


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


def test_login_me_refresh_logout_happy_path(client: Any, org_a: Any) -> None:
    user = org_a.users["attorney"]
    r = login(client, user.email)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert "filings:finalize" in me.json()["permissions"]
    assert "password_hash" not in me.json() and "token_version" not in me.json()
    r2 = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert r2.status_code == 200
    assert r2.json()["refresh_token"] != body["refresh_token"]
    assert client.post("/api/v1/auth/logout", json={"refresh_token": r2.json()["refresh_token"]}).status_code == 204
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": r2.json()["refresh_token"]}), 401)


def test_login_is_case_insensitive_on_email(client: Any, org_a: Any) -> None:
    assert login(client, org_a.users["admin"].email.upper()).status_code == 200


def test_t10_refresh_replay_revokes_the_family(client: Any, org_a: Any) -> None:
    first = login(client, org_a.users["paralegal"].email).json()["refresh_token"]
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first}).json()["refresh_token"]
    # The old token comes back (stolen copy): refused, and the legitimate newest one dies with it.
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": first}), 401, "invalid_refresh_token")
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": second}), 401, "invalid_refresh_token")


def test_a3_unknown_email_and_wrong_password_identical(client: Any, org_a: Any) -> None:
    wrong = login(client, org_a.users["admin"].email, "not the password at all")
    unknown = login(client, "nobody-here@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    a, b = wrong.json(), unknown.json()
    a.pop("request_id", None)
    b.pop("request_id", None)
    assert a == b
    assert a["code"] == "invalid_credentials"


def test_a1_throttling_per_address_then_recovers(app: Any, client: Any, org_a: Any) -> None:
    """The failing address backs off exponentially (1, 2, 4 … s, capped); it is never locked out for good."""
    now = [1000.0]
    original = app.state.login_throttle
    app.state.login_throttle = LoginThrottle(5, 1000, 900, backoff_base_seconds=60, backoff_max_seconds=900,
                                             clock=lambda: now[0])
    try:
        email = org_a.users["admin"].email
        statuses = [login(client, email, f"bad password {i}").status_code for i in range(7)]
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429, 429]
        r = login(client, email)  # the failing address waits even with the right password: no free oracle
        body = assert_problem(r, 429, "too_many_attempts")
        assert r.headers["Retry-After"] == "60" and body["status"] == 429
        now[0] += 60
        assert login(client, email, "bad password 6").status_code == 401
        assert login(client, email).headers["Retry-After"] == "120"  # doubled
        now[0] += 120
        assert login(client, email).status_code == 200  # success forgets the address's failures
        assert login(client, email, "bad password 7").status_code == 401
    finally:
        app.state.login_throttle = original


def test_a2_throttling_per_ip_across_accounts(app: Any, client: Any) -> None:
    original = app.state.login_throttle
    app.state.login_throttle = LoginThrottle(5, 10, 900)
    try:
        statuses = [login(client, f"stuffing-{i}@example.org", "guess-guess-guess").status_code for i in range(12)]
        assert statuses[:10] == [401] * 10
        assert statuses[10:] == [429, 429]
    finally:
        app.state.login_throttle = original


def test_login_failure_and_success_audited(client: Any, db: Any, org_a: Any) -> None:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    user = org_a.users["paralegal"]
    login(client, user.email, "wrong password here")
    login(client, user.email)
    with db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id)
                                            .order_by(AuditEvent.seq)).all()]
    assert actions[-2:] == ["auth.login_failed", "auth.login"]


def test_password_change_requires_current_and_ends_sessions(client: Any, org_a: Any) -> None:
    user = org_a.users["paralegal"]
    tokens = login(client, user.email).json()
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert_problem(client.post("/api/v1/auth/password", headers=h,
                               json={"current_password": "wrong", "new_password": "a new long passphrase 42"}),
                   403, "wrong_password")
    assert_problem(client.post("/api/v1/auth/password", headers=h, json={"new_password": "x" * 20}), 422)
    r = client.post("/api/v1/auth/password", headers=h,
                    json={"current_password": PASSWORD, "new_password": "a new long passphrase 42"})
    assert r.status_code == 204
    assert_problem(client.get("/api/v1/auth/me", headers=h), 401)
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
    assert login(client, user.email, "a new long passphrase 42").status_code == 200
    assert login(client, user.email).status_code == 401


def test_password_nfc_and_nfd_forms_match(client: Any, org_a: Any) -> None:
    import unicodedata

    user = org_a.users["attorney"]
    h = org_a.h("attorney")
    nfc = unicodedata.normalize("NFC", "contraseña segura número 7")
    assert client.post("/api/v1/auth/password", headers=h,
                       json={"current_password": PASSWORD, "new_password": nfc}).status_code == 204
    assert login(client, user.email, unicodedata.normalize("NFD", nfc)).status_code == 200


def test_legacy_bcrypt_hash_upgraded_on_login(client: Any, db: Any, org_a: Any) -> None:
    import bcrypt

    from app.auth.models import UserAccount

    user = org_a.users["paralegal"]
    with db.session(write=True) as s:
        u = s.get(UserAccount, user.id)
        u.password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        s.commit()
    assert login(client, user.email).status_code == 200
    with db.session() as s:
        assert s.get(UserAccount, user.id).password_hash.startswith("$argon2id$")


def test_login_form_validation_is_422(client: Any) -> None:
    assert_problem(client.post(TOKEN, data={"username": "x@example.org"}), 422, "validation_error")


def test_calendar_token_create_and_revoke(client: Any, org_a: Any) -> None:
    h = org_a.h("paralegal")
    r = client.post("/api/v1/auth/me/calendar-token", headers=h)
    assert r.status_code == 201
    assert r.json()["url"].endswith(f"/calendar/{r.json()['token']}.ics")
    assert client.delete("/api/v1/auth/me/calendar-token", headers=h).status_code == 204


def test_calendar_feed_stops_after_logout_all_and_password_change(client: Any, make_org: Any) -> None:
    """A feed URL is a bearer credential: "log out everywhere" and a new password end it like a session."""
    org = make_org()
    h = org.h("paralegal")
    token = client.post("/api/v1/auth/me/calendar-token", headers=h).json()["token"]
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert client.post("/api/v1/auth/logout-all", headers=h).status_code == 204
    assert client.get(f"/calendar/{token}.ics").status_code == 404
