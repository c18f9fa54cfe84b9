"""The per-request principal lookup and the verified-token cache (app/auth/lookup.py, app/core/security.py).

The inline SQLite path and the asynchronous PostgreSQL path must return exactly what the ORM path returns, and no
shortcut may delay a revocation: deactivation, role change and token-version bump take effect on the very next
request.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from app.auth import lookup
from app.core import security
from app.core.async_reads import AsyncReader
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


def _postgres_only(db: Any) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the asynchronous path exists on PostgreSQL only")


def test_async_lookup_returns_what_the_orm_path_returns(db: Any, settings: Settings, org_a: Any) -> None:
    _postgres_only(db)

    async def both() -> None:
        reader = AsyncReader(db.engine.url.render_as_string(hide_password=False), settings)
        await reader.open()
        try:
            assert reader.usable()
            for user in org_a.users.values():
                got = await lookup.fetch_async(db, reader, user.id)
                with db.session() as session:
                    orm = lookup.fetch_with_session(session, user.id)
                assert got is not None and got == orm
                for a, b in zip(got, orm, strict=True):  # (user, organization)
                    assert {k: type(v) for k, v in a.items()} == {k: type(v) for k, v in b.items()}
                assert "password_hash" not in got[0] and "calendar_token_hash" not in got[0]
            assert await lookup.fetch_async(db, reader, uuid.uuid4()) is None
            assert await lookup.fetch_token_async(db, reader, "0" * 64) is None
        finally:
            await reader.close()
        assert not reader.usable()

    asyncio.run(both())


def test_requests_read_the_principal_on_the_event_loop(client: Any, app: Any, db: Any, org_a: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With the application's lifespan (the test client's), a request's principal comes from the asynchronous
    pool, not from a session in the thread pool."""
    _postgres_only(db)
    assert app.state.async_reader is not None
    calls: list[str] = []
    real_async, real_sync = lookup.fetch_async, lookup.fetch_with_session

    async def counted_async(*args: Any) -> Any:
        calls.append("async")
        return await real_async(*args)

    def counted_sync(*args: Any) -> Any:
        calls.append("thread")
        return real_sync(*args)

    monkeypatch.setattr(lookup, "fetch_async", counted_async)
    monkeypatch.setattr(lookup, "fetch_with_session", counted_sync)
    assert client.get(ME, headers=org_a.h("paralegal")).status_code == 200
    assert client.get("/api/v1/clients", headers=org_a.h("attorney")).status_code == 200
    assert calls == ["async", "async"]


def test_a_killed_pooled_connection_is_replaced_without_a_failure(client: Any, app: Any, db: Any,
                                                                  org_a: Any) -> None:
    """Every backend of the asynchronous pool is ended between two requests (as a server restart would): the
    next request still succeeds, the read tried again on a fresh connection."""
    _postgres_only(db)
    from sqlalchemy.pool import NullPool

    from app.core.async_reads import APPLICATION_NAME

    assert client.get(ME, headers=org_a.h("paralegal")).status_code == 200
    admin = sa.create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            ended = c.execute(sa.text("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                                      "WHERE application_name = :name AND datname = current_database()"),
                              {"name": APPLICATION_NAME}).scalar_one()
    finally:
        admin.dispose()
    assert ended >= 1
    for _ in range(3):
        assert client.get(ME, headers=org_a.h("paralegal")).status_code == 200


def test_an_unreachable_database_is_a_503_on_the_async_path(db: Any, settings: Settings, org_a: Any) -> None:
    """The same answer as the synchronous path: SQLAlchemy's OperationalError (the app's 503 handler)."""
    _postgres_only(db)
    from sqlalchemy.exc import OperationalError

    async def down() -> None:
        url = db.engine.url.set(port=1).render_as_string(hide_password=False)  # nothing listens on port 1
        reader = AsyncReader(url, settings)
        await reader.open()  # does not wait for a connection: an instance starts while the server is down
        try:
            with pytest.raises(OperationalError):
                await lookup.fetch_async(db, reader, org_a.users["paralegal"].id)
        finally:
            await reader.close()

    asyncio.run(down())


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
