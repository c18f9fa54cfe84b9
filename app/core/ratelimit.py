"""Request rate limits per user and per client address (docs/security-model.md#resource-limits, OWASP API4).

Fixed one-minute windows: cheap, and generous by default (600/min per user, 1,200/min per address). Over the
limit: 429 problem+json with ``Retry-After``; every limited response carries ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (seconds to the window's end).

Where the counters live (docs/DECISIONS.md, "Shared counters"):

- ``REDIS_URL`` set: in Redis (``RedisRateLimiter``), shared by every process and machine — one ``INCR`` and
  one ``EXPIRE`` per request in one round trip, atomic per key.
- otherwise in process memory (``RateLimiter``): each process counts alone, so N processes allow up to N times
  the limit. Deliberately *not* in PostgreSQL: every request of 50 users behind one office address would update
  the same row, and those updates serialize on its lock (the login throttle, at a far lower rate, does use
  PostgreSQL: app/auth/shared_throttle.py).

If Redis cannot be reached the request is allowed and a warning logged: these limits protect capacity, not
accounts (the login throttle protects accounts and never fails open), and an unreachable Redis must not take
the whole API down with it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.core.errors import ProblemError

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from app.core.config import Settings

WINDOW_SECONDS = 60.0
log = logging.getLogger("app.ratelimit")


class RateLimiter:
    """Per-process counters (the default without ``REDIS_URL``)."""

    def __init__(self, per_user: int, per_ip: int, clock: Callable[[], float] = time.time) -> None:
        self.per_user = per_user
        self.per_ip = per_ip
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    async def count(self, key: str, window: int) -> int:
        """Count one request for ``key`` in ``window``; the count so far, this one included."""
        with self._lock:
            w, n = self._counts.get(key, (window, 0))
            if w != window:
                n = 0
            n += 1
            self._counts[key] = (window, n)
            if len(self._counts) > 100_000:  # bound memory: drop stale windows
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        return n

    async def _hit(self, key: str, limit: int) -> tuple[bool, int, int]:
        """Count one request; return (allowed, remaining, seconds_to_reset)."""
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        n = await self.count(key, window)
        return n <= limit, max(0, limit - n), reset

    async def check_ip(self, ip: str) -> tuple[bool, dict[str, str]]:
        allowed, remaining, reset = await self._hit(f"ip:{ip}", self.per_ip)
        return allowed, _headers(self.per_ip, remaining, reset)

    async def check_user(self, request: HTTPConnection, user_id: str) -> None:
        allowed, remaining, reset = await self._hit(f"user:{user_id}", self.per_user)
        headers = _headers(self.per_user, remaining, reset)
        request.scope.setdefault("state", {})["dp_ratelimit"] = headers
        if not allowed:
            raise ProblemError(429, "rate_limited", "Too many requests; slow down.",
                               headers={**headers, "Retry-After": str(reset)})

    async def close(self) -> None:
        return None


class RedisRateLimiter(RateLimiter):
    """The same windows, counted in Redis so that every instance shares them. The wall clock (``time.time``)
    names the window, so instances agree on it as far as their clocks agree (NTP: milliseconds)."""

    def __init__(self, url: str, per_user: int, per_ip: int, *, prefix: str = "dp:rl:",
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(per_user, per_ip, clock)
        self.url = url
        self.prefix = prefix
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _redis(self) -> Any:
        # A redis.asyncio client belongs to the event loop that first used it; a server has one loop per
        # process, tests may start several one after the other.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio as redis_asyncio

            self._client = redis_asyncio.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self._loop = loop
        return self._client

    async def count(self, key: str, window: int) -> int:
        name = f"{self.prefix}{key}:{window}"
        try:
            pipe = self._redis().pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, int(WINDOW_SECONDS) + 5)
            n, _ = await pipe.execute()
            return int(n)
        except Exception as exc:  # noqa: BLE001 - fail open on purpose (module docstring)
            log.warning("rate limit store unavailable, request allowed: %s", type(exc).__name__)
            return 0

    async def close(self) -> None:
        if self._client is not None:
            try:
                await self._client.aclose()
            except RuntimeError:  # its loop is gone (a test's): nothing left to close
                pass
            self._client = None


def make_rate_limiter(settings: Settings) -> RateLimiter | None:
    if not settings.rate_limit_enabled:
        return None
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url, settings.rate_limit_per_minute_user,
                                settings.rate_limit_per_minute_ip)
    return RateLimiter(settings.rate_limit_per_minute_user, settings.rate_limit_per_minute_ip)


def _headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset)}
