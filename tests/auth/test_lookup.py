"""The per-request principal lookup and the verified-token cache (app/auth/lookup.py, app/core/security.py).

The inline SQLite path must return exactly what the ORM path returns, and neither shortcut may delay a
revocation: deactivation, role change and token-version bump take effect on the very next request.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from app.auth import lookup
from app.core import security
from app.core.config import Settings
from app.core.db import Database
from app.core.security import InvalidToken, create_access_token, decode_access_token
from tests.conftest import assert_problem, mint_headers

ME = "/api/v1/auth/me"


def test_inline_lookup_returns_what_the_orm_path_returns(db: Any, org_a: Any) -> None:
    if db.inline_sqlite_path is None:
        pytest.skip("the inline path exists on SQLite files only")
    for user in org_a.users.values():
        inline = lookup.fetch_inline(db, user.id)
        with db.session() as session:
            orm = lookup.fetch_with_session(session, user.id)
        assert inline is not None and orm is not None
        assert inline == orm
        for got, want in zip(inline, orm, strict=True):  # (user, organization)
            assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}
        assert inline[0]["id"] == user.id and inline[1]["id"] == org_a.id
        assert "password_hash" not in inline[0] and "calendar_token_hash" not in inline[0]
    assert lookup.fetch_inline(db, uuid.uuid4()) is None


def test_inline_connection_only_for_sqlite_files(db: Any, settings: Settings) -> None:
    engine = sa.create_engine("sqlite://")
    memory = Database(engine=engine, write_engine=engine)
    try:
        assert memory.inline_sqlite_path is None
    finally:
        memory.dispose()
    if db.dialect == "sqlite":
        with db.inline_lock, pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.inline_sqlite().execute("DELETE FROM organization")
    else:
        assert db.inline_sqlite_path is None


def _patch_user(client: Any, admin: dict[str, str], user_id: uuid.UUID, body: dict[str, Any]) -> None:
    etag = client.get(f"/api/v1/users/{user_id}", headers=admin).headers["etag"]
    r = client.patch(f"/api/v1/users/{user_id}", json=body, headers={**admin, "If-Match": etag})
    assert r.status_code == 200, r.text


def test_revocation_is_immediate(client: Any, settings: Settings, db: Any, make_org: Any) -> None:
    org = make_org()
    user, admin = org.users["paralegal"], org.h("admin")
    headers = mint_headers(settings, user)
    assert client.get(ME, headers=headers).json()["role"] == "paralegal"  # verified and cached from here on
    assert client.get(ME, headers=headers).status_code == 200
    _patch_user(client, admin, user.id, {"role": "attorney"})
    # A role change ends every session (token version + 1): the cached token is refused on the next request.
    assert_problem(client.get(ME, headers=headers), 401, "invalid_token")
    user.token_version += 1
    fresh = mint_headers(settings, user)
    assert client.get(ME, headers=fresh).json()["role"] == "attorney"
    _patch_user(client, admin, user.id, {"is_active": False})
    assert_problem(client.get(ME, headers=fresh), 401, "invalid_token")


def _token(settings: Settings, minutes: int = 5) -> str:
    token, _ = create_access_token(key=settings.jwt_secret_key, issuer=settings.jwt_issuer, user_id=uuid.uuid4(),
                                   org_id=uuid.uuid4(), token_version=0, minutes=minutes)
    return token


def test_verified_token_cache_still_checks_expiry(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(settings, minutes=1)
    claims = decode_access_token(token, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    assert (token, settings.jwt_secret_key, settings.jwt_issuer) in security._verified
    assert decode_access_token(token, key=settings.jwt_secret_key, issuer=settings.jwt_issuer) == claims
    later = time.time() + 60 + security.LEEWAY_SECONDS + 5
    monkeypatch.setattr(security.time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        decode_access_token(token, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    assert (token, settings.jwt_secret_key, settings.jwt_issuer) not in security._verified


def test_verified_token_cache_is_per_key_and_issuer(settings: Settings) -> None:
    token = _token(settings)
    decode_access_token(token, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    with pytest.raises(InvalidToken):
        decode_access_token(token, key="another-key-" + "y" * 40, issuer=settings.jwt_issuer)
    with pytest.raises(InvalidToken):
        decode_access_token(token, key=settings.jwt_secret_key, issuer="someone-else")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidToken):
        decode_access_token(tampered, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)


def test_verified_token_cache_is_bounded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "_VERIFIED_MAX", 8)
    monkeypatch.setattr(security, "_verified", {})
    tokens = [_token(settings) for _ in range(20)]
    for t in tokens:
        decode_access_token(t, key=settings.jwt_secret_key, issuer=settings.jwt_issuer)
    assert len(security._verified) == 8
    assert (tokens[-1], settings.jwt_secret_key, settings.jwt_issuer) in security._verified
    assert (tokens[0], settings.jwt_secret_key, settings.jwt_issuer) not in security._verified
