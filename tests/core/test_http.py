"""problem+json for every error class, request ids, security headers, health, body cap, settings."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from app.core.config import Settings
from tests.conftest import assert_problem


def test_healthz_and_readyz(client: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_readyz_503_when_database_unreachable(settings: Any) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    url = ("postgresql+psycopg://postgres@127.0.0.1:1/nothing" if not settings.is_sqlite
           else "sqlite:////nonexistent-dir/sub/x.sqlite3")
    broken = create_app(Settings(database_url=url))
    with TestClient(broken, raise_server_exceptions=False) as c:
        assert c.get("/healthz").status_code == 200
        assert_problem(c.get("/readyz"), 503)


def test_404_405_422_are_problems(client: Any, org_a: Any) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(client.put("/api/v1/auth/me", headers=org_a.h("admin")), 405, "method_not_allowed")
    body = assert_problem(client.get("/api/v1/users?limit=0", headers=org_a.h("admin")), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert "input" not in body["errors"][0]


@pytest.mark.parametrize("limit", ["0", "-1", "201", "1000000000", "abc"])
def test_pagination_bounds(client: Any, org_a: Any, limit: str) -> None:
    assert_problem(client.get(f"/api/v1/users?limit={limit}", headers=org_a.h("admin")), 422)


def test_request_id_echoed_or_generated(client: Any) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"}).headers["x-request-id"]
    assert generated != "bad id\nwith newline" and len(generated) == 32


def test_security_headers(client: Any, org_a: Any) -> None:
    r = client.get("/api/v1/auth/me", headers=org_a.h("admin"))
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_body_over_1mb_is_413_before_parsing(client: Any, org_a: Any) -> None:
    big = b'{"email": "' + b"a" * 1_100_000 + b'"}'
    r = client.post("/api/v1/users", headers={**org_a.h("admin"), "Content-Type": "application/json"}, content=big)
    assert_problem(r, 413, "payload_too_large")


def test_deeply_nested_json_is_4xx_not_500(client: Any, org_a: Any) -> None:
    nested = "[" * 10000 + "]" * 10000
    r = client.post("/api/v1/users", headers={**org_a.h("admin"), "Content-Type": "application/json"},
                    content=nested.encode())
    assert 400 <= r.status_code < 500


def test_wrong_content_type_is_4xx(client: Any, org_a: Any) -> None:
    r = client.post("/api/v1/users", headers={**org_a.h("admin"), "Content-Type": "application/xml"},
                    content=b"<user/>")
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize("key", ["", "short", "change-me", "CHANGE_ME_TO_A_LONG_RANDOM_STRING"])
def test_production_refuses_weak_keys(key: str) -> None:
    with pytest.raises(ValueError):
        Settings(app_env="production", jwt_secret_key=key)


PROD_KEYS = {"jwt_secret_key": secrets.token_urlsafe(48), "data_encryption_keys": "p1:" + secrets.token_urlsafe(32),
             "data_encryption_active_key": "p1", "blind_index_key": secrets.token_urlsafe(32)}


@pytest.mark.parametrize("weak", [
    {"jwt_secret_key": " " * 40},  # passes a length check, is no secret
    {"jwt_secret_key": "ab" * 24},
    {"data_encryption_keys": "p1:" + "A" * 43},  # 32 zero bytes
    {"blind_index_key": "A" * 43},
    {"cors_origins": ["null"]},  # sandboxed iframes and file:// pages send Origin: null
])
def test_production_refuses_unrandom_keys_and_the_null_origin(weak: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Settings(app_env="production", **{**PROD_KEYS, **weak})


def test_production_accepts_strong_keys_and_hides_docs() -> None:
    s = Settings(app_env="production", **PROD_KEYS)
    assert s.docs_enabled is False
    assert Settings(app_env="production", enable_docs=True, **PROD_KEYS).docs_enabled is True


@pytest.mark.parametrize("missing", ["data_encryption_keys", "blind_index_key"])
def test_production_requires_data_encryption_keys(missing: str) -> None:
    with pytest.raises(ValueError):
        Settings(app_env="production", **{**PROD_KEYS, missing: ""})


def test_docs_off_in_production(settings: Any) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    prod = create_app(Settings(app_env="production", database_url=settings.database_url, **PROD_KEYS))
    with TestClient(prod) as c:
        assert c.get("/openapi.json").status_code == 404
        assert c.get("/docs").status_code == 404


def test_logs_are_json_and_carry_no_secrets(client: Any, org_a: Any, capsys: Any) -> None:
    import json
    import logging

    from app.core.logging import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("app.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client.post("/api/v1/auth/token", data={"username": org_a.users["admin"].email,
                                                "password": "correct horse battery staple"})
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err.strip().splitlines()
    records = [json.loads(line) for line in err if line.startswith("{")]
    assert any(r.get("path") == "/api/v1/auth/token" and r.get("status") == 200 for r in records)
    assert "correct horse" not in "\n".join(err)
    assert org_a.users["admin"].email not in "\n".join(err)
