"""No lockout by strangers (issue: "Anyone can lock any known account out"; docs/SECURITY.md "Login throttling").

The throttle counts per (account, address) pair with exponential backoff, per address, and per account from
unfamiliar addresses; a guess is reserved before the password is verified, so parallel guesses cannot pass the
limit; a wrong current password at POST /auth/password is throttled and audited."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.auth import service
from app.auth.throttle import LoginThrottle
from app.core.audit import AuditEvent
from app.core.errors import ProblemError
from tests.conftest import PASSWORD, assert_problem

TOKEN = "/api/v1/auth/token"


def _addr() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"


def _client(app: Any, ip: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(ip, 50000))


def _login(c: TestClient, email: str, password: str = PASSWORD) -> Any:
    return c.post(TOKEN, data={"username": email, "password": password})


@pytest.fixture
def frozen(app: Any) -> Any:
    """A throttle with a frozen clock: 5 free failures per pair, then 1 s, 2 s, 4 s … (old and new constructors
    both take these three positional arguments)."""
    now = [10_000.0]
    original = app.state.login_throttle
    app.state.login_throttle = LoginThrottle(5, 1000, 900, clock=lambda: now[0])
    yield now
    app.state.login_throttle = original


class CountingPasswords:
    """Wraps the app's PasswordService: counts every verification and makes each one slow enough that parallel
    requests overlap (the window a check-then-act throttle loses)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.count, self._lock = inner, 0, threading.Lock()

    def _tick(self) -> None:
        with self._lock:
            self.count += 1
        threading.Event().wait(0.05)

    def verify(self, password: str, hashed: str | None) -> Any:
        self._tick()
        return self.inner.verify(password, hashed)

    def verify_dummy(self, password: str) -> Any:
        self._tick()
        return self.inner.verify_dummy(password)

    def hash(self, password: str) -> str:
        return self.inner.hash(password)


def test_parallel_wrong_passwords_are_never_verified_beyond_the_limit(app: Any, db: Any, org_a: Any) -> None:
    now = [10_000.0]
    throttle = LoginThrottle(5, 1000, 900, clock=lambda: now[0])
    passwords = CountingPasswords(app.state.passwords)
    email = org_a.users["paralegal"].email
    ip = _addr()

    def guess(i: int) -> int:
        with db.session(write=True) as s:
            try:
                service.login(s, app.state.settings, passwords, throttle, email=email, password=f"wrong guess {i}",
                              ip=ip, request_id=None)
            except ProblemError as exc:
                return exc.status
        return 200

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(guess, range(30)))
    assert passwords.count <= 5, f"{passwords.count} guesses verified in parallel, limit 5"
    assert statuses.count(401) == passwords.count and statuses.count(429) == 30 - passwords.count


def test_right_password_from_a_clean_address_signs_in_while_strangers_hammer(app: Any, org_a: Any,
                                                                              frozen: Any) -> None:
    email = org_a.users["attorney"].email
    stranger, owner = _client(app, _addr()), _client(app, _addr())
    statuses = [_login(stranger, email, f"guess number {i}").status_code for i in range(10)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    assert _login(owner, email).status_code == 200  # the owner is not locked out by the stranger
    assert _login(stranger, email).status_code == 429  # the stranger's address still waits


def test_throttled_address_gets_429_with_retry_after_growing_exponentially(app: Any, org_a: Any,
                                                                           frozen: Any) -> None:
    email = org_a.users["admin"].email
    c = _client(app, _addr())
    assert [_login(c, email, f"guess {i}").status_code for i in range(5)] == [401] * 5
    waits = []
    for _ in range(4):
        r = _login(c, email, "another guess")
        body = assert_problem(r, 429, "too_many_attempts")
        waits.append(int(r.headers["Retry-After"]))
        assert body["retry_after"] == waits[-1]
        frozen[0] += waits[-1]
        assert _login(c, email, "yet another guess").status_code == 401
    assert waits == [1, 2, 4, 8]


def test_unknown_account_is_throttled_like_a_known_one(app: Any, frozen: Any) -> None:
    c = _client(app, _addr())
    ghost = f"ghost-{uuid.uuid4().hex[:8]}@example.org"
    statuses = [_login(c, ghost, "guess guess").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_account_ceiling_stops_unfamiliar_addresses_not_familiar_ones(app: Any, org_a: Any) -> None:
    """A distributed guess (many fresh addresses) stops at the account ceiling; an address the owner signed in
    from before still works (Entra's familiar/unfamiliar split)."""
    now = [10_000.0]
    original = app.state.login_throttle
    app.state.login_throttle = LoginThrottle(5, 1000, 900, account_ceiling=6, clock=lambda: now[0])
    try:
        email = org_a.users["paralegal"].email
        home = _client(app, _addr())
        assert _login(home, email).status_code == 200  # home becomes familiar
        statuses = [_login(_client(app, _addr()), email, "distributed guess").status_code for _ in range(9)]
        assert statuses == [401] * 6 + [429] * 3
        assert _login(_client(app, _addr()), email).status_code == 429  # an unfamiliar address waits
        assert _login(home, email).status_code == 200
    finally:
        app.state.login_throttle = original


def test_per_address_limit_across_accounts(app: Any) -> None:
    original = app.state.login_throttle
    app.state.login_throttle = LoginThrottle(5, 4, 900)
    try:
        c = _client(app, _addr())
        statuses = [_login(c, f"stuff-{i}@example.org", "guess guess").status_code for i in range(6)]
        assert statuses == [401] * 4 + [429, 429]
    finally:
        app.state.login_throttle = original


# --- POST /auth/password: not a free password oracle for a stolen access token ---------------------------

def test_wrong_current_passwords_are_throttled_and_audited(app: Any, client: Any, db: Any, make_org: Any) -> None:
    from app.auth.throttle import BackoffCounter

    org = make_org()
    user, h = org.users["paralegal"], org.h("paralegal")
    now = [10_000.0]
    original = getattr(app.state, "password_throttle", None)
    app.state.password_throttle = BackoffCounter(5, 30, 900, 86_400, clock=lambda: now[0])
    try:
        def change(current: str) -> Any:
            return client.post("/api/v1/auth/password", headers=h,
                               json={"current_password": current, "new_password": "a new long passphrase 42"})

        guesses = [f"stolen-token guess {i}" for i in range(7)]
        statuses = [change(g).status_code for g in guesses]
        assert statuses == [403] * 5 + [429, 429]
        r = change(PASSWORD)  # even the right one waits while the account backs off
        assert_problem(r, 429, "too_many_attempts")
        assert r.headers["Retry-After"] == "30"
        with db.session() as s:
            events = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                                     AuditEvent.action == "auth.password_change_failed")).all()
        assert len(events) == 5 and all(str(e.entity_id) == str(user.id) for e in events)
        for e in events:
            text = repr(e.detail)
            assert not any(g in text for g in guesses) and PASSWORD not in text
        now[0] += 30
        assert change(PASSWORD).status_code == 204
    finally:
        if original is None:
            del app.state.password_throttle
        else:
            app.state.password_throttle = original


# --- the throttle itself ----------------------------------------------------------------------------------

def test_throttle_units_release_memory_and_cap() -> None:
    now = [0.0]
    t = LoginThrottle(2, 1000, 900, backoff_base_seconds=10, backoff_max_seconds=40, memory_seconds=3600,
                      clock=lambda: now[0])
    a, _ = t.reserve("acct", "ip1")
    assert a is not None
    t.release(a)  # e.g. the database failed before any answer: the attempt is given back
    for _ in range(2):
        a, _ = t.reserve("acct", "ip1")
        assert a is not None
        t.failed(a)
    waits = []
    for _ in range(5):
        a, wait = t.reserve("acct", "ip1")
        assert a is None and wait is not None
        waits.append(wait)
        now[0] += wait
        a, _ = t.reserve("acct", "ip1")
        assert a is not None
        t.failed(a)
    assert waits == [10, 20, 40, 40, 40]  # doubling, capped
    assert t.reserve("acct", "ip2")[0] is not None  # another address is not affected
    now[0] += 3600  # a pair's failures are forgotten after the memory period without one
    assert t.reserve("acct", "ip1")[0] is not None
