"""Rate limits answered with 429 + Retry-After: fixed windows per principal or client address,
and growing delays per (account, address) for sign-in.

Kept in process memory: each worker limits on its own, which bounds abuse without a shared
store. A deployment behind several workers divides the configured rates accordingly. (The
`limits` library offers the same windows over shared stores, but not the per-pair backoff that
sign-in needs; one small lock-guarded dictionary does both here.)
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time

from redangel.errors import RateLimited


class RateLimiter:
    """Counts requests per (bucket, key) in one-minute windows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}

    def hit(self, bucket: str, key: str, per_minute: int) -> None:
        """Count one request; raise RateLimited when the window is full."""
        now = time.time()
        window = int(now // 60)
        with self._lock:
            if len(self._windows) > 100_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get((bucket, key), (window, 0))
            if start != window:
                start, count = window, 0
            if count >= per_minute:
                raise RateLimited(retry_after=max(1, math.ceil((window + 1) * 60 - now)))
            self._windows[(bucket, key)] = (start, count + 1)


def address_key(host: str | None) -> str:
    """The client address a limit counts against: IPv6 by its /64 (one subscriber's network)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class LoginThrottle:
    """Growing delays for sign-in attempts, per (account, client address).

    The first `free` attempts of an account from one address cost nothing; after them, each
    next attempt from that address must wait `base`·2ⁿ seconds (n = attempts past `free`,
    capped at `cap`) after the previous one failed. An attempt counts when it starts (so a burst
    of parallel guesses is refused too) and a correct password clears its pair. Other addresses
    are not slowed by the pair: guessing from one place cannot lock a clerk out of the office,
    and the per-address window (`RateLimiter`) still bounds how fast one place may try accounts.
    """

    def __init__(self, *, free: int = 5, base: float = 1.0, cap: float = 900.0,
                 forget_after: float = 3600.0, max_pairs: int = 100_000) -> None:
        self.free = free
        self.base = base
        self.cap = cap
        self.forget_after = forget_after
        self.max_pairs = max_pairs
        self._lock = threading.Lock()
        self._pairs: dict[tuple[str, str], tuple[int, float]] = {}

    def attempt(self, account: str, address: str) -> None:
        """Count one attempt; raise RateLimited while this pair must still wait."""
        key = (account.casefold(), address)
        now = time.monotonic()
        with self._lock:
            count, last = self._pairs.get(key, (0, now))
            if now - last > self.forget_after:
                count = 0
            if count >= self.free:
                wait = min(self.cap, self.base * 2 ** (count - self.free))
                if now < last + wait:
                    raise RateLimited(retry_after=max(1, math.ceil(last + wait - now)))
            if key not in self._pairs and len(self._pairs) >= self.max_pairs:
                self._forget(now)
            self._pairs[key] = (count + 1, now)

    def failed(self, account: str, address: str) -> None:
        """A wrong password: the wait starts from now (after the slow password check)."""
        key = (account.casefold(), address)
        with self._lock:
            if key in self._pairs:
                self._pairs[key] = (self._pairs[key][0], time.monotonic())

    def succeeded(self, account: str, address: str) -> None:
        """A correct password: this pair starts afresh."""
        with self._lock:
            self._pairs.pop((account.casefold(), address), None)

    def _forget(self, now: float) -> None:
        """Drop pairs idle long enough to be forgotten; if still full, the oldest half."""
        self._pairs = {k: v for k, v in self._pairs.items() if now - v[1] <= self.forget_after}
        if len(self._pairs) >= self.max_pairs:
            kept = sorted(self._pairs.items(), key=lambda item: item[1][1])[len(self._pairs) // 2:]
            self._pairs = dict(kept)
