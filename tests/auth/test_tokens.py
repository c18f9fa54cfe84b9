"""Token attacks (docs/security-model.md#attack-catalogue-T13): every one is a 401 problem with WWW-Authenticate, never
a 500."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from app.core.security import forge_unsafe_token_for_tests
from tests.conftest import assert_problem

ME = "/api/v1/auth/me"


def _claims(settings: Any, user: Any, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": str(user.id), "org": str(user.organization_id), "tv": user.token_version, "iat": now,
        "exp": now + 600, "iss": settings.jwt_issuer, "aud": settings.jwt_issuer + ":access",
        "jti": uuid.uuid4().hex,
    }
    claims.update(over)
    return claims


def _forge(settings: Any, claims: dict[str, Any], *, key: str | None = None, headers: dict[str, Any] | None = None,
           alg: str = "HS256") -> str:
    return forge_unsafe_token_for_tests(claims, key or settings.jwt_secret_key,
                                        headers={"typ": "at+jwt", **(headers or {})}, algorithm=alg)


def _get(client: Any, token: str) -> Any:
    return client.get(ME, headers={"Authorization": f"Bearer {token}"})


def _assert_401(resp: Any) -> None:
    assert_problem(resp, 401)
    assert resp.headers.get("www-authenticate") == "Bearer"


def test_valid_token_works(client: Any, settings: Any, org_a: Any) -> None:
    tok = _forge(settings, _claims(settings, org_a.users["paralegal"]))
    r = _get(client, tok)
    assert r.status_code == 200
    assert r.json()["role"] == "paralegal"


def test_t1_alg_none_rejected(client: Any, settings: Any, org_a: Any) -> None:
    def b64(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    claims = _claims(settings, org_a.users["admin"])
    for alg in ("none", "None", "NONE"):
        token = f"{b64({'alg': alg, 'typ': 'at+jwt'})}.{b64(claims)}."
        _assert_401(_get(client, token))


def test_t2_wrong_key_rejected(client: Any, settings: Any, org_a: Any) -> None:
    tok = _forge(settings, _claims(settings, org_a.users["admin"]), key=os.urandom(32).hex())
    _assert_401(_get(client, tok))


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_t3_algorithm_switch_rejected(client: Any, settings: Any, org_a: Any, alg: str) -> None:
    tok = _forge(settings, _claims(settings, org_a.users["admin"]), alg=alg)
    _assert_401(_get(client, tok))


def test_t4_expired_beyond_leeway_rejected_and_within_leeway_accepted(client: Any, settings: Any, org_a: Any) -> None:
    now = int(time.time())
    user = org_a.users["admin"]
    expired = _forge(settings, _claims(settings, user, iat=now - 900, exp=now - 31))
    _assert_401(_get(client, expired))
    just_valid = _forge(settings, _claims(settings, user, iat=now - 900, exp=now - 20))
    assert _get(client, just_valid).status_code == 200


@pytest.mark.parametrize("claim", ["exp", "sub", "aud", "iss", "jti", "iat", "tv", "org"])
def test_t5_missing_claim_rejected(client: Any, settings: Any, org_a: Any, claim: str) -> None:
    claims = _claims(settings, org_a.users["admin"])
    del claims[claim]
    _assert_401(_get(client, _forge(settings, claims)))


@pytest.mark.parametrize("claim,value", [("aud", "dueprocess:refresh"), ("iss", "someone-else"),
                                         ("iss", "dueproces"), ("sub", "not-a-uuid"), ("tv", "0")])
def test_t5_wrong_claim_rejected(client: Any, settings: Any, org_a: Any, claim: str, value: str) -> None:
    claims = _claims(settings, org_a.users["admin"], **{claim: value})
    _assert_401(_get(client, _forge(settings, claims)))


def test_t5_wrong_typ_header_rejected(client: Any, settings: Any, org_a: Any) -> None:
    claims = _claims(settings, org_a.users["admin"])
    tok = forge_unsafe_token_for_tests(claims, settings.jwt_secret_key, headers={"typ": "JWT"})
    _assert_401(_get(client, tok))


def test_t6_future_iat_and_nbf_rejected(client: Any, settings: Any, org_a: Any) -> None:
    now = int(time.time())
    user = org_a.users["admin"]
    _assert_401(_get(client, _forge(settings, _claims(settings, user, iat=now + 600))))
    _assert_401(_get(client, _forge(settings, _claims(settings, user, nbf=now + 600))))


def test_t7_refresh_token_is_not_an_access_token(client: Any, org_a: Any) -> None:
    r = client.post("/api/v1/auth/token", data={"username": org_a.users["admin"].email,
                                                "password": "correct horse battery staple"})
    assert r.status_code == 200
    refresh = r.json()["refresh_token"]
    _assert_401(_get(client, refresh))
    # ...and an access token is not a refresh token.
    access = r.json()["access_token"]
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": access}), 401)


def test_t7_token_for_other_org_claim_rejected(client: Any, settings: Any, org_a: Any, org_b: Any) -> None:
    claims = _claims(settings, org_a.users["admin"], org=str(org_b.id))
    _assert_401(_get(client, _forge(settings, claims)))


def test_t8_inactive_or_unknown_user_rejected(client: Any, settings: Any, db: Any, org_a: Any) -> None:
    from app.auth.models import UserAccount

    user = org_a.users["paralegal"]
    tok = _forge(settings, _claims(settings, user))
    assert _get(client, tok).status_code == 200
    with db.session(write=True) as s:
        u = s.get(UserAccount, user.id)
        u.is_active = False
        s.commit()
    _assert_401(_get(client, tok))
    ghost = _forge(settings, {**_claims(settings, user), "sub": str(uuid.uuid4())})
    _assert_401(_get(client, ghost))


def test_t9_old_token_version_rejected_after_logout_all(client: Any, org_a: Any) -> None:
    headers = org_a.h("attorney")
    assert client.get(ME, headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout-all", headers=headers).status_code == 204
    _assert_401(client.get(ME, headers=headers))


@pytest.mark.parametrize("garbage", [
    "", "a", "a.b", "a.b.c.d", "!!!.???.###", "eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.sig",
    base64.urlsafe_b64encode(b"[1,2,3]").decode() + ".e30.x", "x" * 100_000, "ключ.ключ.ключ",
])
def test_t11_garbage_tokens_are_401(client: Any, garbage: str) -> None:
    r = client.get(ME, headers={"Authorization": f"Bearer {garbage}".encode()})
    _assert_401(r)


def test_t11_missing_or_wrong_scheme_is_401(client: Any, org_a: Any) -> None:
    _assert_401(client.get(ME))
    token = org_a.h("admin")["Authorization"].split(" ", 1)[1]
    _assert_401(client.get(ME, headers={"Authorization": f"Basic {token}"}))


def test_t12_token_in_query_or_cookie_is_ignored(client: Any, org_a: Any) -> None:
    token = org_a.h("admin")["Authorization"].split(" ", 1)[1]
    _assert_401(client.get(f"{ME}?access_token={token}"))
    client.cookies.set("access_token", token)
    try:
        _assert_401(client.get(ME))
    finally:
        client.cookies.clear()


def test_t13_kid_jku_x5u_never_fetched(client: Any, settings: Any, org_a: Any) -> None:
    hits: list[str] = []

    class Canary(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Canary)
    port = server.server_address[1]
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{port}/jwks.json"
        for extra in ({"kid": "../../etc/passwd"}, {"jku": url}, {"x5u": url}):
            tok = _forge(settings, _claims(settings, org_a.users["admin"]), key=os.urandom(32).hex(), headers=extra)
            _assert_401(_get(client, tok))
    finally:
        server.shutdown()
    assert hits == []
