"""Rate limits per user and per IP: 429 problem + Retry-After + X-RateLimit-* headers; windows reset
(docs/security-model.md#resource-limits)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.ratelimit import RateLimiter
from tests.conftest import assert_problem, mint_headers


def _app(settings: Any, db: Any, **over: Any) -> Any:
    from app.main import create_app

    s = Settings(database_url=settings.database_url, rate_limit_enabled=True, **over)
    return create_app(s, db=db)


def test_per_user_limit(settings: Any, db: Any, org_a: Any) -> None:
    app = _app(settings, db, rate_limit_per_minute_user=3, rate_limit_per_minute_ip=1000)
    now = [120.0]
    app.state.rate_limiter.clock = lambda: now[0]
    h = mint_headers(settings, org_a.users["paralegal"])
    with TestClient(app) as c:
        rs = [c.get("/api/v1/auth/me", headers=h) for _ in range(4)]
        assert [r.status_code for r in rs] == [200, 200, 200, 429]
        assert rs[0].headers["x-ratelimit-limit"] == "3"
        assert rs[0].headers["x-ratelimit-remaining"] == "2"
        assert_problem(rs[3], 429, "rate_limited")
        assert int(rs[3].headers["retry-after"]) > 0
        # another user is not affected
        assert c.get("/api/v1/auth/me", headers=mint_headers(settings, org_a.users["admin"])).status_code == 200
        now[0] += 60  # next window
        assert c.get("/api/v1/auth/me", headers=h).status_code == 200


def test_per_ip_limit_applies_before_authentication(settings: Any, db: Any) -> None:
    app = _app(settings, db, rate_limit_per_minute_user=1000, rate_limit_per_minute_ip=2)
    app.state.rate_limiter.clock = lambda: 30.0
    with TestClient(app) as c:
        codes = [c.get("/api/v1/auth/me").status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        r = c.get("/api/v1/users")
        assert_problem(r, 429, "rate_limited")
        assert r.headers["retry-after"] == "30"
        assert c.get("/healthz").status_code == 200  # probes are never limited


def test_limiter_window_math() -> None:
    rl = RateLimiter(per_user=1, per_ip=1, clock=lambda: 59.5)
    ok, headers = asyncio.run(rl.check_ip("1.2.3.4"))
    assert ok and headers["X-RateLimit-Reset"] == "1"
    assert asyncio.run(rl.check_ip("1.2.3.4"))[0] is False
