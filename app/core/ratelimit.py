"""Request rate limits per user and per client IP (docs/security-model.md#resource-limits, OWASP API4).

Fixed one-minute windows kept in process memory: cheap, and generous by default (600/min per user,
1,200/min per IP). Over the limit: 429 problem+json with ``Retry-After``; every limited response carries
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (seconds to the window's end).
Like login throttling, the counters are per instance (docs/DECISIONS.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from app.core.errors import ProblemError

WINDOW_SECONDS = 60.0


class RateLimiter:
    def __init__(self, per_user: int, per_ip: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user = per_user
        self.per_ip = per_ip
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def _hit(self, key: str, limit: int) -> tuple[bool, int, int]:
        """Count one request; return (allowed, remaining, seconds_to_reset)."""
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        with self._lock:
            w, n = self._counts.get(key, (window, 0))
            if w != window:
                n = 0
            n += 1
            self._counts[key] = (window, n)
            if len(self._counts) > 100_000:  # bound memory: drop stale windows
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        return n <= limit, max(0, limit - n), reset

    def check_ip(self, ip: str) -> tuple[bool, dict[str, str]]:
        allowed, remaining, reset = self._hit(f"ip:{ip}", self.per_ip)
        return allowed, _headers(self.per_ip, remaining, reset)

    def check_user(self, request: Any, user_id: str) -> None:
        allowed, remaining, reset = self._hit(f"user:{user_id}", self.per_user)
        headers = _headers(self.per_user, remaining, reset)
        request.scope.setdefault("state", {})["dp_ratelimit"] = headers
        if not allowed:
            raise ProblemError(429, "rate_limited", "Too many requests; slow down.",
                               headers={**headers, "Retry-After": str(reset)})


def _headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset)}
