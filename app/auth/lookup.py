"""Reading the caller's account and organization on every request (docs/design.md#permissions-and-roles: revocation is
immediate).

Two paths, one answer (tests/auth/test_lookup.py compares them row for row):

- ``fetch_with_session``: one Core query (user JOIN organization) on the request's session. Used on
  PostgreSQL, inside the thread pool, so the round trip never blocks the event loop.
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

from app.auth.models import Organization, UserAccount
from app.core.db import Database
from app.core.types import table_of

_USER = table_of(UserAccount)
_ORG = table_of(Organization)
# Never the password or calendar-token hashes: the principal travels with the request.
_USER_COLS = [c for c in _USER.c if c.name not in ("password_hash", "calendar_token_hash")]
_ORG_COLS = [_ORG.c[n] for n in ("id", "name", "slug", "timezone", "date_order", "default_court_state",
                                 "whereabouts_unknown_hours")]

PRINCIPAL_QUERY = (
    sa.select(*_USER_COLS, *[c.label(f"org__{c.name}") for c in _ORG_COLS])
    .join_from(_USER, _ORG, _ORG.c.id == _USER.c.organization_id)
    .where(_USER.c.id == sa.bindparam("user_id"))
)


UserOrg = tuple[dict[str, Any], dict[str, Any]]
_N_USER = len(_USER_COLS)
_USER_KEYS = tuple(c.name for c in _USER_COLS)
_ORG_KEYS = tuple(c.name for c in _ORG_COLS)


def fetch_with_session(session: Session, user_id: uuid.UUID) -> UserOrg | None:
    """(user columns, organization columns) of the account, or None."""
    row = session.execute(PRINCIPAL_QUERY, {"user_id": user_id}).first()
    if row is None:
        return None
    return dict(zip(_USER_KEYS, row[:_N_USER], strict=True)), dict(zip(_ORG_KEYS, row[_N_USER:], strict=True))


@dataclass(frozen=True)
class _Compiled:
    sql: str
    bind: Callable[[Any], Any]
    processors: tuple[Callable[[Any], Any] | None, ...]


def _compile(dialect: Dialect) -> _Compiled:
    """The statement as SQLite text plus the type processors SQLAlchemy would apply (UUID as hex text,
    booleans as integers, UTC datetimes), so ``fetch_inline`` returns exactly what the Core query returns."""
    compiled = PRINCIPAL_QUERY.compile(dialect=dialect)
    bind = _USER.c.id.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    columns = list(PRINCIPAL_QUERY.selected_columns)
    return _Compiled(
        sql=compiled.string,
        bind=bind,
        processors=tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns),
    )


# Per engine dialect, dropped with it (the processors are the dialect's own).
_compiled_by_dialect: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()


def fetch_inline(db: Database, user_id: uuid.UUID) -> UserOrg | None:
    """The principal row read on the event loop (SQLite files only; see the module docstring)."""
    dialect = db.engine.dialect
    c = _compiled_by_dialect.get(dialect)
    if c is None:
        c = _compiled_by_dialect[dialect] = _compile(dialect)
    with db.inline_lock:
        try:
            # fetchall: the statement runs to completion here, so its read transaction ends before the lock
            # is released (an unfinished reader would hold back WAL checkpoints).
            rows = db.inline_sqlite().execute(c.sql, (c.bind(user_id),)).fetchall()
        except sqlite3.Error as exc:  # the same 503 (database_unavailable) the ORM path gives
            db.drop_inline_sqlite()  # reconnect on the next request
            raise OperationalError(c.sql, None, exc) from exc
    if not rows:
        return None
    values = [p(v) if p is not None else v for p, v in zip(c.processors, rows[0], strict=True)]
    return dict(zip(_USER_KEYS, values[:_N_USER], strict=True)), dict(zip(_ORG_KEYS, values[_N_USER:], strict=True))
