"""Login throttling per account and per IP (SECURITY A1/A2).

Failures are counted in a sliding window; past the limit the caller gets 429 with ``Retry-After`` until
the oldest failure leaves the window. There is no permanent lockout — an attacker must not be able to
lock an attorney out of an emergency filing (the trade-off LegalServer documents; ASVS 6.1.1).
The counters live in process memory: with several API instances each instance throttles on its own,
which still bounds guessing to (instances x limit) per window (docs/DECISIONS.md).
"""

from __future__ import annotations

import math
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
                    waits.append(max(1, math.ceil(q[len(q) - limit] + self.window - now)))
            return max(waits) if waits else None

    def record_failure(self, account: str, ip: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[f"a:{account}"].append(now)
            self._failures[f"i:{ip}"].append(now)

    def record_success(self, account: str) -> None:
        with self._lock:
            self._failures.pop(f"a:{account}", None)


class AttemptCounter:
    """Attempts per key in a sliding window, counted and checked in one step under a lock (no
    check-then-act race). Used by the password-reset endpoints: every attempt counts, not only failures."""

    def __init__(self, window_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int) -> int | None:
        """Count one attempt for ``key``; seconds to wait if this attempt is over ``limit``, else None.
        A refused attempt is not counted, so waiting the answered time is always enough."""
        now = self.clock()
        with self._lock:
            q = self._hits[key]
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= limit:
                return max(1, math.ceil(q[len(q) - limit] + self.window - now))
            q.append(now)
            if len(self._hits) > 100_000:  # bound memory: forget keys with no attempt in the window
                self._hits = defaultdict(deque, {k: v for k, v in self._hits.items()
                                                 if v and v[-1] > now - self.window})
            return None


class ResetThrottle:
    """Limits of the password-reset endpoints, per client address and per account (docs/auth.md).

    - per address: ``per_ip`` requests + confirmations in the window, then 429 with ``Retry-After``;
    - per e-mail address asked for: ``per_account`` reset e-mails in the window; further requests get the same
      202 but send nothing (a 429 here would be the same for every address, but silence also stops anyone from
      filling a person's mailbox);
    - per account, at confirmation: ``per_account`` attempts in the window, then 429.
    """

    def __init__(self, per_ip: int, per_account: int = 3, window_seconds: int = 900,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_ip = per_ip
        self.per_account = per_account
        self.counter = AttemptCounter(window_seconds, clock)

    def ip(self, ip: str) -> int | None:
        return self.counter.hit(f"i:{ip}", self.per_ip)

    def request_for(self, email_key: str) -> int | None:
        return self.counter.hit(f"r:{email_key}", self.per_account)

    def confirm_for(self, user_id: str) -> int | None:
        return self.counter.hit(f"c:{user_id}", self.per_account + 2)
