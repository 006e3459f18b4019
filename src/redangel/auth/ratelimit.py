"""Rate limits answered with 429 + Retry-After: fixed windows per principal or client address,
and growing delays per (account, address) for sign-in.

Where the counts live is a setting (`REDANGEL_RATE_LIMIT_STORAGE`):
- `memory` (the default, for the embedded single process): a lock-guarded dictionary per
  process. Several workers would each count on their own.
- `redis://host:port/db`: one Redis shared by every worker of every machine, so a limit of N
  per minute is N for the whole deployment. The windows are the `limits` library's fixed
  windows; the sign-in delays, which `limits` does not offer, are one small Lua script that
  reads and updates a pair atomically. Keys are hashed: no username or address is stored in
  Redis. When Redis cannot be reached a worker falls back to its own memory (logged), so an
  outage of the limiter's store slows nobody down and still bounds abuse per worker.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import threading
import time

import redis
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from redangel.errors import RateLimited

log = logging.getLogger(__name__)
_PREFIX = "redangel:rl:"


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


def _hashed(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class SharedRateLimiter(RateLimiter):
    """The same windows, counted in a store every worker shares (`limits` over Redis)."""

    def __init__(self, uri: str) -> None:
        super().__init__()
        self._limiter = FixedWindowRateLimiter(storage_from_string(uri, socket_timeout=0.5))
        self._items: dict[int, RateLimitItemPerMinute] = {}

    def hit(self, bucket: str, key: str, per_minute: int) -> None:
        """Count one request in the shared window; raise RateLimited when it is full."""
        item = self._items.setdefault(per_minute, RateLimitItemPerMinute(per_minute))
        identifier = _hashed(bucket, key)
        try:
            allowed = self._limiter.hit(item, "redangel", identifier)
            if allowed:
                return
            reset = self._limiter.get_window_stats(item, "redangel", identifier).reset_time
        except (redis.RedisError, OSError):
            log.warning("the shared rate limit store is unreachable; counting in this worker")
            super().hit(bucket, key, per_minute)
            return
        raise RateLimited(retry_after=max(1, math.ceil(reset - time.time())))


# KEYS[1]: the pair; ARGV: free, base, cap, forget_after, now. Returns the seconds still to
# wait ("0": the attempt is counted and may go ahead).
_ATTEMPT = """
local count = tonumber(redis.call('HGET', KEYS[1], 'c') or '0')
local now = tonumber(ARGV[5])
local last = tonumber(redis.call('HGET', KEYS[1], 'l') or ARGV[5])
if now - last > tonumber(ARGV[4]) then count = 0 end
if count >= tonumber(ARGV[1]) then
  local wait = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (count - tonumber(ARGV[1])))
  if now < last + wait then return tostring(last + wait - now) end
end
redis.call('HSET', KEYS[1], 'c', count + 1, 'l', ARGV[5])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[4])))
return '0'
"""
_FAILED = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'l', ARGV[1]) end
return 0
"""


class SharedLoginThrottle(LoginThrottle):
    """The same growing delays, kept in Redis so that every worker sees every attempt.

    Times are the machines' wall clocks (kept in step by NTP on servers)."""

    def __init__(self, uri: str, *, free: int) -> None:
        super().__init__(free=free)
        self._redis = redis.Redis.from_url(uri, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._attempt = self._redis.register_script(_ATTEMPT)
        self._failed = self._redis.register_script(_FAILED)

    def _key(self, account: str, address: str) -> str:
        return _PREFIX + "pair:" + _hashed(account.casefold(), address)

    def attempt(self, account: str, address: str) -> None:
        """Count one attempt for the whole deployment; raise RateLimited while it must wait."""
        try:
            wait = float(self._attempt(keys=[self._key(account, address)],
                                       args=[self.free, self.base, self.cap, self.forget_after,
                                             time.time()]))
        except (redis.RedisError, OSError):
            log.warning("the shared sign-in throttle is unreachable; counting in this worker")
            super().attempt(account, address)
            return
        if wait > 0:
            raise RateLimited(retry_after=max(1, math.ceil(wait)))

    def failed(self, account: str, address: str) -> None:
        """A wrong password: the wait starts from now."""
        try:
            self._failed(keys=[self._key(account, address)], args=[time.time()])
        except (redis.RedisError, OSError):
            super().failed(account, address)

    def succeeded(self, account: str, address: str) -> None:
        """A correct password: this pair starts afresh."""
        try:
            self._redis.delete(self._key(account, address))
        except (redis.RedisError, OSError):
            super().succeeded(account, address)


def limiters(storage: str, *, free: int) -> tuple[RateLimiter, LoginThrottle]:
    """The request limiter and the sign-in throttle for a storage setting (see the module)."""
    if storage == "memory":
        return RateLimiter(), LoginThrottle(free=free)
    return SharedRateLimiter(storage), SharedLoginThrottle(storage, free=free)
