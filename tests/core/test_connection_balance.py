"""Keep-alive connections spread evenly over the workers (app/connection_balance.py): the shared table, the
share rule, and a real ``dueprocess serve --workers 2`` with real keep-alive clients.

Nothing here is timed: every wait is for a condition, with a generous bound.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app import connection_balance
from app.connection_balance import SLOTS, ConnectionTable, over_share, share
from tests.core.test_serve import GENEROUS, _healthy, _kill_with_workers, _serve, _until, _workers, free_port


def test_the_share_is_an_even_split_rounded_up() -> None:
    assert share(50, 2) == 25
    assert share(51, 2) == 26
    assert share(1, 2) == 1
    assert share(0, 2) == 0
    assert share(7, 0) == 7  # no live worker counted yet: nothing to compare with
    assert not over_share(25, 50, 2)
    assert over_share(26, 50, 2)
    assert not over_share(26, 51, 2)  # 26/25 is as even as 51 can be
    assert over_share(18, 50, 3)
    # Connections already told to close are not "mine" but still in the total: 31 open of which 6 closing is
    # exactly the share, so the worker stops shedding instead of overshooting.
    assert not over_share(31 - 6, 50, 2)


_CLAIMER = textwrap.dedent("""
    import sys, time
    from app.connection_balance import ConnectionTable
    table = ConnectionTable(sys.argv[1])
    slot = table.claim()
    table.publish(int(sys.argv[2]))
    print(slot, flush=True)
    time.sleep(600)
""")


def _claim_in_child(path: Path, connections: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-c", _CLAIMER, str(path), str(connections)],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, "the child could not claim a slot"
    return proc, int(line)


def test_each_process_claims_its_own_slot_and_a_dead_ones_slot_is_cleared(tmp_path: Path) -> None:
    path = tmp_path / "connections"
    ConnectionTable.create(path)
    assert path.stat().st_size == SLOTS * 3 * 8
    children = []
    try:
        first, slot_a = _claim_in_child(path, 30)
        children.append(first)
        second, slot_b = _claim_in_child(path, 20)
        children.append(second)
        assert {slot_a, slot_b} == {0, 1}
        reader = ConnectionTable(path)
        try:
            assert sorted(reader.slots()) == sorted([(first.pid, 30), (second.pid, 20)])
            assert reader.totals() == (50, 2)

            # A worker killed outright leaves its numbers; the lock goes with the process, and the next process
            # to claim takes that slot and clears the numbers.
            first.kill()
            first.wait()
            assert (first.pid, 30) in reader.slots()
            third, slot_c = _claim_in_child(path, 0)
            children.append(third)
            assert slot_c == slot_a
            assert sorted(reader.slots()) == sorted([(second.pid, 20), (third.pid, 0)])
            assert reader.totals() == (20, 2)
        finally:
            reader.close()
    finally:
        for child in children:
            child.kill()
            child.wait()


_HOLD_ALL = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR)
    for slot in range(int(sys.argv[2])):
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 8, slot * 8, os.SEEK_SET)
    print("holding", flush=True)
    time.sleep(600)
""")


def test_a_full_table_leaves_the_worker_out_instead_of_failing_it(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "connections"
    ConnectionTable.create(path)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_ALL, str(path), str(SLOTS)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        connection_balance._Worker.join(str(path))
        assert connection_balance._Worker.table is None  # serves on, without taking part
        assert "connection table full" in caplog.text
    finally:
        holder.kill()
        holder.wait()
        connection_balance.leave()


def test_a_worker_that_leaves_clears_its_slot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "connections"
    ConnectionTable.create(path)
    monkeypatch.setenv(connection_balance.TABLE_ENV, str(path))
    connection_balance.join_from_environment()
    try:
        table = ConnectionTable(path)
        assert [pid for pid, _ in table.slots()] == [os.getpid()]
    finally:
        connection_balance.leave()
    assert table.slots() == []
    table.close()


def test_without_a_table_nothing_is_ever_closed() -> None:
    """One worker (or the h11 parser's path, or the test client): no table, no decision to make."""
    assert connection_balance._Worker.table is None
    assert connection_balance._Worker.should_close_one() is False


# --- a real server ------------------------------------------------------------------------------------------


def _table_of(tmp: Path) -> ConnectionTable:
    found: list[Path] = []

    def exists() -> bool:
        found[:] = list(tmp.glob("dueprocess-*/connections"))
        return bool(found)

    deadline = time.monotonic() + GENEROUS
    while not exists():
        assert time.monotonic() < deadline, "the server made no connection table"
        time.sleep(0.2)
    return ConnectionTable(found[0])


class _Clients:
    """``n`` keep-alive HTTP/1.1 clients (the standard library's: it reconnects after ``Connection: close``),
    each sending GET /healthz in turn."""

    def __init__(self, port: int, n: int) -> None:
        self.conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=GENEROUS) for _ in range(n)]
        self.told_to_close = 0
        self.failed = 0

    def round(self) -> None:
        for c in self.conns:
            try:
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                assert r.status == 200
                if (r.getheader("connection") or "").lower() == "close":
                    self.told_to_close += 1
            except (ConnectionError, http.client.HTTPException):
                self.failed += 1  # a killed worker's connection: reconnect on the next round
                c.close()

    def close(self) -> None:
        for c in self.conns:
            c.close()


METRICS_TOKEN = "metrics-" + "m" * 40


def _upgrade_status(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=GENEROUS) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        return int(s.recv(65536).split(b" ", 2)[1])


def _metrics(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GENEROUS)
    try:
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        r = conn.getresponse()
        assert r.status == 200
        return r.read().decode()
    finally:
        conn.close()


def _samples(text: str, name: str) -> dict[str, float]:
    """{pid label: value} of one metric's samples."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels, value = line.rsplit(" ", 1)
            out[labels.split('pid="', 1)[1].split('"', 1)[0]] = float(value)
    return out


def _split(table: ConnectionTable, workers: set[int]) -> list[int]:
    by_pid = dict(table.slots())
    return sorted(by_pid.get(pid, 0) for pid in workers)


def _rounds_until(clients: _Clients, table: ConnectionTable, server: subprocess.Popen[bytes],
                  wanted: list[int]) -> None:
    """Rounds of requests until the workers hold ``wanted`` connections (sorted), with a generous bound."""
    deadline = time.monotonic() + GENEROUS
    while True:
        assert server.poll() is None
        clients.round()
        split = _split(table, _workers(server.pid))
        if split == wanted:
            return
        assert time.monotonic() < deadline, f"connections still split {split}, not {wanted}, after {GENEROUS:.0f} s"


def test_workers_even_out_their_keep_alive_connections(database_url: str, tmp_path: Path) -> None:
    n = 24
    port = free_port()
    server = _serve(database_url, "--port", str(port), "--workers", "2",
                    env={"TMPDIR": str(tmp_path), "METRICS_TOKEN": METRICS_TOKEN})
    clients = None
    table = None
    try:
        _until(lambda: _healthy(port), "the first answer", server)
        _until(lambda: len(_workers(server.pid)) == 2, "two workers", server)
        table = _table_of(tmp_path)
        _until(lambda: len(table.slots()) == 2, "both workers in the table", server)

        # An "Upgrade: websocket" request stays HTTP (no WebSocket protocol takes the connection out of the count).
        assert _upgrade_status(port) == 200
        _until(lambda: sum(n for _, n in table.slots()) == 0, "the upgrade's connection closed", server)

        # However the kernel spread the 24 connections, they end up 12/12.
        clients = _Clients(port, n)
        _rounds_until(clients, table, server, [12, 12])

        # Balanced, the server keeps every connection: no more "Connection: close".
        closed_so_far = clients.told_to_close
        for _ in range(20):
            clients.round()
        assert clients.told_to_close == closed_so_far
        assert clients.failed == 0

        # One worker fewer (uvicorn's SIGTTOU): it leaves the table, and every client ends up on the other.
        server.send_signal(signal.SIGTTOU)
        _until(lambda: len(_workers(server.pid)) == 1 and len(table.slots()) == 1, "one worker", server)
        _rounds_until(clients, table, server, [n])

        # One worker more (SIGTTIN): it starts with nothing, and the kernel would leave it idle, since keep-alive
        # connections never move by themselves. The busy worker sheds its excess until the split is even.
        server.send_signal(signal.SIGTTIN)
        _until(lambda: len(_workers(server.pid)) == 2 and len(table.slots()) == 2, "the new worker", server)
        before = clients.told_to_close
        _rounds_until(clients, table, server, [12, 12])
        assert clients.told_to_close - before >= 12, "12 connections moved without being told to close"

        # Whichever worker answers the scrape reports both: their open connections and what each has closed.
        text = _metrics(port)
        workers = _workers(server.pid)
        open_by_pid = _samples(text, "dueprocess_http_connections")
        assert set(open_by_pid) == {str(pid) for pid in workers}
        assert sorted(open_by_pid.values()) == [12.0, 13.0]  # the scrape's own connection is the 25th
        rebalanced = _samples(text, "dueprocess_http_connections_rebalanced_total")
        assert set(rebalanced) == {str(pid) for pid in workers}
        assert sum(rebalanced.values()) >= 12

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=GENEROUS) == 0
        assert not list(tmp_path.glob("dueprocess-*")), "the table outlived the server"
    finally:
        if clients is not None:
            clients.close()
        if table is not None:
            table.close()
        if server.poll() is None:
            _kill_with_workers(server)


def test_with_h11_there_is_no_table(database_url: str, tmp_path: Path) -> None:
    """uvicorn's h11 protocol does not count connections, so the server makes no table (whose zeros would show
    in /metrics as if no connection were open)."""
    port = free_port()
    server = _serve(database_url, "--port", str(port), "--workers", "2",
                    env={"TMPDIR": str(tmp_path), "HTTP_PARSER": "h11"})
    try:
        _until(lambda: _healthy(port), "the first answer", server)
        _until(lambda: len(_workers(server.pid)) == 2, "two workers", server)
        assert not list(tmp_path.glob("dueprocess-*"))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=GENEROUS)
        except subprocess.TimeoutExpired:
            _kill_with_workers(server)
