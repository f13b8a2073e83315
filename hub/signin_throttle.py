"""Limits on failed sign-ins, per client address and per user name.

Without a limit, a client could guess passwords as fast as scrypt allows and fill the audit log
with one record per keyless request. Failures are counted in a sliding window; once a client (any
credential) or a user name (passwords) reaches its limit, further attempts are refused with 429
until the oldest failure leaves the window, and they are no longer audited one by one: the hub
writes a single ``auth.throttled`` record when the limit is reached.

The counts live in the process's memory: with several API workers each keeps its own, so the
effective limit is the setting times the number of workers. They are bounded in size (the oldest
keys are dropped first), so a flood of distinct addresses cannot grow them without end.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_TRACKED_KEYS = 50_000


class SignInThrottle:
    """Sliding-window failure counts keyed by ``("client", address)`` and ``("user", name)``."""

    def __init__(
        self,
        *,
        window_seconds: float,
        per_client: int,
        per_user: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = float(window_seconds)
        self.limits = {"client": per_client, "user": per_user}
        self.clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, *, client: str | None = None, user: str | None = None) -> int | None:
        """Seconds until a new attempt is allowed, or None when neither key is at its limit."""
        now = self.clock()
        waits = []
        with self._lock:
            for key in self._keys(client, user):
                times = self._pruned(key, now)
                if times is not None and len(times) >= self.limits[key[0]]:
                    waits.append(times[0] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def record_failure(self, *, client: str | None = None, user: str | None = None) -> bool:
        """Count one failure; True when it brought a key to its limit (the moment to audit the lock)."""
        now = self.clock()
        reached = False
        with self._lock:
            for key in self._keys(client, user):
                times = self._pruned(key, now)
                if times is None:
                    times = self._failures[key] = deque()
                times.append(now)
                self._failures.move_to_end(key)
                if len(times) == self.limits[key[0]]:
                    reached = True
            while len(self._failures) > MAX_TRACKED_KEYS:
                self._failures.popitem(last=False)
        return reached

    def clear_user(self, user: str) -> None:
        """Forget a user name's failures (after a successful sign-in)."""
        with self._lock:
            self._failures.pop(("user", user), None)

    @staticmethod
    def _keys(client: str | None, user: str | None) -> list[tuple[str, str]]:
        keys = []
        if client:
            keys.append(("client", client))
        if user:
            keys.append(("user", user))
        return keys

    def _pruned(self, key: tuple[str, str], now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times
