"""The sign-in, password-change and password-reset throttles shared by every API instance, in PostgreSQL
(docs/SECURITY.md "Login throttling"; docs/DECISIONS.md "Shared counters").

With several instances (processes or machines) each in-memory throttle (app/auth/throttle.py) would allow its
own five guesses: N instances, N times the limit. On PostgreSQL the same limits live in one table,
``login_counter``, one row per counter. On SQLite (one machine, one process by design) the in-memory
throttles stay: there is nobody to share with.

Atomicity — the same reserve-then-verify rule as in memory, across instances:

- every counter an attempt touches is bumped with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``, inside
  one transaction; the upsert locks the row until commit, so a concurrent attempt on the same counter waits
  and then sees this one. ``SET prev = login_counter.last`` returns the row's *previous* last failure (the
  right-hand side of ``SET`` reads the old row), which is what the backoff is computed from;
- if any counter says "wait", the transaction is rolled back: a refused attempt counts nothing (as in memory);
- the counters of one attempt are always bumped in sorted key order, so two attempts never wait on each
  other's rows in opposite orders (no deadlock).

Windows are fixed windows starting at a key's first counted failure (the in-memory version slides): the same
limit per window, simpler in SQL. Keys are SHA-256 digests of ``kind:account:address``: the table holds no
e-mail address or client address in the clear. Expired rows are deleted now and then by the instance that
happens to write (``CLEANUP_EVERY`` reservations).

The times are the wall clock (``time.time``), which instances share (NTP), not a process's monotonic clock.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel

from app.auth.throttle import AttemptCounter, BackoffCounter, LoginAttempt, LoginThrottle, ResetThrottle
from app.core.types import table_of

if TYPE_CHECKING:
    from app.core.config import Settings

CLEANUP_EVERY = 500  # on average, one cleanup per this many reservations per instance


class LoginCounter(SQLModel, table=True):
    """One throttle counter (see the module docstring); ``key`` is a SHA-256 digest, never an address."""

    __tablename__ = "login_counter"

    key: str = Field(primary_key=True, max_length=64)
    count: int = Field(default=0)
    started: float = Field(default=0.0)  # start of the current window (window counters)
    last: float = Field(default=0.0)  # last failure (backoff) or last success (familiar addresses)
    prev: float = Field(default=0.0)  # ``last`` before the latest update (set by the upsert)
    expires: float = Field(default=0.0, index=True)  # after this the row means nothing and may be deleted


_T = table_of(LoginCounter)

_WINDOW_UPSERT = sa.text("""
INSERT INTO login_counter (key, count, started, last, prev, expires)
VALUES (:key, 1, :now, :now, 0, :now + :window)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN login_counter.started <= :now - :window THEN 1 ELSE login_counter.count + 1 END,
  started = CASE WHEN login_counter.started <= :now - :window THEN :now ELSE login_counter.started END,
  prev = login_counter.last,
  last = :now,
  expires = CASE WHEN login_counter.started <= :now - :window THEN :now ELSE login_counter.started END + :window
RETURNING count, started
""")

_BACKOFF_UPSERT = sa.text("""
INSERT INTO login_counter (key, count, started, last, prev, expires)
VALUES (:key, 1, :now, :now, 0, :now + :memory)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN login_counter.last <= :now - :memory THEN 1 ELSE login_counter.count + 1 END,
  prev = login_counter.last,
  last = :now,
  expires = :now + :memory
RETURNING count, prev
""")


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class _Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction, committed at the end unless the body rolled it back (a refused attempt)."""
        with self.engine.connect() as conn:
            yield conn
            if conn.in_transaction():
                conn.commit()

    @staticmethod
    def window(conn: Connection, key: str, now: float, window: float) -> tuple[int, float]:
        row = conn.execute(_WINDOW_UPSERT, {"key": key, "now": now, "window": window}).one()
        return int(row[0]), float(row[1])

    @staticmethod
    def backoff(conn: Connection, key: str, now: float, memory: float) -> tuple[int, float]:
        """Count one failure; returns (failures *before* this one, time of the previous failure)."""
        row = conn.execute(_BACKOFF_UPSERT, {"key": key, "now": now, "memory": memory}).one()
        n, prev = int(row[0]), float(row[1])
        return n - 1, (prev if n > 1 else 0.0)

    @staticmethod
    def give_back(conn: Connection, key: str, since: float) -> None:
        """Undo one count of a counter, unless its window restarted after ``since`` (nothing left to undo)."""
        conn.execute(sa.update(_T).where(_T.c.key == key, _T.c.started <= since, _T.c.count > 0)
                     .values(count=_T.c.count - 1))

    @staticmethod
    def forget(conn: Connection, key: str) -> None:
        conn.execute(sa.delete(_T).where(_T.c.key == key))

    @staticmethod
    def cleanup(conn: Connection, now: float) -> None:
        conn.execute(sa.delete(_T).where(_T.c.expires < now))


def _window_wait(count: int, started: float, limit: int, window: float, now: float) -> int | None:
    return max(1, math.ceil(started + window - now)) if count > limit else None


class SharedLoginThrottle(LoginThrottle):
    """``LoginThrottle`` with its counters in PostgreSQL; the same limits and the same four methods."""

    def __init__(self, engine: Engine, *args: Any, clock: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(*args, clock=clock, **kwargs)
        self.store = _Store(engine)

    def _familiar_key(self, account: str, ip: str) -> str:
        return digest("familiar", account, ip)

    def reserve(self, account: str, ip: str) -> tuple[LoginAttempt | None, int | None]:
        now = self.clock()
        ip_key, pair_key, acc_key = digest("ip", ip), digest("pair", account, ip), digest("account", account)
        with self.store.transaction() as conn:
            seen = conn.execute(sa.select(_T.c.last).where(_T.c.key == self._familiar_key(account, ip),
                                                           _T.c.expires > now)).scalar_one_or_none()
            familiar = seen is not None
            waits: list[int] = []
            for key in sorted([ip_key, pair_key] + ([] if familiar else [acc_key])):
                if key == pair_key:
                    before, prev = self.store.backoff(conn, key, now, self.memory)
                    until = prev + self.pairs.delay(before)
                    if before >= self.per_pair and until > now:
                        waits.append(max(1, math.ceil(until - now)))
                else:
                    limit, window = ((self.per_ip, self.window) if key == ip_key
                                     else (self.account_ceiling, self.memory))
                    count, started = self.store.window(conn, key, now, window)
                    wait = _window_wait(count, started, limit, window, now)
                    if wait is not None:
                        waits.append(wait)
            if waits:
                conn.rollback()  # a refused attempt counts nothing
                return None, max(waits)
            if secrets.randbelow(CLEANUP_EVERY) == 0:
                self.store.cleanup(conn, now)
        return LoginAttempt(account, ip, now, familiar), None

    def _give_back_locked(self, conn: Connection, attempt: LoginAttempt) -> None:
        self.store.give_back(conn, digest("ip", attempt.ip), attempt.at)
        if not attempt.familiar:
            self.store.give_back(conn, digest("account", attempt.account), attempt.at)

    def succeeded(self, attempt: LoginAttempt) -> None:
        if attempt.done:
            return
        attempt.done = True
        now = self.clock()
        with self.store.transaction() as conn:
            self._give_back_locked(conn, attempt)
            self.store.forget(conn, digest("pair", attempt.account, attempt.ip))
            # A familiar address is remembered for 30 memory periods, as in memory (LoginThrottle._is_familiar).
            conn.execute(sa.text(
                "INSERT INTO login_counter (key, count, started, last, prev, expires) "
                "VALUES (:key, 0, :now, :now, 0, :expires) "
                "ON CONFLICT (key) DO UPDATE SET last = :now, expires = :expires"),
                {"key": self._familiar_key(attempt.account, attempt.ip), "now": now,
                 "expires": now + self.memory * 30})

    def failed(self, attempt: LoginAttempt) -> None:
        if attempt.done:
            return
        attempt.done = True
        # The backoff runs from the end of verification, not from the reservation (as in memory).
        with self.store.transaction() as conn:
            conn.execute(sa.update(_T).where(_T.c.key == digest("pair", attempt.account, attempt.ip))
                         .values(last=sa.func.greatest(_T.c.last, self.clock())))

    def release(self, attempt: LoginAttempt) -> None:
        if attempt.done:
            return
        attempt.done = True
        with self.store.transaction() as conn:
            self._give_back_locked(conn, attempt)
            conn.execute(sa.update(_T).where(_T.c.key == digest("pair", attempt.account, attempt.ip),
                                             _T.c.count > 0).values(count=_T.c.count - 1))

    def failures(self, account: str, ip: str) -> int:
        """Failures counted for a pair (for tests and diagnostics)."""
        with self.store.transaction() as conn:
            n = conn.execute(sa.select(_T.c.count).where(_T.c.key == digest("pair", account, ip),
                                                         _T.c.expires > self.clock())).scalar_one_or_none()
        return int(n or 0)


class SharedBackoffCounter(BackoffCounter):
    """``BackoffCounter`` (wrong current passwords at ``POST /auth/password``) in PostgreSQL."""

    def __init__(self, engine: Engine, free: int, base: float, cap: float, memory: float, *, scope: str,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(free, base, cap, memory, clock)
        self.store = _Store(engine)
        self.scope = scope

    def _key(self, key: str) -> str:
        return digest(self.scope, key)

    def reserve(self, key: str) -> int | None:
        now = self.clock()
        with self.store.transaction() as conn:
            before, prev = self.store.backoff(conn, self._key(key), now, self.memory)
            until = prev + self.delay(before)
            if before >= self.free and until > now:
                conn.rollback()
                return max(1, math.ceil(until - now))
        return None

    def succeeded(self, key: str) -> None:
        with self.store.transaction() as conn:
            self.store.forget(conn, self._key(key))

    def release(self, key: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(sa.update(_T).where(_T.c.key == self._key(key), _T.c.count > 0)
                         .values(count=_T.c.count - 1))

    def failed(self, key: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(sa.update(_T).where(_T.c.key == self._key(key))
                         .values(last=sa.func.greatest(_T.c.last, self.clock())))

    def failures(self, key: str) -> int:
        with self.store.transaction() as conn:
            n = conn.execute(sa.select(_T.c.count).where(_T.c.key == self._key(key),
                                                         _T.c.expires > self.clock())).scalar_one_or_none()
        return int(n or 0)


class SharedAttemptCounter(AttemptCounter):
    """``AttemptCounter`` (password-reset requests and confirmations) in PostgreSQL: ``limit`` attempts per
    fixed window; a refused attempt is not counted."""

    def __init__(self, engine: Engine, window_seconds: int, clock: Callable[[], float] = time.time) -> None:
        super().__init__(window_seconds, clock)
        self.store = _Store(engine)

    def hit(self, key: str, limit: int) -> int | None:
        now = self.clock()
        with self.store.transaction() as conn:
            count, started = self.store.window(conn, digest("attempts", key), now, self.window)
            wait = _window_wait(count, started, limit, self.window, now)
            if wait is not None:
                conn.rollback()
            return wait


def counter_engine(engine: Engine, settings: Settings) -> Engine:
    """A small pool of its own for the counters. A sign-in holds a request connection (the user lookup) while it
    records its failure; with the counters on the same pool, as many parallel sign-ins as the pool has
    connections would each hold one and wait for a second, until the pool timeout. The counter transactions
    hold nothing while they wait, so a separate pool cannot deadlock that way."""
    options = f"-c statement_timeout={int(settings.db_statement_timeout_ms)}"
    return sa.create_engine(engine.url, pool_size=2, max_overflow=8, pool_recycle=1800, pool_pre_ping=True,
                            connect_args={"options": options})


def shared_throttles(engine: Engine,
                     settings: Settings) -> tuple[SharedLoginThrottle, SharedBackoffCounter, ResetThrottle]:
    """The sign-in, password-change and password-reset throttles of a PostgreSQL installation (app.main);
    ``engine`` is the counters' own (``counter_engine``)."""
    login = SharedLoginThrottle(
        engine, settings.login_max_failures_per_account, settings.login_max_failures_per_ip,
        settings.login_window_seconds, account_ceiling=settings.login_account_ceiling,
        backoff_base_seconds=settings.login_backoff_base_seconds,
        backoff_max_seconds=settings.login_backoff_max_seconds,
        memory_seconds=settings.login_failure_memory_seconds)
    password = SharedBackoffCounter(
        engine, settings.password_change_max_failures, settings.login_backoff_base_seconds,
        settings.login_backoff_max_seconds, settings.login_failure_memory_seconds, scope="password-change")
    reset = ResetThrottle(per_ip=settings.login_max_failures_per_ip, window_seconds=settings.login_window_seconds)
    reset.counter = SharedAttemptCounter(engine, settings.login_window_seconds)
    return login, password, reset
