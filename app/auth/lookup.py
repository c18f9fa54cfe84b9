"""Reading the caller's account and organization on every request (docs/design.md#permissions-and-roles: revocation is
immediate).

Three paths, one answer (tests/auth/test_lookup.py compares them row for row):

- ``fetch_with_session``: one Core query (user JOIN organization) on the request's session, in the thread pool.
  The fallback on PostgreSQL when the asynchronous pool is not usable (a test client without a lifespan).
- ``fetch_async``: PostgreSQL. The same statement, compiled once, on the event loop over psycopg's asynchronous
  connection (app/core/async_reads.py): no thread-pool hop before the route's own.
- ``fetch_inline``: SQLite files only. The same statement, compiled once, run on the database's read-only
  autocommit connection (``Database.inline_sqlite``) directly on the event loop. It is a primary-key read of
  one local row (~20 µs); the thread-pool hop and ORM session it replaces cost ten times that, and were most
  of an authenticated request's time (bench/auth.py). Each statement is its own WAL read transaction, so it
  sees every committed role change, deactivation or token-version bump at once.
"""

from __future__ import annotations

import sqlite3
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.auth.credential_models import PersonalAccessToken
from app.auth.models import Organization, UserAccount
from app.core.async_reads import AsyncReader
from app.core.db import Database
from app.core.types import table_of

_USER = table_of(UserAccount)
_ORG = table_of(Organization)
# Never the password or calendar-token hashes: the principal travels with the request.
_USER_COLS = [c for c in _USER.c if c.name not in ("password_hash", "calendar_token_hash")]
_ORG_COLS = [_ORG.c[n] for n in ("id", "name", "slug", "timezone", "date_order", "default_court_state",
                                 "whereabouts_unknown_hours", "mfa_required_roles")]

PRINCIPAL_QUERY = (
    sa.select(*_USER_COLS, *[c.label(f"org__{c.name}") for c in _ORG_COLS])
    .join_from(_USER, _ORG, _ORG.c.id == _USER.c.organization_id)
    .where(_USER.c.id == sa.bindparam("user_id"))
)


# A personal access token is looked up by its SHA-256 digest together with its account and organization: one
# indexed read, the same cost as the access-token path (docs/auth.md "Personal access tokens").
_PAT = table_of(PersonalAccessToken)
_PAT_COLS = [_PAT.c[n] for n in ("id", "scopes", "token_version", "expires_at", "last_used_at", "revoked_at")]
TOKEN_QUERY = (
    sa.select(*_USER_COLS, *[c.label(f"org__{c.name}") for c in _ORG_COLS],
              *[c.label(f"pat__{c.name}") for c in _PAT_COLS])
    .join_from(_PAT, _USER, _USER.c.id == _PAT.c.user_id)
    .join(_ORG, _ORG.c.id == _USER.c.organization_id)
    .where(_PAT.c.token_hash == sa.bindparam("token_hash"))
)

UserOrg = tuple[dict[str, Any], dict[str, Any]]
UserOrgToken = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]
_N_USER = len(_USER_COLS)
_N_ORG = len(_ORG_COLS)
_USER_KEYS = tuple(c.name for c in _USER_COLS)
_ORG_KEYS = tuple(c.name for c in _ORG_COLS)
_PAT_KEYS = tuple(c.name for c in _PAT_COLS)


def _split_principal_row(values: Any) -> UserOrg:
    return dict(zip(_USER_KEYS, values[:_N_USER], strict=True)), dict(zip(_ORG_KEYS, values[_N_USER:], strict=True))


def _split_token_row(values: Any) -> UserOrgToken:
    user_end, org_end = _N_USER, _N_USER + _N_ORG
    return (dict(zip(_USER_KEYS, values[:user_end], strict=True)),
            dict(zip(_ORG_KEYS, values[user_end:org_end], strict=True)),
            dict(zip(_PAT_KEYS, values[org_end:], strict=True)))


def fetch_token_with_session(session: Session, token_hash: str) -> UserOrgToken | None:
    """(user, organization, token) columns for a personal access token's digest, or None."""
    row = session.execute(TOKEN_QUERY, {"token_hash": token_hash}).first()
    return None if row is None else _split_token_row(tuple(row))


def fetch_with_session(session: Session, user_id: uuid.UUID) -> UserOrg | None:
    """(user columns, organization columns) of the account, or None."""
    row = session.execute(PRINCIPAL_QUERY, {"user_id": user_id}).first()
    return None if row is None else _split_principal_row(tuple(row))


@dataclass(frozen=True)
class _Compiled:
    sql: str
    param: str  # the statement's one bind parameter (``user_id`` or ``token_hash``)
    bind: Callable[[Any], Any]
    processors: tuple[Callable[[Any], Any] | None, ...]


def _compile(dialect: Dialect, query: sa.Select[Any], key_column: sa.Column[Any]) -> _Compiled:
    """The statement as the dialect's text plus the type processors SQLAlchemy would apply (on SQLite: UUID as hex
    text, booleans as integers; UTC datetimes), so ``fetch_inline`` and ``fetch_async`` return exactly what the
    Core query returns."""
    compiled = query.compile(dialect=dialect)
    bind = key_column.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    columns = list(query.selected_columns)
    (param,) = compiled.binds
    return _Compiled(
        sql=compiled.string,
        param=param,
        bind=bind,
        processors=tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns),
    )


# Per engine dialect and statement, dropped with the dialect (the processors are the dialect's own).
_compiled_by_dialect: weakref.WeakKeyDictionary[Dialect, dict[str, _Compiled]] = weakref.WeakKeyDictionary()
_STATEMENTS: dict[str, tuple[sa.Select[Any], sa.Column[Any]]] = {
    "principal": (PRINCIPAL_QUERY, _USER.c.id),
    "token": (TOKEN_QUERY, _PAT.c.token_hash),
}


def _compiled(dialect: Dialect, name: str) -> _Compiled:
    by_name = _compiled_by_dialect.setdefault(dialect, {})
    c = by_name.get(name)
    if c is None:
        c = by_name[name] = _compile(dialect, *_STATEMENTS[name])
    return c


def _processed(c: _Compiled, row: Any) -> list[Any]:
    return [p(v) if p is not None else v for p, v in zip(c.processors, row, strict=True)]


def _run_inline(db: Database, name: str, key: Any) -> list[Any] | None:
    c = _compiled(db.engine.dialect, name)
    with db.inline_lock:
        try:
            # fetchall: the statement runs to completion here, so its read transaction ends before the lock
            # is released (an unfinished reader would hold back WAL checkpoints).
            rows = db.inline_sqlite().execute(c.sql, (c.bind(key),)).fetchall()
        except sqlite3.Error as exc:  # the same 503 (database_unavailable) the ORM path gives
            db.drop_inline_sqlite()  # reconnect on the next request
            raise OperationalError(c.sql, None, exc) from exc
    if not rows:
        return None
    return _processed(c, rows[0])


async def _run_async(db: Database, reader: AsyncReader, name: str, key: Any) -> list[Any] | None:
    c = _compiled(db.engine.dialect, name)
    row = await reader.first_row(c.sql, {c.param: c.bind(key)})
    return None if row is None else _processed(c, row)


def fetch_inline(db: Database, user_id: uuid.UUID) -> UserOrg | None:
    """The principal row read on the event loop (SQLite files only; see the module docstring)."""
    values = _run_inline(db, "principal", user_id)
    return None if values is None else _split_principal_row(values)


def fetch_token_inline(db: Database, token_hash: str) -> UserOrgToken | None:
    """``fetch_token_with_session`` on the event loop (SQLite files only)."""
    values = _run_inline(db, "token", token_hash)
    return None if values is None else _split_token_row(values)


async def fetch_async(db: Database, reader: AsyncReader, user_id: uuid.UUID) -> UserOrg | None:
    """The principal row read on the event loop (PostgreSQL; see the module docstring)."""
    values = await _run_async(db, reader, "principal", user_id)
    return None if values is None else _split_principal_row(values)


async def fetch_token_async(db: Database, reader: AsyncReader, token_hash: str) -> UserOrgToken | None:
    """``fetch_token_with_session`` on the event loop (PostgreSQL)."""
    values = await _run_async(db, reader, "token", token_hash)
    return None if values is None else _split_token_row(values)
