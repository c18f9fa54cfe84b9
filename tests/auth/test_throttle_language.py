"""A throttled sign-in says when to try again, in the language of Accept-Language — never the account's
(docs/design.md#wave-2): 429 problem+json with Retry-After, no server-side sleep."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.auth.i18n import negotiate
from app.auth.throttle import LoginThrottle
from tests.conftest import PASSWORD, assert_problem

TOKEN = "/api/v1/auth/token"


@pytest.fixture
def tight_throttle(app: Any) -> Any:
    now = [5000.0]
    original = app.state.login_throttle
    # Two free failures per (account, address), then a first wait of 900 s.
    app.state.login_throttle = LoginThrottle(2, 1000, 900, backoff_base_seconds=900, clock=lambda: now[0])
    yield now
    app.state.login_throttle = original


def _lock(client: Any, email: str) -> None:
    for _ in range(2):
        assert client.post(TOKEN, data={"username": email, "password": "wrong wrong wrong"}).status_code == 401


@pytest.mark.parametrize("header, lang, start", [
    (None, "en", "Too many failed sign-in attempts. Try again in 15 minutes."),
    ("en-US,en;q=0.9", "en", "Too many failed sign-in attempts. Try again in 15 minutes."),
    ("es", "es", "Demasiados intentos fallidos de inicio de sesión. Vuelva a intentarlo en 15 minutos."),
    ("es-419,es;q=0.9,en;q=0.8", "es", "Demasiados intentos fallidos"),
    ("fr-CA,fr;q=0.9,es;q=0.5,en;q=0.4", "es", "Demasiados intentos fallidos"),
    ("de", "en", "Too many failed sign-in attempts"),
])
def test_throttled_login_speaks_the_browsers_language(client: Any, org_a: Any, tight_throttle: Any,
                                                      header: str | None, lang: str, start: str) -> None:
    email = org_a.users["paralegal"].email
    _lock(client, email)
    headers = {"Accept-Language": header} if header else {}
    t0 = time.monotonic()
    r = client.post(TOKEN, data={"username": email, "password": PASSWORD}, headers=headers)
    assert time.monotonic() - t0 < 5  # answered at once: the wait is the client's, not a held request slot
    body = assert_problem(r, 429, "too_many_attempts")
    assert r.headers["Retry-After"] == "900" and body["retry_after"] == 900
    assert body["detail"].startswith(start)
    assert r.headers["content-language"] == lang
    assert "accept-language" in r.headers["vary"].lower()


def test_account_language_is_never_used(client: Any, org_a: Any, tight_throttle: Any) -> None:
    """A Spanish-speaking account and an unknown address answer the same English text to an English browser:
    the answer must not reveal that the account exists."""
    admin = org_a.h("admin")
    email = f"es-{org_a.id.hex[:8]}@example.org"
    assert client.post("/api/v1/users", headers=admin, json={
        "email": email, "full_name": "Rosa Elena Martínez", "role": "paralegal", "password": PASSWORD + " x",
        "preferred_language": "es"}).status_code == 201
    unknown = f"ghost-{org_a.id.hex[:8]}@example.org"
    _lock(client, email)
    _lock(client, unknown)
    a = client.post(TOKEN, data={"username": email, "password": "x" * 12}, headers={"Accept-Language": "en"})
    b = client.post(TOKEN, data={"username": unknown, "password": "x" * 12}, headers={"Accept-Language": "en"})
    body_a, body_b = assert_problem(a, 429, "too_many_attempts"), assert_problem(b, 429, "too_many_attempts")
    body_a.pop("request_id", None)
    body_b.pop("request_id", None)
    assert body_a == body_b and body_a["detail"].startswith("Too many failed sign-in attempts")


def test_wait_shrinks_and_short_waits_are_in_seconds(client: Any, org_a: Any, tight_throttle: Any) -> None:
    email = org_a.users["attorney"].email
    _lock(client, email)
    tight_throttle[0] += 870
    r = client.post(TOKEN, data={"username": email, "password": PASSWORD}, headers={"Accept-Language": "es"})
    body = assert_problem(r, 429, "too_many_attempts")
    assert r.headers["Retry-After"] == "30"
    assert body["detail"].endswith("Vuelva a intentarlo en 30 segundos.")
    tight_throttle[0] += 30
    assert client.post(TOKEN, data={"username": email, "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("header, expected", [
    (None, "en"), ("", "en"), ("es", "es"), ("ES-mx", "es"), ("en;q=0.5, es;q=0.8", "es"),
    ("es;q=0, en", "en"), ("*", "en"), ("pt-BR", "en"), ("es;q=abc", "en"), ("en, es", "en"), ("es, en", "es"),
    ("x" * 5000, "en"), (",;;=,", "en"),
])
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected
