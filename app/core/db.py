"""Engine factory and sessions.

SQLite: WAL, foreign keys on, busy timeout; transactions are begun explicitly so that write
requests take the write lock up front (``BEGIN IMMEDIATE``) and never fail with a stale snapshot.
PostgreSQL: pooled, with a per-connection ``statement_timeout``. Read sessions (GET requests) use a second
pool whose connections are in autocommit and have ``default_transaction_read_only`` set: no BEGIN/ROLLBACK
around a read (two round trips that bought nothing under READ COMMITTED, and psycopg forgets its prepared
statements at every ROLLBACK, so every query was planned anew), and the server itself refuses a write or a row
lock sent through one (in autocommit it would otherwise commit statement by statement). Reads with side effects
use a write session of their own (app/protection/deps.py run_side_effects).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from app.core.config import Settings


@dataclass
class Database:
    """The read engine and the write engine (the same object except on SQLite)."""

    engine: Engine
    write_engine: Engine
    inline_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _inline: sqlite3.Connection | None = field(default=None, repr=False)
    # What read sessions use (default: ``engine``). On PostgreSQL: its own pool of connections in autocommit with
    # ``default_transaction_read_only`` (``make_database``).
    read_sessions: Engine | None = field(default=None, repr=False)

    def session(self, *, write: bool = False) -> Session:
        bind = self.write_engine if write else (self.read_sessions or self.engine)
        return Session(bind, expire_on_commit=False)

    @property
    def inline_sqlite_path(self) -> str | None:
        """The database file when ``inline_sqlite`` applies: a plain SQLite file path (no URI, no options)."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" and not url.query:
            return url.database
        return None

    def inline_sqlite(self) -> sqlite3.Connection:
        """One read-only autocommit connection to the SQLite file, for tiny primary-key reads made directly on
        the event loop (the per-request principal lookup, app/auth/lookup.py). Under WAL a reader never waits
        for writers; the short busy timeout bounds the rare wait on a WAL recovery. Callers hold
        ``inline_lock`` while using it, and call ``drop_inline_sqlite`` after an error so the next use
        reconnects. Raises ``sqlite3.Error`` when the file cannot be opened."""
        if self._inline is None:
            path = self.inline_sqlite_path
            if path is None:
                raise RuntimeError("inline_sqlite needs a SQLite file database")
            # mode=rw: never create an empty file where the database should be (a missing file is an outage).
            uri = Path(path).resolve().as_uri() + "?mode=rw"
            conn = sqlite3.connect(uri, uri=True, timeout=1.0, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            self._inline = conn
        return self._inline

    def drop_inline_sqlite(self) -> None:
        if self._inline is not None:
            try:
                self._inline.close()
            finally:
                self._inline = None

    def dispose(self) -> None:
        with self.inline_lock:
            self.drop_inline_sqlite()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
        if self.read_sessions is not None:
            self.read_sessions.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def json_loads(data: str | bytes) -> Any:
    """JSON columns as Python values. Most list columns (aliases, citizenships, languages, flags) hold ``[]``:
    that answer skips the parser, which was a third of the cost of reading a page of clients."""
    if data == b"[]" or data == "[]":  # psycopg passes bytes, SQLite text
        return []
    return json.loads(data)


def max_overflow(settings: Settings) -> int:
    """Connections beyond ``db_pool_size`` that may be opened under load. At least twice the admitted requests
    fit in the pool (an admitted request holds at most two: app/core/admission.py), so a request never waits
    for a connection held by a request that waits for it."""
    return max(20, 2 * settings.max_active_requests - settings.db_pool_size)


def _sqlite_engine(url: str, settings: Settings, *, immediate: bool) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":

        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        pool_size=settings.db_pool_size,
        max_overflow=max_overflow(settings),
        pool_pre_ping=False,
        json_deserializer=json_loads,
    )
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (SQLAlchemy pysqlite recipe)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        _register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _register_sqlite_functions(dbapi_conn: Any) -> None:
    """Accent- and case-insensitive folding for search (PostgreSQL uses unaccent/lower)."""
    import unicodedata

    def fold(value: str | None) -> str | None:
        if value is None:
            return None
        decomposed = unicodedata.normalize("NFKD", value)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

    dbapi_conn.create_function("dp_fold", 1, fold, deterministic=True)


def _postgres_engine(url: str, settings: Settings, *, null_pool: bool = False, read_only: bool = False) -> Engine:
    options = f"-c statement_timeout={int(settings.db_statement_timeout_ms)}"
    if read_only:
        options += " -c default_transaction_read_only=on"
    kwargs: dict[str, Any] = {"connect_args": {"options": options}, "json_deserializer": json_loads}
    if read_only:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    if null_pool:
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(pool_size=settings.db_pool_size, max_overflow=max_overflow(settings), pool_recycle=1800)
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    """Test a pooled connection before use when it has been idle for a second or more (SQLAlchemy's
    ``pool_pre_ping`` tests every checkout: one more round trip on every request). A dead connection (a
    restarted or failed-over server, a killed backend) is replaced before the request sees it; one used a
    moment ago is alive in practice, and if not, the request gets a 503 and the pool drops every connection
    opened before the failure (SQLAlchemy's disconnect handling)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["dp_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("dp_idle_since")
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure means "reconnect"
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("ping failed")


def make_database(settings: Settings, url: str | None = None) -> Database:
    url = url or settings.database_url
    if url.startswith("sqlite"):
        return Database(
            engine=_sqlite_engine(url, settings, immediate=False),
            write_engine=_sqlite_engine(url, settings, immediate=True),
        )
    engine = _postgres_engine(url, settings)
    return Database(engine=engine, write_engine=engine, read_sessions=_postgres_engine(url, settings, read_only=True))


def session_scope(db: Database, *, write: bool = False) -> Iterator[Session]:
    """Yield a session and always close it; services commit once per use case (docs/design.md#sessions-and-commits)."""
    session = db.session(write=write)
    try:
        yield session
    finally:
        session.close()
