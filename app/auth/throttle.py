"""Sign-in throttling without lockout by strangers (docs/security-model.md#login-attacks; docs/SECURITY.md "Login
throttling").

What is counted, and where a guess is refused (429 with ``Retry-After``, never a server-side sleep):

- **(account, address) pair** — the client address that fails for an account gets ``free`` failures, then an
  exponential backoff: ``backoff_base * 2**(n - free)`` seconds after its last failure, capped at
  ``backoff_max``. A pair's failures are forgotten after ``memory`` seconds without one. Only the failing
  address waits: the right password from another address still signs in.
- **address** — ``per_ip`` failures over all accounts in a sliding ``window`` (credential stuffing from one
  address).
- **account ceiling** — ``account_ceiling`` failures from *unfamiliar* addresses in ``memory`` seconds: past it,
  unfamiliar addresses wait, while addresses from which the account has signed in before (familiar ones) keep
  their own pair counters (Microsoft Entra smart lockout's familiar/unfamiliar split). This bounds a
  distributed guessing campaign to about ``account_ceiling`` guesses per account and period (NIST SP 800-63B
  §5.2.2: at most 100 consecutive failures).

Counting is reserve-then-verify: ``reserve`` checks every limit *and* counts the attempt as a failure in one step
under a lock, before the password is verified; ``succeeded`` gives the reservation back, ``failed`` keeps it.
Parallel guesses therefore can never be verified beyond the limits (no check-then-act race).

The state lives in process memory (one instance = one throttle, docs/DECISIONS.md). Every operation goes through
the small method set ``reserve/succeeded/failed/release``, so a shared store (PostgreSQL rows updated with
``UPDATE … RETURNING``) can replace this class without touching the callers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.config import Settings

_MAX_KEYS = 100_000  # bound memory: past this, forget keys with nothing left to remember


@dataclass
class _Backoff:
    failures: int = 0
    last: float = 0.0


class BackoffCounter:
    """Failures per key with exponential backoff after ``free`` of them; reserve-then-verify."""

    def __init__(self, free: int, base: float, cap: float, memory: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base, self.cap, self.memory, self.clock = free, base, cap, memory, clock
        self._state: dict[str, _Backoff] = {}
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """Seconds a key with ``failures`` failures waits after its last one (0 while under ``free``)."""
        if failures < self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** min(failures - self.free, 40)))

    # The ``_locked`` methods expect the caller to hold ``self._lock`` (LoginThrottle shares it).
    def _get(self, key: str, now: float) -> _Backoff | None:
        st = self._state.get(key)
        if st is not None and now - st.last >= self.memory:
            del self._state[key]
            return None
        return st

    def wait_locked(self, key: str, now: float) -> int | None:
        st = self._get(key, now)
        if st is None:
            return None
        until = st.last + self.delay(st.failures)
        return max(1, math.ceil(until - now)) if until > now else None

    def count_locked(self, key: str, now: float) -> None:
        st = self._get(key, now)
        if st is None:
            if len(self._state) > _MAX_KEYS:
                self._state = {k: v for k, v in self._state.items() if now - v.last < self.memory}
            st = self._state[key] = _Backoff()
        st.failures += 1
        st.last = now

    def failures(self, key: str) -> int:
        with self._lock:
            st = self._get(key, self.clock())
            return st.failures if st else 0

    def reserve(self, key: str) -> int | None:
        """Count one attempt as a failure unless ``key`` must wait; the wait in seconds if it must."""
        now = self.clock()
        with self._lock:
            wait = self.wait_locked(key, now)
            if wait is None:
                self.count_locked(key, now)
            return wait

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)

    def release(self, key: str) -> None:
        """Give back one reserved attempt that was neither a success nor a failure (e.g. a database error)."""
        with self._lock:
            st = self._state.get(key)
            if st is not None:
                st.failures -= 1
                if st.failures <= 0:
                    del self._state[key]

    def failed(self, key: str) -> None:
        """The reserved attempt failed: it stays counted; the backoff runs from now (after verification)."""
        now = self.clock()
        with self._lock:
            st = self._state.get(key)
            if st is not None:
                st.last = max(st.last, now)


@dataclass
class LoginAttempt:
    """A reserved sign-in attempt (see ``LoginThrottle.reserve``)."""

    account: str
    ip: str
    at: float
    familiar: bool
    done: bool = field(default=False)


class LoginThrottle:
    def __init__(self, per_pair: int = 5, per_ip: int = 30, window_seconds: int = 900, *,
                 account_ceiling: int = 100, backoff_base_seconds: float = 1.0,
                 backoff_max_seconds: float = 900.0, memory_seconds: float = 86_400.0,
                 familiar_per_account: int = 10, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_pair = per_pair
        self.per_ip = per_ip
        self.window = window_seconds
        self.account_ceiling = account_ceiling
        self.memory = memory_seconds
        self.familiar_per_account = familiar_per_account
        self.clock = clock
        self.pairs = BackoffCounter(per_pair, backoff_base_seconds, backoff_max_seconds, memory_seconds, clock)
        self._lock = self.pairs._lock  # one lock for the three counters: a reservation is all or nothing
        self._ip: dict[str, deque[float]] = defaultdict(deque)
        self._account: dict[str, deque[float]] = defaultdict(deque)  # failures from unfamiliar addresses
        self._familiar: dict[str, OrderedDict[str, float]] = {}  # account -> {address: last success}

    @staticmethod
    def _pair(account: str, ip: str) -> str:
        return f"{account}\x00{ip}"

    @staticmethod
    def _prune(q: deque[float], horizon: float) -> deque[float]:
        while q and q[0] <= horizon:
            q.popleft()
        return q

    def _is_familiar(self, account: str, ip: str, now: float) -> bool:
        seen = self._familiar.get(account)
        return seen is not None and ip in seen and now - seen[ip] < self.memory * 30

    def reserve(self, account: str, ip: str) -> tuple[LoginAttempt | None, int | None]:
        """Check every limit and count this attempt as a failure, in one step. Returns ``(attempt, None)`` when
        the password may be verified, ``(None, seconds)`` when the caller must answer 429."""
        now = self.clock()
        with self._lock:
            waits = []
            ip_q = self._prune(self._ip[ip], now - self.window)
            if len(ip_q) >= self.per_ip:
                waits.append(max(1, math.ceil(ip_q[len(ip_q) - self.per_ip] + self.window - now)))
            pair_wait = self.pairs.wait_locked(self._pair(account, ip), now)
            if pair_wait is not None:
                waits.append(pair_wait)
            familiar = self._is_familiar(account, ip, now)
            if not familiar:
                acc_q = self._prune(self._account[account], now - self.memory)
                if len(acc_q) >= self.account_ceiling:
                    waits.append(max(1, math.ceil(acc_q[len(acc_q) - self.account_ceiling] + self.memory - now)))
            if waits:
                if not ip_q:
                    self._ip.pop(ip, None)
                return None, max(waits)
            ip_q.append(now)
            self.pairs.count_locked(self._pair(account, ip), now)
            if not familiar:
                self._account[account].append(now)
            self._bound(now)
            return LoginAttempt(account, ip, now, familiar), None

    def _bound(self, now: float) -> None:
        if len(self._ip) > _MAX_KEYS:
            self._ip = defaultdict(deque, {k: v for k, v in self._ip.items() if v and v[-1] > now - self.window})
        if len(self._account) > _MAX_KEYS:
            self._account = defaultdict(deque, {k: v for k, v in self._account.items()
                                                if v and v[-1] > now - self.memory})
        if len(self._familiar) > _MAX_KEYS:
            self._familiar = {}

    def _give_back(self, attempt: LoginAttempt) -> None:
        for q in (self._ip.get(attempt.ip), None if attempt.familiar else self._account.get(attempt.account)):
            if q is not None:
                try:
                    q.remove(attempt.at)
                except ValueError:
                    pass

    def succeeded(self, attempt: LoginAttempt) -> None:
        """The right password: the reservation is given back, the pair forgets its failures, and the address
        becomes familiar for the account."""
        if attempt.done:
            return
        attempt.done = True
        with self._lock:
            self._give_back(attempt)
            self.pairs._state.pop(self._pair(attempt.account, attempt.ip), None)
            seen = self._familiar.setdefault(attempt.account, OrderedDict())
            seen[attempt.ip] = self.clock()
            seen.move_to_end(attempt.ip)
            while len(seen) > self.familiar_per_account:
                seen.popitem(last=False)

    def failed(self, attempt: LoginAttempt) -> None:
        if attempt.done:
            return
        attempt.done = True
        self.pairs.failed(self._pair(attempt.account, attempt.ip))

    def release(self, attempt: LoginAttempt) -> None:
        """Neither success nor failure (an error before the answer): give the reservation back."""
        if attempt.done:
            return
        attempt.done = True
        with self._lock:
            self._give_back(attempt)
            st = self.pairs._state.get(self._pair(attempt.account, attempt.ip))
            if st is not None:
                st.failures -= 1
                if st.failures <= 0:
                    del self.pairs._state[self._pair(attempt.account, attempt.ip)]


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


def password_change_throttle(settings: Settings) -> BackoffCounter:
    """Wrong current passwords at ``POST /auth/password``, per account: a stolen access token must not be a
    free password oracle. ``PASSWORD_CHANGE_MAX_FAILURES`` free failures, then the sign-in backoff."""
    return BackoffCounter(settings.password_change_max_failures, settings.login_backoff_base_seconds,
                          settings.login_backoff_max_seconds, settings.login_failure_memory_seconds)
