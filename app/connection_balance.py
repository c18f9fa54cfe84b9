"""Keep-alive connections spread evenly over the worker processes of ``dueprocess serve --workers N``.

Why. Each worker listens on a ``SO_REUSEPORT`` socket of its own (app/serve.py), and the kernel hashes every new
connection to one of them at random. A keep-alive connection then stays with that worker for as long as its client
keeps it: 50 connections land 25/25 only by chance, and 19/31 is common. The workers get the same CPU from the
scheduler, so the users on the busier one wait longer (bench/RESULTS.md: a 19/31 split missed the read p99 goal
that an even split met). Worse, when a worker dies every client reconnects to the survivors, and stays there after
the replacement starts: without this module it serves nobody until clients drop their connections.

How. The workers share a small table (a file that the parent process creates and every worker maps into memory):
one slot per worker with its process id and its number of open connections. When a request starts on a worker that
holds more than its share of the open connections (``ceil(total / live workers)``), its response carries
``Connection: close`` and the connection is closed after it. That is HTTP/1.1's own way to end a persistent
connection (RFC 9112 §9.6): the client knows not to send anything more on it, opens a new one for its next
request, and the kernel hashes the new one afresh. A worker counts the connections it has already told to close
as gone, so it sheds only its excess; the shed connections land on either worker, and a few rounds bring the
split within one. A worker at or under its share never closes anything, so a balanced server keeps every
connection for as long as before.

Scope. Only the httptools parser (the default) takes part; with ``HTTP_PARSER=h11`` connections stay where the
kernel put them (uvicorn's h11 protocol closes without announcing it, which would race the client's next request).
A single worker has no table and nothing here runs. A request that is pipelined behind another is never the one
to close its connection (the requests after it would be lost).

The table. ``SLOTS`` slots of three 64-bit integers each (process ids, then open connections, then connections
closed to even out the split, each a column of ``SLOTS`` numbers). A worker claims
the first slot it can lock (``fcntl.lockf`` on the slot's bytes; the kernel drops the lock when the process
exits, however it exits) and clears, on the way, any other unlocked slot (a worker that was killed left its
numbers behind). Only a slot's owner writes it; the others read it, and a number that is a moment old only
delays a decision by one request. The slots beyond ``--workers`` leave room for uvicorn's SIGTTIN (one worker
more) and for the replacement that SIGHUP starts before it stops the old worker.

Metrics: ``dueprocess_http_connections{pid}`` (open connections) and ``dueprocess_http_connections_rebalanced_total
{pid}`` (closed to even out the split) for every worker in the table, whichever worker answers the scrape.
"""

from __future__ import annotations

import fcntl
import logging
import math
import mmap
import os
from pathlib import Path
from typing import Any

from app.core import metrics
from app.http_head_cap import CappedHttpToolsProtocol

# Environment variable through which ``dueprocess serve`` hands the table's path to its worker processes.
TABLE_ENV = "DUEPROCESS_CONNECTION_TABLE"
SLOTS = 64
_INT = 8  # bytes per number
_PID, _OPEN, _REBALANCED = 0, SLOTS, 2 * SLOTS  # where each column of numbers starts
_SIZE = 3 * SLOTS * _INT

log = logging.getLogger("app.connection_balance")


def share(total: int, live: int) -> int:
    """The most open connections a worker may hold: an even split, rounded up (25/25 and 26/25 are balanced)."""
    return math.ceil(total / max(live, 1))


def over_share(mine: int, total: int, live: int) -> bool:
    """Whether a worker keeping ``mine`` connections (those not already told to close) holds more than its share
    of ``total`` (every open connection of every worker, including the ones told to close: they will come back,
    to one worker or another)."""
    return mine > share(total, live)


class ConnectionTable:
    """The shared table: one slot (process id, open connections, connections closed for balance) per worker."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDWR)
        self._map = mmap.mmap(self._fd, _SIZE)
        self._numbers = memoryview(self._map).cast("q")
        self.slot: int | None = None

    @staticmethod
    def create(path: str | os.PathLike[str]) -> None:
        """A zeroed table at ``path`` (by the parent, before any worker starts)."""
        with open(path, "wb") as f:
            f.write(bytes(_SIZE))

    def _lock(self, slot: int, op: int) -> bool:
        try:
            fcntl.lockf(self._fd, op, _INT, slot * _INT, os.SEEK_SET)
        except OSError:
            return False
        return True

    def claim(self) -> int | None:
        """This process's slot: the first free one (set to this process id and 0 connections), or None when all
        are taken. Every other free slot is cleared on the way: a worker that was killed left its numbers
        behind."""
        mine = None
        for slot in range(SLOTS):
            if not self._lock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB):
                continue  # a live worker's slot
            self._clear(slot)
            if mine is None:
                mine = slot
                self._numbers[_PID + slot] = os.getpid()
            else:
                self._lock(slot, fcntl.LOCK_UN)
        self.slot = mine
        return mine

    def _clear(self, slot: int) -> None:
        for column in (_PID, _OPEN, _REBALANCED):
            self._numbers[column + slot] = 0

    def publish(self, open_connections: int) -> None:
        if self.slot is not None:
            self._numbers[_OPEN + self.slot] = open_connections

    def count_rebalanced(self) -> None:
        if self.slot is not None:
            self._numbers[_REBALANCED + self.slot] += 1

    def totals(self) -> tuple[int, int]:
        """(open connections of all workers, live workers)."""
        numbers = self._numbers[:_REBALANCED].tolist()  # one copy: cheaper than reading them one by one
        return sum(numbers[_OPEN:]), SLOTS - numbers[:_OPEN].count(0)

    def slots(self) -> list[tuple[int, int]]:
        """(process id, open connections) of every claimed slot."""
        n = self._numbers
        return [(n[_PID + i], n[_OPEN + i]) for i in range(SLOTS) if n[_PID + i]]

    def rebalanced(self) -> dict[int, int]:
        """Connections each worker (by process id) has closed to even out the split since it started."""
        n = self._numbers
        return {n[_PID + i]: n[_REBALANCED + i] for i in range(SLOTS) if n[_PID + i]}

    def release(self) -> None:
        """Clear this process's slot (a clean exit; after a crash the next worker to start clears it)."""
        if self.slot is not None:
            self._clear(self.slot)
            self._lock(self.slot, fcntl.LOCK_UN)
            self.slot = None

    def close(self) -> None:
        self.release()
        self._numbers.release()
        self._map.close()
        os.close(self._fd)


class _Worker:
    """This worker process's side: its table slot, its open connections and those told to close."""

    table: ConnectionTable | None = None
    open = 0
    closing = 0

    @classmethod
    def join(cls, path: str) -> None:
        table = ConnectionTable(path)
        if table.claim() is None:
            # More workers than slots: this one serves as before, without taking part (nothing else breaks).
            log.warning("connection table full (%d workers): this worker's connections are not balanced", SLOTS)
            table.close()
            return
        cls.table = table
        table.publish(cls.open)  # connections accepted between listening and joining
        metrics.register_gauge("dueprocess_http_connections", "Open HTTP connections of each worker process",
                               ("pid",), _open_by_worker)
        metrics.register_counter("dueprocess_http_connections_rebalanced_total",
                                 "Connections a worker closed after a response to even out the split",
                                 ("pid",), _rebalanced_by_worker)

    @classmethod
    def opened(cls) -> None:
        cls.open += 1
        if cls.table is not None:
            cls.table.publish(cls.open)

    @classmethod
    def lost(cls, told_to_close: bool) -> None:
        cls.open -= 1
        if told_to_close:
            cls.closing -= 1
        if cls.table is not None:
            cls.table.publish(cls.open)

    @classmethod
    def told_one_to_close(cls) -> None:
        cls.closing += 1
        if cls.table is not None:
            cls.table.count_rebalanced()

    @classmethod
    def should_close_one(cls) -> bool:
        if cls.table is None:
            return False
        total, live = cls.table.totals()
        return over_share(cls.open - cls.closing, total, live)


def _open_by_worker() -> dict[tuple[str, ...], float]:
    table = _Worker.table
    return {} if table is None else {(str(pid),): n for pid, n in table.slots()}


def _rebalanced_by_worker() -> dict[tuple[str, ...], float]:
    table = _Worker.table
    return {} if table is None else {(str(pid),): n for pid, n in table.rebalanced().items()}


def join_from_environment() -> None:
    """In a worker process: take a slot in the table that ``dueprocess serve`` named, if it named one."""
    path = os.environ.get(TABLE_ENV)
    if path:
        _Worker.join(path)


def leave() -> None:
    """In a worker process that is stopping: clear its slot, so the others stop counting it at once."""
    if _Worker.table is not None:
        _Worker.table.close()
        _Worker.table = None
        metrics.unregister("dueprocess_http_connections")
        metrics.unregister("dueprocess_http_connections_rebalanced_total")


class BalancedHttpToolsProtocol(CappedHttpToolsProtocol):
    """uvicorn's httptools protocol (with the head cap) that closes a connection after its current response while
    this worker holds more than its share of the open connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._told_to_close = False

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        _Worker.opened()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        _Worker.lost(self._told_to_close)

    def on_headers_complete(self) -> None:
        previous = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        started_now = cycle is not previous and not self.pipeline  # not queued behind another request
        if (started_now and cycle is not None and cycle.keep_alive and not self._told_to_close
                and _Worker.should_close_one()):
            # uvicorn then sends "connection: close" with the response and closes the connection after it.
            cycle.keep_alive = False
            self._told_to_close = True
            _Worker.told_one_to_close()
            log.debug("closing a connection after its response: this worker holds more than its share")
