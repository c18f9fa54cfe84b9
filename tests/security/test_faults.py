"""Fault injection: lost connections, database down, lost updates, failed audit writes, busy databases
(docs/security-model.md#attack-catalogue, C4, C5, L4, R5; docs/design.md#optimistic-locking, #audit-chain,
#sessions-and-commits).

How "the database is down" is simulated without stopping the shared server (test_readyz_follows_the_database):

* PostgreSQL: a second app reaches the (already migrated) test database through a tiny TCP proxy running in a
  thread. "Down" closes the proxy's listening socket and cuts every proxied connection, so the app's pool holds
  dead connections and new ones are refused — what a crashed or restarting server looks like from the app.
  "Up" listens again on the same port; nothing in the app is touched in between.
* SQLite: a second app works on a copy of the migrated database file. "Down" renames the copy's directory away
  (tests run as root, so chmod would not stop anything) and disposes the pool — an open SQLite handle keeps
  reading a moved file, so only new connections can notice; "up" renames it back.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.core.config import Settings
from tests.conftest import BACKEND, assert_problem
from tests.factories import make_client

API = "/api/v1"
pg_only = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL only (pg_terminate_backend, LOCK TABLE)")
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite locking behaviour")


def _user_body(email: str | None = None) -> dict[str, Any]:
    return {"email": email or f"fault-{uuid.uuid4().hex[:10]}@example.org", "full_name": "Fictional Fault User",
            "role": "paralegal", "password": "a long fictional passphrase 42"}


def _user_exists(db: Any, email: str) -> bool:
    from app.auth.models import UserAccount

    with db.session() as s:
        return s.execute(select(UserAccount.id).where(UserAccount.email == email)).first() is not None  # type: ignore[arg-type]


def _chain(db: Any, org_id: uuid.UUID) -> tuple[int, dict[str, Any]]:
    from app.core.audit import AuditChainHead, verify_chain

    with db.session() as s:
        head = s.get(AuditChainHead, org_id)
        return (head.seq if head else 0), verify_chain(s, org_id)


# --- (a) the connection dies in the middle of a request ---------------------------------------------------

@pg_only
@pytest.mark.parametrize("kill_at", [1, 2, 3, 4, 5, "commit"])
def test_connection_killed_mid_request(client: Any, db: Any, org_a: Any, kill_at: int | str) -> None:
    """POST /users runs 5 statements on its session (e-mail check, INSERT user, 3 audit-chain statements) and a
    COMMIT; the principal read before them goes through the asynchronous pool (app/core/async_reads.py).
    The server ends the request's backend just before statement ``kill_at``: the answer is a 503 problem, no
    user row exists, the audit chain is untouched, and the very next request succeeds (the pool replaces the
    dead connection)."""
    admin = create_engine(make_url(db.engine.url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    seq_before, _ = _chain(db, org_a.id)
    state = {"n": 0, "killed": False}

    def kill(conn: Any) -> None:
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as c:  # from a second connection; wait (up to 5 s) until the backend is gone
            c.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        state["killed"] = True

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        state["n"] += 1
        if state["n"] == kill_at and not state["killed"]:
            kill(conn)

    def before_commit(conn: Any) -> None:
        if kill_at == "commit" and not state["killed"] and state["n"] >= 5:
            kill(conn)

    body = _user_body()
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "commit", before_commit)
    try:
        r = client.post(f"{API}/users", headers=org_a.h("admin"), json=body)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "commit", before_commit)
        admin.dispose()
    assert state["killed"], f"the request ran only {state['n']} statements"
    assert_problem(r, 503, "database_unavailable")
    assert r.headers.get("retry-after")
    assert not _user_exists(db, body["email"])
    seq_after, verdict = _chain(db, org_a.id)
    assert seq_after == seq_before and verdict["ok"], verdict
    again = client.post(f"{API}/users", headers=org_a.h("admin"), json=body)
    assert again.status_code == 201, again.text
    assert client.get(f"{API}/users", headers=org_a.h("admin")).status_code == 200


@pg_only
def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(client: Any, db: Any,
                                                                       org_a: Any) -> None:
    """Connections idle for a second or more are tested at checkout (app/core/db.py): a backend that ended
    while its connection sat in the pool (server restart, failover, idle kill) never reaches a request."""
    from app.core.db import PING_AFTER_IDLE_SECONDS

    h = org_a.h("paralegal")
    assert client.get(f"{API}/clients", headers=h).status_code == 200
    with db.session() as s:
        pid = s.connection().connection.dbapi_connection.info.backend_pid
    admin = create_engine(make_url(db.engine.url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            assert c.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()
    finally:
        admin.dispose()
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.1)
    for _ in range(3):  # whichever pooled connection each request gets, none is the dead one
        assert client.get(f"{API}/clients", headers=h).status_code == 200


# --- (b) readiness follows the database -------------------------------------------------------------------

class TcpProxy:
    """Forward 127.0.0.1:<port> to an upstream address; ``down()`` refuses and cuts connections, ``up()`` resumes."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self.up()

    def up(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(16)
        self.port = srv.getsockname()[1]
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            try:  # wakes the thread blocked in accept(); close() alone would leave the socket listening
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None
        with self._lock:
            for s in self._conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._conns.clear()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _sqlite_copy(src: str, dst: Path) -> None:
    """A consistent copy of a live (WAL) SQLite database."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


@pytest.fixture
def outage(settings: Any, tmp_path: Path, make_org: Any) -> Iterator[dict[str, Any]]:
    """A second app whose database can be taken down and brought back (see the module docstring)."""
    from app.main import create_app

    org = make_org("Outage Org")  # before the SQLite copy is taken, so the copy knows this admin
    box: dict[str, Any] = {"headers": org.h("admin")}
    proxy: TcpProxy | None = None
    if BACKEND == "postgres":
        url = make_url(settings.database_url)
        proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
        app_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        box["down"], box["up"] = proxy.down, proxy.up
    else:
        live_dir, gone_dir = tmp_path / "live", tmp_path / "gone"
        live_dir.mkdir()
        _sqlite_copy(str(make_url(settings.database_url).database), live_dir / "copy.sqlite3")
        app_url = f"sqlite:///{live_dir / 'copy.sqlite3'}"

        def down() -> None:
            box["app"].state.db.dispose()
            live_dir.rename(gone_dir)

        def up() -> None:
            gone_dir.rename(live_dir)

        box["down"], box["up"] = down, up
    box["app"] = create_app(Settings(database_url=app_url))
    try:
        yield box
    finally:
        if proxy is not None:
            proxy.down()
        box["app"].state.db.dispose()


def test_readyz_follows_the_database(outage: dict[str, Any]) -> None:
    with TestClient(outage["app"], raise_server_exceptions=False) as c:
        assert c.get("/readyz").status_code == 200
        assert c.get(f"{API}/auth/me", headers=outage["headers"]).status_code == 200
        outage["down"]()
        assert c.get("/healthz").status_code == 200  # liveness never touches the database
        r = c.get("/readyz")
        assert_problem(r, 503, "database_unavailable")
        assert r.headers.get("retry-after")
        # API calls fail cleanly too (503 problem, never a 500 or a hang).
        assert_problem(c.get(f"{API}/auth/me", headers=outage["headers"]), 503, "database_unavailable")
        outage["up"]()
        deadline = time.monotonic() + 10
        while (status := c.get("/readyz").status_code) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
        assert c.get(f"{API}/auth/me", headers=outage["headers"]).status_code == 200


def test_app_starts_while_the_database_is_down(outage: dict[str, Any]) -> None:
    """docs/security-model.md#concurrency-and-faults "no crash loop": an instance started during an outage serves
    liveness, reports not-ready,
    and becomes ready by itself when the database returns."""
    outage["down"]()
    try:
        with TestClient(outage["app"], raise_server_exceptions=False) as c:
            assert c.get("/healthz").status_code == 200
            assert_problem(c.get("/readyz"), 503, "database_unavailable")
            outage["up"]()
            deadline = time.monotonic() + 10
            while (status := c.get("/readyz").status_code) != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert status == 200
            assert c.get(f"{API}/auth/me", headers=outage["headers"]).status_code == 200
    finally:
        try:
            outage["up"]()
        except OSError:
            pass  # already up


# --- (c) no lost update: two PATCHes with the same If-Match -----------------------------------------------

def _race(app: Any, requests: list[tuple[str, str, dict[str, str], Any]]) -> list[Any]:
    """Send the requests at the same moment from separate threads (one TestClient each)."""
    barrier = threading.Barrier(len(requests))
    out: list[Any] = [None] * len(requests)

    def go(i: int) -> None:
        method, url, headers, body = requests[i]
        c = TestClient(app, raise_server_exceptions=False)
        barrier.wait()
        out[i] = c.request(method, url, headers=headers, json=body)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_patch_same_if_match(app: Any, client: Any, org_a: Any, round_: int) -> None:
    h = org_a.h("admin")
    target = org_a.users["paralegal"].id
    current = client.get(f"{API}/users/{target}", headers=h)
    etag = current.headers["etag"]
    hm = {**h, "If-Match": etag}
    a, b = _race(app, [("PATCH", f"{API}/users/{target}", hm, {"full_name": "Fictional Name A"}),
                       ("PATCH", f"{API}/users/{target}", hm, {"full_name": "Fictional Name B"})])
    assert sorted([a.status_code, b.status_code]) == [200, 412], (a.text, b.text)
    loser = a if a.status_code == 412 else b
    winner = b if loser is a else a
    assert_problem(loser, 412, "version_conflict")
    after = client.get(f"{API}/users/{target}", headers=h)
    assert after.json()["full_name"] == winner.json()["full_name"]
    assert int(after.headers["etag"].strip('"')) == int(etag.strip('"')) + 1


# --- (d) the audit write fails: the change is rolled back -------------------------------------------------

def _boom_runtime(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("simulated audit failure")


def _boom_disk(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("INSERT INTO audit_event ...", {}, Exception("disk I/O error (simulated)"))


@pytest.mark.parametrize(("boom", "status"), [(_boom_runtime, 500), (_boom_disk, 503)], ids=["runtime", "disk"])
@pytest.mark.parametrize("action", ["create_user", "update_user", "create_client", "custody_event"])
def test_audit_failure_rolls_back(client: Any, db: Any, org_a: Any, monkeypatch: pytest.MonkeyPatch,
                                  boom: Any, status: int, action: str) -> None:
    from app.custody.models import CustodyEvent

    h = org_a.h("admin")
    seq_before, _ = _chain(db, org_a.id)
    victim = org_a.users["paralegal"].id
    etag = client.get(f"{API}/users/{victim}", headers=h).headers["etag"]
    person = make_client(db, org_a.id)
    email = f"audit-{uuid.uuid4().hex[:10]}@example.org"
    surname = f"Rollback{uuid.uuid4().hex[:6]}"

    monkeypatch.setattr("app.core.audit.record_raw", boom)
    if action == "create_user":
        r = client.post(f"{API}/users", headers=h, json=_user_body(email))
    elif action == "update_user":
        r = client.patch(f"{API}/users/{victim}", headers={**h, "If-Match": etag}, json={"full_name": "Changed Name"})
    elif action == "create_client":
        r = client.post(f"{API}/clients", headers=h, json={"given_names": "Fictional", "first_surname": surname})
    else:
        r = client.post(f"{API}/clients/{person.id}/custody-events", headers=h, json={
            "status": "detained_ice", "effective_at": "2026-01-05T10:00:00Z", "source_type": "attorney_visit",
            "confidence": "confirmed", "location_text": "Fictional County Jail"})
    monkeypatch.undo()

    assert_problem(r, status)
    assert 500 <= r.status_code < 600
    assert "simulated" not in r.text  # no internals in the body
    if action == "create_user":
        assert not _user_exists(db, email)
    elif action == "update_user":
        after = client.get(f"{API}/users/{victim}", headers=h)
        assert after.headers["etag"] == etag and after.json()["full_name"] != "Changed Name"
    elif action == "create_client":
        listed = client.get(f"{API}/clients", headers=h, params={"q": surname}).json()
        assert listed["total"] == 0
    else:
        with db.session() as s:
            rows = s.execute(select(CustodyEvent.id).where(CustodyEvent.client_id == person.id)).all()  # type: ignore[arg-type]
        assert rows == []
    seq_after, verdict = _chain(db, org_a.id)
    assert seq_after == seq_before and verdict["ok"], verdict


# --- (e) busy databases never produce a 500 ---------------------------------------------------------------

def test_concurrent_writers_never_500(app: Any, org_a: Any) -> None:
    """Eight writers at once (SQLite serializes them on its single write lock; PostgreSQL does not)."""
    h = org_a.h("paralegal")
    for _ in range(2):
        reqs = [("POST", f"{API}/clients", h, {"given_names": "Fictional", "first_surname": f"Writer{i}"})
                for i in range(8)]
        reqs += [("POST", f"{API}/groups", h, {"name": f"Fictional flight {uuid.uuid4().hex[:8]}"}) for _ in range(4)]
        results = _race(app, reqs)
        assert [r.status_code for r in results] == [201] * len(reqs), [(r.status_code, r.text[:200]) for r in results]


@sqlite_only
def test_sqlite_lock_longer_than_busy_timeout_is_503(settings: Any, db: Any, org_a: Any) -> None:
    """Another process holds the write lock: a short wait succeeds, a wait past busy_timeout is a 503 problem."""
    from app.main import create_app

    short = create_app(Settings(database_url=settings.database_url, sqlite_busy_timeout_ms=300))
    path = make_url(settings.database_url).database
    h = org_a.h("paralegal")
    with TestClient(short, raise_server_exceptions=False) as c:
        for hold, expected in ((0.1, 201), (1.5, 503)):
            locker = sqlite3.connect(path, isolation_level=None, timeout=5, check_same_thread=False)
            locker.execute("BEGIN IMMEDIATE")
            release = threading.Timer(hold, lambda lk=locker: (lk.execute("ROLLBACK"), lk.close()))
            release.start()
            try:
                r = c.post(f"{API}/clients", headers=h, json={"given_names": "Fictional", "first_surname": "Locked"})
            finally:
                release.join()
            if expected == 201:
                assert r.status_code == 201, r.text
            else:
                assert_problem(r, 503)
                assert r.headers.get("retry-after")
    short.state.db.dispose()


@pg_only
def test_postgres_statement_timeout_is_503(settings: Any, db: Any, org_a: Any) -> None:
    """A table lock held elsewhere longer than statement_timeout: the request ends with a 503, not a hang/500."""
    from app.main import create_app

    short = create_app(Settings(database_url=settings.database_url, db_statement_timeout_ms=300))
    locker = create_engine(make_url(db.engine.url), poolclass=NullPool)
    with TestClient(short, raise_server_exceptions=False) as c, locker.connect() as lk:
        lk.execute(text("LOCK TABLE client IN ACCESS EXCLUSIVE MODE"))
        t0 = time.monotonic()
        r = c.get(f"{API}/clients", headers=org_a.h("paralegal"))
        elapsed = time.monotonic() - t0
        lk.rollback()
    locker.dispose()
    short.state.db.dispose()
    assert_problem(r, 503)
    assert elapsed < 5
