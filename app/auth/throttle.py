"""Login throttling per account and per IP (SECURITY A1/A2).

Failures are counted in a sliding window; past the limit the caller gets 429 with ``Retry-After`` until
the oldest failure leaves the window. There is no permanent lockout — an attacker must not be able to
lock an attorney out of an emergency filing (the trade-off LegalServer documents; ASVS 6.1.1).
The counters live in process memory: with several API instances each instance throttles on its own,
which still bounds guessing to (instances x limit) per window (docs/DECISIONS.md).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable


class LoginThrottle:
    def __init__(self, per_account: int, per_ip: int, window_seconds: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_account = per_account
        self.per_ip = per_ip
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, account: str, ip: str) -> int | None:
        """Seconds to wait if either the account or the IP is over its limit, else None."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, limit in ((f"a:{account}", self.per_account), (f"i:{ip}", self.per_ip)):
                q = self._prune(key, now)
                if len(q) >= limit:
                    waits.append(int(q[len(q) - limit] + self.window - now) + 1)
            return max(waits) if waits else None

    def record_failure(self, account: str, ip: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[f"a:{account}"].append(now)
            self._failures[f"i:{ip}"].append(now)

    def record_success(self, account: str) -> None:
        with self._lock:
            self._failures.pop(f"a:{account}", None)
