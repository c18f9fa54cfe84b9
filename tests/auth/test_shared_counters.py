"""Counters shared by several API instances, and the client address behind a reverse proxy
(app/auth/shared_throttle.py, app/core/client_address.py, app/core/ratelimit.py; docs/SECURITY.md).

"Two API instances" here are two application objects, each with its own ``Database`` (its own connection
pools), against the same PostgreSQL database: what two processes or two machines have in common."""

from __future__ import annotations

import os
import random
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.auth.shared_throttle import SharedLoginThrottle
from app.auth.throttle import LoginThrottle
from app.core.audit import AuditEvent
from app.core.client_address import client_address, parse_networks
from app.core.config import Settings
from app.core.db import make_database
from tests.conftest import BACKEND, PASSWORD, assert_problem

TOKEN = "/api/v1/auth/token"
postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="the shared throttle is PostgreSQL's")


def _login(c: TestClient, email: str, password: str = PASSWORD, xff: str | None = None) -> Any:
    headers = {"X-Forwarded-For": xff} if xff else {}
    return c.post(TOKEN, data={"username": email, "password": password}, headers=headers)


@pytest.fixture
def instances(settings: Settings) -> Iterator[Any]:
    """A factory of independent API instances (own Database, own throttles) on the test database."""
    from app.main import create_app

    made = []

    def make(peer: str, **over: Any) -> TestClient:
        s = Settings(database_url=settings.database_url, **over)
        db = make_database(s)
        c = TestClient(create_app(s, db=db), raise_server_exceptions=False, client=(peer, 40000))
        c.__enter__()
        made.append((c, db))
        return c

    yield make
    for c, db in made:
        c.__exit__(None, None, None)
        db.dispose()


# --- the login throttle shared in PostgreSQL ------------------------------------------------------------

def test_sqlite_keeps_the_in_memory_throttle_postgres_the_shared_one(app: Any) -> None:
    shared = isinstance(app.state.login_throttle, SharedLoginThrottle)
    assert shared is (BACKEND == "postgres")
    assert isinstance(app.state.login_throttle, LoginThrottle)


@postgres_only
def test_two_api_instances_share_one_login_throttle(instances: Any, org_a: Any) -> None:
    user = org_a.users["paralegal"]
    one, two = instances("198.51.100.31"), instances("198.51.100.31")
    # Five free failures for this (account, address) pair, spread over both instances ...
    for c in (one, two, one, two, one):
        assert_problem(_login(c, user.email, "wrong password here"), 401)
    # ... then the pair waits, on either instance, even with the right password.
    for c in (one, two):
        r = _login(c, user.email)
        assert_problem(r, 429)
        assert int(r.headers["retry-after"]) >= 1
    # Another address is not affected (no lockout by strangers), on either instance.
    other = instances("198.51.100.32")
    assert _login(other, user.email).status_code == 200


@postgres_only
def test_shared_reservations_are_atomic_under_parallel_guesses(db: Any) -> None:
    """20 guesses at once for one pair on two 'instances': exactly the 5 free ones get verified."""
    t1 = SharedLoginThrottle(db.write_engine, 5, 1000, 900)
    other = make_database(Settings(database_url=str(db.engine.url.render_as_string(hide_password=False))))
    t2 = SharedLoginThrottle(other.write_engine, 5, 1000, 900)
    account, ip = f"{uuid.uuid4().hex}@example.org", "203.0.113.77"
    granted: list[Any] = []
    lock = threading.Lock()

    def guess(throttle: SharedLoginThrottle) -> None:
        attempt, _ = throttle.reserve(account, ip)
        if attempt is not None:
            with lock:
                granted.append(attempt)

    threads = [threading.Thread(target=guess, args=(t1 if i % 2 else t2,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    assert len(granted) == 5
    assert t1.failures(account, ip) == 5


@postgres_only
def test_shared_success_forgets_the_pair_and_release_gives_back(db: Any) -> None:
    now = [1_000_000.0]
    t = SharedLoginThrottle(db.write_engine, 2, 1000, 900, clock=lambda: now[0])
    account, ip = f"{uuid.uuid4().hex}@example.org", "203.0.113.78"
    a, _ = t.reserve(account, ip)
    assert a is not None
    t.release(a)  # an error before the answer: not a failure
    assert t.failures(account, ip) == 0
    for _ in range(2):
        a, _ = t.reserve(account, ip)
        assert a is not None
        t.failed(a)
    assert t.reserve(account, ip) == (None, 1)  # backoff: 1 s after the last failure
    now[0] += 1
    a, _ = t.reserve(account, ip)
    assert a is not None
    t.succeeded(a)
    assert t.failures(account, ip) == 0


# --- the client address: X-Forwarded-For only from a trusted proxy ------------------------------------------

def test_client_address_walks_the_header_right_to_left_skipping_trusted_hops() -> None:
    trusted = parse_networks(["10.0.0.0/8", "2001:db8::/32"])
    assert client_address("10.0.0.2", ["203.0.113.5"], trusted) == "203.0.113.5"
    # What the client itself wrote (left of what our proxy appended) is ignored.
    assert client_address("10.0.0.2", ["1.2.3.4, 203.0.113.5"], trusted) == "203.0.113.5"
    assert client_address("10.0.0.2", ["1.2.3.4, 203.0.113.5, 10.1.1.1"], trusted) == "203.0.113.5"
    assert client_address("10.0.0.2", ["1.2.3.4", "203.0.113.5"], trusted) == "203.0.113.5"  # two lines
    assert client_address("192.0.2.9", ["203.0.113.5"], trusted) == "192.0.2.9"  # untrusted peer
    assert client_address("10.0.0.2", [], trusted) == "10.0.0.2"
    assert client_address("10.0.0.2", ["not-an-address"], trusted) == "10.0.0.2"
    assert client_address("::ffff:10.0.0.2", ["[2001:db9::1]:443"], trusted) == "2001:db9::1"
    assert client_address("10.0.0.2", ["203.0.113.5"], ()) == "10.0.0.2"  # nothing trusted: header ignored
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks(["10.0.0.0/33"])
    with pytest.raises(ValueError):
        Settings(trusted_proxies=["not a network"])


def test_forwarded_for_from_an_untrusted_peer_is_ignored(instances: Any, org_a: Any) -> None:
    """The default (no TRUSTED_PROXIES): anyone could write the header, so 30 failures with 30 invented
    addresses all count against the one real peer."""
    peer = f"192.0.2.{random.randint(1, 250)}"
    c = instances(peer, login_max_failures_per_ip=30)
    for i in range(30):
        assert_problem(_login(c, f"nobody-{uuid.uuid4().hex[:8]}@example.org", "guess guess guess",
                              xff=f"203.0.113.{i + 1}"), 401)
    r = _login(c, org_a.users["attorney"].email, xff="198.51.100.99")
    assert_problem(r, 429)


def test_thirty_failures_through_a_trusted_proxy_do_not_lock_out_a_real_user(instances: Any, org_a: Any,
                                                                           db: Any) -> None:
    """Behind the proxy every TCP peer is the proxy; the client address comes from its header."""
    c = instances("10.0.0.2", login_max_failures_per_ip=30, trusted_proxies=["10.0.0.0/8"])
    base = random.randint(0, 200)
    for i in range(30):
        assert_problem(_login(c, f"nobody-{uuid.uuid4().hex[:8]}@example.org", "guess guess guess",
                              xff=f"198.18.{base}.{i + 1}"), 401)
    user = org_a.users["attorney"]
    r = _login(c, user.email, xff=f"198.19.{base}.7")
    assert r.status_code == 200, r.text
    # The audit trail records the client, not the proxy: the same address the throttle counted.
    with db.session() as s:
        ev = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                             AuditEvent.action == "auth.login")
                    .order_by(AuditEvent.seq.desc())).first()  # type: ignore[attr-defined]
    assert ev is not None and ev.ip == f"198.19.{base}.7"
    # One address still gets its 30 and no more (the per-address limit holds behind the proxy).
    for _ in range(30):
        _login(c, f"nobody-{uuid.uuid4().hex[:8]}@example.org", "guess guess guess", xff=f"198.18.{base}.250")
    assert_problem(_login(c, user.email, xff=f"198.18.{base}.250"), 429)


# --- general rate limits in Redis -----------------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis at TEST_REDIS_URL")
def test_redis_rate_limits_are_shared_by_two_instances(instances: Any) -> None:
    peer = f"198.51.{random.randint(0, 255)}.{random.randint(1, 254)}"
    one = instances(peer, rate_limit_enabled=True, rate_limit_per_minute_ip=3, redis_url=REDIS_URL)
    two = instances(peer, rate_limit_enabled=True, rate_limit_per_minute_ip=3, redis_url=REDIS_URL)
    prefix = f"dp-test:{uuid.uuid4().hex}:"  # this run's keys only
    for c in (one, two):
        c.app.state.rate_limiter.prefix = prefix  # type: ignore[attr-defined]
    codes = [c.get("/api/v1/auth/me").status_code for c in (one, two, one)]
    assert codes == [401, 401, 401]
    r = two.get("/api/v1/auth/me")
    assert_problem(r, 429, "rate_limited")
    assert r.headers["x-ratelimit-limit"] == "3" and int(r.headers["retry-after"]) >= 1


def test_rate_limits_fail_open_when_redis_is_unreachable(instances: Any) -> None:
    c = instances("198.51.100.60", rate_limit_enabled=True, rate_limit_per_minute_ip=1,
                  redis_url="redis://127.0.0.1:1/0")
    assert [c.get("/api/v1/auth/me").status_code for _ in range(3)] == [401, 401, 401]
